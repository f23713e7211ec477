"""Importing items from CSV and XLSX: a dry run lists every bad row by its line number in the
file, and nothing is imported until every row is valid."""

import io
import re
import zipfile

from openpyxl import Workbook
from sqlalchemy import func, select

from neig_workspace.actions.models import ActionItem, ActionItemNarrowing, ItemStatus
from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx
from tests.helpers import post_form

HEADER = "code;titel;omschrijving;actielijn;trekker;bijdragers;verantwoordelijke;status;startdatum;einddatum;alleen zichtbaar voor"
GOOD = [
    "I-01;Voorlichting aan verhuurders;;Preventie;Woonstad Rotterdam;Gemeente Rotterdam | politie;housing@example.nl;op schema;01-02-2025;30-06-2025;",
    "I-02;Snelrecht;Meer zittingen;repressie;OM Rotterdam;;;;2025-03-01;2025-12-31;OM Rotterdam|Politie Eenheid Rotterdam|Secretariaat OTE",
]
BAD = [
    # line 4: an unknown organisation among the contributors
    "I-03;Camera’s;;Weerbaarheid;Gemeente Rotterdam;Gemeente Nergenshuizen;;;;;",
    # line 5: due before start, and a status nobody knows
    "I-04;Nazorg;;Nazorg;Gemeente Rotterdam;;;bijna klaar;01-06-2025;01-05-2025;",
    # line 6: a code used on line 2, and an unknown line
    "I-01;Dubbel;;Handhaving;Gemeente Rotterdam;;;;;;",
    # line 7: a date that does not parse, no title
    "I-05;;;Preventie;Gemeente Rotterdam;;;;31-02-2025;;",
    # line 8: the code is already used in the plan
    "P-01;Bestaat al;;Preventie;Gemeente Rotterdam;;;;;;",
]


def _csv(*rows) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8-sig")


def _send(client, world, data: bytes, filename="actiepunten.csv", step="controleren"):
    return post_form(
        client,
        f"/actieplannen/{world.plan}/importeren",
        {"file": (io.BytesIO(data), filename), "stap": step},
        content_type="multipart/form-data",
    )


def _count(app):
    with db_ctx(app) as session:
        return session.scalar(select(func.count(ActionItem.id)))


def test_a_dry_run_lists_every_bad_row_by_line_and_imports_nothing(app, world, client_for):
    before = _count(app)
    for step in ("controleren", "importeren"):
        response = _send(client_for("secretariat"), world, _csv(*GOOD, *BAD), step=step)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "5 rijen kloppen niet. Er is niets geïmporteerd." in html
        table = html[html.index('class="utrecht-table import-errors"') :]
        lines = [int(n) for n in re.findall(r'scope="row">(\d+)</th>', table)]
        assert lines == [4, 5, 6, 7, 8]
        for message in (
            "Bijdragende organisaties: onbekende organisatie ‘Gemeente Nergenshuizen’.",
            "Einddatum: De einddatum ligt vóór de startdatum.",
            "Status: ‘bijna klaar’ is onbekend",
            "Code: I-01 staat ook op regel 2.",
            "Actielijn: ‘Handhaving’ bestaat niet in dit actieplan.",
            "Startdatum: ‘31-02-2025’ is geen datum; gebruik dd-mm-jjjj.",
            "Titel: Vul een titel in.",
            "Code: De code P-01 is in dit actieplan al in gebruik.",
        ):
            assert message in html, message
        assert _count(app) == before


