"""Forms of the document pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..editing import VersionFields
from ..forms import MultiCheckboxField, description_field, required, title_field
from ..integers import coerce_int
from ..spaces.forms import CLASSIFICATION_LABELS
from .models import DocumentStatus
from .service import MANUAL_STATUSES

STATUS_LABELS = {
    DocumentStatus.CONCEPT: _l("concept"),
    DocumentStatus.IN_CONSULTATIE: _l("in consultatie"),
    DocumentStatus.VASTGESTELD: _l("vastgesteld"),
    DocumentStatus.GEARCHIVEERD: _l("gearchiveerd"),
}


def classification_choices():
    return [(c.value, label) for c, label in CLASSIFICATION_LABELS.items()]


def _classification_field() -> SelectField:
    return SelectField(_l("Classificatie"), choices=classification_choices)


def _narrowing_field(**kwargs) -> MultiCheckboxField:
    return MultiCheckboxField(_l("Alleen zichtbaar voor"), coerce=coerce_int, **kwargs)


class UploadForm(FlaskForm):
    files = MultipleFileField(
        _l("Bestanden"),
        description=_l(
            "Eén of meer bestanden: PDF, Office, OpenDocument, tekst, CSV of afbeeldingen."
        ),
    )
    folder = SelectField(_l("Map"), coerce=coerce_int, validate_choice=True)
    description = description_field()
    tags = StringField(
        _l("Trefwoorden"),
        validators=[Length(max=500)],
        description=_l("Gescheiden door komma’s, bijvoorbeeld: nazorg, woning."),
    )
    classification = _classification_field()
    narrowing = _narrowing_field(
        description=_l(
            "Laat leeg voor iedereen in de werkruimte. Kiest u organisaties, dan zien alleen hun leden het document."
        ),
    )
    #: Asked only when a file has the name of a document in the folder already.
    same_name = RadioField(
        _l("Wat wilt u doen?"),
        choices=[
            ("version", _l("Als nieuwe versie toevoegen")),
            ("both", _l("Beide houden")),
        ],
        validate_choice=False,
    )
    #: casework: only in case spaces; the views remove it elsewhere.
    legal_basis = SelectField(
        _l("Grondslag"),
        coerce=coerce_int,
        validate_choice=True,
        description=_l("Op grond waarvan u dit met de deelnemers aan de casus deelt."),
    )
    #: casework: only in case spaces, next to the legal basis; the views remove it elsewhere.
    purpose = TextAreaField(
        _l("Doel"),
        validators=[Length(max=1000, message=_l("Gebruik hoogstens 1000 tekens."))],
        description=_l("Waarvoor u dit deelt; het doel van de casus als u niets wijzigt."),
    )


class VersionForm(FlaskForm):
    files = MultipleFileField(_l("Nieuwe versie"))


class MetadataForm(VersionFields, FlaskForm):
    title = title_field()
    description = description_field()
    tags = StringField(_l("Trefwoorden"), validators=[Length(max=500)])
    classification = _classification_field()
    narrowing = _narrowing_field()


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        choices=[(s.value, STATUS_LABELS[s]) for s in MANUAL_STATUSES],
        description=_l(
            "Vastgesteld: alleen redacteuren voegen nog versies toe. Gearchiveerd: niets meer "
            "wijzigen of becommentariëren."
        ),
    )

    @classmethod
    def for_document(cls, document, **kwargs) -> "StatusForm":
        """The list starts at the document's own status; `in consultatie` is not one to choose,
        but shown as the current one while a comment round runs, so nothing else looks chosen."""
        form = cls(status=document.status.value, **kwargs)
        if document.status not in MANUAL_STATUSES:
            form.status.choices = [
                (document.status.value, STATUS_LABELS[document.status]),
                *form.status.choices,
            ]
            form.status.description = _l(
                "Er loopt een commentaarronde: sluit die eerst, dan kunt u de status wijzigen."
            )
        return form


class TextDraftForm(FlaskForm):
    """A text draft written in the app, in Markdown."""

    title = title_field()
    text = TextAreaField(
        _l("Tekst"),
        validators=[required(_l("Schrijf de tekst van het concept.")), Length(max=200_000)],
        description=_l(
            "In Markdown: een lege regel begint een nieuwe alinea, # een kop, - een opsomming, "
            "**vet** en *cursief*. Alinea’s worden genummerd, zodat reacties ernaar kunnen "
            "verwijzen."
        ),
    )
    folder = SelectField(_l("Map"), coerce=coerce_int, validate_choice=True)
    classification = _classification_field()
    narrowing = _narrowing_field()


class TextVersionForm(VersionFields, FlaskForm):
    text = TextAreaField(
        _l("Tekst"),
        validators=[required(_l("Schrijf de tekst van het concept.")), Length(max=200_000)],
    )


class FolderForm(FlaskForm):
    name = StringField(
        _l("Naam van de map"), validators=[required(_l("Vul een naam in.")), Length(max=200)]
    )
    parent = SelectField(_l("In map"), coerce=coerce_int, validate_choice=True)


class MoveForm(FlaskForm):
    folder = SelectField(_l("Naar map"), coerce=coerce_int, validate_choice=True)


class CopyForm(FlaskForm):
    space = SelectField(_l("Naar werkruimte"), coerce=coerce_int, validate_choice=True)
