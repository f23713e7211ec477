"""The purpose of every item shared into a case, next to its legal basis: the case's unless the
form says otherwise (the forms show it, filled in); the disclosure register shows both, on the
page and in the CSV, and withholds the purpose with the name of an item the reader may not see."""

import csv
import html
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from neig_workspace.cases import item_service
from neig_workspace.cases.models import (
    AftercareKind,
    CaseDocument,
    Disclosure,
    EntryKind,
    MeasureType,
)
from neig_workspace.extensions import db
from tests.cases.helpers import basis_id, case, user
from tests.cases.test_provenance import case_with_police, upload_as
from tests.helpers import login_as

pytestmark = pytest.mark.personas_once

CASE_PURPOSE = "Aanpak van de explosie en nazorg"
OWN = "Sluiting van de woning voorbereiden"


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A case of A with the police (core) and a housing corporation (not core)."""
    with test_db.rolled_back():
        case_id, space_id = case_with_police(app, module_personas)
        yield {"case": case_id, "space": space_id}


def disclosed(app, case_id, item_type) -> set[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Disclosure.item_type, Disclosure.purpose).where(
                Disclosure.case_id == case_id, Disclosure.item_type == item_type
            )
        )
        return {tuple(row) for row in rows}


def test_an_upload_carries_its_purpose_or_the_cases(app, client, world, personas):
    login_as(app, client, personas.police)  # the form shows the field, with the case's purpose
    upload_page = client.get(f"/werkruimtes/{world['space']}/documenten/uploaden")
    page = html.unescape(upload_page.get_data(as_text=True))
    assert 'name="purpose"' in page and CASE_PURPOSE in page
    given = upload_as(app, client, personas.police, world["space"], name="a.pdf", purpose=OWN)
    default = upload_as(app, client, personas.police, world["space"], name="b.pdf", purpose="")
    with app.app_context():
        assert db.session.get(CaseDocument, given).purpose == OWN
        assert db.session.get(CaseDocument, default).purpose == CASE_PURPOSE
    assert disclosed(app, world["case"], "document") == {
        ("document", OWN),
        ("document", CASE_PURPOSE),
    }
    shown = html.unescape(client.get(f"/documenten/{given}").get_data(as_text=True))
    assert "Doel" in shown and OWN in shown


def test_entries_measures_and_tasks_carry_theirs(app, world, personas):
    with app.app_context():
        the_case, police = case(world["case"]), user(personas.police)
        housing = personas.orgs["corporatie"]
        entry = item_service.add_entry(
            the_case,
            item_service.EntryData(
                occurred_at=datetime(2025, 3, 14, 3, 0),
                kind=EntryKind.GEBEURTENIS,
                text="Pand doorzocht.",
                legal_basis_id=basis_id(),
                purpose=OWN,
            ),
            actor=police,
        )
        measure = item_service.add_measure(
            the_case,
            item_service.MeasureData(
                type=MeasureType.SLUITING_13B,
                responsible_organisation_id=housing,
                start_date=date(2025, 3, 20),
            ),
            actor=user(personas.member_a),
        )
        task = item_service.add_task(
            the_case,
            item_service.TaskData(
                kind=AftercareKind.CONTACT_HUURDERS, organisation_id=housing, purpose="Huurders"
            ),
            actor=user(personas.member_a),
        )
        db.session.commit()
        assert (entry.purpose, measure.purpose, task.purpose) == (OWN, CASE_PURPOSE, "Huurders")
    assert disclosed(app, world["case"], "entry") == {("entry", OWN)}
    assert disclosed(app, world["case"], "measure") == {("measure", CASE_PURPOSE)}
    assert disclosed(app, world["case"], "task") == {("task", "Huurders")}


def test_the_forms_show_the_cases_purpose(app, client, world, personas):
    login_as(app, client, personas.member_a)
    base = f"/casussen/{world['case']}"
    for path in ("/tijdlijn/nieuw", "/maatregelen/nieuw", "/nazorg/nieuw"):
        page = html.unescape(client.get(base + path).get_data(as_text=True))
        assert 'name="purpose"' in page and f"{CASE_PURPOSE}</textarea>" in page, path


def test_the_register_shows_basis_and_purpose(app, client, world, personas):
    upload_as(app, client, personas.police, world["space"], name="c.pdf", purpose=OWN)
    login_as(app, client, personas.member_a)
    page = html.unescape(
        client.get(f"/casussen/{world['case']}/verstrekkingen").get_data(as_text=True)
    )
    assert ">Doel</th>" in page and OWN in page and CASE_PURPOSE in page
    response = client.get(f"/casussen/{world['case']}/verstrekkingen.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    basis_at, purpose_at = header.index("Grondslag"), header.index("Doel")
    assert purpose_at == basis_at + 1
    assert {row[purpose_at] for row in rows[1:]} >= {OWN, CASE_PURPOSE}
