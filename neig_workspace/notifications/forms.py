"""Forms of the notification centre."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from ..accounts.models import NotificationEmail

#: preference -> (label, explanation), in the order shown.
PREFERENCE_CHOICES = {
    NotificationEmail.IMMEDIATE: (
        _l("Direct"),
        _l("Een e-mail bij elke nieuwe melding, zodra die er is."),
    ),
    NotificationEmail.DAILY: (
        _l("Dagelijks overzicht"),
        _l("Eén e-mail per dag met alle nieuwe meldingen die u nog niet hebt gelezen."),
    ),
    NotificationEmail.NEVER: (
        _l("Nooit"),
        _l("Geen e-mail; u ziet nieuwe meldingen alleen hier in de werkruimte."),
    ),
}


class PreferenceForm(FlaskForm):
    notification_email = RadioField(
        _l("E-mail over meldingen"),
        choices=[
            SelectChoice(value.value, label) for value, (label, _hint) in PREFERENCE_CHOICES.items()
        ],
        validators=[InputRequired(message=_l("Kies wanneer u e-mail wilt krijgen."))],
    )