def test_a_valid_file_is_checked_then_imported(app, personas, world, client_for):
    client = client_for("secretariat")
    before = _count(app)
    dry = _send(client, world, _csv(*GOOD))
    assert dry.status_code == 200
    assert "Alle 2 rijen zijn in orde." in dry.get_data(as_text=True)
    assert _count(app) == before

    done = _send(client, world, _csv(*GOOD), step="importeren")
    assert done.status_code == 302
    with db_ctx(app) as session:
        items = {
            i.code: i
            for i in session.scalars(select(ActionItem).where(ActionItem.code.like("I-%")))
        }
        assert set(items) == {"I-01", "I-02"}
        first = items["I-01"]
        assert first.lead_organisation_id == personas.orgs["corporatie"]
        assert sorted(first.contributor_ids) == sorted(
            [personas.orgs["gemeente_a"], personas.orgs["politie"]]
        )
        assert first.responsible_id == personas.housing.id
        assert first.status == ItemStatus.ON_TRACK
        assert first.due_date.isoformat() == "2025-06-30"
        second = items["I-02"]
        assert second.line_id == world.lines["Repressie"]  # the line's name in any case
        assert {
            n.organisation_id
            for n in session.scalars(
                select(ActionItemNarrowing).where(ActionItemNarrowing.item_id == second.id)
            )
        } == {personas.orgs["om"], personas.orgs["politie"], personas.orgs["secretariaat"]}
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action_plan.imported")
        )
        assert event.details == {"items": 2} and event.space_id == world.space


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_file_with_real_dates_imports(app, world, client_for):
    from datetime import datetime

    data = _xlsx(
        [
            ["Code", "Titel", "Actielijn", "Trekker", "Status", "Einddatum"],
            ["X-01", "Uit Excel", "Nazorg", "Gemeente Rotterdam", "risico", datetime(2025, 8, 31)],
            [None, None, None, None, None, None],
            ["X-02", "Ook uit Excel", "Nazorg", "gemeente_a", None, "15-09-2025"],
        ]
    )
    response = _send(client_for("secretariat"), world, data, "plan.xlsx", step="importeren")
    assert response.status_code == 302
    with db_ctx(app) as session:
        first = session.scalar(select(ActionItem).where(ActionItem.code == "X-01"))
        assert first.due_date.isoformat() == "2025-08-31"
        assert first.status == ItemStatus.AT_RISK


def test_an_excel_file_names_bad_rows_by_their_row_number(app, world, client_for):
    data = _xlsx(
        [
            ["code", "titel", "actielijn", "trekker"],
            ["X-01", "Goed", "Nazorg", "Gemeente Rotterdam"],
            [None, None, None, None],
            ["X-02", "Fout", "Nazorg", "Gemeente Nergenshuizen"],
        ]
    )
    html = _send(client_for("secretariat"), world, data, "plan.xlsx").get_data(as_text=True)
    assert 'scope="row">4</th>' in html
    assert "1 rij klopt niet" in html


def test_files_that_cannot_be_read(app, world, client_for):
    client = client_for("secretariat")
    cases = [
        (b"", "Kies een bestand."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "Dit is geen CSV- of Excel-bestand."),
        # a PDF without a single binary byte: not read as a CSV whose header lacks columns
        (
            b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
            "Dit is geen CSV- of Excel-bestand.",
        ),
        (b"code;titel\x01\x02;actielijn\r\n", "Dit is geen CSV- of Excel-bestand."),
        (
            b"titel;trekker\r\nIets;Gemeente Rotterdam\r\n",
            "De kopregel mist de kolom(men): code, actielijn.",
        ),
        (HEADER.encode() + b"\r\n", "Het bestand bevat geen actiepunten."),
        (b"PK\x03\x04 geen echte zip", "Dit Excel-bestand kan niet worden gelezen."),
    ]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/filler.bin", b"\x00" * (60 * 1024 * 1024))
    cases.append((bomb.getvalue(), "Dit Excel-bestand is te groot om te lezen."))
    word = io.BytesIO()
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<x/>")
    cases.append((word.getvalue(), "Dit is geen CSV- of Excel-bestand."))
    for data, message in cases:
        response = _send(client, world, data, "leeg.csv" if data else "")
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message


def test_partners_may_not_import(app, world, client_for):
    response = _send(client_for("member_a"), world, _csv(*GOOD), step="importeren")
    assert response.status_code == 403
