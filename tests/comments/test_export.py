"""The comment table export: layout of CSV, XLSX and DOCX, and hostile text in every format.

Each file is read back with the reader a user's program would use (csv, openpyxl, python-docx)
and, for the Office formats, its XML parts are parsed to prove no markup was injected.
"""

import csv
import io
import re
import zipfile
from collections import Counter
from datetime import datetime
from xml.etree import ElementTree

import docx
import openpyxl
import pytest

from neig_workspace.comments import export
from neig_workspace.comments.export import (
    COLUMNS,
    CommentTable,
    CommentTableRow,
    sort_key,
    to_csv,
    to_docx,
    to_xlsx,
)

HEADER = ["Alinea", "Organisatie", "Indiener", "Reactie", "Antwoord", "Besluit", "Versie", "Datum"]
TEXT_FIELDS = ("paragraph", "organisation", "commenter", "comment", "response", "decision")
XLSX_FIRST_ROW = 6  # title, round, generated, blank, header
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

FORMULAS = [
    "=1+1",
    "+31 6 12345678",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '  =HYPERLINK("http://evil.example","klik")',
    "\u00a0=cmd|' /C calc'!A0",
    "\n-1",
    "\uff1d1+1",  # full-width equals sign
]
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[klik](javascript:alert(1)) javascript:alert(document.cookie)",
    '<a href="javascript:alert(1)">link</a>',
    "]]><w:p><w:r><w:t>ingevoegd</w:t></w:r></w:p>",
    '</c><c t="str"><f>1+1</f></c>',
    "&lt;b&gt; &amp; ' \"",
]


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def make_row(**fields) -> CommentTableRow:
    values = {
        "paragraph": "3",
        "organisation": "Gemeente Aadorp",
        "commenter": "Anna de Vries",
        "comment": "Graag de rol van de woningcorporatie toevoegen.",
        "response": "Aangepast in versie 2.",
        "decision": "overgenomen",
        "version": 1,
        "created_at": datetime(2026, 12, 1, 11, 30),
    }
    values.update(fields)
    return CommentTableRow(**values)


def make_table(rows, **fields) -> CommentTable:
    values = {
        "title": "Kader aanpak explosieven",
        "round_label": "Commentaarronde 1, 1 december 2026 t/m 15 december 2026",
        "generated_at": datetime(2026, 12, 16, 8, 5),
        "rows": rows,
    }
    values.update(fields)
    return CommentTable(**values)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def read_docx_rows(data: bytes) -> list[list[str]]:
    table = docx.Document(io.BytesIO(data)).tables[0]
    return [[cell.text for cell in row.cells] for row in table.rows]


