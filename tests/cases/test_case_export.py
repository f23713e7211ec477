"""The case export: the case file as the user may see it, without items other organisations
supplied unless they approved their export (each approval used once); audited."""

import csv
import io
from datetime import date, datetime

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import (
    AftercareKind,
    AftercareTask,
    EntryKind,
    Measure,
    MeasureType,
    ReleaseState,
    TimelineEntry,
    TimelineNarrowing,
)
from neig_workspace.extensions import db
from tests.cases.helpers import basis_id
from tests.cases.test_originator_control import approve, release
from tests.cases.test_provenance import case_with_police, make_manager, upload_as
from tests.helpers import login_as


def export(client, case_id) -> list[list[str]]:
    response = client.get(f"/casussen/{case_id}/export.csv")
    assert response.status_code == 200, response.status_code
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def text(rows) -> str:
    return "\n".join(";".join(row) for row in rows)


def plant(app, client, personas):
    """A case of A with a measure, a task for the corporation, A's and the police's notes and
    documents, and one note narrowed to the police and the OM only."""
    case_id, space_id = case_with_police(app, personas)
    make_manager(app, case_id, personas.police)
    police, org_a, om, housing = (
        personas.orgs[k] for k in ("politie", "gemeente_a", "om", "corporatie")
    )
    with app.app_context():
        wpg = basis_id("Wpg art. 20")

        def entry(text_, supplier, narrowing=()):
            return TimelineEntry(
                case_id=case_id,
                occurred_at=datetime(2025, 3, 14, 4, 0),
                kind=EntryKind.NOTITIE,
                text=text_,
                supplier_organisation_id=supplier,
                legal_basis_id=wpg,
                narrowing=[TimelineNarrowing(organisation_id=o) for o in narrowing],
            )

        db.session.add_all(
            [
                Measure(
                    case_id=case_id,
                    type=MeasureType.SLUITING_174A,
                    responsible_organisation_id=org_a,
                    start_date=date(2025, 3, 15),
                ),
                AftercareTask(
                    case_id=case_id, kind=AftercareKind.CONTACT_HUURDERS, organisation_id=housing
                ),
                entry("Gesprek met bewoners.", org_a),
                entry("Tip over de dader.", police),
                entry("Alleen voor politie en OM.", police, (police, om)),
            ]
        )
        db.session.commit()
    upload_as(app, client, personas.member_a, space_id, name="brief-gemeente.pdf")
    police_doc = upload_as(app, client, personas.police, space_id, name="pv-politie.pdf")
    return case_id, police_doc


def test_export_leaves_out_what_others_supplied(app, client, personas):
    case_id, _doc = plant(app, client, personas)
    login_as(app, client, personas.member_a)
    rows = export(client, case_id)
    assert rows[0] == ["Onderdeel", "Omschrijving", "Datum", "Status", "Organisatie", "Grondslag"]
    content = text(rows)
    assert "Coolsingel" not in content  # never the full address
    assert "3011" in content and "sluiting_174a" in content and "contact_huurders" in content
    assert "Gesprek met bewoners." in content and "brief-gemeente.pdf" in content
    assert "Tip over de dader." not in content and "pv-politie.pdf" not in content
    assert "Alleen voor politie en OM." not in content  # not even A may read it
    assert "2 stukken weggelaten: toestemming van Politie Eenheid Rotterdam nodig" in content
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.exported"))
        assert event.details == {"omitted": 2}


def test_the_case_time_is_dutch_time_on_the_page_and_in_the_export(app, client, personas):
    """Stored as 02:30 UTC (helpers.open_case), read as 03:30 in Amsterdam (winter) on both."""
    case_id, _doc = plant(app, client, personas)
    login_as(app, client, personas.member_a)
    assert "14-03-2025 03:30" in text(export(client, case_id))
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert "14-03-2025 03:30" in page and "02:30" not in page


def test_the_supplier_exports_its_own_items(app, client, personas):
    case_id, _doc = plant(app, client, personas)
    login_as(app, client, personas.police)
    content = text(export(client, case_id))
    assert "Tip over de dader." in content and "pv-politie.pdf" in content
    assert "Alleen voor politie en OM." in content
    assert "Gesprek met bewoners." not in content  # A's, and the police do not manage A
    assert "toestemming van Gemeente" in content


def test_an_approved_export_is_used_once(app, client, personas):
    case_id, police_doc = plant(app, client, personas)
    request_id = approve(app, client, personas, case_id, f"document:{police_doc}", "export", None)
    content = text(export(client, case_id))
    assert "pv-politie.pdf" in content
    assert "1 stuk weggelaten" in content  # the police's note is still left out
    assert release(app, request_id).state == ReleaseState.USED
    assert "pv-politie.pdf" not in text(export(client, case_id))


def test_a_limited_participant_exports_only_what_it_was_given(app, client, personas):
    case_id, _doc = plant(app, client, personas)
    login_as(app, client, personas.housing)
    content = text(export(client, case_id))
    assert "contact_huurders" in content
    assert "sluiting_174a" not in content
    assert "brief-gemeente.pdf" not in content and "Gesprek met bewoners." not in content


def test_non_participants_get_404(app, client, personas):
    case_id, _doc = plant(app, client, personas)
    for persona in (personas.member_b, personas.platform_admin):
        login_as(app, client, persona)
        assert client.get(f"/casussen/{case_id}/export.csv").status_code == 404
