"""Exports of the (filtered) list as CSV and XLSX: what is in them, that a cell can never run
as a formula, and that every export is audited."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from neig_workspace.actions import export, service
from neig_workspace.actions.models import ActionItem
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.actions.helpers import user
from tests.conftest import db_ctx
from tests.helpers import post_form

INJECTIONS = {
    '=HYPERLINK("http://evil.example","klik")': '\'=HYPERLINK("http://evil.example","klik")',
    "+31 6 12345678": "'+31 6 12345678",
    "-2+3": "'-2+3",
    "@SUM(A1:A2)": "'@SUM(A1:A2)",
    "\tverborgen": "'\tverborgen",
    "\r=1+1": "'\r=1+1",
    "  =1+1": "'  =1+1",
    "\uff1d1+1": "'\uff1d1+1",
    "Gewone titel": "Gewone titel",
}


@pytest.mark.parametrize(("value", "expected"), INJECTIONS.items())
def test_formula_starts_are_neutralised(value, expected):
    assert export.neutralise_formula(value) == expected


def _csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_csv_holds_the_filtered_list(app, personas, world, client_for):
    client = client_for("member_a")
    post_form(
        client,
        f"/actiepunten/{world.items['P-01']}/voortgang",
        {"note": "Eerste overleg gevoerd.", "reported_on": "2025-02-03"},
        token_from=f"/actiepunten/{world.items['P-01']}",
    )
    response = client.get(
        f"/actieplannen/{world.plan}/export.csv?trekker={personas.orgs['gemeente_a']}"
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    assert response.headers["Content-Disposition"].startswith('attachment; filename="actiepunten-')
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Code", "Titel", "Actielijn"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Code"] == "P-01"
    assert row["Trekker"] == "Gemeente Rotterdam"
    assert row["Bijdragende organisaties"] == "Politie Eenheid Rotterdam"
    assert row["Status"] == "niet gestart"
    assert row["Datum laatste voortgang"] == "03-02-2025"
    assert row["Laatste voortgang"] == "Eerste overleg gevoerd."
    with db_ctx(app) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action_plan.exported")
        )
        assert event.space_id == world.space
        assert event.details["format"] == "csv" and event.details["items"] == 1
        assert event.details["filters"] == {"trekker": personas.orgs["gemeente_a"]}


def _inject(app, personas, world, title):
    with app.app_context():
        item = db.session.get(ActionItem, world.items["P-02"])
        data = service.ItemData(
            code=item.code,
            title=title,
            line_id=item.line_id,
            lead_organisation_id=item.lead_organisation_id,
        )
        service.update_item(item, data, actor=user(personas.secretariat))
        db.session.commit()


def test_a_formula_in_a_title_stays_text_in_both_formats(app, personas, world, client_for):
    title = '=HYPERLINK("http://evil.example";"klik")'
    _inject(app, personas, world, title)
    client = client_for("member_a")
    rows = _csv_rows(client.get(f"/actieplannen/{world.plan}/export.csv?q=evil"))
    assert rows[1][1] == "'" + title
    response = client.get(f"/actieplannen/{world.plan}/export.xlsx?q=evil")
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet["B2"]
    assert cell.value == "'" + title
    assert cell.data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_has_dates_as_dates_and_a_header(app, personas, world, client_for):
    with app.app_context():
        item = db.session.get(ActionItem, world.items["P-01"])
        item.due_date = date(2025, 9, 30)
        db.session.commit()
    response = client_for("secretariat").get(f"/actieplannen/{world.plan}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["Code", "N-01", "P-01", "P-02"]
    due = rows[2][8]
    assert due.date().isoformat() == "2025-09-30"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M4"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet["I3"].number_format == "dd-mm-yyyy"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    with db_ctx(app) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action_plan.exported")
        )
        assert event.details["format"] == "xlsx" and event.details["items"] == 3


def test_the_csv_is_streamed_and_the_audit_event_committed_first(app, world, client_for):
    response = client_for("secretariat").get(f"/actieplannen/{world.plan}/export.csv")
    assert response.is_streamed
    with db_ctx(app) as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "action_plan.exported"))
    rows = _csv_rows(response)
    assert [r[0] for r in rows] == ["Code", "N-01", "P-01", "P-02"]


@pytest.mark.one_database("a pure function: the CSV writer")
def test_the_csv_comes_in_pieces_that_join_to_the_whole():
    table = [[f"A-{n:04d}", "x" * 100, None, date(2025, 1, 2)] for n in range(2000)]
    pieces = list(export.csv_chunks(table, size=4096))
    assert len(pieces) > 10
    text = b"".join(pieces).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2001
    assert rows[-1] == ["A-1999", "x" * 100, "", "02-01-2025"]


def test_the_streamed_report_shows_a_flash_message_once(world, client_for):
    """The session is saved before a streamed page renders: the report takes its messages
    from it first, so they are not shown again on the next page."""
    client = client_for("member_a")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Eenmalige testmelding")]
    response = client.get(f"/actieplannen/{world.plan}/rapportage")
    assert response.is_streamed
    assert "Eenmalige testmelding" in response.get_data(as_text=True)
    assert "P-01" in response.get_data(as_text=True)
    again = client.get(f"/actieplannen/{world.plan}/rapportage")
    assert "Eenmalige testmelding" not in again.get_data(as_text=True)
