"""The form in which a user decides what the directory shows of them."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, Regexp

from ..text import single_line

#: field -> the label of its opt-in, in the order of models.FIELDS.
SHOW_LABELS = {
    "name": _l("Mijn naam"),
    "job_title": _l("Mijn rol of functie"),
    "organisation": _l("Mijn organisatie: vermeld mij als contactpersoon bij mijn organisatie"),
    "email": _l("Mijn e-mailadres"),
    "phone": _l("Mijn telefoonnummer"),
}


class DirectorySettingsForm(FlaskForm):
    job_title = StringField(
        _l("Rol of functie"),
        validators=[Length(max=200, message=_l("Gebruik hoogstens 200 tekens."))],
        filters=[single_line],
        description=_l("Bijvoorbeeld ‘beleidsadviseur openbare orde en veiligheid’."),
    )
    phone = StringField(
        _l("Telefoonnummer"),
        validators=[
            Optional(),
            Length(max=40, message=_l("Gebruik hoogstens 40 tekens.")),
            Regexp(
                r"^\+?[0-9 ()\-]{6,}$",
                message=_l("Vul een telefoonnummer in, zoals 010 123 45 67 of +31 10 123 45 67."),
            ),
        ],
        filters=[single_line],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    show_name = BooleanField(SHOW_LABELS["name"])
    show_job_title = BooleanField(SHOW_LABELS["job_title"])
    show_organisation = BooleanField(SHOW_LABELS["organisation"])
    show_email = BooleanField(SHOW_LABELS["email"])
    show_phone = BooleanField(SHOW_LABELS["phone"])

    def shown(self) -> set[str]:
        return {name for name in SHOW_LABELS if getattr(self, f"show_{name}").data}
