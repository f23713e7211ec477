"""Forms for meetings: the meeting itself and the list filter. The service checks the rest
(times in order, a location or a link, the space) and names the field."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..cases.item_forms import DutchDateTimeField
from ..editing import VersionFields
from ..integers import int_or_none, parse_int
from ..text import single_line
from .models import MeetingAudience, MeetingKind
from .service import AUDIENCE_LABELS, KIND_LABELS


def _enum_or_none(enum_type):
    """The enum member, or None for a forged value (the service names the field)."""

    def coerce(value):
        try:
            return enum_type(value)
        except ValueError:
            return None

    return coerce


def _choices(labels: dict) -> list[tuple[str, object]]:
    return [(value.value, label) for value, label in labels.items()]


class DutchIntegerField(IntegerField):
    """A whole number, with a Dutch message when it is not one."""

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            self.data = None
            return
        self.data = parse_int(text)
        if self.data is None:  # not a number, or beyond what the column holds
            raise ValueError(_l("Vul een heel getal in, of laat het leeg."))


class MeetingForm(VersionFields, FlaskForm):
    space_id = SelectField(_l("Werkruimte"), coerce=int_or_none, validate_choice=False)
    title = StringField(
        _l("Titel"),
        validators=[InputRequired(_l("Vul een titel in.")), Length(max=200)],
        filters=[single_line],
    )
    kind = SelectField(
        _l("Soort"),
        choices=_choices(KIND_LABELS),
        coerce=_enum_or_none(MeetingKind),
        validate_choice=False,
    )
    description = TextAreaField(_l("Beschrijving"), validators=[Length(max=10000)])
    starts_at = DutchDateTimeField(
        _l("Begint op"),
        validators=[InputRequired(_l("Vul een begintijd in."))],
        description=_l("Nederlandse tijd, bijvoorbeeld 31-12-2026 14:00."),
    )
    ends_at = DutchDateTimeField(
        _l("Eindigt op"),
        validators=[InputRequired(_l("Vul een eindtijd in."))],
        description=_l("Nederlandse tijd, bijvoorbeeld 31-12-2026 16:00."),
    )
    location = StringField(
        _l("Locatie"),
        validators=[Length(max=300)],
        filters=[single_line],
        description=_l("Adres of zaal; leeg bij een online bijeenkomst."),
    )
    online_url = StringField(
        _l("Link voor online deelname"),
        validators=[Length(max=500)],
        filters=[single_line],
        description=_l("Een webadres dat begint met https://."),
    )
    capacity = DutchIntegerField(
        _l("Aantal plaatsen"),
        validators=[Optional()],
        description=_l("Leeg laten voor onbeperkt. Is het vol, dan komt men op de wachtlijst."),
    )
    audience = SelectField(
        _l("Voor wie"),
        choices=_choices(AUDIENCE_LABELS),
        coerce=_enum_or_none(MeetingAudience),
        validate_choice=False,
        default=MeetingAudience.SPACE,
    )


class MeetingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    soort = SelectField(
        _l("Soort"),
        choices=[("", _l("Alle soorten"))] + _choices(KIND_LABELS),
        validate_choice=False,
    )
