"""Forms of the legal bases admin, release requests and decisions, and re-sharing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..editing import VersionFields
from ..forms import MultiCheckboxField, required
from ..integers import coerce_int
from ..text import single_line


class LegalBasisForm(VersionFields, FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[required(_l("Vul een naam in.")), Length(max=200)],
        filters=[single_line],
        description=_l("Bijvoorbeeld: Wpg art. 20."),
    )
    description = TextAreaField(
        _l("Omschrijving en doel"),
        validators=[Length(max=5000)],
        description=_l("Waarvoor deze grondslag het delen van gegevens toestaat."),
    )
    active = BooleanField(_l("In gebruik (te kiezen bij casussen en stukken)"), default=True)


class ReleaseRequestForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden"),
        validators=[required(_l("Vul een reden in.")), Length(max=5000)],
        description=_l("Waarom dit stuk de casus moet verlaten, en voor wie."),
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Besluit"),
        choices=[
            SelectChoice("approve", _l("Toestemming geven")),
            SelectChoice("refuse", _l("Weigeren")),
        ],
        validators=[required(_l("Kies een besluit."))],
    )
    note = TextAreaField(_l("Toelichting"), validators=[Length(max=5000)])


class EntryShareForm(FlaskForm):
    narrowing = MultiCheckboxField(
        _l("Alleen zichtbaar voor"),
        coerce=coerce_int,
        description=_l(
            "Laat leeg voor de kernpartners van de casus. Meer organisaties toegang geven kan "
            "alleen met toestemming van de organisatie die de notitie aanleverde."
        ),
    )


class AddressSearchForm(FlaskForm):
    """A case manager looks up, for a resident's request, the cases at an address."""

    address = StringField(
        _l("Adres"),
        validators=[required(_l("Vul het adres in.")), Length(max=300)],
        filters=[single_line],
        description=_l("Straat, huisnummer en postcode, zoals bij de casus vastgelegd."),
        render_kw={"autocomplete": "off"},
    )
    reference = StringField(
        _l("Kenmerk van het verzoek"),
        validators=[required(_l("Vul het kenmerk van het verzoek in.")), Length(max=100)],
        filters=[single_line],
        description=_l(
            "Het kenmerk waaronder uw organisatie het verzoek van de bewoner registreerde."
        ),
    )
