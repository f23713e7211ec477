"""What a review of the casework found, each kept fixed: the disclosure register names only
what the reader may see, people leave with their organisation, only the triangle is core (and
what a core organisation gains is registered), no action plans in a case, hit / no-hit only for
managers and only for the current address, no case reference without MFA, and a limited
partner keeps reading what it supplied itself."""

import io

import pytest
from sqlalchemy import func, select

from neig_workspace.access import policy
from neig_workspace.access.roles import SpaceRole
from neig_workspace.cases import service
from neig_workspace.cases.models import Case, CaseMatch, Disclosure
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.spaces.models import Space
from tests.cases.helpers import open_case, org, user
from tests.cases.world import PDF, build_case_world
from tests.helpers import login_as, post_form


@pytest.fixture
def world(app, personas):
    return build_case_world(app, personas)


def _as(app, personas, key, mfa=True):
    client = app.test_client()
    login_as(app, client, personas[key], mfa_verified=mfa)
    return client


def _register(app, case_id, document_id, organisation_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        document = db.session.get(documents.Document, document_id)
        service.register_disclosure(
            case, org(organisation_id), "document", document.id, document.title, actor=None
        )
        db.session.commit()


def test_the_register_names_a_document_only_to_whoever_may_read_it(app, personas, world):
    _register(app, world.case, world.doc_police, personas.orgs["om"])
    manager = _as(app, personas, "org_admin_a")  # manages the case, may not read pv.pdf
    page = manager.get(f"/casussen/{world.case}/verstrekkingen").get_data(as_text=True)
    csv = manager.get(f"/casussen/{world.case}/verstrekkingen.csv").get_data(as_text=True)
    for text in (page, csv):
        assert "pv.pdf" not in text
        assert f"Document nr. {world.doc_police} (niet zichtbaar voor u)" in text
    police = _as(app, personas, "police").get(f"/casussen/{world.case}/verstrekkingen")
    assert "pv.pdf" in police.get_data(as_text=True)


def test_people_leave_the_case_with_their_organisation(app, personas, world):
    with app.app_context():
        case = db.session.get(Case, world.case)
        service.add_user(case, user(personas.housing), SpaceRole.VIEWER, actor=None)
        db.session.commit()
    manager = _as(app, personas, "org_admin_a")
    path = f"/casussen/{world.case}/deelnemers/{personas.orgs['corporatie']}/verwijderen"
    assert post_form(manager, path, {}).status_code == 302
    housing = _as(app, personas, "housing")
    assert housing.get(f"/casussen/{world.case}").status_code == 404
    assert housing.get(f"/documenten/{world.doc_housing}/versies/1/download").status_code == 404


def test_only_the_triangle_and_the_secretariat_can_be_core(app, personas, world):
    manager = _as(app, personas, "org_admin_a")
    corporation = personas.orgs["corporatie"]
    response = post_form(
        manager,
        f"/casussen/{world.case}/deelnemers/{corporation}",
        {f"org{corporation}-role": "20", f"org{corporation}-core": "y"},
    )
    assert response.status_code == 302  # the participants page, with the reason
    follow = manager.get(response.location).get_data(as_text=True)
    assert "Alleen de gemeente, de politie, het OM en het secretariaat kunnen kernpartner" in follow
    assert _as(app, personas, "housing").get(f"/documenten/{world.doc_open}").status_code == 404


def test_what_a_new_core_organisation_receives_is_registered(app, personas, world):
    with app.app_context():
        case = db.session.get(Case, world.case)
        secretariat = org(personas.orgs["secretariaat"])
        service.add_participant(
            case,
            service.Participant(secretariat, SpaceRole.VIEWER, True),
            actor=user(personas.org_admin_a),
        )
        db.session.commit()
        rows = db.session.scalars(
            select(Disclosure).where(Disclosure.organisation_id == secretariat.id)
        ).all()
    received = {(row.item_type, row.item_id) for row in rows}
    assert ("document", world.doc_open) in received
    assert ("entry", world.entry_open) in received
    assert ("document", world.doc_police) not in received  # narrowed to police and OM


def test_no_action_plans_in_a_case(app, personas, world):
    with app.app_context(), policy.assuming_mfa():
        space = db.session.get(Space, world.space)
        for key in ("org_admin_a", "police"):
            assert not policy.can(user(personas[key]), "action_plan.create", space)
    response = _as(app, personas, "org_admin_a").get(
        f"/werkruimtes/{world.space}/actieplannen/nieuw"
    )
    assert response.status_code == 403


def _matched_cases(app, personas):
    first = open_case(app, personas)
    second = open_case(
        app,
        personas,
        creator="member_b",
        municipality="gemeente_b",
        participants=(("politie", SpaceRole.VIEWER, True, False),),
    )
    return first, second


def test_hit_no_hit_is_told_to_the_managers_only(app, personas):
    first, _second = _matched_cases(app, personas)
    manager = _as(app, personas, "member_a").get(f"/casussen/{first}").get_data(as_text=True)
    assert "Er is een casus van Gemeente Amsterdam op hetzelfde adres." in manager
    police = _as(app, personas, "police").get(f"/casussen/{first}").get_data(as_text=True)
    assert "Gemeente Amsterdam" not in police


def test_a_new_address_ends_the_match(app, personas):
    first, _second = _matched_cases(app, personas)
    with app.app_context():
        case = db.session.get(Case, first)
        service.update_case(case, address="Blaak 8, 3011 TA Rotterdam", actor=None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CaseMatch)) == 0


def test_a_link_to_an_unseen_case_has_no_button_with_its_id(app, personas):
    mine = open_case(app, personas, creator="org_admin_a")
    theirs = open_case(app, personas, creator="org_admin_a")
    with app.app_context(), policy.assuming_mfa():
        service.link_cases(
            db.session.get(Case, mine),
            db.session.get(Case, theirs),
            actor=user(personas.org_admin_a),
        )
        # the second case goes on without A
        other = db.session.get(Case, theirs)
        service.add_participant(
            other, service.Participant(org(personas.orgs["politie"]), SpaceRole.MANAGER), actor=None
        )
        # A's people leave with A (org_admin_a's own grant too)
        service.remove_participant(other, org(personas.orgs["gemeente_a"]), actor=None)
        db.session.commit()
    html = _as(app, personas, "member_a").get(f"/casussen/{mine}").get_data(as_text=True)
    assert "Een casus waartoe u geen toegang hebt" in html
    assert f"/koppelingen/{theirs}/" not in html


def test_no_case_reference_in_the_space_list_without_mfa(app, personas, world):
    with app.app_context():
        name = db.session.get(Space, world.space).name
    assert name not in _as(app, personas, "member_a", mfa=False).get("/werkruimtes").get_data(
        as_text=True
    )
    assert name in _as(app, personas, "member_a").get("/werkruimtes").get_data(as_text=True)


def test_a_limited_partner_keeps_reading_what_it_supplied(app, personas, world):
    with app.app_context():
        space = db.session.get(Space, world.space)
        document = documents.upload_document(
            space,
            documents.Upload(io.BytesIO(PDF), "herstelplan.pdf"),
            actor=user(personas.housing),
        )
        db.session.commit()
        document_id = document.id
    for key in ("housing", "org_admin_a", "police", "om"):
        assert _as(app, personas, key).get(f"/documenten/{document_id}").status_code == 200, key