def xml_parts(data: bytes):
    """Every XML part of an Office file, parsed (a parse error fails the test)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                yield name, ElementTree.fromstring(archive.read(name))  # noqa: S314 - our own output


# ---------------------------------------------------------------------------------------------
# Layout


def test_csv_has_a_dutch_header_and_the_rows_in_the_given_order(ctx):
    rows = [
        make_row(paragraph="10", comment='Tweede; met "aanhalingstekens"\nen een regel'),
        make_row(paragraph="", organisation="Politie", decision="", response="", version=2),
    ]
    lines = read_csv(to_csv(make_table(rows)))
    assert lines[0] == HEADER
    assert lines[1] == [
        "10",
        "Gemeente Aadorp",
        "Anna de Vries",
        'Tweede; met "aanhalingstekens"\nen een regel',
        "Aangepast in versie 2.",
        "overgenomen",
        "1",
        "01-12-2026 12:30",
    ]
    assert lines[2][:2] == ["", "Politie"] and lines[2][4:7] == ["", "", "2"]
    assert len(lines) == 3


def test_dates_are_amsterdam_time_in_winter_and_summer(ctx):
    rows = [
        make_row(created_at=datetime(2026, 12, 1, 23, 30)),  # CET: next day
        make_row(created_at=datetime(2026, 7, 1, 11, 5)),  # CEST: +2
    ]
    table = make_table(rows)
    assert [line[7] for line in read_csv(to_csv(table))[1:]] == [
        "02-12-2026 00:30",
        "01-07-2026 13:05",
    ]
    assert [line[7] for line in read_docx_rows(to_docx(table))[1:]] == [
        "02-12-2026 00:30",
        "01-07-2026 13:05",
    ]
    sheet = read_xlsx(to_xlsx(table))
    cell = sheet.cell(row=XLSX_FIRST_ROW, column=8)
    assert cell.value == datetime(2026, 12, 2, 0, 30)
    assert cell.number_format == "dd-mm-yyyy hh:mm"
    assert sheet.cell(row=XLSX_FIRST_ROW + 1, column=8).value == datetime(2026, 7, 1, 13, 5)


def test_replies_are_shown_under_the_comment(ctx):
    replies = ("Piet Jansen (Politie): Eens.", "Sara (OM): Graag ook art. 13b.")
    table = make_table([make_row(comment="Hoofdreactie", replies=replies)])
    csv_cell = read_csv(to_csv(table))[1][3]
    assert csv_cell == (
        "Hoofdreactie\n\nDiscussie:\n- Piet Jansen (Politie): Eens.\n- Sara (OM): Graag ook art. 13b."
    )
    assert read_xlsx(to_xlsx(table)).cell(row=XLSX_FIRST_ROW, column=4).value == csv_cell
    assert read_docx_rows(to_docx(table))[1][3] == (
        "Hoofdreactie\nDiscussie:\nPiet Jansen (Politie): Eens.\nSara (OM): Graag ook art. 13b."
    )


def test_xlsx_has_title_rows_a_frozen_filtered_header_and_wrapped_text(ctx):
    rows = [make_row(paragraph=str(n), version=n) for n in range(1, 4)]
    sheet = read_xlsx(to_xlsx(make_table(rows)))
    assert sheet.title == "Commentaartabel"
    assert sheet["A1"].value == "Kader aanpak explosieven" and sheet["A1"].font.bold
    assert sheet["A2"].value.startswith("Commentaarronde 1")
    assert sheet["A3"].value == "Gegenereerd op 16-12-2026 09:05"
    assert [cell.value for cell in sheet[5]] == HEADER
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:H8"
    assert sheet.print_title_rows == "$5:$5"
    assert sheet.page_setup.orientation == "landscape"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert widths["D"] >= 50 and widths["E"] >= 50 and all(w >= 8 for w in widths.values())
    first = sheet.cell(row=XLSX_FIRST_ROW, column=4)
    assert first.alignment.wrap_text and first.alignment.vertical == "top"
    assert [sheet.cell(row=r, column=7).value for r in range(6, 9)] == [1, 2, 3]
    assert sheet.max_row == 8


def test_docx_is_landscape_with_heading_and_a_repeating_header_row(ctx):
    rows = [make_row(paragraph="§ 2.1"), make_row(paragraph="p. 12", decision="kennisgenomen")]
    data = to_docx(make_table(rows))
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert section.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in headings] == ["Kader aanpak explosieven"]
    texts = [p.text for p in document.paragraphs]
    assert "Commentaarronde 1, 1 december 2026 t/m 15 december 2026" in texts
    assert "Gegenereerd op 16-12-2026 09:05" in texts
    table_rows = read_docx_rows(data)
    assert table_rows[0] == HEADER
    assert [row[0] for row in table_rows[1:]] == ["§ 2.1", "p. 12"]
    assert table_rows[2][5] == "kennisgenomen"
    header_tr = document.tables[0].rows[0]._tr
    assert header_tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert document.tables[0].rows[1]._tr.find(f"{W}trPr/{W}tblHeader") is None


def test_an_empty_round_gives_valid_files_with_only_the_header(ctx):
    table = make_table([])
    assert read_csv(to_csv(table)) == [HEADER]
    sheet = read_xlsx(to_xlsx(table))
    assert [cell.value for cell in sheet[5]] == HEADER and sheet.max_row == 5
    data = to_docx(table)
    assert read_docx_rows(data) == [HEADER]
    assert "Er zijn geen reacties in deze commentaarronde." in [
        p.text for p in docx.Document(io.BytesIO(data)).paragraphs
    ]


def test_columns_are_translated_when_used(ctx):
    assert [str(column) for column in COLUMNS] == HEADER


def test_filename_is_ascii_and_dated(ctx):
    table = make_table([], title="Kader: aanpak / Ëxplosieven <script>")
    assert export.filename(table, "xlsx") == (
        "commentaartabel-kader-aanpak-xplosieven-script-2026-12-16.xlsx"
    )
    assert export.filename(make_table([], title="§§§"), "csv") == "commentaartabel-2026-12-16.csv"


# ---------------------------------------------------------------------------------------------
# Ordering


def test_sort_key_orders_paragraphs_naturally_with_general_comments_first():
    labels = ["10", "p. 12", "§ 2.10", "", "2", "§ 2.9", "p. 3", "§ 2.1", "  ", "Bijlage B", "1"]
    ordered = sorted(labels, key=sort_key)
    assert ordered[:2] == ["", "  "]  # both general; the sort is stable
    assert ordered[2:] == ["1", "2", "10", "Bijlage B", "p. 3", "p. 12", "§ 2.1", "§ 2.9", "§ 2.10"]


def test_sort_key_ignores_case_spacing_and_leading_zeros():
    assert sorted(["P.12", "p. 3", "p.03a", "p 2"], key=sort_key) == [
        "p 2",
        "p. 3",
        "p.03a",
        "P.12",
    ]
    assert sort_key("p.3")[1] == sort_key("P. 3")[1]
    assert sort_key("007")[1] == sort_key("7")[1]


def test_sort_key_survives_absurd_numbers():
    huge = "9" * 10_000  # int() of this would raise in Python 3.11+
    assert sorted([huge, "8", "1" + "0" * 9_999], key=sort_key) == ["8", "1" + "0" * 9_999, huge]


# ---------------------------------------------------------------------------------------------
# Formula injection


@pytest.mark.parametrize("payload", FORMULAS)
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_formula_in_any_text_field_is_neutralised_in_csv(ctx, field, payload):
    line = read_csv(to_csv(make_table([make_row(**{field: payload})])))[1]
    value = line[TEXT_FIELDS.index(field)]
    expected = payload.replace("\r", "\n")  # line breaks become LF
    assert value == "'" + expected


@pytest.mark.parametrize("payload", FORMULAS)
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_formula_in_any_text_field_is_a_neutralised_string_in_xlsx(ctx, field, payload):
    data = to_xlsx(make_table([make_row(**{field: payload})], title=payload))
    sheet = read_xlsx(data)
    cell = sheet.cell(row=XLSX_FIRST_ROW, column=TEXT_FIELDS.index(field) + 1)
    assert cell.value == "'" + payload.replace("\r", "\n")
    assert cell.data_type == "s"
    assert sheet["A1"].value.startswith("'") and sheet["A1"].data_type == "s"
    for name, root in xml_parts(data):
        assert not [el for el in root.iter() if el.tag.endswith("}f")], name  # no formula


@pytest.mark.parametrize(
    "harmless", ["3", "§ 2.1", "Reactie - met streepje", "e-mail: a@b.nl", "1+1=2", ""]
)
def test_ordinary_text_is_not_changed(ctx, harmless):
    table = make_table([make_row(comment=harmless, paragraph=harmless)])
    assert read_csv(to_csv(table))[1][3] == harmless
    assert (read_xlsx(to_xlsx(table)).cell(row=XLSX_FIRST_ROW, column=4).value or "") == harmless


# ---------------------------------------------------------------------------------------------
# XSS and markup injection


def _hostile_table(payload: str) -> CommentTable:
    row = make_row(**{field: payload for field in TEXT_FIELDS}, replies=(payload,))
    return make_table([row], title=payload, round_label=payload)


def _element_tags(data: bytes) -> dict[str, Counter]:
    return {name: Counter(el.tag for el in root.iter()) for name, root in xml_parts(data)}


def _assert_no_injected_markup(data: bytes, payload: str, export_function) -> None:
    """The file has exactly the elements of the same export of harmless text, and the payload
    is there as text: any element the payload had smuggled in would show in the count."""
    assert _element_tags(data) == _element_tags(export_function(_hostile_table("veilig")))
    texts = []
    for name, root in xml_parts(data):
        for element in root.iter():
            texts.append(element.text or "")
            for value in element.attrib.values():
                assert "javascript:" not in value and "onerror" not in value, (name, value)
    assert payload in texts or any(text.startswith(payload) for text in texts)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            assert b"<script" not in raw and b"<img" not in raw and b"<a " not in raw, name
            if name.endswith(".rels"):
                assert b"hyperlink" not in raw, name


@pytest.mark.parametrize("payload", XSS)
def test_xss_is_literal_text_in_csv(ctx, payload):
    line = read_csv(to_csv(_hostile_table(payload)))[1]
    assert line[:3] == [payload] * 3 and line[4:6] == [payload] * 2
    assert line[3] == f"{payload}\n\nDiscussie:\n- {payload}"


@pytest.mark.parametrize("payload", XSS)
def test_xss_is_literal_text_in_xlsx(ctx, payload):
    data = to_xlsx(_hostile_table(payload))
    sheet = read_xlsx(data)
    assert sheet["A1"].value == payload and sheet["A2"].value == payload
    values = [cell.value for cell in sheet[XLSX_FIRST_ROW]]
    assert values[:3] == [payload] * 3 and values[4:6] == [payload] * 2
    assert values[3] == f"{payload}\n\nDiscussie:\n- {payload}"
    assert all(
        cell.data_type == "s" and cell.hyperlink is None for cell in sheet[XLSX_FIRST_ROW][:6]
    )
    _assert_no_injected_markup(data, payload, to_xlsx)


@pytest.mark.parametrize("payload", XSS)
def test_xss_is_literal_text_in_docx(ctx, payload):
    data = to_docx(_hostile_table(payload))
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == payload  # the heading
    assert document.paragraphs[1].text == payload  # the round
    assert document.core_properties.title == payload
    cells = read_docx_rows(data)[1]
    assert cells[:3] == [payload] * 3 and cells[4:6] == [payload] * 2
    assert cells[3] == f"{payload}\nDiscussie:\n{payload}"
    body = dict(xml_parts(data))["word/document.xml"]
    assert not list(body.iter(f"{W}hyperlink"))
    # Exactly the paragraphs we wrote: heading, round, generated, and in the table 8 + 10 cells
    # (one paragraph each, the comment cell three): an injected w:p would add one.
    assert len(list(body.iter(f"{W}p"))) == 3 + 8 + 7 + 3
    _assert_no_injected_markup(data, payload, to_docx)


# ---------------------------------------------------------------------------------------------
# Control characters and long texts

CONTROL = "".join(chr(code) for code in range(32)) + "\ud800\ufffe\uffff"


def test_illegal_xml_characters_do_not_break_any_format(ctx):
    dirty = f"a{CONTROL}b"
    row = make_row(**{field: dirty for field in TEXT_FIELDS}, replies=(dirty,))
    table = make_table([row], title=dirty, round_label=dirty)
    kept = "a\t\n\nb"  # tab, LF and CR (as LF) are legal in XML and kept
    sheet = read_xlsx(to_xlsx(table))
    assert sheet["A1"].value == kept
    assert sheet.cell(row=XLSX_FIRST_ROW, column=5).value == kept
    data = to_docx(table)
    assert read_docx_rows(data)[1][4] == kept
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == kept
    assert read_csv(to_csv(table))[1][4] == kept
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", to_csv(table).decode("utf-8-sig"))


def test_control_characters_cannot_hide_a_formula(ctx):
    table = make_table([make_row(comment="\x00\x01=1+1")])
    assert read_csv(to_csv(table))[1][3] == "'=1+1"
    assert read_xlsx(to_xlsx(table)).cell(row=XLSX_FIRST_ROW, column=4).value == "'=1+1"


def test_long_text_is_whole_in_csv_and_docx_and_cut_with_a_marker_in_xlsx(ctx):
    long_text = "".join(f"{n:05d} " for n in range(100_000 // 6)).ljust(100_000, "x")
    assert len(long_text) == 100_000
    table = make_table([make_row(comment=long_text, response="kort")])
    assert read_csv(to_csv(table))[1][3] == long_text
    assert read_docx_rows(to_docx(table))[1][3] == long_text
    sheet = read_xlsx(to_xlsx(table))
    value = sheet.cell(row=XLSX_FIRST_ROW, column=4).value
    assert len(value) == 32_767
    assert value.endswith(" [ingekort]")
    assert long_text.startswith(value.removesuffix(" [ingekort]"))
    assert sheet.cell(row=XLSX_FIRST_ROW, column=5).value == "kort"


def test_xlsx_limit_counts_utf16_units_and_keeps_characters_whole(ctx):
    emoji = "💥" * 20_000  # 40,000 UTF-16 code units
    sheet = read_xlsx(to_xlsx(make_table([make_row(comment=emoji)])))
    value = sheet.cell(row=XLSX_FIRST_ROW, column=4).value
    assert len(value.encode("utf-16-le")) // 2 <= 32_767
    assert value.endswith(" [ingekort]") and set(value.removesuffix(" [ingekort]")) == {"💥"}


def test_text_at_exactly_the_limit_is_not_cut(ctx):
    exact = "y" * 32_767
    sheet = read_xlsx(to_xlsx(make_table([make_row(comment=exact)])))
    assert sheet.cell(row=XLSX_FIRST_ROW, column=4).value == exact
