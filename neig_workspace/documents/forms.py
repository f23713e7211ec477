"""Forms of the document pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..forms import MultiCheckboxField, required
from ..spaces.forms import CLASSIFICATION_LABELS
from .models import DocumentStatus

STATUS_LABELS = {
    DocumentStatus.CONCEPT: _l("concept"),
    DocumentStatus.VASTGESTELD: _l("vastgesteld"),
}


def classification_choices():
    return [(c.value, label) for c, label in CLASSIFICATION_LABELS.items()]


class UploadForm(FlaskForm):
    files = MultipleFileField(
        _l("Bestanden"),
        description=_l(
            "Eén of meer bestanden: PDF, Office, OpenDocument, tekst, CSV of afbeeldingen."
        ),
    )
    folder = SelectField(_l("Map"), coerce=int, validate_choice=True)
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    tags = StringField(
        _l("Trefwoorden"),
        validators=[Length(max=500)],
        description=_l("Gescheiden door komma’s, bijvoorbeeld: nazorg, woning."),
    )
    classification = SelectField(_l("Classificatie"), choices=classification_choices)
    narrowing = MultiCheckboxField(
        _l("Alleen zichtbaar voor"),
        coerce=int,
        description=_l(
            "Laat leeg voor iedereen in de werkruimte. Kiest u organisaties, dan zien alleen hun leden het document."
        ),
    )


class VersionForm(FlaskForm):
    files = MultipleFileField(_l("Nieuwe versie"))


class MetadataForm(FlaskForm):
    title = StringField(
        _l("Titel"), validators=[required(_l("Vul een titel in.")), Length(max=300)]
    )
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    tags = StringField(_l("Trefwoorden"), validators=[Length(max=500)])
    classification = SelectField(_l("Classificatie"), choices=classification_choices)
    status = SelectField(
        _l("Status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    narrowing = MultiCheckboxField(_l("Alleen zichtbaar voor"), coerce=int)


class FolderForm(FlaskForm):
    name = StringField(
        _l("Naam van de map"), validators=[required(_l("Vul een naam in.")), Length(max=200)]
    )
    parent = SelectField(_l("In map"), coerce=int, validate_choice=True)


class MoveForm(FlaskForm):
    folder = SelectField(_l("Naar map"), coerce=int, validate_choice=True)


class CopyForm(FlaskForm):
    space = SelectField(_l("Naar werkruimte"), coerce=int, validate_choice=True)
