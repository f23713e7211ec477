"""The disclosure register: uploads register who received them; case managers read the register
per organisation and export it as CSV for a supervisor."""

import csv
import io

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import service
from neig_workspace.cases.models import Disclosure
from neig_workspace.extensions import db
from tests.cases.helpers import case, org, user
from tests.cases.test_provenance import case_with_police, upload_as
from tests.conftest import count_queries
from tests.helpers import login_as


def received(app, case_id: int, item_type: str = "document") -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Disclosure.organisation_id).where(
                    Disclosure.case_id == case_id, Disclosure.item_type == item_type
                )
            )
        )


def test_an_upload_registers_every_core_partner_but_the_supplier(app, client, personas):
    case_id, space_id = case_with_police(app, personas)
    upload_as(app, client, personas.police, space_id)
    # Core: A and the OM; not the police (they supplied it), not the corporation (not core).
    assert received(app, case_id) == {personas.orgs["gemeente_a"], personas.orgs["om"]}


def test_a_narrowed_upload_registers_only_the_organisations_given_it(app, client, personas):
    case_id, space_id = case_with_police(app, personas)
    police, housing = personas.orgs["politie"], personas.orgs["corporatie"]
    upload_as(app, client, personas.police, space_id, narrowing=[str(police), str(housing)])
    assert received(app, case_id) == {housing}


def test_register_page_for_case_managers_only_with_a_filter(app, client, personas):
    case_id, space_id = case_with_police(app, personas)
    upload_as(app, client, personas.police, space_id, name="bevindingen.pdf")
    path = f"/casussen/{case_id}/verstrekkingen"

    assert client.get(path).status_code == 403  # the police contribute, they do not manage
    login_as(app, client, personas.member_b)
    assert client.get(path).status_code == 404

    login_as(app, client, personas.member_a)
    page = client.get(path).get_data(as_text=True)
    assert "bevindingen.pdf" in page and "OM Rotterdam" in page
    filtered = client.get(f"{path}?organisatie={personas.orgs['corporatie']}").get_data(
        as_text=True
    )
    assert "bevindingen.pdf" not in filtered  # the corporation was not given it
    assert "Casusgegevens" in filtered  # but it received the case itself


def test_register_csv_with_bom_semicolons_and_no_formulas(app, client, personas):
    case_id, _space = case_with_police(app, personas)
    with app.app_context():
        service.register_disclosure(
            case(case_id),
            org(personas.orgs["om"]),
            "document",
            None,
            '=HYPERLINK("http://x")',
            actor=user(personas.member_a),
        )
        db.session.commit()
    login_as(app, client, personas.member_a)
    response = client.get(f"/casussen/{case_id}/verstrekkingen.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Casus",
        "Organisatie",
        "Soort",
        "Wat",
        "Wanneer",
        "Grondslag",
        "Doel",
        "Door",
    ]
    labels = [row[3] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in labels
    assert "Casusgegevens" in labels
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case.disclosures_exported")
        )
        assert event.target_id == str(case_id)


def test_register_page_queries_stay_flat(app, client, personas):
    case_id, _space = case_with_police(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/verstrekkingen"

    def add(n):
        with app.app_context():
            for i in range(n):
                service.register_disclosure(
                    case(case_id),
                    org(personas.orgs["om"]),
                    "document",
                    i,
                    f"Stuk {i}",
                    actor=user(personas.member_a),
                )
            db.session.commit()

    add(2)
    client.get(path)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    add(20)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)
