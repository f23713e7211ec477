"""The comment table (commentaartabel / reactienota) of a comment round as CSV, XLSX and DOCX.

The caller gathers what the reader may see (filtered by the policy), converts Markdown to plain
text, translates the decisions and sorts the rows with `sort_key`; this module only lays the
rows out. Rows are written in the order given.

Choices:
- CSV uses ";" as separator: Excel with Dutch regional settings (decimal comma) splits on ";",
  and opens the file in UTF-8 because of the byte-order mark. Every field is quoted, lines end
  in CRLF. The CSV holds the header row and the rows only (no title rows), so it stays a table.
- General comments (paragraph "") sort first, as the "Algemeen" block of a reactienota does.
- Replies in a comment's thread are appended to the comment cell under "Discussie:".
- Dates are shown in Europe/Amsterdam time as dd-mm-jjjj hh:mm (in XLSX as real dates with
  that number format, so Excel can filter and sort them).

Untrusted text is made safe for each format: characters that XML 1.0 forbids are removed (they
would crash openpyxl and python-docx), cells that a spreadsheet would read as a formula get a
leading apostrophe (CSV and XLSX), and an XLSX cell is cut at Excel's limit with a visible
marker. Nothing is ever written as markup: openpyxl and python-docx escape all text.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

TIMEZONE = ZoneInfo("Europe/Amsterdam")
DATE_FORMAT = "%d-%m-%Y %H:%M"
CSV_DELIMITER = ";"

#: Excel keeps at most this many characters (UTF-16 code units) in a cell.
XLSX_CELL_LIMIT = 32_767

#: The column headers, in order; translated when they are turned into text.
COLUMNS = (
    _l("Alinea"),
    _l("Organisatie"),
    _l("Indiener"),
    _l("Reactie"),
    _l("Antwoord"),
    _l("Besluit"),
    _l("Versie"),
    _l("Datum"),
)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# Characters XML 1.0 does not allow (C0 controls other than tab, LF and CR; lone surrogates;
# U+FFFE and U+FFFF). openpyxl raises IllegalCharacterError and lxml a ValueError on them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What makes Excel, LibreOffice or Google Sheets start a formula (OWASP "CSV injection"), plus
# the full-width forms that some spreadsheet versions fold to their ASCII counterparts.
_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL_START = frozenset("\t\r")
_NUMBER_OR_TEXT = re.compile(r"([0-9]+)")


@dataclass(frozen=True)
class CommentTableRow:
    paragraph: str  #: "3", "p. 12", "§ 2.1" or "" (general comment)
    organisation: str
    commenter: str
    comment: str  #: plain text
    response: str  #: plain text, "" when not answered yet
    decision: str  #: translated label, "" when none
    version: int  #: the document version the comment was made on
    created_at: datetime  #: naive UTC
    replies: tuple[str, ...] = ()  #: plain text, "Naam (Organisatie): tekst"


@dataclass(frozen=True)
class CommentTable:
    title: str
    round_label: str
    generated_at: datetime  #: naive UTC
    rows: list[CommentTableRow]


# ---------------------------------------------------------------------------------------------
# Ordering and plain values


def sort_key(paragraph: str) -> tuple:
    """Natural order of paragraph labels: general ("") first, then "2" < "10", "2.9" < "2.10".

    Labels with the same prefix sort by their numbers ("p. 3" < "p. 12"); bare numbers come
    before prefixed labels. Case and whitespace in the text parts are ignored. Numbers are
    compared by length and digits, not with int(), so a very long label cannot raise.
    """
    label = (paragraph or "").strip()
    if not label:
        return (0,)
    parts = []
    for index, chunk in enumerate(_NUMBER_OR_TEXT.split(label)):
        if index % 2:  # a run of digits
            digits = chunk.lstrip("0") or "0"
            parts.append((0, len(digits), digits))
        elif chunk:
            parts.append((1, 0, "".join(chunk.casefold().split())))
    return (1, tuple(parts), label)


def local_time(moment: datetime) -> datetime:
    """A naive UTC time as naive Europe/Amsterdam wall-clock time."""
    return moment.replace(tzinfo=UTC).astimezone(TIMEZONE).replace(tzinfo=None)


def format_datetime(moment: datetime) -> str:
    return local_time(moment).strftime(DATE_FORMAT)


def clean_text(value: str) -> str:
    """Drop the characters XML cannot hold and use LF for every line break."""
    value = _ILLEGAL_XML.sub("", value or "")
    return value.replace("\r\n", "\n").replace("\r", "\n")


def neutralise_formula(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would otherwise run as a formula."""
    if value and (value[0] in _CONTROL_START or value.lstrip()[:1] in _FORMULA_START):
        return "'" + value
    return value


