"""User administration by platform admins: list, search, filters, pagination, global roles,
(de)activation, ending sessions, memberships; never against oneself; query counts."""

import html
import re

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import User, UserSession
from neig_workspace.audit.models import AuditEvent
from neig_workspace.organisations.models import Membership
from tests.conftest import count_queries, db_ctx
from tests.helpers import login_as, login_http, post_form

USERS = "/beheer/gebruikers"


def events(app, action: str) -> list[AuditEvent]:
    with db_ctx(app) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def listed_emails(response) -> set[str]:
    body = response.get_data(as_text=True)
    return set(re.findall(r'<td class="utrecht-table__cell">([^<@\s]+@[^<\s]+)</td>', body))


def flashes(response) -> str:
    body = response.get_data(as_text=True)
    return html.unescape(
        " ".join(re.findall(r'<div class="flashes" role="status">(.*?)</div>\s*</div>', body, re.S))
    )


def user(app, user_id: int) -> User:
    with db_ctx(app) as session:
        return session.get(User, user_id)


def admin_client(app, personas):
    return login_as(app, app.test_client(), personas.platform_admin)


def add_users(app, n: int, start: int = 0, org_id: int | None = None) -> None:
    with db_ctx(app) as session:
        for i in range(start, start + n):
            extra = User(email=f"extra{i:03d}@example.nl", name=f"Extra {i:03d}", password_hash="x")
            session.add(extra)
            session.flush()
            if org_id:
                session.add(Membership(user_id=extra.id, organisation_id=org_id))
        session.commit()


# --- the list ----------------------------------------------------------------------------------


def test_list_searches_by_name_and_email(app, personas):
    client = admin_client(app, personas)
    assert listed_emails(client.get(USERS)) >= {p.email for p in personas.values()}
    assert listed_emails(client.get(f"{USERS}?q=member")) == {
        "member.a@example.nl",
        "member.b@example.nl",
    }
    assert listed_emails(client.get(f"{USERS}?q=Org Admin B")) == {"org.admin.b@example.nl"}
    assert listed_emails(client.get(f"{USERS}?q=POLICE@EXAMPLE")) == {"police@example.nl"}


def test_search_takes_percent_and_underscore_literally(app, personas):
    add_users(app, 1)
    with db_ctx(app) as session:
        session.get(User, personas.police.id).name = "Agent 100% Zeker"
        session.commit()
    client = admin_client(app, personas)
    assert listed_emails(client.get(f"{USERS}?q=%25")) == {personas.police.email}
    assert listed_emails(client.get(f"{USERS}?q=member_a")) == set()


def test_list_filters_by_organisation_and_status(app, personas):
    client = admin_client(app, personas)
    rotterdam = listed_emails(client.get(f"{USERS}?organisatie={personas.orgs['gemeente_a']}"))
    assert rotterdam == {personas.member_a.email, personas.org_admin_a.email}
    with db_ctx(app) as session:
        session.get(User, personas.member_a.id).active = False
        session.commit()
    assert listed_emails(client.get(f"{USERS}?status=gedeactiveerd")) == {personas.member_a.email}
    active = listed_emails(
        client.get(f"{USERS}?status=actief&organisatie={personas.orgs['gemeente_a']}")
    )
    assert active == {personas.org_admin_a.email}


def test_list_is_paginated(app, personas):
    add_users(app, 60)
    client = admin_client(app, personas)
    first = client.get(USERS)
    assert 'rel="next"' in first.get_data(as_text=True)
    second = client.get(f"{USERS}?pagina=2")
    assert second.status_code == 200
    emails_1, emails_2 = listed_emails(first), listed_emails(second)
    assert len(emails_1) == len(emails_2) == 25 and not emails_1 & emails_2
    assert len(listed_emails(client.get(f"{USERS}?pagina=3"))) == 69 - 50


