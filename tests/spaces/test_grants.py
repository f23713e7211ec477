"""Grants: audited, in force at the very next request, never leaving a space without a manager;
organisation-admin grants follow role changes; the "my spaces" page and its "N nieuw" counts."""

import io
import re

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from tests.conftest import db_ctx
from tests.helpers import form_token, login_as

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def org_space(app, personas, org_key="gemeente_a") -> int:
    with app.app_context():
        org = db.session.get(Organisation, personas.orgs[org_key])
        space = spaces.create_organisation_space(org, actor=None)
        db.session.commit()
        return space.id


def grant_of(app, space_id, principal_type, organisation_id=None):
    with db_ctx(app) as session:
        grant = session.scalar(
            select(SpaceGrant).where(
                SpaceGrant.space_id == space_id,
                SpaceGrant.principal_type == principal_type,
                SpaceGrant.organisation_id == organisation_id,
            )
        )
        return (grant.id, SpaceRole(grant.role)) if grant else None


def members_post(client, space_id, data):
    token = form_token(client, f"/werkruimtes/{space_id}/leden")
    return client.post(f"/werkruimtes/{space_id}/leden", data={"csrf_token": token, **data})


def remove(client, space_id, grant_id):
    token = form_token(client, f"/werkruimtes/{space_id}/leden")
    return client.post(
        f"/werkruimtes/{space_id}/leden/{grant_id}/verwijderen",
        data={"csrf_token": token},
        follow_redirects=True,
    )


def grant_events(app):
    with db_ctx(app) as session:
        return [
            (e.action, e.actor_id, e.space_id, e.target_type, e.details)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("grant.%")).order_by(AuditEvent.id)
            )
        ]


def test_adding_changing_and_removing_a_grant_is_audited(app, personas):
    space_id = org_space(app, personas)
    police = personas.orgs["politie"]
    client = login_as(app, app.test_client(), personas.org_admin_a)
    already = len(grant_events(app))  # the two default grants of the space

    assert (
        members_post(client, space_id, {"principal": f"org:{police}", "role": "10"}).status_code
        == 302
    )
    assert (
        members_post(client, space_id, {"principal": f"org:{police}", "role": "30"}).status_code
        == 302
    )
    grant_id, role = grant_of(app, space_id, PrincipalType.ORGANISATION, police)
    assert role == SpaceRole.EDITOR
    assert remove(client, space_id, grant_id).status_code == 200
    assert grant_of(app, space_id, PrincipalType.ORGANISATION, police) is None

    actor = personas.org_admin_a.id
    principal = {"principal_type": "organisation", "user_id": None, "organisation_id": police}
    assert grant_events(app)[already:] == [
        ("grant.added", actor, space_id, "space_grant", {**principal, "role": "viewer"}),
        (
            "grant.changed",
            actor,
            space_id,
            "space_grant",
            {**principal, "role": "editor", "before": "viewer"},
        ),
        ("grant.removed", actor, space_id, "space_grant", {**principal, "role": "editor"}),
    ]


def test_the_same_role_again_changes_and_audits_nothing(app, personas):
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    data = {"principal": "network", "role": "10", "confirm_network": "y"}
    assert members_post(client, space_id, data).status_code == 302
    before = grant_events(app)
    assert members_post(client, space_id, data).status_code == 302
    assert grant_events(app) == before


def test_removing_an_organisations_grant_takes_effect_at_the_next_request(app, personas):
    space_id = org_space(app, personas)
    member = login_as(app, app.test_client(), personas.member_a)
    assert member.get(f"/werkruimtes/{space_id}/documenten").status_code == 200

    admin = login_as(app, app.test_client(), personas.org_admin_a)
    grant_id, _ = grant_of(app, space_id, PrincipalType.ORGANISATION, personas.orgs["gemeente_a"])
    assert "De toegang is ingetrokken." in remove(admin, space_id, grant_id).get_data(as_text=True)

    # The same logged-in session, no new login: the space no longer exists for them.
    for path in ("", "/documenten", "/leden", "/activiteit", "/prullenbak"):
        assert member.get(f"/werkruimtes/{space_id}{path}").status_code == 404, path
    assert f'/werkruimtes/{space_id}"' not in member.get("/werkruimtes").get_data(as_text=True)
    # The org admins' own grant still lets the admin in.
    assert admin.get(f"/werkruimtes/{space_id}").status_code == 200


