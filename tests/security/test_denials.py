"""Refusals by the policy are security events: each one lands in the audit log."""

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx
from tests.helpers import login_as


def denials(app):
    with db_ctx(app) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()


def test_a_forbidden_page_is_audited_as_denied(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get("/beheer/gebruikers").status_code == 403
    [event] = denials(app)
    assert event.result == "denied"
    assert event.actor_id == personas.member_a.id
    assert event.details["status"] == 403 and event.details["path"] == "/beheer/gebruikers"


def test_another_organisations_object_is_audited_without_leaking(app, client, personas):
    login_as(app, client, personas.member_b)
    response = client.get(f"/organisaties/{personas.orgs['gemeente_a']}")
    assert response.status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == (
        "organisation",
        str(personas.orgs["gemeente_a"]),
    )
    assert event.details["status"] == 404


def test_a_page_that_does_not_exist_is_not_an_access_denial(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get("/bestaat-niet").status_code == 404
    assert denials(app) == []


def test_a_child_of_another_parent_is_an_audited_refusal(app, client, personas):
    """A grant id under another space's URL: 404, audited like any refusal (load_child_or_404)."""
    from neig_workspace.spaces.models import PrincipalType
    from tests.spaces.test_grants import grant_of, org_space, remove

    own_space = org_space(app, personas)
    other_space = org_space(app, personas, "gemeente_b")
    other_grant, _role = grant_of(
        app, other_space, PrincipalType.ORGANISATION, personas.orgs["gemeente_b"]
    )
    login_as(app, client, personas.org_admin_a)
    response = remove(client, own_space, other_grant)
    assert response.status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == ("space_grant", str(other_grant))
    assert event.details["status"] == 404


def test_a_case_item_under_another_case_is_an_audited_refusal(app, client, personas):
    """A measure's id under another case's URL (both cases the user's): 404, audited."""
    from tests.cases.helpers import open_case
    from tests.cases.test_measures import _measure

    case_id, other_case = open_case(app, personas), open_case(app, personas)
    measure_id = _measure(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.member_a)
    path = f"/casussen/{other_case}/maatregelen/{measure_id}/bewerken"
    assert client.get(path).status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == ("case_measure", str(measure_id))
    assert event.details["status"] == 404


def test_a_folder_of_another_space_is_an_audited_refusal(app, personas):
    """Another space's folder named under one's own space: 404, audited."""
    from tests.documents.test_scoping import plant

    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    assert client.get(f"/werkruimtes/{w.space_a}/documenten?map={w.folder_b}").status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == ("folder", str(w.folder_b))
    assert event.details["status"] == 404


def test_a_membership_of_another_organisation_is_an_audited_refusal(app, client, personas):
    """An admin of A removing B's member through A's URL: 404, audited, the member stays."""
    from neig_workspace.organisations.models import Membership
    from tests.helpers import form_token

    with db_ctx(app) as session:
        membership_b = session.scalar(
            select(Membership.id).where(Membership.user_id == personas.member_b.id)
        )
    login_as(app, client, personas.org_admin_a)
    org_a = personas.orgs["gemeente_a"]
    response = client.post(
        f"/organisaties/{org_a}/leden/{membership_b}/verwijderen",
        data={"csrf_token": form_token(client, "/")},
    )
    assert response.status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == ("membership", str(membership_b))
    with db_ctx(app) as session:
        assert session.get(Membership, membership_b) is not None
