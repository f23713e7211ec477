"""The (filtered) item list as CSV and XLSX.

The caller passes the items the reader may see (`listing.items_query`); this module only lays
them out. CSV: UTF-8 with a byte-order mark, ";"-separated (Excel with Dutch settings splits on
it), every field quoted, CRLF. XLSX: one sheet with a frozen header row and an autofilter, dates
as real dates.

Untrusted text is made safe for spreadsheets: a cell that starts with = + - @ (or their
full-width forms), a tab or a carriage return gets a leading apostrophe, so it is shown as text
and never run as a formula ("CSV injection"); characters XML cannot hold are dropped.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .forms import STATUS_LABELS
from .listing import PlainItem

CSV_DELIMITER = ";"
XLSX_CELL_LIMIT = 32_767
DATE_FORMAT = "%d-%m-%Y"
HEADING_FILL = "#DDE4EE"

COLUMNS = (
    (_l("Code"), 10),
    (_l("Titel"), 40),
    (_l("Actielijn"), 16),
    (_l("Trekker"), 28),
    (_l("Bijdragende organisaties"), 36),
    (_l("Verantwoordelijke"), 22),
    (_l("Status"), 14),
    (_l("Startdatum"), 12),
    (_l("Einddatum"), 12),
    (_l("Te laat"), 9),
    (_l("Datum laatste voortgang"), 14),
    (_l("Laatste voortgang"), 60),
    (_l("Beperkt zichtbaar"), 12),
)
DATE_COLUMNS = {7, 8, 10}  # zero-based: start, due, date of the latest update

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL_START = frozenset("\t\r")


def clean_text(value: str) -> str:
    value = _ILLEGAL_XML.sub("", value or "")
    return value.replace("\r\n", "\n")


def neutralise_formula(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would otherwise run as a formula."""
    if value and (value[0] in _CONTROL_START or value.lstrip()[:1] in _FORMULA_START):
        return "'" + value
    return value


def safe_text(value: str) -> str:
    return neutralise_formula(clean_text(value))


def rows(items: list[PlainItem], today: date) -> list[list]:
    """One row per item: text, and dates as dates (None where empty). The labels are translated
    once, not per item."""
    yes, no = _("ja"), _("nee")
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    return [
        [
            item.code,
            item.title,
            item.line_name,
            item.lead,
            ", ".join(item.contributors),
            item.responsible,
            labels[item.status],
            item.start_date,
            item.due_date,
            yes if item.is_overdue(today) else no,
            item.update_on,
            item.update_note,
            yes if item.narrowed else "",
        ]
        for item in items
    ]


def header() -> list[str]:
    return [str(title) for title, _width in COLUMNS]


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return safe_text(str(value))


def csv_chunks(table: list[list], size: int = 64 * 1024) -> Iterator[bytes]:
    """The CSV in pieces of about `size` bytes, written as it is sent (a generator)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    buffer.write("\ufeff")  # the byte-order mark, so Excel reads UTF-8
    writer.writerow(header())
    for row in table:
        writer.writerow([_csv_value(value) for value in row])
        if buffer.tell() >= size:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(table: list[list]) -> bytes:
    return b"".join(csv_chunks(table))


def _fit(value: str) -> str:
    """Cut text to Excel's cell limit (counted in UTF-16 units), with a visible marker."""
    if len(value) <= XLSX_CELL_LIMIT // 2 or len(value.encode("utf-16-le")) // 2 <= XLSX_CELL_LIMIT:
        return value
    marker = " " + _("[ingekort]")
    kept, used = [], len(marker)
    for char in value:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > XLSX_CELL_LIMIT:
            break
        kept.append(char)
    return "".join(kept) + marker


def write_xlsx(title: str, table: list[list], out: BinaryIO) -> None:
    """The workbook written to `out` with XlsxWriter, built in memory (no temporary files of
    its own: the items may be confidential). Every text goes in with `write_string`, so nothing
    is ever read as a formula, a number or a link. XlsxWriter over openpyxl: a third of the CPU
    for 2,000 items (issue 18)."""
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"title": clean_text(title)[:255], "author": "NEIG Werkruimte"})
    sheet = workbook.add_worksheet(clean_text(_("Actiepunten"))[:31])
    heading = workbook.add_format({"bold": True, "bg_color": HEADING_FILL, "pattern": 1})
    text = workbook.add_format({"valign": "top", "text_wrap": True})
    day = workbook.add_format({"valign": "top", "text_wrap": True, "num_format": "dd-mm-yyyy"})
    for column, (name, width) in enumerate(COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, safe_text(str(name)), heading)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table), len(COLUMNS) - 1)
    for number, row in enumerate(table, start=1):
        for column, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(number, column, value, day)
            elif value is None:
                sheet.write_blank(number, column, None, text)
            else:
                sheet.write_string(number, column, _fit(safe_text(str(value))), text)
    workbook.close()


def to_xlsx(title: str, table: list[list]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(title, table, buffer)
    return buffer.getvalue()


def filename(plan_name: str, extension: str, today: date) -> str:
    """An ASCII name such as "actiepunten-actieplan-ote-2025-2025-03-01.xlsx"."""
    slug = re.sub(r"[^a-z0-9]+", "-", plan_name.casefold().encode("ascii", "ignore").decode())
    slug = slug.strip("-")[:60].rstrip("-")
    return "-".join(p for p in ("actiepunten", slug, today.isoformat()) if p) + f".{extension}"
