"""Forms of the application pages; each lists its fields (no mass assignment)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length, Regexp

from ..forms import email_field, required
from ..organisations.forms import ORG_TYPE_LABELS
from ..organisations.models import OrgType
from ..organisations.municipalities import by_code, municipalities
from ..text import single_line

#: The honeypot's name: a field people never see, that form-filling robots do fill in.
HONEYPOT = "website"


def municipality_choices():
    return [("", _l("— kies uw gemeente —"))] + [(m.cbs_code, m.name) for m in municipalities()]


def org_type_choices():
    return [("", _l("— kies het soort organisatie —"))] + [
        (t.value, label) for t, label in ORG_TYPE_LABELS.items()
    ]


def _text(value):
    return value.strip() if isinstance(value, str) else value


class ApplicationForm(FlaskForm):
    org_type = SelectField(
        _l("Soort organisatie"),
        choices=org_type_choices,
        validators=[required(_l("Kies het soort organisatie."))],
    )
    cbs_code = SelectField(
        _l("Gemeente"),
        choices=municipality_choices,
        description=_l("Alleen als u zich aanmeldt namens een gemeente."),
    )
    organisation_name = StringField(
        _l("Naam van de organisatie"),
        validators=[Length(max=200, message=_l("Gebruik hoogstens 200 tekens."))],
        filters=[single_line],
        description=_l(
            "Voor een gemeente mag u dit leeg laten: dan wordt het ‘Gemeente’ en de naam van de "
            "gemeente."
        ),
        render_kw={"autocomplete": "organization"},
    )
    contact_name = StringField(
        _l("Uw naam"),
        validators=[
            required(_l("Vul uw naam in.")),
            Length(max=200, message=_l("Gebruik hoogstens 200 tekens.")),
        ],
        filters=[single_line],
        render_kw={"autocomplete": "name"},
    )
    contact_role = StringField(
        _l("Uw functie of rol"),
        validators=[
            required(_l("Vul uw functie of rol in.")),
            Length(max=200, message=_l("Gebruik hoogstens 200 tekens.")),
        ],
        filters=[single_line],
        description=_l("Bijvoorbeeld ‘beleidsadviseur openbare orde en veiligheid’."),
        render_kw={"autocomplete": "organization-title"},
    )
    email = email_field(_l("Uw e-mailadres"))
    phone = StringField(
        _l("Uw telefoonnummer"),
        validators=[
            required(_l("Vul uw telefoonnummer in.")),
            Regexp(
                r"^\+?[0-9][0-9 ()-]{7,24}$",
                message=_l("Vul een geldig telefoonnummer in, zoals 010 123 45 67."),
            ),
        ],
        filters=[single_line],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    motivation = TextAreaField(
        _l("Waarom wilt u deelnemen?"),
        validators=[
            required(_l("Vertel kort waarom uw organisatie wil deelnemen.")),
            Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens.")),
        ],
        filters=[_text],
        description=_l("Bijvoorbeeld: wat speelt er in uw gemeente, wat zoekt u in het netwerk."),
    )
    privacy_consent = BooleanField(
        _l("Ik heb de privacyverklaring gelezen."),
        validators=[required(_l("Bevestig dat u de privacyverklaring hebt gelezen."))],
    )
    # Not rendered by the field macro: see the template (hidden from people and screen readers).
    website = StringField(_l("Laat dit veld leeg"), filters=[_text])

    def validate_cbs_code(self, field):
        if self.org_type.data == OrgType.MUNICIPALITY.value:
            if not field.data:
                raise ValidationError(_l("Kies de gemeente waarvoor u zich aanmeldt."))
        elif field.data:
            raise ValidationError(_l("Kies alleen een gemeente als u een gemeente bent."))

    def validate_organisation_name(self, field):
        if not field.data and self.org_type.data != OrgType.MUNICIPALITY.value:
            raise ValidationError(_l("Vul de naam van de organisatie in."))

    def organisation_name_or_default(self) -> str:
        """A municipality that left the name empty is called after its municipality."""
        if self.organisation_name.data:
            return self.organisation_name.data
        return f"Gemeente {by_code()[self.cbs_code.data].name}"


class QuestionForm(FlaskForm):
    question = TextAreaField(
        _l("Uw vraag aan de aanvrager"),
        validators=[
            required(_l("Vul de vraag in.")),
            Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens.")),
        ],
        filters=[_text],
        description=_l("De aanvrager krijgt de vraag per e-mail en antwoordt per e-mail."),
    )


class ApproveForm(FlaskForm):
    """Approving; where the organisation exists already, only with this box ticked."""

    confirm_existing = BooleanField(
        _l("Ja, maak de aanvrager beheerder van de bestaande organisatie"),
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden van afwijzing"),
        validators=[
            required(_l("Geef de reden van de afwijzing.")),
            Length(max=5000, message=_l("Gebruik hoogstens 5000 tekens.")),
        ],
        filters=[_text],
        description=_l("De aanvrager krijgt deze reden per e-mail."),
    )
