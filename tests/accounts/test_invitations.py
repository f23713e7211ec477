"""Invitations: sent by organisation and platform admins, a single-use hashed link that expires,
can be revoked, creates the account or adds the membership of an existing one."""

import html
import re
from datetime import timedelta

from sqlalchemy import select, text, update

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.organisations.models import Membership
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

NEW_PASSWORD = "blauwe-reiger-kanaal-dijk-31"  # noqa: S105
INVALID_LINK = "Deze link werkt niet meer"


def field_error(response, field_id: str) -> str:
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{field_id}-error">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_value(response, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', response.get_data(as_text=True))
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return html.unescape(value.group(1)) if value else None


def actions(app) -> list[str]:
    with db_ctx(app) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def invite_path(org_id: int) -> str:
    return f"/organisaties/{org_id}/uitnodigen"


def invitation_link(outbox, email: str) -> str:
    """The path of the invitation link in the last e-mail to `email`."""
    messages = [m for m in outbox() if m["To"] == email]
    assert messages, f"no e-mail to {email}"
    body = messages[-1].get_content()
    match = re.search(r"https?://[^/\s]+(/uitnodiging/[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def send_invitation(app, personas, outbox, email="nieuw@rotterdam.nl", role="member", inviter=None):
    """The org admin of Gemeente Rotterdam invites `email`; return the link's path."""
    client = login_as(app, app.test_client(), inviter or personas.org_admin_a)
    response = post_form(
        client, invite_path(personas.orgs["gemeente_a"]), {"email": email, "role": role}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return invitation_link(outbox, email)


def membership_role(app, email: str, org_id: int):
    with db_ctx(app) as session:
        return session.scalar(
            select(Membership.role)
            .join(User, Membership.user_id == User.id)
            .where(User.email == email, Membership.organisation_id == org_id)
        )


# --- inviting and accepting -------------------------------------------------------------------


def test_org_admin_invites_and_the_invitee_joins_with_the_chosen_role(
    app, client, personas, outbox
):
    link = send_invitation(app, personas, outbox, role="org_admin")
    page = client.get(link)
    assert page.status_code == 200 and "Gemeente Rotterdam" in page.get_data(as_text=True)
    response = post_form(
        client,
        link,
        {"name": "Nieuwe Collega", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert (
        membership_role(app, "nieuw@rotterdam.nl", personas.orgs["gemeente_a"]) == OrgRole.ORG_ADMIN
    )
    home = client.get("/")
    assert home.status_code == 200 and "Nieuwe Collega" in home.get_data(as_text=True)
    events = actions(app)
    for action in ("invitation.created", "membership.created", "invitation.accepted", "auth.login"):
        assert action in events
    with db_ctx(app) as session:
        invitation = session.scalar(select(Invitation))
        user = session.scalar(select(User).where(User.email == "nieuw@rotterdam.nl"))
        assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id


def test_a_weak_password_is_refused_next_to_the_field_and_the_name_kept(
    app, client, personas, outbox
):
    link = send_invitation(app, personas, outbox)
    response = post_form(
        client,
        link,
        {"name": "Nieuwe Collega", "password": "welkom12345", "password_confirm": "welkom12345"},
    )
    assert response.status_code == 422
    assert field_error(response, "password")
    assert input_value(response, "name") == "Nieuwe Collega"
    with db_ctx(app) as session:
        assert session.scalar(select(User).where(User.email == "nieuw@rotterdam.nl")) is None
        assert session.scalar(select(Invitation)).accepted_at is None


def test_the_link_works_once(app, client, personas, outbox):
    link = send_invitation(app, personas, outbox)
    data = {"name": "Nieuwe Collega", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert post_form(client, link, data).status_code == 302
    stranger = app.test_client()
    again = stranger.get(link)
    assert again.status_code == 404 and INVALID_LINK in again.get_data(as_text=True)
    assert stranger.post(link, data=data).status_code in (400, 404)


def test_an_expired_invitation_gives_the_invalid_link_page(app, client, personas, outbox):
    link = send_invitation(app, personas, outbox)
    with db_ctx(app) as session:
        session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    response = client.get(link)
    assert response.status_code == 404 and INVALID_LINK in response.get_data(as_text=True)


def test_a_revoked_invitation_gives_the_invalid_link_page(app, client, personas, outbox):
    link = send_invitation(app, personas, outbox)
    with db_ctx(app) as session:
        invitation_id = session.scalar(select(Invitation.id))
    org_id = personas.orgs["gemeente_a"]
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    assert "nieuw@rotterdam.nl" in admin.get(f"/organisaties/{org_id}").get_data(as_text=True)
    revoked = post_form(
        admin,
        f"/organisaties/{org_id}/uitnodigingen/{invitation_id}/intrekken",
        {},
        token_from=f"/organisaties/{org_id}",
    )
    assert revoked.status_code == 302
    assert "invitation.revoked" in actions(app)
    response = client.get(link)
    assert response.status_code == 404 and INVALID_LINK in response.get_data(as_text=True)


def test_inviting_the_same_address_again_resends_and_only_the_new_link_works(
    app, client, personas, outbox
):
    first = send_invitation(app, personas, outbox)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    path = invite_path(personas.orgs["gemeente_a"])
    again = post_form(admin, path, {"email": "Nieuw@Rotterdam.nl", "role": "member"})
    assert again.status_code == 302
    shown = admin.get(again.location).get_data(as_text=True)
    assert "Er stond al een uitnodiging open voor" in shown and "opnieuw verstuurd" in shown
    second = invitation_link(outbox, "nieuw@rotterdam.nl")
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    with db_ctx(app) as session:
        rows = session.execute(
            select(Invitation.id, Invitation.revoked_at).order_by(Invitation.id)
        ).all()
        created = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation.created")
        ).all()
    assert [revoked is None for _, revoked in rows] == [False, True]
    assert created[-1].details["replaces"] == [rows[0].id]
    # Another organisation's invitation to the same address is its own.
    platform = login_as(app, app.test_client(), personas.platform_admin)
    other = post_form(
        platform,
        invite_path(personas.orgs["gemeente_b"]),
        {"email": "nieuw@rotterdam.nl", "role": "member"},
    )
    assert other.status_code == 302
    assert client.get(second).status_code == 200


def test_only_the_hash_of_the_token_is_stored(app, personas, outbox):
    link = send_invitation(app, personas, outbox)
    token = link.rsplit("/", 1)[1]
    with db_ctx(app) as session:
        rows = session.execute(text("SELECT * FROM invitations")).all()
    assert len(rows) == 1
    assert token not in repr(rows)


def test_an_unknown_token_gives_the_invalid_link_page(client, personas):
    response = client.get("/uitnodiging/bestaat-niet")
    assert response.status_code == 404 and INVALID_LINK in response.get_data(as_text=True)


# --- who may invite -------------------------------------------------------------------------------


def test_org_admin_cannot_invite_into_another_organisation(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    path = invite_path(personas.orgs["gemeente_b"])
    assert client.get(path).status_code == 404
    assert client.post(path, data={"email": "x@example.nl", "role": "member"}).status_code in (
        400,
        404,
    )
    token_page = f"/organisaties/{personas.orgs['gemeente_a']}"
    assert (
        post_form(
            client, path, {"email": "x@example.nl", "role": "member"}, token_from=token_page
        ).status_code
        == 404
    )
    with db_ctx(app) as session:
        assert session.scalar(select(Invitation)) is None


def test_a_plain_member_cannot_invite(app, client, personas):
    login_as(app, client, personas.member_a)
    path = invite_path(personas.orgs["gemeente_a"])
    assert client.get(path).status_code == 403
    token_page = f"/organisaties/{personas.orgs['gemeente_a']}"
    assert (
        post_form(
            client, path, {"email": "x@example.nl", "role": "member"}, token_from=token_page
        ).status_code
        == 403
    )
    with db_ctx(app) as session:
        assert session.scalar(select(Invitation)) is None


def test_platform_admin_invites_into_any_organisation(app, client, personas, outbox):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client,
        "/beheer/gebruikers/uitnodigen",
        {
            "email": "agent@politie.nl",
            "organisation": personas.orgs["politie"],
            "role": "org_admin",
        },
    )
    assert response.status_code == 302
    link = invitation_link(outbox, "agent@politie.nl")
    invitee = app.test_client()
    data = {"name": "Agent Jansen", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert post_form(invitee, link, data).status_code == 302
    assert membership_role(app, "agent@politie.nl", personas.orgs["politie"]) == OrgRole.ORG_ADMIN


def test_invite_any_page_is_only_for_platform_admins(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    assert client.get("/beheer/gebruikers/uitnodigen").status_code == 403


def test_inviting_someone_who_is_already_a_member_says_so_next_to_the_email(
    app, client, personas, outbox
):
    login_as(app, client, personas.org_admin_a)
    response = post_form(
        client,
        invite_path(personas.orgs["gemeente_a"]),
        {"email": personas.member_a.email, "role": "member"},
    )
    assert response.status_code == 422
    assert "al lid" in field_error(response, "email")
    assert input_value(response, "email") == personas.member_a.email
    assert outbox() == []


# --- an existing account -------------------------------------------------------------------------


def test_an_existing_account_logs_in_first_and_then_joins(app, client, personas, outbox):
    member_b = personas.member_b
    link = send_invitation(app, personas, outbox, email=member_b.email)
    response = client.get(link)
    assert response.status_code == 302 and "/inloggen" in response.location
    login = post_form(
        client,
        response.location,
        {"email": member_b.email, "password": member_b.password, "next": link},
    )
    assert login.status_code == 302 and login.location.endswith(link)
    page = client.get(link)
    assert page.status_code == 200 and "Gemeente Rotterdam" in page.get_data(as_text=True)
    joined = post_form(client, link, {})
    assert joined.status_code == 302
    assert membership_role(app, member_b.email, personas.orgs["gemeente_a"]) == OrgRole.MEMBER
    assert membership_role(app, member_b.email, personas.orgs["gemeente_b"]) == OrgRole.MEMBER
    assert "membership.created" in actions(app) and "invitation.accepted" in actions(app)
    assert client.get(link).status_code == 404


def test_another_logged_in_account_cannot_take_the_invitation(app, client, personas, outbox):
    link = send_invitation(app, personas, outbox, email=personas.member_b.email)
    login_as(app, client, personas.police)
    assert client.get(link).status_code == 403
    with db_ctx(app) as session:
        assert session.scalar(select(Invitation)).accepted_at is None
    assert membership_role(app, personas.police.email, personas.orgs["gemeente_a"]) is None
