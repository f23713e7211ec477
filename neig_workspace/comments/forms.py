"""Forms of comments and comment rounds."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import MultiCheckboxField, required
from ..integers import coerce_int
from .labels import DECISION_LABELS

BODY_HELP = _l(
    "Markdown mag: **vet**, *cursief*, lijstjes en links. Noem iemand met @ en het "
    "e-mailadres, bijvoorbeeld @m.jansen@politie.nl; wie het document kan lezen, krijgt een "
    "melding."
)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Reactie"),
        validators=[required(_l("Schrijf een reactie.")), Length(max=10_000)],
        description=BODY_HELP,
    )
    paragraph = SelectField(_l("Over alinea"), coerce=coerce_int, default=0, validate_choice=True)
    location = StringField(
        _l("Pagina of onderdeel"),
        validators=[Length(max=100)],
        description=_l("Bijvoorbeeld: p. 4 of § 2.1. Laat leeg voor het hele document."),
    )


class ReplyForm(FlaskForm):
    parent = HiddenField()
    body = TextAreaField(
        _l("Uw antwoord"),
        validators=[required(_l("Schrijf een reactie.")), Length(max=10_000)],
        description=BODY_HELP,
    )


class EditCommentForm(FlaskForm):
    body = TextAreaField(
        _l("Reactie"),
        validators=[required(_l("Schrijf een reactie.")), Length(max=10_000)],
        description=BODY_HELP,
    )


class ResponseForm(FlaskForm):
    response = TextAreaField(
        _l("Antwoord"),
        validators=[Length(max=10_000)],
        description=_l("Wat er met de reactie gebeurt en waarom; komt in de commentaartabel."),
    )
    decision = SelectField(
        _l("Besluit"),
        choices=[("", _l("(nog) geen besluit"))]
        + [(d.value, label) for d, label in DECISION_LABELS.items()],
        validators=[Optional()],
    )


class RoundForm(FlaskForm):
    deadline = DateField(
        _l("Reageren kan tot en met"),
        validators=[required(_l("Kies een datum."))],
        description=_l("De reactietermijn loopt tot het einde van deze dag."),
    )
    # The service says which organisations may be invited, with a message next to the field.
    organisations = MultiCheckboxField(
        _l("Uitgenodigde organisaties"), coerce=coerce_int, validate_choice=False
    )
    message = TextAreaField(
        _l("Bericht aan de genodigden"),
        validators=[Length(max=5000)],
        description=_l("Bijvoorbeeld waarop u vooral reacties wilt."),
    )


class ExtendForm(FlaskForm):
    deadline = DateField(_l("Nieuwe termijn"), validators=[required(_l("Kies een datum."))])