@pytest.mark.parametrize(
    ("persona", "target", "expected"),
    [
        ("member_a", "org_admin_a", 404),  # may not see the account at all
        ("member_a", "member_a", 403),  # their own account, but not in the admin pages
        ("org_admin_a", "member_a", 403),  # sees their member, may not administer the account
        ("org_admin_a", "member_b", 404),
        ("secretariat", "member_a", 404),
    ],
)
def test_only_platform_admins_use_the_user_admin_pages(
    app, client, personas, persona, target, expected
):
    login_as(app, client, personas[persona])
    assert client.get(USERS).status_code == 403
    assert client.get(f"{USERS}/uitnodigen").status_code == 403
    target_id = personas[target].id
    assert client.get(f"{USERS}/{target_id}").status_code == expected
    for action in ("deactiveren", "sessies-beeindigen", "rollen"):
        response = post_form(
            client, f"{USERS}/{target_id}/{action}", {"platform_admin": "y"}, token_from="/account"
        )
        assert response.status_code == expected
    changed = user(app, target_id)
    assert changed.active and not changed.is_platform_admin


def test_anonymous_is_sent_to_login(client, personas):
    response = client.get(USERS)
    assert response.status_code == 302 and "/inloggen" in response.location


# --- roles, (de)activation, sessions --------------------------------------------------------------


def test_global_roles_are_changed_and_audited(app, personas):
    client = admin_client(app, personas)
    path = f"{USERS}/{personas.member_a.id}"
    response = post_form(client, f"{path}/rollen", {"secretariat": "y"}, token_from=path)
    assert response.status_code == 302
    changed = user(app, personas.member_a.id)
    assert changed.is_secretariat and not changed.is_platform_admin
    # A member of an organisation does not become a platform admin: the admin would hold its
    # content (separation of duties). Refused, in Dutch, and audited.
    response = post_form(
        client, f"{path}/rollen", {"platform_admin": "y", "secretariat": "y"}, token_from=path
    )
    assert "kan daarom geen platformbeheerder worden" in html.unescape(
        client.get(response.location).get_data(as_text=True)
    )
    assert not user(app, personas.member_a.id).is_platform_admin
    (refused,) = events(app, "separation.refused")
    assert refused.details["reason"] == "holds_content"
    assert refused.actor_id == personas.platform_admin.id
    assert refused.target_id == str(personas.member_a.id)
    # Once the account holds nothing (its membership ended), it can be made an admin.
    with db_ctx(app) as session:
        session.execute(
            Membership.__table__.delete().where(Membership.user_id == personas.member_a.id)
        )
        session.commit()
    post_form(
        client, f"{path}/rollen", {"platform_admin": "y", "secretariat": "y"}, token_from=path
    )
    assert user(app, personas.member_a.id).is_platform_admin
    first, second = events(app, "user.roles_changed")
    assert first.details["after"] == {"platform_admin": False, "secretariat": True}
    assert second.details["before"] == {"platform_admin": False, "secretariat": True}
    assert (
        second.target_id == str(personas.member_a.id)
        and second.actor_id == personas.platform_admin.id
    )
    # Saving the same roles again changes nothing and writes no event.
    post_form(
        client, f"{path}/rollen", {"platform_admin": "y", "secretariat": "y"}, token_from=path
    )
    assert len(events(app, "user.roles_changed")) == 2


def test_deactivation_ends_sessions_and_reactivation_restores_login(app, personas):
    member = personas.member_a
    victim = app.test_client()
    assert login_http(victim, member.email, member.password).status_code == 302
    client = admin_client(app, personas)
    path = f"{USERS}/{member.id}"
    assert post_form(client, f"{path}/deactiveren", {}, token_from=path).status_code == 302
    assert user(app, member.id).active is False
    assert victim.get("/account").status_code == 302
    assert login_http(app.test_client(), member.email, member.password).status_code == 422
    assert post_form(client, f"{path}/activeren", {}, token_from=path).status_code == 302
    assert user(app, member.id).active is True
    assert login_http(app.test_client(), member.email, member.password).status_code == 302
    assert len(events(app, "user.deactivated")) == 1 and len(events(app, "user.reactivated")) == 1


