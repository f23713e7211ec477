"""Server-side sessions: logout, ending on password change and deactivation, idle and absolute
limits, and the user's own sessions page."""

import re
from datetime import timedelta

from sqlalchemy import select

from neig_workspace.accounts.models import UserSession
from neig_workspace.audit.models import AuditEvent
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_as, login_http, post_form

COOKIE = "neig_session"
NEW_PASSWORD = "groene-kikker-trompet-zolder-7"  # noqa: S105


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def login_client(app, persona, user_agent="pytest"):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    assert login_http(client, persona.email, persona.password).status_code == 302
    return client


def user_sessions(app, user_id):
    with db_ctx(app) as session:
        rows = session.scalars(
            select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
        )
        return [(s.id, s.user_agent, s.ended_at, s.end_reason) for s in rows]


def session_of(app, user_id, user_agent):
    return next(s for s in user_sessions(app, user_id) if s[1] == user_agent)[0]


def shift_session(app, session_id, **ago):
    """Move a session's timestamps into the past, as if time had passed."""
    with db_ctx(app) as session:
        record = session.get(UserSession, session_id)
        for column, delta in ago.items():
            setattr(record, column, utcnow() - delta)
        session.commit()


def logout(client):
    return post_form(client, "/uitloggen", {}, token_from="/account")


# --- logout --------------------------------------------------------------------------------


def test_logout_ends_the_session_even_for_a_copied_cookie(app, personas):
    client = login_client(app, personas.member_a)
    copied = client.get_cookie(COOKIE).value
    assert logout(client).location.endswith("/inloggen")
    thief = app.test_client()
    thief.set_cookie(COOKIE, copied)
    assert not logged_in(thief)
    assert not logged_in(client)


def test_logout_is_audited_and_recorded_on_the_session(app, personas):
    client = login_client(app, personas.member_a)
    logout(client)
    with db_ctx(app) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.logout"))
        assert (event.result, event.actor_id) == ("success", personas.member_a.id)
    assert [s[3] for s in user_sessions(app, personas.member_a.id)] == ["logout"]


# --- ending every session --------------------------------------------------------------------


def test_password_change_ends_other_sessions_but_keeps_this_one(app, personas):
    here, elsewhere = login_client(app, personas.member_a), login_client(app, personas.member_a)
    data = {
        "current_password": personas.member_a.password,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }
    assert post_form(here, "/account/wachtwoord", data).status_code == 302
    assert not logged_in(elsewhere)
    assert logged_in(here)


def test_deactivation_ends_every_session_of_the_user(app, personas):
    first, second = login_client(app, personas.member_a), login_client(app, personas.member_a)
    admin = login_as(app, app.test_client(), personas.platform_admin)
    user_page = f"/beheer/gebruikers/{personas.member_a.id}"
    assert post_form(admin, f"{user_page}/deactiveren", {}, token_from=user_page).status_code == 302
    assert not logged_in(first)
    assert not logged_in(second)
    assert {s[3] for s in user_sessions(app, personas.member_a.id)} == {"deactivated"}


# --- time limits -----------------------------------------------------------------------------


def test_idle_session_is_still_open_before_the_timeout(app, personas):
    client = login_client(app, personas.member_a)
    shift_session(
        app, user_sessions(app, personas.member_a.id)[0][0], last_seen_at=timedelta(minutes=29)
    )
    assert logged_in(client)


def test_idle_session_ends_after_30_minutes(app, personas):
    client = login_client(app, personas.member_a)
    session_id = user_sessions(app, personas.member_a.id)[0][0]
    shift_session(app, session_id, last_seen_at=timedelta(minutes=31))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/inloggen")
    assert user_sessions(app, personas.member_a.id)[0][3] == "expired"


def test_session_ends_after_its_absolute_lifetime_even_when_active(app, personas):
    client = login_client(app, personas.member_a)
    session_id = user_sessions(app, personas.member_a.id)[0][0]
    shift_session(
        app, session_id, created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(0)
    )
    assert client.get("/account").location.startswith("/inloggen")
    assert user_sessions(app, personas.member_a.id)[0][3] == "expired"


# --- the sessions page -----------------------------------------------------------------------


def test_sessions_page_lists_the_open_sessions(app, personas):
    login_client(app, personas.member_a, user_agent="Laptop op kantoor")
    ended = login_client(app, personas.member_a, user_agent="Oude telefoon")
    logout(ended)
    here = login_client(app, personas.member_a, user_agent="Deze browser")
    html = here.get("/account/sessies").get_data(as_text=True)
    assert "Laptop op kantoor" in html
    assert "Deze browser" in html
    assert "Oude telefoon" not in html
    assert "deze sessie" in html


def test_user_can_end_one_of_their_own_sessions(app, personas):
    other = login_client(app, personas.member_a, user_agent="Andere browser")
    here = login_client(app, personas.member_a, user_agent="Deze browser")
    other_id = session_of(app, personas.member_a.id, "Andere browser")
    response = post_form(
        here, f"/account/sessies/{other_id}/beeindigen", {}, token_from="/account/sessies"
    )
    assert response.status_code == 302
    assert not logged_in(other)
    assert logged_in(here)


def test_user_cannot_end_another_users_session(app, personas):
    victim = login_client(app, personas.member_b)
    victim_session = user_sessions(app, personas.member_b.id)[0][0]
    attacker = login_client(app, personas.member_a)
    response = post_form(
        attacker, f"/account/sessies/{victim_session}/beeindigen", {}, token_from="/account/sessies"
    )
    assert response.status_code == 404
    assert logged_in(victim)
    assert user_sessions(app, personas.member_b.id)[0][2] is None


def test_end_all_other_sessions_keeps_only_this_one(app, personas):
    others = [login_client(app, personas.member_a, user_agent=f"Browser {i}") for i in range(2)]
    here = login_client(app, personas.member_a)
    page = here.get("/account/sessies").get_data(as_text=True)
    assert len(re.findall(r"/account/sessies/\d+/beeindigen", page)) == 2
    response = post_form(
        here, "/account/sessies/andere-beeindigen", {}, token_from="/account/sessies"
    )
    assert response.status_code == 302
    assert not any(logged_in(client) for client in others)
    assert logged_in(here)
