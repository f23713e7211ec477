"""The privacy statement's fields: on its own page, and on the form of a new space (where
`vertrouwelijk` or higher needs them). Which are required the service decides, so the space
form and the statement's page refuse with the same words, next to each field."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from ..cases.legal_bases import active_legal_bases
from ..editing import VersionFields
from ..forms import too_long
from .service import PrivacyFields


def _basis_id(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class PrivacyFieldsMixin:
    """The five fields a person fills in; the recipients come from the grants."""

    purpose = TextAreaField(
        _l("Doel van de verwerking"),
        validators=[too_long(2000)],
        description=_l("Waarvoor de gegevens in deze werkruimte worden gebruikt."),
    )
    legal_basis_id = SelectField(_l("Grondslag"), coerce=_basis_id, validate_choice=False)
    data_categories = TextAreaField(
        _l("Soorten persoonsgegevens"),
        validators=[too_long(2000)],
        description=_l("Bijvoorbeeld: namen en adressen van bewoners, kentekens, foto's."),
    )
    retention = StringField(
        _l("Bewaartermijn"),
        validators=[too_long(200)],
        description=_l("Bijvoorbeeld: 5 jaar na afsluiten van de casus."),
    )
    contact = StringField(
        _l("Contact voor vragen over privacy"),
        validators=[too_long(300)],
        description=_l("Een functie, een functionele mailbox of de privacyfunctionaris."),
    )

    def fill_legal_bases(self) -> None:
        """The active legal bases to choose from (cases/legal_bases.py)."""
        choices = [("", str(_l("Kies een grondslag")))]
        self.legal_basis_id.choices = choices + [(b.id, b.name) for b in active_legal_bases()]

    def privacy_values(self) -> PrivacyFields:
        return PrivacyFields(
            purpose=self.purpose.data or "",
            legal_basis_id=self.legal_basis_id.data,
            data_categories=self.data_categories.data or "",
            retention=self.retention.data or "",
            contact=self.contact.data or "",
        )


class PrivacyForm(VersionFields, PrivacyFieldsMixin, FlaskForm):
    """The statement's own page."""
