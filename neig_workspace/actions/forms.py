"""Forms of the action plan pages. Choices that refer to rows (lines, organisations) are checked
by the service, which names an unknown one in Dutch; the forms only parse."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import Select

from ..editing import VersionFields
from ..forms import (
    MultiCheckboxField,
    description_field,
    escaped,
    quick_html_params,
    required,
    title_field,
)
from ..integers import int_or_none, parse_int
from .models import ItemStatus

STATUS_LABELS = {
    ItemStatus.NOT_STARTED: _l("niet gestart"),
    ItemStatus.ON_TRACK: _l("op schema"),
    ItemStatus.AT_RISK: _l("risico"),
    ItemStatus.DELAYED: _l("vertraagd"),
    ItemStatus.DONE: _l("afgerond"),
    ItemStatus.CANCELLED: _l("vervallen"),
}

#: History field -> how the item page names it.
HISTORY_LABELS = {
    "created": _l("Actiepunt aangemaakt"),
    "code": _l("Code"),
    "title": _l("Titel"),
    "description": _l("Omschrijving"),
    "line": _l("Actielijn"),
    "lead_organisation": _l("Trekker"),
    "contributors": _l("Bijdragende organisaties"),
    "responsible": _l("Verantwoordelijke"),
    "status": _l("Status"),
    "start_date": _l("Startdatum"),
    "due_date": _l("Einddatum"),
    "narrowing": _l("Alleen zichtbaar voor"),
    "archived": _l("Gearchiveerd"),
    "unarchived": _l("Teruggezet uit het archief"),
    "milestone_added": _l("Mijlpaal toegevoegd"),
    "milestone_done": _l("Mijlpaal afgevinkt"),
    "milestone_reopened": _l("Mijlpaal weer open"),
    "milestone_removed": _l("Mijlpaal verwijderd"),
    "document_linked": _l("Document gekoppeld"),
    "document_unlinked": _l("Document ontkoppeld"),
}


class DutchDateField(DateField):
    """A date typed as 2025-12-31 (the browser's date input) or 31-12-2025, with a Dutch
    message when it is neither."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d-%m-%Y"], **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for fmt in self.format:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Vul een geldige datum in, zoals 31-12-2025."))


class DutchIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0])
        if self.data is None:  # not a number, or beyond what the column holds
            raise ValueError(_l("Vul een heel getal in."))


def _date(label, description=None):
    return DutchDateField(label, validators=[Optional()], description=description)


class PlanForm(VersionFields, FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[required(_l("Vul een naam in.")), Length(max=200)],
        description=_l("Bijvoorbeeld: Actieplan Offensief tegen Explosies 2025."),
    )
    description = description_field()
    period_start = _date(_l("Begin van de looptijd"))
    period_end = _date(_l("Einde van de looptijd"))
    baseline_year = DutchIntegerField(_l("Basisjaar"), default=2024)
    baseline_count = DutchIntegerField(
        _l("Aanslagen in het basisjaar"),
        default=1100,
        description=_l("Het aantal (pogingen tot) aanslagen met explosieven in het basisjaar."),
    )
    target_reduction_percent = DutchIntegerField(
        _l("Doel: minstens zoveel procent minder"), default=10
    )
    attack_source = SelectField(
        _l("Bron van de aanslagen per maand"), validate_choice=False, default="secretariat"
    )


class LineForm(FlaskForm):
    name = StringField(
        _l("Naam van de actielijn"),
        validators=[required(_l("Vul een naam in.")), Length(max=120)],
    )


