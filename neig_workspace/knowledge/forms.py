"""Forms of the knowledge base. Spaces, organisations and documents are checked by the service
(it names an unknown choice in Dutch); the forms only parse."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..editing import VersionFields
from ..forms import MultiCheckboxField, required
from ..integers import int_or_none
from ..organisations.forms import ORG_TYPE_LABELS
from ..organisations.models import OrgType
from .models import ArticleKind, Theme

KIND_LABELS = {
    ArticleKind.BEST_PRACTICE: _l("Best practice"),
    ArticleKind.FRAMEWORK: _l("Handelingskader"),
    ArticleKind.CASE_STUDY: _l("Casuïstiek (geanonimiseerd)"),
    ArticleKind.FACTSHEET: _l("Factsheet"),
}

THEME_LABELS = {
    Theme.PREVENTION: _l("Preventie"),
    Theme.DETECTION: _l("Signalering"),
    Theme.APPROACH: _l("Aanpak"),
    Theme.AFTERCARE: _l("Nazorg"),
    Theme.RESILIENCE: _l("Weerbaarheid"),
    Theme.COOPERATION: _l("Samenwerking"),
    Theme.COMMUNICATION: _l("Communicatie"),
    Theme.LAW: _l("Juridisch kader"),
}

SORT_LABELS = {
    "nieuw": _l("Nieuwste eerst"),
    "nuttig": _l("Meest nuttig"),
    "gelezen": _l("Meest gelezen"),
}


class ArticleForm(VersionFields, FlaskForm):
    space = SelectField(_l("Kennisbank"), coerce=int_or_none, validate_choice=False)
    organisation = SelectField(_l("Namens organisatie"), coerce=int_or_none, validate_choice=False)
    title = StringField(
        _l("Titel"),
        validators=[
            required(_l("Vul een titel in.")),
            Length(max=200, message=_l("Hooguit 200 tekens.")),
        ],
    )
    summary = TextAreaField(
        _l("Samenvatting"),
        description=_l("Eén of twee zinnen: wat heeft de lezer eraan?"),
        validators=[
            required(_l("Vul een samenvatting in.")),
            Length(max=1000, message=_l("Hooguit 1000 tekens.")),
        ],
    )
    body = TextAreaField(
        _l("Tekst"),
        description=_l("Markdown: **vet**, *cursief*, lijsten met - en koppen met #."),
        validators=[
            required(_l("Vul de tekst van het artikel in.")),
            Length(max=100_000, message=_l("Hooguit 100.000 tekens.")),
        ],
    )
    kind = SelectField(
        _l("Soort"),
        choices=[("", _l("— kies een soort —"))] + [(k.value, v) for k, v in KIND_LABELS.items()],
        validators=[required(_l("Kies een soort."))],
    )
    themes = MultiCheckboxField(
        _l("Thema's"),
        choices=[(t.value, v) for t, v in THEME_LABELS.items()],
        validators=[required(_l("Kies minstens één thema."))],
    )
    audiences = MultiCheckboxField(
        _l("Voor partners"),
        description=_l("Voor welke soorten partners is dit artikel vooral bedoeld?"),
        choices=[(t.value, v) for t, v in ORG_TYPE_LABELS.items()],
        validators=[Optional()],
    )


class AttachUploadForm(FlaskForm):
    files = FileField(_l("Bestand"), validators=[required(_l("Kies een bestand."))])
    title = StringField(
        _l("Titel van het document"),
        description=_l("Leeg laten: de bestandsnaam."),
        validators=[Optional(), Length(max=300, message=_l("Hooguit 300 tekens."))],
    )


class AttachExistingForm(FlaskForm):
    document = SelectField(
        _l("Document uit de kennisbank"), coerce=int_or_none, validate_choice=False
    )


def kind_value(value: str) -> ArticleKind | None:
    return ArticleKind(value) if value in ArticleKind._value2member_map_ else None


def theme_value(value: str) -> Theme | None:
    return Theme(value) if value in Theme._value2member_map_ else None


def audience_value(value: str) -> OrgType | None:
    return OrgType(value) if value in OrgType._value2member_map_ else None
