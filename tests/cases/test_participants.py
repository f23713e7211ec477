"""The participants page: who takes part, and a case manager bringing organisations and persons
in and out (audited, and taking effect at once)."""

from sqlalchemy import func, select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import CaseOrganisation
from neig_workspace.extensions import db
from neig_workspace.spaces.models import PrincipalType, SpaceGrant
from tests.cases.helpers import case, open_case
from tests.helpers import login_as, post_form


def _audited(app, action, case_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.target_id == str(case_id)
            )
        ).all()


def test_participants_page_lists_organisations_with_role_and_reach(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.om)  # the OM reads: sees the list, may change nothing
    page = client.get(f"/casussen/{case_id}/deelnemers").get_data(as_text=True)
    assert "Politie Eenheid Rotterdam" in page and "OM Rotterdam" in page
    assert "Meelezer" in page and "kern" in page
    assert "Organisatie toevoegen" not in page
    response = post_form(
        client,
        f"/casussen/{case_id}/deelnemers",
        {"organisation_id": personas.orgs["corporatie"], "role": SpaceRole.VIEWER.value},
        token_from=f"/casussen/{case_id}",
    )
    assert response.status_code == 403


def test_manager_brings_in_a_housing_corporation_that_then_sees_the_case(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.housing)
    assert client.get(f"/casussen/{case_id}").status_code == 404
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    response = post_form(
        client,
        path,
        {"organisation_id": personas.orgs["corporatie"], "role": SpaceRole.VIEWER.value},
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Woonstad Rotterdam" in page and "alleen wat met hen gedeeld is" in page
    [event] = _audited(app, "case.participant_added", case_id)[-1:]
    assert event.details["organisation"] == personas.orgs["corporatie"]
    assert event.details["core"] is False
    login_as(app, client, personas.housing)
    assert client.get(f"/casussen/{case_id}").status_code == 200
    assert client.get(f"/casussen/{case_id}/adres").status_code == 403


def test_adding_an_organisation_twice_is_refused_next_to_the_field(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    response = post_form(
        client, path, {"organisation_id": personas.orgs["politie"], "role": SpaceRole.VIEWER.value}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="organisation_id-error"' in page and "neemt al deel" in page


def test_manager_changes_and_removes_a_participant(app, client, personas):
    case_id = open_case(app, personas)
    police = personas.orgs["politie"]
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    response = post_form(
        client,
        f"{path}/{police}",
        {f"org{police}-role": SpaceRole.EDITOR.value, f"org{police}-core": "y"},
        token_from=path,
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(CaseOrganisation, (case_id, police))
        assert row.core and not row.address_access
        grant = db.session.scalar(
            select(SpaceGrant).where(
                SpaceGrant.space_id == case(case_id).space_id,
                SpaceGrant.organisation_id == police,
            )
        )
        assert grant.role == SpaceRole.EDITOR
    [changed] = _audited(app, "case.participant_changed", case_id)
    assert changed.details == {
        "organisation": police,
        "role": "editor",
        "core": True,
        "address_access": False,
    }
    login_as(app, client, personas.police)
    assert client.get(f"/casussen/{case_id}/adres").status_code == 403
    login_as(app, client, personas.member_a)
    assert post_form(client, f"{path}/{police}/verwijderen", {}, token_from=path).status_code == 302
    assert len(_audited(app, "case.participant_removed", case_id)) == 1
    login_as(app, client, personas.police)
    assert client.get(f"/casussen/{case_id}").status_code == 404


def test_changing_an_organisation_that_does_not_take_part_is_404(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    other = personas.orgs["gemeente_b"]
    assert post_form(client, f"{path}/{other}/verwijderen", {}, token_from=path).status_code == 404
    assert post_form(client, f"{path}/{other}", {}, token_from=path).status_code == 404


def test_manager_gives_a_person_a_role_and_takes_it_away(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    response = post_form(
        client,
        f"{path}/personen",
        {"email": personas.police.email.upper(), "person_role": SpaceRole.EDITOR.value},
        token_from=path,
    )
    assert response.status_code == 302
    assert personas.police.name in client.get(path).get_data(as_text=True)
    [added] = _audited(app, "case.user_added", case_id)
    assert added.details == {"user": personas.police.id, "role": "editor"}
    with app.app_context():
        grant_id = db.session.scalar(
            select(SpaceGrant.id).where(
                SpaceGrant.space_id == case(case_id).space_id,
                SpaceGrant.principal_type == PrincipalType.USER,
                SpaceGrant.user_id == personas.police.id,
            )
        )
    login_as(app, client, personas.police)  # now a handler: may edit
    assert client.get(f"/casussen/{case_id}/bewerken").status_code == 200
    login_as(app, client, personas.member_a)
    removed = post_form(client, f"{path}/personen/{grant_id}/verwijderen", {}, token_from=path)
    assert removed.status_code == 302
    assert len(_audited(app, "case.user_removed", case_id)) == 1
    login_as(app, client, personas.police)
    assert client.get(f"/casussen/{case_id}/bewerken").status_code == 403


def test_unknown_address_and_outsider_get_the_same_answer(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/deelnemers"
    for email in ("niemand@example.nl", personas.member_b.email):
        response = post_form(
            client,
            f"{path}/personen",
            {"email": email, "person_role": SpaceRole.VIEWER.value},
            token_from=path,
        )
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert 'id="email-error"' in page
        assert "Geen actieve gebruiker van een deelnemende organisatie met dit e-mailadres." in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.user_added")
            )
            == 0
        )


def test_a_grant_of_another_space_is_404(app, client, personas):
    first = open_case(app, personas)
    second = open_case(app, personas)
    with app.app_context():
        other_grant = db.session.scalar(
            select(SpaceGrant.id).where(
                SpaceGrant.space_id == case(second).space_id,
                SpaceGrant.principal_type == PrincipalType.USER,
            )
        )
    login_as(app, client, personas.member_a)
    path = f"/casussen/{first}/deelnemers"
    response = post_form(client, f"{path}/personen/{other_grant}/verwijderen", {}, token_from=path)
    assert response.status_code == 404
