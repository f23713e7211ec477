"""Forms for a case's measures, aftercare tasks and timeline entries. Choices that refer to rows
(organisations, users, legal bases) are checked by the service, which names a bad one in Dutch;
the forms parse and keep the typed values."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..actions.forms import DutchDateField
from ..editing import VersionFields
from ..forms import MultiCheckboxField, required
from ..integers import int_or_none
from .items import (
    ENTRY_KIND_LABELS,
    ENTRY_TEXT_MAX,
    MEASURE_STATUS_LABELS,
    MEASURE_TYPE_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
)
from .models import AftercareKind, EntryKind, MeasureStatus, MeasureType, TaskStatus


def purpose_field() -> TextAreaField:
    """Why an item is shared into the case, next to its legal basis; the case's by default."""
    return TextAreaField(
        _l("Doel"),
        validators=[Length(max=1000, message=_l("Gebruik hoogstens 1000 tekens."))],
        description=_l(
            "Waarvoor dit met de deelnemers gedeeld wordt; leeg: het doel van de casus."
        ),
    )


def _choices(labels: dict) -> list[tuple[str, object]]:
    return [(value.value, label) for value, label in labels.items()]


def _enum_or_none(enum_type):
    def coerce(value):
        if isinstance(value, enum_type):
            return value
        try:
            return enum_type(value)
        except ValueError:
            return None

    return coerce


class DutchDateTimeField(DateTimeLocalField):
    """A date and time as the browser's datetime-local input sends it, or typed as
    31-12-2025 14:30, with a Dutch message when it is neither."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=list(self.FORMATS), **kwargs)

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        if not text:  # InputRequired names the empty field
            self.data = None
            return
        for fmt in self.FORMATS:
            try:
                self.data = datetime.strptime(text, fmt)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Vul een datum en tijd in, zoals 31-12-2025 14:30."))


class MeasureForm(VersionFields, FlaskForm):
    """Every refusal at once: the kind is chosen, not taken from the top of the list, and a
    measure has a start date, so an untouched form records nothing."""

    type = SelectField(
        _l("Soort maatregel"),
        choices=[("", _l("— kies een soort maatregel —")), *_choices(MEASURE_TYPE_LABELS)],
        coerce=_enum_or_none(MeasureType),
        validate_choice=False,
        validators=[required(_l("Kies een soort maatregel."))],
    )
    description = TextAreaField(
        _l("Omschrijving"),
        validators=[Length(max=ENTRY_TEXT_MAX)],
        description=_l("Verplicht bij een overige maatregel."),
    )
    responsible_organisation_id = SelectField(
        _l("Verantwoordelijke organisatie"), coerce=int_or_none, validate_choice=False
    )
    start_date = DutchDateField(
        _l("Startdatum"), validators=[required(_l("Vul de startdatum van de maatregel in."))]
    )
    end_date = DutchDateField(_l("Loopt tot en met"))
    status = SelectField(
        _l("Status"),
        choices=_choices(MEASURE_STATUS_LABELS),
        coerce=_enum_or_none(MeasureStatus),
        validate_choice=False,
    )
    purpose = purpose_field()

    def validate_description(self, field):
        if self.type.data == MeasureType.OVERIG and not (field.data or "").strip():
            raise ValidationError(
                _l(
                    "Beschrijf de maatregel; bij een overige maatregel is de omschrijving verplicht."
                )
            )


class TaskForm(VersionFields, FlaskForm):
    kind = SelectField(
        _l("Soort nazorg"),
        choices=_choices(TASK_KIND_LABELS),
        coerce=_enum_or_none(AftercareKind),
        validate_choice=False,
    )
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=ENTRY_TEXT_MAX)])
    organisation_id = SelectField(
        _l("Uitvoerende organisatie"), coerce=int_or_none, validate_choice=False
    )
    owner_id = SelectField(
        _l("Eigenaar"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l(
            "Optioneel: iemand van de uitvoerende organisatie. Zonder eigenaar krijgt de hele "
            "organisatie de taak."
        ),
    )
    due_date = DutchDateField(_l("Uiterste datum"))
    status = SelectField(
        _l("Status"),
        choices=_choices(TASK_STATUS_LABELS),
        coerce=_enum_or_none(TaskStatus),
        validate_choice=False,
    )
    purpose = purpose_field()


class TaskStatusForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        choices=_choices(TASK_STATUS_LABELS),
        coerce=_enum_or_none(TaskStatus),
        validate_choice=False,
    )


class EntryForm(FlaskForm):
    occurred_at = DutchDateTimeField(
        _l("Datum en tijd"), validators=[InputRequired(_l("Vul een datum en tijd in."))]
    )
    kind = SelectField(
        _l("Soort"),
        choices=_choices(ENTRY_KIND_LABELS),
        coerce=_enum_or_none(EntryKind),
        validate_choice=False,
    )
    text = TextAreaField(
        _l("Tekst"),
        validators=[
            required(_l("Vul de tekst in.")),
            Length(
                max=ENTRY_TEXT_MAX,
                message=_l("De tekst is te lang: hoogstens %(max)d tekens.", max=ENTRY_TEXT_MAX),
            ),
        ],
        description=_l(
            "Een regel in de tijdlijn wordt nooit gewijzigd: een correctie is een nieuwe regel."
        ),
    )
    legal_basis_id = SelectField(_l("Grondslag"), coerce=int_or_none, validate_choice=False)
    purpose = purpose_field()
    narrowing = MultiCheckboxField(
        _l("Alleen zichtbaar voor"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l(
            "Optioneel. Zonder keuze zien de kernpartners de regel; met een keuze alleen de "
            "gekozen organisaties (en uw eigen organisatie)."
        ),
    )
