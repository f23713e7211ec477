"""Forms of the statistics page (a GET filter) and the case import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField

from ..integers import int_or_none


class StatisticsFilterForm(FlaskForm):
    """The year and, optionally, one municipality; read from the query string (no CSRF)."""

    class Meta:
        csrf = False

    jaar = SelectField(_l("Jaar"), coerce=int_or_none, validate_choice=False)
    gemeente = SelectField(_l("Gemeente"), coerce=int_or_none, validate_choice=False)


class CaseImportForm(FlaskForm):
    file = FileField(
        _l("Bestand (CSV)"),
        description=_l(
            "Eén casus per rij, met een kopregel; gescheiden door ; of , en opgeslagen in UTF-8."
            " Hooguit 5.000 rijen en 2 MB."
        ),
    )
