"""The one button per membership or grant: confirm it, or remove it."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

from .models import Decision


class DecisionForm(FlaskForm):
    #: "membership:12" or "grant:34": which row of the review's list.
    subject = HiddenField()
    decision = HiddenField(validators=[AnyOf([d.value for d in Decision])])

    def subject_ref(self) -> tuple[str, int] | None:
        kind, _sep, number = (self.subject.data or "").partition(":")
        if kind not in ("membership", "grant") or not number.isdigit():
            return None
        return kind, int(number)