def _discussion_lines(row: CommentTableRow) -> list[str]:
    return [_("Discussie:"), *(f"- {reply}" for reply in row.replies)] if row.replies else []


def _comment_text(row: CommentTableRow) -> str:
    """The comment, with the thread's replies below it."""
    lines = _discussion_lines(row)
    return row.comment + ("\n\n" + "\n".join(lines) if lines else "")


def _header() -> list[str]:
    return [str(column) for column in COLUMNS]


def _text_values(row: CommentTableRow) -> list[str]:
    return [
        row.paragraph,
        row.organisation,
        row.commenter,
        _comment_text(row),
        row.response,
        row.decision,
        str(row.version),
        format_datetime(row.created_at),
    ]


def filename(table: CommentTable, extension: str) -> str:
    """An ASCII file name such as "commentaartabel-kader-aanpak-2026-12-16.xlsx"."""
    slug = re.sub(r"[^a-z0-9]+", "-", table.title.casefold().encode("ascii", "ignore").decode())
    slug = slug.strip("-")[:60].rstrip("-")
    stamp = local_time(table.generated_at).strftime("%Y-%m-%d")
    return "-".join(part for part in ("commentaartabel", slug, stamp) if part) + f".{extension}"


# ---------------------------------------------------------------------------------------------
# CSV


def to_csv(table: CommentTable) -> bytes:
    """UTF-8 with BOM, ";"-separated, every field quoted, a Dutch header row, then the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    writer.writerow(_header())
    for row in table.rows:
        writer.writerow([neutralise_formula(clean_text(value)) for value in _text_values(row)])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------------------------------------
# XLSX

_XLSX_WIDTHS = (12, 24, 24, 60, 60, 20, 8, 17)
_XLSX_HEADER_ROW = 5  # title, round, generated, blank, header


def _utf16_length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _fit_cell(value: str) -> str:
    """Cut text to Excel's cell limit, ending in a visible marker, without splitting a character."""
    if _utf16_length(value) <= XLSX_CELL_LIMIT:
        return value
    marker = " " + _("[ingekort]")
    budget = XLSX_CELL_LIMIT - _utf16_length(marker)
    kept, used = [], 0
    for char in value:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        kept.append(char)
    return "".join(kept) + marker


def _xlsx_text(sheet, row: int, column: int, value: str):
    """Write untrusted text as a string cell, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = _fit_cell(neutralise_formula(clean_text(value)))
    cell.data_type = "s"
    return cell


def _xlsx_title(sheet, table: CommentTable) -> None:
    _xlsx_text(sheet, 1, 1, table.title).font = Font(bold=True, size=14)
    _xlsx_text(sheet, 2, 1, table.round_label)
    generated = _("Gegenereerd op %(date)s", date=format_datetime(table.generated_at))
    _xlsx_text(sheet, 3, 1, generated).font = Font(italic=True)


def _xlsx_header(sheet) -> None:
    fill = PatternFill("solid", fgColor="DDE4EE")
    for column, (title, width) in enumerate(zip(_header(), _XLSX_WIDTHS, strict=True), start=1):
        cell = _xlsx_text(sheet, _XLSX_HEADER_ROW, column, title)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _xlsx_row(sheet, number: int, row: CommentTableRow, wrap: Alignment) -> None:
    texts = _text_values(row)[:6]
    for column, value in enumerate(texts, start=1):
        _xlsx_text(sheet, number, column, value).alignment = wrap
    version = sheet.cell(row=number, column=7, value=row.version)
    version.alignment = Alignment(vertical="top", horizontal="left")
    created = sheet.cell(row=number, column=8, value=local_time(row.created_at))
    created.number_format = "dd-mm-yyyy hh:mm"
    created.alignment = Alignment(vertical="top", horizontal="left")


def to_xlsx(table: CommentTable) -> bytes:
    """One sheet: title rows, a frozen header row with an autofilter, wrapped text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = clean_text(_("Commentaartabel"))[:31]
    workbook.properties.title = clean_text(table.title)[:255]
    workbook.properties.creator = "NEIG Werkruimte"
    _xlsx_title(sheet, table)
    _xlsx_header(sheet)
    wrap = Alignment(vertical="top", wrap_text=True)
    for number, row in enumerate(table.rows, start=_XLSX_HEADER_ROW + 1):
        _xlsx_row(sheet, number, row, wrap)
    last_row = _XLSX_HEADER_ROW + len(table.rows)
    sheet.freeze_panes = sheet.cell(row=_XLSX_HEADER_ROW + 1, column=1)
    sheet.auto_filter.ref = f"A{_XLSX_HEADER_ROW}:{get_column_letter(len(COLUMNS))}{last_row}"
    sheet.print_title_rows = f"{_XLSX_HEADER_ROW}:{_XLSX_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# DOCX

