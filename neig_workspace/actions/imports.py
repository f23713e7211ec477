"""Importing action items from a CSV or XLSX file: all or nothing.

Every row is checked first, with the same checks as the form (`service.item_errors`) plus what
only a file can get wrong (an unknown line, organisation or status by name, a date that does not
parse, a code used twice in the file). A dry run lists every bad row by its line number in the
file; an import saves nothing unless every row is valid.

The file's type is decided by its content: an XLSX is a zip archive (its entry count and
uncompressed size are checked before openpyxl unpacks anything), anything else must be text.
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook

from ..audit import service as audit
from ..tabular import ImportFileError, ImportResult, read_csv
from .forms import HISTORY_LABELS, STATUS_LABELS
from .models import ActionPlan, ItemStatus
from .service import ItemData, PlanContext, create_item, item_errors, normalise_code

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED = 50 * 1024 * 1024
#: Several organisations in one cell are separated by a bar (names may hold commas).
SEPARATOR = "|"
DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%y")

#: column -> the header texts that name it (compared case-insensitively).
HEADERS = {
    "code": ("code",),
    "title": ("titel", "title"),
    "description": ("omschrijving", "description"),
    "line": ("actielijn", "lijn", "line"),
    "lead": ("trekker", "trekkende organisatie", "lead", "lead organisation"),
    "contributors": ("bijdragers", "bijdragende organisaties", "contributors"),
    "responsible": ("verantwoordelijke", "responsible"),
    "status": ("status",),
    "start_date": ("startdatum", "start", "start date"),
    "due_date": ("einddatum", "deadline", "due date"),
    "narrowing": ("alleen zichtbaar voor", "narrowing"),
}
REQUIRED = ("code", "title", "line", "lead")


@dataclass
class RowResult:
    #: The row's line number in the file (the header is line 1).
    line: int
    code: str
    title: str
    errors: list[str] = field(default_factory=list)


def read_table(data: bytes) -> list[tuple[int, list]]:
    """(line number, cells) for every non-empty row, the header first."""
    if not data:
        raise ImportFileError(_("Het bestand is leeg."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Het bestand is groter dan 5 MB."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    return _read_csv(data)


def _not_a_table() -> str:
    return _("Dit is geen CSV- of Excel-bestand.")


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    return read_csv(data, not_csv=_not_a_table(), max_rows=MAX_ROWS)


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if not any(i.filename.startswith("xl/") for i in infos):  # a Word file, a ZIP
                raise ImportFileError(_not_a_table())
            if (
                len(infos) > MAX_ZIP_ENTRIES
                or sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED
            ):
                raise ImportFileError(_("Dit Excel-bestand is te groot om te lezen."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(_("Dit Excel-bestand kan niet worden gelezen.")) from error
    try:
        sheet = workbook.worksheets[0]
        table = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(c not in (None, "") and str(c).strip() for c in cells):
                table.append((number, list(cells)))
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        workbook.close()


# --- checking rows ---------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d-%m-%Y")
    return str(value).strip()


def _columns(header: list) -> tuple[dict[str, int], list[str]]:
    names = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    columns, errors = {}, []
    for index, cell in enumerate(header):
        key = names.get(_text(cell).casefold())
        if key is not None and key not in columns:
            columns[key] = index
    missing = [HEADERS[key][0] for key in REQUIRED if key not in columns]
    if missing:
        errors.append(_("De kopregel mist de kolom(men): %(columns)s.", columns=", ".join(missing)))
    return columns, errors


#: Problems found while reading a row: (the service field it concerns, the message).
Problems = list[tuple[str, str]]


def _date(value, field_name: str, errors: Problems) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    message = _("‘%(value)s’ is geen datum; gebruik dd-mm-jjjj.", value=text)
    errors.append((field_name, message))
    return None


def _status(value, errors: Problems) -> ItemStatus:
    text = _text(value).casefold()
    if not text:
        return ItemStatus.NOT_STARTED
    for status, label in STATUS_LABELS.items():
        if text in (status.value, str(label).casefold(), status.value.replace("_", " ")):
            return status
    message = _(
        "‘%(value)s’ is onbekend; kies uit %(choices)s.",
        value=_text(value),
        choices=", ".join(str(label) for label in STATUS_LABELS.values()),
    )
    errors.append(("status", message))
    return ItemStatus.NOT_STARTED


class _Lookup:
    """Names in the file -> ids: lines of the plan, organisations by name or short name."""

    def __init__(self, ctx: PlanContext):
        self.lines = {line.name.casefold(): line.id for line in ctx.lines.values()}
        self.orgs = {}
        for org in ctx.organisations.values():
            self.orgs[org.name.casefold()] = org.id
            self.orgs[org.slug.casefold()] = org.id

    def line(self, value, errors: Problems) -> int | None:
        text = _text(value)
        if not text:
            return None  # the service says a line is needed
        if text.casefold() not in self.lines:
            message = _("‘%(value)s’ bestaat niet in dit actieplan.", value=text)
            errors.append(("line", message))
            return None
        return self.lines[text.casefold()]

    def organisations(self, value, field_name: str, errors: Problems) -> list[int] | None:
        ids = []
        for name in _text(value).replace("\n", SEPARATOR).split(SEPARATOR):
            name = name.strip()
            if not name:
                continue
            if name.casefold() not in self.orgs:
                errors.append((field_name, _("onbekende organisatie ‘%(value)s’.", value=name)))
                return None
            ids.append(self.orgs[name.casefold()])
        return ids


def _row_data(cells: list, columns: dict[str, int], lookup: _Lookup, errors: Problems):
    def cell(key):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    lead = lookup.organisations(cell("lead"), "lead_organisation", errors)
    contributors = lookup.organisations(cell("contributors"), "contributors", errors)
    narrowing = lookup.organisations(cell("narrowing"), "narrowing", errors)
    if lead is not None and len(lead) > 1:
        errors.append(("lead_organisation", _("noem één organisatie.")))
    return ItemData(
        code=_text(cell("code")),
        title=_text(cell("title")),
        description=_text(cell("description")),
        line_id=lookup.line(cell("line"), errors),
        lead_organisation_id=lead[0] if lead else None,
        contributor_ids=contributors or [],
        responsible_email=_text(cell("responsible")),
        status=_status(cell("status"), errors),
        start_date=_date(cell("start_date"), "start_date", errors),
        due_date=_date(cell("due_date"), "due_date", errors),
        narrowing_ids=narrowing or [],
    )


def _message(field_name: str | None, message: str) -> str:
    """ "Trekker: onbekende organisatie ‘X’."; the column named as on the item form."""
    label = str(HISTORY_LABELS.get(field_name or "", "")) or _("Rij")
    return f"{label}: {message}"


def check(plan: ActionPlan, table: list[tuple[int, list]], *, actor):
    """(the result of every row, the data of every row) without saving anything."""
    result = ImportResult()
    if not table:
        result.file_errors.append(_("Het bestand heeft geen kopregel."))
        return result, []
    (_header_line, header), body = table[0], table[1:]
    columns, result.file_errors = _columns(header)
    if result.file_errors:
        return result, []
    if not body:
        result.file_errors.append(_("Het bestand bevat geen actiepunten."))
        return result, []
    if len(body) > MAX_ROWS:
        result.file_errors.append(_("Importeer hooguit %(n)d actiepunten tegelijk.", n=MAX_ROWS))
        return result, []
    ctx = PlanContext(plan)
    lookup = _Lookup(ctx)
    seen: dict[str, int] = {}
    data_rows = []
    for line, cells in body:
        found: Problems = []
        data = _row_data(cells, columns, lookup, found)
        _checked, problems = item_errors(ctx, data, actor=actor)
        # A name the file got wrong is named once, not again as "choose an organisation".
        found += [(p.field, p.message) for p in problems if p.field not in {f for f, _m in found}]
        code = normalise_code(data.code)
        if code and code in seen:
            found.append(
                ("code", _("%(code)s staat ook op regel %(line)d.", code=code, line=seen[code]))
            )
        seen.setdefault(code, line)
        errors = [_message(field_name, message) for field_name, message in found]
        result.rows.append(RowResult(line, code, data.title, errors))
        data_rows.append(data)
    return result, data_rows


def import_items(plan: ActionPlan, data: bytes, *, actor, dry_run: bool) -> ImportResult:
    """Check every row; unless `dry_run`, create every item when all are valid (the caller
    commits), else nothing."""
    try:
        table = read_table(data)
    except ImportFileError as error:
        return ImportResult(file_errors=[str(error)])
    result, data_rows = check(plan, table, actor=actor)
    if dry_run or not result.ok:
        return result
    ctx = PlanContext(plan)
    for row in data_rows:
        create_item(plan, row, actor=actor, ctx=ctx)
    result.imported = len(data_rows)
    audit.record(
        "action_plan.imported",
        actor=actor,
        target=plan,
        space_id=plan.space_id,
        details={"items": result.imported},
    )
    return result
