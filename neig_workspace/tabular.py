"""The shared part of the imports (action items, cases): reading the rows of an uploaded CSV
file, and the result of checking them. Each import checks its own columns. And the one way a
CSV goes out as a download (csv_download)."""

import csv
import io
from dataclasses import dataclass, field

from flask import Response
from flask_babel import gettext as _

#: Table = (line number in the file, cells) of every non-empty row, the header first.
Table = list[tuple[int, list]]


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class ImportResult:
    #: One result per data row, each with its `line` and its `errors`.
    rows: list = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    imported: int = 0

    @property
    def bad_rows(self) -> list:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and not self.bad_rows


#: How the files people pick by mistake begin: PDF, ZIP (Word, Excel opened elsewhere), the old
#: Office format, images. A CSV never does.
_BINARY_STARTS = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"{\\rtf",
)
#: Control characters in text: none belongs in a CSV but tab, line ends and form feed.
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def _is_binary(data: bytes) -> bool:
    return data.startswith(_BINARY_STARTS) or any(b in _CONTROL for b in data[:4096])


def read_csv(data: bytes, *, not_csv: str, max_rows: int) -> Table:
    """The rows of a CSV file: UTF-8 with or without a byte-order mark, or else Windows-1252 (a
    CSV saved by Excel with Dutch settings); the separator is whichever of ; , or tab the header
    uses most. Reading stops after `max_rows` data rows and one more (to say there are too many)."""
    if b"\x00" in data or _is_binary(data):
        raise ImportFileError(not_csv)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table, start = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                table.append((start, cells))
            start = reader.line_num + 1
            if len(table) > max_rows + 1:
                break
    except csv.Error as error:
        raise ImportFileError(
            _("Regel %(line)d is geen geldige CSV: %(error)s", line=start, error=str(error))
        ) from error
    return table


def csv_download(body, filename: str) -> Response:
    """`body` (text or an iterable of text) as an attachment `filename`, never stored by a
    browser or proxy."""
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
