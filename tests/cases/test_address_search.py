"""A resident's request (docs/subject-requests.md): a case manager looks up the cases they
manage at an address through the hit / no-hit key; every search is audited with the request's
reference and never the address; whoever manages no case (a contributor, the platform admin)
finds no such page."""

import html

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.cases.helpers import case, open_case
from tests.helpers import csrf_token_of, login_as

pytestmark = pytest.mark.personas_once

PATH = "/casussen/adres-zoeken"


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A case of A at Coolsingel 40 managed by member_a, with the police contributing."""
    with test_db.rolled_back():
        case_id = open_case(app, module_personas)
        with app.app_context():
            reference = case(case_id).reference
        yield {"case": case_id, "reference": reference}


def search(app, client, address: str):
    token = csrf_token_of(app, client)
    data = {"csrf_token": token, "address": address, "reference": "AVG-2026-17"}
    return client.post(PATH, data=data)


def searches(app) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.details).where(AuditEvent.action == "case.address_searched")
            )
        )


def test_the_manager_finds_the_case_at_the_address_however_written(app, client, world, personas):
    login_as(app, client, personas.member_a)
    assert client.get(PATH).status_code == 200
    page = html.unescape(
        search(app, client, "coolsingel 40 3011ad ROTTERDAM").get_data(as_text=True)
    )
    assert world["reference"] in page and "Politie Eenheid Rotterdam" in page
    nothing = search(app, client, "Blaak 1, 3011 GA Rotterdam").get_data(as_text=True)
    assert "Geen treffer" in nothing and world["reference"] not in nothing
    logged = searches(app)
    assert [(d["request"], d["hits"]) for d in logged] == [("AVG-2026-17", 1), ("AVG-2026-17", 0)]
    assert "Coolsingel" not in str(logged) and "coolsingel" not in str(logged)


@pytest.mark.parametrize("persona", ["platform_admin", "police", "member_b"])
def test_who_manages_no_case_finds_no_page(app, client, world, personas, persona):
    login_as(app, client, personas[persona])
    assert client.get(PATH).status_code == 404
    assert search(app, client, "Coolsingel 40, 3011 AD Rotterdam").status_code == 404
    assert searches(app) == []


def test_the_address_is_required_next_to_its_field(app, client, world, personas):
    login_as(app, client, personas.member_a)
    response = client.post(
        PATH, data={"csrf_token": csrf_token_of(app, client), "address": "", "reference": "X"}
    )
    assert response.status_code == 422
    assert "Vul het adres in." in response.get_data(as_text=True)
