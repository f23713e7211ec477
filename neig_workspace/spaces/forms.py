"""Forms of the space pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length

from ..access.roles import SpaceRole
from ..editing import VersionFields
from ..forms import description_field, required
from ..privacy.forms import PrivacyFieldsMixin
from .models import Classification, PrincipalType, SpaceKind

CLASSIFICATION_LABELS = {
    Classification.OPENBAAR: _l("openbaar"),
    Classification.BEPERKT_OPENBAAR: _l("beperkt openbaar"),
    Classification.INTERN: _l("intern"),
    Classification.ZAAKVERTROUWELIJK: _l("zaakvertrouwelijk"),
    Classification.VERTROUWELIJK: _l("vertrouwelijk"),
    Classification.CONFIDENTIEEL: _l("confidentieel"),
    Classification.GEHEIM: _l("geheim"),
    Classification.ZEER_GEHEIM: _l("zeer geheim"),
}
KIND_LABELS = {
    SpaceKind.ORGANISATION: _l("Eigen organisatie"),
    SpaceKind.SHARED: _l("Gedeeld met het netwerk"),
    SpaceKind.RESTRICTED: _l("Beperkt gedeeld"),
    SpaceKind.CASE: _l("Casus"),
}
ROLE_LABELS = {
    SpaceRole.VIEWER: _l("lezer"),
    SpaceRole.CONTRIBUTOR: _l("bijdrager"),
    SpaceRole.EDITOR: _l("redacteur"),
    SpaceRole.MANAGER: _l("beheerder"),
}
PRINCIPAL_LABELS = {
    PrincipalType.USER: _l("persoon"),
    PrincipalType.ORGANISATION: _l("organisatie"),
    PrincipalType.ORGANISATION_ADMINS: _l("beheerders van organisatie"),
    PrincipalType.NETWORK: _l("het hele netwerk"),
}


class SpaceForm(VersionFields, FlaskForm):
    name = StringField(_l("Naam"), validators=[required(_l("Vul een naam in.")), Length(max=200)])
    description = description_field(2000)
    classification = SelectField(
        _l("Classificatie"),
        choices=[(c.value, label) for c, label in CLASSIFICATION_LABELS.items()],
        default=Classification.INTERN.value,
        description=_l(
            "Vanaf ‘vertrouwelijk’ is tweestapsverificatie nodig om de werkruimte te openen."
        ),
    )
    mfa_required = BooleanField(_l("Tweestapsverificatie verplicht voor deze werkruimte"))


class NewSpaceForm(PrivacyFieldsMixin, SpaceForm):
    """A new space; from `vertrouwelijk` on with its privacy statement (the service says which
    fields are missing, next to each)."""

    kind = SelectField(
        _l("Soort werkruimte"),
        choices=[(k.value, KIND_LABELS[k]) for k in (SpaceKind.SHARED, SpaceKind.RESTRICTED)],
    )


class GrantForm(FlaskForm):
    principal = SelectField(
        _l("Wie"),
        validate_choice=True,
        description=_l(
            "Een organisatie, haar beheerders, één persoon (vul dan het e-mailadres in), of het hele netwerk."
        ),
    )
    email = StringField(_l("E-mailadres van de persoon"), validators=[Length(max=254)])
    role = SelectField(
        _l("Rol"), choices=[(str(r.value), label) for r, label in ROLE_LABELS.items()]
    )
    #: Shown once the whole network was chosen: the service grants nothing without it.
    confirm_network = BooleanField(_l("Ja, geef het hele netwerk toegang"))

    def validate_email(self, field):
        if self.principal.data == "user" and not (field.data or "").strip():
            raise ValidationError(_l("Vul het e-mailadres in van de persoon die toegang krijgt."))


class RetentionHoldForm(FlaskForm):
    """Putting a space on hold for the retention: why (required)."""

    reason = TextAreaField(
        _l("Reden van de blokkade"),
        description=_l("Bijvoorbeeld een lopende juridische procedure of een onderzoek."),
        validators=[
            required(_l("Geef een reden voor het blokkeren.")),
            Length(max=1000, message=_l("Gebruik hoogstens 1000 tekens.")),
        ],
    )