_DOCX_WIDTHS_CM = (1.8, 3.0, 2.8, 6.8, 6.2, 2.4, 1.2, 2.4)
_DOCX_FONT = Pt(9)


def _docx_landscape_a4(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))


def _docx_language(document, language: str = "nl-NL") -> None:
    """Tell Word (and screen readers) the text is Dutch: the default template says en-US."""
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), language)


def _docx_cell(cell, paragraphs: list[tuple[str, bool]], width) -> None:
    """Fill a cell with (text, bold) paragraphs; python-docx escapes the text."""
    cell.width = width
    first = True
    for text, bold in paragraphs:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        run = paragraph.add_run(clean_text(text))
        run.bold = bold
        run.font.size = _DOCX_FONT


def _docx_header_row(table) -> None:
    row = table.rows[0]
    # Repeat the header row at the top of every page (w:tblHeader) and keep it whole.
    row_properties = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):  # the schema's order
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        row_properties.append(element)
    for cell, title, width in zip(row.cells, _header(), _DOCX_WIDTHS_CM, strict=True):
        _docx_cell(cell, [(title, True)], Cm(width))
    for column, width in zip(table.columns, _DOCX_WIDTHS_CM, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice reads instead of cell widths


def _docx_caption(table, caption: str) -> None:
    """A table title for assistive technology (Word's "Alternatieve tekst")."""
    element = OxmlElement("w:tblCaption")
    element.set(qn("w:val"), clean_text(caption)[:255])
    table._tbl.tblPr.append(element)


def _docx_row_paragraphs(row: CommentTableRow) -> list[list[tuple[str, bool]]]:
    values = _text_values(row)
    comment = [(row.comment, False)]
    if row.replies:
        comment += [(_("Discussie:"), True), *((reply, False) for reply in row.replies)]
    cells = [[(value, False)] for value in values]
    cells[3] = comment
    return cells


def to_docx(table: CommentTable) -> bytes:
    """A landscape A4 document: the title, the round, and the table with a repeating header."""
    document = new_docx()
    _docx_landscape_a4(document)
    _docx_language(document)
    document.core_properties.title = clean_text(table.title)[:255]
    document.core_properties.author = "NEIG Werkruimte"
    document.add_heading(clean_text(table.title), level=1)
    document.add_paragraph(clean_text(table.round_label))
    document.add_paragraph(
        _("Gegenereerd op %(date)s", date=format_datetime(table.generated_at))
    ).runs[0].italic = True
    grid = document.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _docx_caption(grid, _("Commentaartabel"))
    _docx_header_row(grid)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, paragraphs, width in zip(
            cells, _docx_row_paragraphs(row), _DOCX_WIDTHS_CM, strict=True
        ):
            _docx_cell(cell, paragraphs, Cm(width))
    if not table.rows:
        document.add_paragraph(_("Er zijn geen reacties in deze commentaarronde."))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
