"""Forms of the case pages. Choices that refer to rows (municipality, organisations, legal
basis) are checked by the service, which names a wrong one in Dutch; the forms only parse."""

from datetime import datetime

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..access.roles import SpaceRole
from ..actions.forms import DutchDateField, DutchIntegerField
from ..editing import VersionFields
from ..forms import email_field, required
from ..integers import int_or_none
from ..text import single_line
from ..timeutil import to_utc
from .models import CaseStatus, ExplosiveType, TargetType
from .service import POSTCODE4

TARGET_LABELS = {
    TargetType.WONING: _l("woning"),
    TargetType.BEDRIJFSPAND: _l("bedrijfspand"),
    TargetType.VOERTUIG: _l("voertuig"),
    TargetType.OVERIG: _l("overig"),
}

EXPLOSIVE_LABELS = {
    ExplosiveType.ZWAAR_VUURWERK: _l("zwaar vuurwerk"),
    ExplosiveType.HANDGRANAAT: _l("handgranaat"),
    ExplosiveType.GEIMPROVISEERD: _l("geïmproviseerd explosief"),
    ExplosiveType.ONBEKEND: _l("onbekend"),
}

STATUS_LABELS = {
    CaseStatus.GEMELD: _l("gemeld"),
    CaseStatus.IN_BEHANDELING: _l("in behandeling"),
    CaseStatus.NAZORG: _l("nazorg"),
    CaseStatus.AFGESLOTEN: _l("afgesloten"),
}

ROLE_LABELS = {
    SpaceRole.VIEWER: _l("Meelezer"),
    SpaceRole.CONTRIBUTOR: _l("Deelnemer"),
    SpaceRole.EDITOR: _l("Behandelaar"),
    SpaceRole.MANAGER: _l("Casusregisseur"),
}

#: How many organisations the new-case form offers to bring in (more can be added later).
PARTICIPANT_ROWS = 3


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [(key.value, label) for key, label in labels.items()]


def role_or_none(value):
    """A SpaceRole from its number; None for an empty or malformed one."""
    try:
        return SpaceRole(int(value))
    except (TypeError, ValueError):
        return None


def _role_field(label=None) -> SelectField:
    return SelectField(
        label or _l("Rol"),
        choices=[(role.value, label) for role, label in ROLE_LABELS.items()],
        coerce=role_or_none,
        default=SpaceRole.CONTRIBUTOR.value,
        validate_choice=False,
    )


class IncidentTimeField(StringField):
    """A time of day typed as 14:30 (or 14.30); the form joins it to the date."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(".", ":")
        self.data = None
        if not text:
            return
        try:
            self.data = datetime.strptime(text, "%H:%M").time()
        except ValueError as error:
            raise ValueError(_l("Vul een tijd in, zoals 14:30.")) from error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""


def _local_now() -> datetime:
    """Dutch wall-clock time now: the incident's date and time are typed in it."""
    return datetime.now(get_timezone()).replace(tzinfo=None)


class CaseForm(FlaskForm):
    """The case's own fields; the new-case form adds the municipality and participants."""

    occurred_date = DutchDateField(
        _l("Datum van het incident"),
        validators=[InputRequired(message=_l("Vul de datum van het incident in."))],
        description=_l("Bijvoorbeeld 14-03-2025."),
    )
    occurred_time = IncidentTimeField(
        _l("Tijdstip van het incident"),
        validators=[InputRequired(message=_l("Vul het tijdstip van het incident in."))],
        description=_l("Bijvoorbeeld 02:30."),
    )
    target_type = SelectField(_l("Doelwit"), choices=_choices(TARGET_LABELS))
    explosive_type = SelectField(_l("Soort explosief"), choices=_choices(EXPLOSIVE_LABELS))
    postcode4 = StringField(
        _l("Postcode (4 cijfers)"),
        validators=[Length(max=4, message=_l("Vul alleen de vier cijfers van de postcode in."))],
        filters=[single_line],
        description=_l("Alleen de cijfers, bijvoorbeeld 3011."),
    )
    neighbourhood = StringField(
        _l("Buurt of wijk"), validators=[Length(max=120)], filters=[single_line]
    )
    address = StringField(
        _l("Volledig adres"),
        validators=[Length(max=300)],
        filters=[single_line],
        description=_l(
            "Niet verplicht. Alleen organisaties met toegang tot het adres zien het; "
            "de andere deelnemers zien de postcode en de buurt."
        ),
    )
    damage = TextAreaField(_l("Schade"), validators=[Length(max=5000)])
    injured = DutchIntegerField(_l("Aantal gewonden"), default=0)
    description = TextAreaField(
        _l("Korte omschrijving"),
        validators=[Length(max=5000)],
        description=_l("Geen namen van bewoners of andere persoonsgegevens."),
    )
    legal_basis_id = SelectField(_l("Grondslag"), coerce=int_or_none, validate_choice=False)
    purpose = TextAreaField(
        _l("Doel van de gegevensdeling"),
        validators=[required(_l("Vul het doel in.")), Length(max=2000)],
        description=_l("Bijvoorbeeld: aanpak van de explosie en nazorg voor de buurt."),
    )

    # Checked here, each next to its field, so one sending names every problem at once; the
    # service checks the same against the database (an organisation or basis gone inactive).
    def validate_occurred_date(self, field):
        if field.data and field.data > _local_now().date():
            raise ValidationError(_l("De datum van het incident ligt in de toekomst."))

    def validate_occurred_time(self, field):
        date_ok = self.occurred_date.data and not self.occurred_date.errors
        if date_ok and field.data and self._occurred_local() > _local_now():
            raise ValidationError(_l("Het tijdstip van het incident ligt in de toekomst."))

    def validate_postcode4(self, field):
        if field.data and not POSTCODE4.match(field.data):
            raise ValidationError(_l("Vul de vier cijfers van de postcode in, bijvoorbeeld 3011."))

    def validate_injured(self, field):
        if not field.errors and (field.data is None or field.data < 0):
            raise ValidationError(_l("Het aantal gewonden is nul of meer."))

    def validate_legal_basis_id(self, field):
        if not field.data:
            raise ValidationError(_l("Kies een grondslag uit de lijst."))

    def _occurred_local(self) -> datetime:
        return datetime.combine(self.occurred_date.data, self.occurred_time.data)

    def occurred_at(self) -> datetime:
        """The typed Dutch date and time, as the naive UTC the case stores."""
        return to_utc(self._occurred_local())

    def case_fields(self) -> dict:
        """The fields as the service's update_case and create_case take them."""
        return {
            "occurred_at": self.occurred_at(),
            "target_type": TargetType(self.target_type.data),
            "explosive_type": ExplosiveType(self.explosive_type.data),
            "postcode4": self.postcode4.data or "",
            "neighbourhood": self.neighbourhood.data or "",
            "damage": self.damage.data or "",
            "injured": self.injured.data,
            "description": self.description.data or "",
            "legal_basis_id": self.legal_basis_id.data,
            "purpose": self.purpose.data or "",
        }