def test_the_last_manager_grant_cannot_be_removed(app, personas):
    space_id = org_space(app, personas)
    admin = login_as(app, app.test_client(), personas.platform_admin)
    grant_id, role = grant_of(
        app, space_id, PrincipalType.ORGANISATION_ADMINS, personas.orgs["gemeente_a"]
    )
    assert role == SpaceRole.MANAGER
    before = grant_events(app)

    page = remove(admin, space_id, grant_id).get_data(as_text=True)

    assert "Een werkruimte houdt minstens één beheerder." in page
    assert grant_of(
        app, space_id, PrincipalType.ORGANISATION_ADMINS, personas.orgs["gemeente_a"]
    ) == (grant_id, SpaceRole.MANAGER)
    assert grant_events(app) == before


def test_the_last_manager_grant_cannot_be_lowered_either(app, personas):
    """Changing the only manager grant to a lower role would leave the space unmanaged too."""
    space_id = org_space(app, personas)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    org_a = personas.orgs["gemeente_a"]
    before = grant_events(app)

    response = members_post(admin, space_id, {"principal": f"admins:{org_a}", "role": "30"})

    assert response.status_code == 422
    assert "Een werkruimte houdt minstens één beheerder." in response.get_data(as_text=True)
    assert grant_of(app, space_id, PrincipalType.ORGANISATION_ADMINS, org_a)[1] == SpaceRole.MANAGER
    assert grant_events(app) == before
    # With a second manager, the first may step down.
    assert (
        members_post(
            admin, space_id, {"principal": "network", "role": "40", "confirm_network": "y"}
        ).status_code
        == 302
    )
    assert (
        members_post(admin, space_id, {"principal": f"admins:{org_a}", "role": "30"}).status_code
        == 302
    )
    assert grant_of(app, space_id, PrincipalType.ORGANISATION_ADMINS, org_a)[1] == SpaceRole.EDITOR


def _membership_id(app, persona):
    with db_ctx(app) as session:
        return session.scalar(
            select(Membership.id).where(
                Membership.user_id == persona.id, Membership.organisation_id == persona.org_id
            )
        )


def _set_org_role(client, persona, role, app):
    path = f"/organisaties/{persona.org_id}/leden/{_membership_id(app, persona)}/rol"
    token = form_token(client, f"/organisaties/{persona.org_id}")
    assert client.post(path, data={"csrf_token": token, "role": role}).status_code == 302


def test_organisation_admin_grants_follow_role_changes(app, personas):
    space_id = org_space(app, personas)
    member = login_as(app, app.test_client(), personas.member_a)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    grant = {"principal": "network", "role": "10", "confirm_network": "y"}
    settings = f"/werkruimtes/{space_id}/instellingen"
    assert member.get(settings).status_code == 403

    _set_org_role(admin, personas.member_a, "org_admin", app)  # member_a becomes an org admin
    assert member.get(settings).status_code == 200
    assert members_post(member, space_id, grant).status_code == 302

    _set_org_role(member, personas.org_admin_a, "member", app)  # and org_admin_a steps down
    assert admin.get(settings).status_code == 403
    assert members_post(admin, space_id, {**grant, "role": "20"}).status_code == 403
    assert admin.get(f"/werkruimtes/{space_id}/documenten").status_code == 200  # still a member