class ItemForm(VersionFields, FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[required(_l("Vul een code in, zoals P-03.")), Length(max=20)],
        description=_l("Uniek binnen het actieplan, bijvoorbeeld P-03."),
    )
    title = title_field()
    description = description_field(20_000)
    line = SelectField(_l("Actielijn"), coerce=int_or_none, validate_choice=False)
    lead_organisation = SelectField(_l("Trekker"), coerce=int_or_none, validate_choice=False)
    contributors = MultiCheckboxField(
        _l("Bijdragende organisaties"), coerce=int_or_none, validate_choice=False
    )
    responsible = StringField(
        _l("Verantwoordelijke (e-mailadres)"),
        validators=[Length(max=254)],
        description=_l("Een lid van de trekkende organisatie. Mag leeg blijven."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    status = SelectField(
        _l("Status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    start_date = _date(_l("Startdatum"))
    due_date = _date(_l("Einddatum"))
    narrowing = MultiCheckboxField(
        _l("Alleen zichtbaar voor"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l(
            "Laat leeg voor iedereen in de werkruimte. Kiest u organisaties, dan zien alleen hun"
            " leden het actiepunt, ook in tellingen, grafieken en exports."
        ),
    )


class ProgressForm(FlaskForm):
    reported_on = _date(_l("Datum"))
    status = SelectField(
        _l("Nieuwe status"),
        choices=[("", _l("(status ongewijzigd)"))]
        + [(s.value, label) for s, label in STATUS_LABELS.items()],
        default="",
    )
    note = TextAreaField(
        _l("Voortgang"),
        validators=[required(_l("Beschrijf de voortgang.")), Length(max=5000)],
        description=_l("Wat is er bereikt, wat loopt er, wat is er nodig?"),
    )


class MilestoneForm(FlaskForm):
    title = StringField(
        _l("Mijlpaal"), validators=[required(_l("Vul een omschrijving in.")), Length(max=300)]
    )
    due_date = _date(_l("Datum"))


class LinkDocumentForm(FlaskForm):
    document = SelectField(_l("Document"), coerce=int_or_none, validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField(
        _l("Bestand (CSV of Excel)"),
        description=_l(
            "Eén actiepunt per rij, met een kopregel. Kolommen: code, titel, omschrijving,"
            " actielijn, trekker, bijdragers, verantwoordelijke, status, startdatum, einddatum,"
            " alleen zichtbaar voor. Meerdere organisaties scheidt u met een |."
        ),
    )


class FiguresForm(FlaskForm):
    """The attacks per month of one year; the month fields are added per request."""

    year = HiddenField()
    #: shown only when some figures look wrong (service.doubtful_figures)
    confirm = BooleanField(_l("Ja, deze cijfers kloppen"))


def figures_form(year: int, values: dict[int, int], month_labels: dict[int, str], formdata=None):
    """A FiguresForm with a number field per month, labelled with the month's name."""

    class _Form(FiguresForm):
        pass

    for month in range(1, 13):
        setattr(
            _Form,
            f"month_{month}",
            DutchIntegerField(
                month_labels[month],
                validators=[
                    Optional(),
                    NumberRange(min=0, message=_l("Een aantal kan niet negatief zijn.")),
                ],
            ),
        )
    data = {f"month_{m}": v for m, v in values.items()}
    if formdata is not None:
        return _Form(formdata)
    return _Form(data={"year": str(year), **data})


class QuickSelect(Select):
    """WTForms' Select with the same HTML, each plain option written directly: the list's
    organisation filter has one option per organisation in the network (hundreds), and
    WTForms' own option goes through `html_params` and `Markup.format`, milliseconds a page."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if (
            self.multiple
            or not isinstance(choices, list)
            or {type(c) for c in choices} - {tuple}
            or {len(c) for c in choices} - {2}
        ):
            return super().__call__(field, **kwargs)
        # Plain (value, label) pairs: the options straight from the list, selected as WTForms
        # decides it (the coerced value equals the field's data), without its Choice objects.
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, None):
                kwargs[flag] = getattr(field.flags, flag)
        coerce, data = field.coerce, field.data
        # an int's coerced value is the int itself, and its digits need no escaping
        plain_ints = coerce in (int, int_or_none)
        html = [f"<select {quick_html_params(name=field.name, **kwargs)}>"]
        for value, label in choices:
            if plain_ints and type(value) is int:
                selected, shown = value == data, value
            else:
                selected, shown = coerce(value) == data, escaped(value)
            label = escaped(label or value)
            html.append(
                f'<option {"selected " if selected else ""}value="{shown}">{label}</option>'
            )
        html.append("</select>")
        # every value and label was escaped just above, as WTForms escapes them
        return Markup("".join(html))  # noqa: S704  # nosec B704

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        value = escape(choice.value)
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        # value and label were escaped just above, as WTForms escapes them
        return Markup(f'<option {selected}value="{value}">{label}</option>')  # noqa: S704  # nosec B704


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoeken in code en titel"), validators=[Length(max=200)])
    lijn = SelectField(
        _l("Actielijn"), coerce=int_or_none, validate_choice=False, widget=QuickSelect()
    )
    trekker = SelectField(
        _l("Trekker"), coerce=int_or_none, validate_choice=False, widget=QuickSelect()
    )
    status = MultiCheckboxField(
        _l("Status"),
        choices=[(s.value, label) for s, label in STATUS_LABELS.items()],
        validate_choice=False,
    )
    mijn = BooleanField(_l("Alleen actiepunten van mijn organisatie"))
    te_laat = BooleanField(_l("Alleen te laat"))
    aandacht = BooleanField(_l("Alleen te laat, risico of vertraagd"))
    binnen = DutchIntegerField(
        _l("Einddatum binnen (dagen)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=3650, message=_l("Kies een aantal dagen tussen 0 en 3650.")),
        ],
    )
    gearchiveerd = BooleanField(_l("Alleen gearchiveerde actiepunten"))