def test_end_all_sessions_of_a_user(app, personas):
    member = personas.member_a
    victim = app.test_client()
    login_http(victim, member.email, member.password)
    client = admin_client(app, personas)
    path = f"{USERS}/{member.id}"
    assert "(1 open)" in client.get(path).get_data(as_text=True)
    assert post_form(client, f"{path}/sessies-beeindigen", {}, token_from=path).status_code == 302
    assert victim.get("/account").status_code == 302
    with db_ctx(app) as session:
        open_sessions = session.scalars(
            select(UserSession).where(
                UserSession.user_id == member.id, UserSession.ended_at.is_(None)
            )
        ).all()
    assert open_sessions == []
    (event,) = events(app, "user.sessions_ended")
    assert event.target_id == str(member.id)


def test_add_a_membership_in_another_organisation(app, personas):
    member = personas.member_a
    client = admin_client(app, personas)
    path = f"{USERS}/{member.id}"
    police = personas.orgs["politie"]
    response = post_form(
        client,
        f"{path}/lidmaatschappen",
        {"organisation_id": police, "role": "org_admin"},
        token_from=path,
    )
    assert response.status_code == 302
    with db_ctx(app) as session:
        added = session.scalar(
            select(Membership).where(
                Membership.user_id == member.id, Membership.organisation_id == police
            )
        )
        assert added.role == OrgRole.ORG_ADMIN
    (event,) = events(app, "membership.created")
    assert event.details["organisation_id"] == police
    again = post_form(
        client,
        f"{path}/lidmaatschappen",
        {"organisation_id": police, "role": "member"},
        token_from=path,
    )
    assert "al lid" in flashes(client.get(again.location))
    bad_role = post_form(
        client,
        f"{path}/lidmaatschappen",
        {"organisation_id": personas.orgs["om"], "role": "god"},
        token_from=path,
    )
    assert "Kies een geldige rol." in flashes(client.get(bad_role.location))
    missing = post_form(
        client,
        f"{path}/lidmaatschappen",
        {"organisation_id": 999999, "role": "member"},
        token_from=path,
    )
    assert missing.status_code == 404
    assert len(events(app, "membership.created")) == 1


# --- oneself --------------------------------------------------------------------------------------


def test_platform_admin_sees_their_own_page_without_the_dangerous_buttons(app, personas):
    admin = personas.platform_admin
    client = admin_client(app, personas)
    page = client.get(f"{USERS}/{admin.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert admin.email in body
    assert f"{USERS}/{admin.id}/deactiveren" not in body
    assert f"{USERS}/{admin.id}/rollen" not in body


def test_platform_admin_cannot_deactivate_or_demote_themselves(app, personas):
    admin = personas.platform_admin
    client = admin_client(app, personas)
    path = f"{USERS}/{admin.id}"
    assert post_form(client, f"{path}/deactiveren", {}, token_from=USERS).status_code == 403
    assert post_form(client, f"{path}/rollen", {}, token_from=USERS).status_code == 403
    assert post_form(client, f"{path}/sessies-beeindigen", {}, token_from=USERS).status_code == 403
    still = user(app, admin.id)
    assert still.active and still.is_platform_admin
    assert client.get(USERS).status_code == 200
    assert events(app, "user.deactivated") == [] and events(app, "user.roles_changed") == []


# --- query counts ---------------------------------------------------------------------------------


def test_the_user_list_runs_as_many_queries_for_5_as_for_60(app, personas):
    client = admin_client(app, personas)
    client.get(USERS)  # warm up
    add_users(app, 5, 0, org_id=personas.orgs["gemeente_a"])
    with count_queries(app) as few:
        assert client.get(USERS).status_code == 200
    add_users(app, 55, 5, org_id=personas.orgs["politie"])
    with count_queries(app) as many:
        assert client.get(USERS).status_code == 200
    assert len(few) == len(many)


def test_a_user_page_runs_as_many_queries_with_1_as_with_8_memberships(app, personas):
    client = admin_client(app, personas)
    path = f"{USERS}/{personas.member_a.id}"
    client.get(path)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    with db_ctx(app) as session:
        for key, org_id in personas.orgs.items():
            if key != "gemeente_a":
                session.add(Membership(user_id=personas.member_a.id, organisation_id=org_id))
        session.commit()
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(few) == len(many)