def test_a_user_grant_for_an_unknown_address_says_so_next_to_the_field(app, personas):
    space_id = org_space(app, personas)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    before = grant_events(app)

    response = members_post(
        admin, space_id, {"principal": "user", "email": "onbekend@example.nl", "role": "10"}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="email-error">(.*?)</div>', html, re.S)
    assert error and "Er is geen actief account met dit e-mailadres." in error.group(1)
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert "email-error" in email_input and 'aria-invalid="true"' in email_input
    assert grant_events(app) == before


def test_a_user_grant_by_email_works_for_a_known_address(app, personas):
    space_id = org_space(app, personas)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    police = login_as(app, app.test_client(), personas.police)
    assert police.get(f"/werkruimtes/{space_id}").status_code == 404

    data = {"principal": "user", "email": personas.police.email.upper(), "role": "10"}
    assert members_post(admin, space_id, data).status_code == 302

    assert police.get(f"/werkruimtes/{space_id}").status_code == 200
    assert police.get(f"/werkruimtes/{space_id}/documenten/uploaden").status_code == 403


# --- my spaces -------------------------------------------------------------------------------


def _space(kind, name, *grants):
    space = spaces.create_space(kind, name, actor=None)
    for principal, role, who in grants:
        key = "user" if principal == PrincipalType.USER else "organisation"
        spaces.add_grant(space, principal, role, actor=None, **({key: who} if who else {}))
    return space


def _upload(space_id, persona, name, narrowing=None):
    space = db.session.get(Space, space_id)
    actor = db.session.get(User, persona.id)
    documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), name), narrowing=narrowing, actor=actor
    )


def test_my_spaces_groups_by_kind_and_counts_what_others_did_since_my_last_visit(app, personas):
    own = org_space(app, personas)
    org_space(app, personas, "gemeente_b")  # not ours: never listed
    with app.app_context():
        org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
        police = db.session.get(Organisation, personas.orgs["politie"])
        shared = _space(SpaceKind.SHARED, "Kennisbank", (PrincipalType.NETWORK, 10, None)).id
        triangle = _space(
            SpaceKind.RESTRICTED,
            "Driehoek Rotterdam",
            (PrincipalType.ORGANISATION, 20, org_a),
            (PrincipalType.ORGANISATION, 20, police),
        ).id
        db.session.commit()
    client = login_as(app, app.test_client(), personas.member_a)
    for space_id in (own, shared, triangle):
        assert client.get(f"/werkruimtes/{space_id}").status_code == 200  # the last visit

    with app.app_context():
        _upload(own, personas.org_admin_a, "een.pdf")
        _upload(own, personas.org_admin_a, "twee.pdf")
        _upload(own, personas.member_a, "mijn-eigen.pdf")  # my own: not news to me
        _upload(triangle, personas.police, "pv.pdf")
        # Narrowed to the police: member_a may not see it, so it is not news either.
        _upload(triangle, personas.police, "geheim.pdf", narrowing=[personas.orgs["politie"]])
        db.session.commit()

    html = client.get("/werkruimtes").get_data(as_text=True)
    sections = re.findall(r'<h2[^>]*id="kind-(\w+)">.*?</h2>(.*?)</section>', html, re.S)
    assert [kind for kind, _ in sections] == ["organisation", "shared", "restricted"]
    listed = {kind: re.findall(r'href="/werkruimtes/(\d+)"', body) for kind, body in sections}
    assert listed == {
        "organisation": [str(own)],
        "shared": [str(shared)],
        "restricted": [str(triangle)],
    }
    news = {kind: re.findall(r"(\d+) nieuw", body) for kind, body in sections}
    assert news == {"organisation": ["2"], "shared": [], "restricted": ["1"]}

    # A visit resets the count.
    client.get(f"/werkruimtes/{own}")
    html = client.get("/werkruimtes").get_data(as_text=True)
    assert re.findall(r"(\d+) nieuw", html) == ["1"]

    # Counted up to nine: beyond that the list says "9+", and reads no more of them.
    with app.app_context():
        for number in range(10):
            _upload(own, personas.org_admin_a, f"stuk-{number}.pdf")
        db.session.commit()
    html = client.get("/werkruimtes").get_data(as_text=True)
    assert re.findall(r"(\d+\+?) nieuw", html) == ["9+", "1"]