class NewCaseForm(CaseForm):
    municipality_id = SelectField(_l("Gemeente"), coerce=int_or_none, validate_choice=False)
    people = TextAreaField(
        _l("Personen met een eigen rol"),
        validators=[Length(max=2000)],
        description=_l(
            "Niet verplicht. Eén e-mailadres per regel, van iemand van een deelnemende "
            "organisatie (bijvoorbeeld een behandelaar van de politie)."
        ),
    )
    people_role = _role_field(_l("Rol van deze personen"))

    def validate_municipality_id(self, field):
        if not field.data:
            raise ValidationError(_l("Kies een gemeente."))

    def people_emails(self) -> list[str]:
        lines = (self.people.data or "").replace(",", "\n").splitlines()
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))

    def participant_rows(self):
        """(number, organisation, role, core, address) fields of each participant row."""
        return [
            (
                n,
                self[f"org_{n}"],
                self[f"role_{n}"],
                self[f"core_{n}"],
                self[f"address_{n}"],
            )
            for n in range(1, PARTICIPANT_ROWS + 1)
        ]


for _n in range(1, PARTICIPANT_ROWS + 1):
    setattr(
        NewCaseForm,
        f"org_{_n}",
        SelectField(_l("Organisatie"), coerce=int_or_none, validate_choice=False),
    )
    setattr(NewCaseForm, f"role_{_n}", _role_field())
    setattr(
        NewCaseForm,
        f"core_{_n}",
        BooleanField(_l("Kernpartner: ziet alles in de casus wat niet is afgeschermd")),
    )
    setattr(NewCaseForm, f"address_{_n}", BooleanField(_l("Ziet het volledige adres")))


class EditCaseForm(VersionFields, CaseForm):
    remove_address = BooleanField(_l("Adres verwijderen"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Nieuwe status"), validate_choice=False)


class ParticipantForm(FlaskForm):
    """Bring an organisation in, or change its role and reach."""

    organisation_id = SelectField(_l("Organisatie"), coerce=int_or_none, validate_choice=False)
    role = _role_field()
    core = BooleanField(_l("Kernpartner: ziet alles in de casus wat niet is afgeschermd"))
    address_access = BooleanField(_l("Ziet het volledige adres"))


class ParticipantChangeForm(FlaskForm):
    role = _role_field()
    core = BooleanField(_l("Kernpartner"))
    address_access = BooleanField(_l("Ziet het volledige adres"))


class CaseUserForm(FlaskForm):
    email = email_field()
    person_role = _role_field()  # not "role": the page has the organisation form's role too


class LinkForm(FlaskForm):
    reference = StringField(
        _l("Kenmerk van de casus"),
        validators=[required(_l("Vul een kenmerk in.")), Length(max=20)],
        filters=[single_line],
        description=_l("Bijvoorbeeld NEIG-2025-0001."),
    )


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Zoek op kenmerk, buurt of postcode"), filters=[single_line])
    status = SelectField(
        _l("Status"), choices=[("", _l("Alle"))] + _choices(STATUS_LABELS), validate_choice=False
    )
    gemeente = SelectField(_l("Gemeente"), coerce=int_or_none, validate_choice=False)


class AccessLogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    persoon = SelectField(_l("Persoon"), coerce=int_or_none, validate_choice=False)
