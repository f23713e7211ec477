"""Login: the password step without user enumeration, safe redirects, a fresh session id,
the second factor, rate limits and the audit trail."""

import os
import re
import secrets
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest
from limits import parse_many
from sqlalchemy import func, select

from neig_workspace import create_app
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import RecoveryCode, User, UserSession
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.accounts.tokens import hash_token
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db, limiter
from tests.conftest import db_ctx
from tests.helpers import csrf_token_of, login_http, post_form

IN_CI = os.environ.get("CI", "").lower() == "true"
# A Redis database of its own per suite run: the SQLite and PostgreSQL runs may run at once.
REDIS_URL = "redis://127.0.0.1:6379/" + (
    "14" if os.environ.get("NEIG_TEST_DB") == "postgresql" else "15"
)
WRONG_PASSWORD = "dit-is-niet-het-wachtwoord-99"  # noqa: S105


def audit_events(app, action):
    with db_ctx(app) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [(e.result, e.actor_id, dict(e.details or {})) for e in rows]


def page_text(response, typed_email):
    """The page without what differs by nature: CSRF tokens and the address typed."""
    html = response.get_data(as_text=True).replace(typed_email, "EMAIL")
    return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="CSRF"', html)


def wrong_code(persona):
    """A six-digit code that is none of the codes accepted right now."""
    valid = {persona.totp(step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def is_local_path(location):
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
    )


# --- the password step ---------------------------------------------------------------------


def test_good_password_logs_in_and_shows_own_organisation(client, personas):
    response = login_http(client, personas.member_a.email, personas.member_a.password)
    assert response.status_code == 302
    assert "Gemeente Rotterdam" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_give_the_same_page(app, personas):
    known, unknown = app.test_client(), app.test_client()
    wrong = login_http(known, personas.member_a.email, WRONG_PASSWORD)
    missing = login_http(unknown, "niemand@example.nl", WRONG_PASSWORD)
    assert wrong.status_code == missing.status_code == 422
    assert "Het e-mailadres of het wachtwoord klopt niet." in wrong.get_data(as_text=True)
    assert page_text(wrong, personas.member_a.email) == page_text(missing, "niemand@example.nl")


def test_failed_logins_are_audited_as_failures(app, client, personas):
    login_http(client, personas.member_a.email, WRONG_PASSWORD)
    login_http(client, "niemand@example.nl", WRONG_PASSWORD)
    events = audit_events(app, "auth.login")
    assert [(result, details["reason"]) for result, _, details in events] == [
        ("failure", "wrong_password"),
        ("failure", "unknown_account"),
    ]


def test_inactive_user_cannot_log_in_and_gets_the_same_message(app, client, personas):
    with db_ctx(app) as session:
        session.get(User, personas.member_a.id).active = False
        session.commit()
    response = login_http(client, personas.member_a.email, personas.member_a.password)
    assert response.status_code == 422
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert audit_events(app, "auth.login")[-1][2]["reason"] == "inactive_account"


def test_email_address_is_case_insensitive(client, personas):
    response = login_http(client, "Member.A@EXAMPLE.nl", personas.member_a.password)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_successful_login_sets_last_login_at(app, client, personas):
    login_http(client, personas.member_a.email, personas.member_a.password)
    with db_ctx(app) as session:
        assert session.get(User, personas.member_a.id).last_login_at is not None


# --- where the login leads ----------------------------------------------------------------


def test_next_parameter_is_followed_for_a_local_path(client, personas):
    data = {
        "email": personas.member_a.email,
        "password": personas.member_a.password,
        "next": "/account/sessies",
    }
    response = post_form(client, "/inloggen?next=/account/sessies", data)
    assert response.status_code == 302
    assert response.location == "/account/sessies"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_next_parameter_never_leads_off_site(client, personas, target):
    data = {
        "email": personas.member_a.email,
        "password": personas.member_a.password,
        "next": target,
    }
    response = post_form(client, "/inloggen", data)
    assert response.status_code == 302
    assert is_local_path(response.location), response.location


def test_login_issues_a_new_session_identifier(app, client, personas):
    # A planted identifier of an existing record must not survive the login (session fixation).
    planted = secrets.token_urlsafe(32)
    with db_ctx(app) as session:
        user = session.get(User, personas.member_a.id)
        session.add(UserSession(token_hash=hash_token(planted), user=user))
        session.commit()
    with client.session_transaction() as cookie:
        cookie[SESSION_KEY] = planted
    login_http(client, personas.member_a.email, personas.member_a.password)
    with client.session_transaction() as cookie:
        issued = cookie[SESSION_KEY]
    assert issued != planted
    with db_ctx(app) as session:
        record = session.scalar(
            select(UserSession).where(UserSession.token_hash == hash_token(issued))
        )
        assert record is not None
        assert session.scalar(select(func.count(UserSession.id))) == 2


def test_privileged_login_is_audited_as_privileged(app, personas):
    login_http(app.test_client(), personas.secretariat.email, personas.secretariat.password)
    admin = personas.platform_admin
    login_http(app.test_client(), admin.email, admin.password, code=admin.totp())
    login_http(app.test_client(), personas.member_a.email, personas.member_a.password)
    privileged = {
        actor: details.get("privileged") for _, actor, details in audit_events(app, "auth.login")
    }
    assert privileged == {personas.secretariat.id: True, admin.id: True, personas.member_a.id: None}


# --- rate limits -------------------------------------------------------------------------


def test_more_than_five_attempts_per_minute_for_one_account_are_refused(client, personas):
    for _ in range(5):
        assert login_http(client, personas.member_a.email, WRONG_PASSWORD).status_code == 422
    # Even the right password, and the address written differently, counts for the same account.
    response = login_http(client, personas.member_a.email.upper(), personas.member_a.password)
    assert response.status_code == 429
    assert client.get("/account").status_code == 302


def test_per_ip_limit_refuses_attempts_spread_over_many_accounts(app, client):
    allowed = min(item.amount for item in parse_many(app.config["RATELIMIT_LOGIN_PER_IP"]))
    for i in range(allowed):
        assert login_http(client, f"iemand{i}@example.nl", WRONG_PASSWORD).status_code == 422
    assert login_http(client, "nog-iemand@example.nl", WRONG_PASSWORD).status_code == 429


# --- lockouts (issue 15, finding 11) ------------------------------------------------------------

USUAL, ATTACKER, OTHER_ATTACKER, NEW = "198.51.100.7", "203.0.113.9", "203.0.113.10", "192.0.2.44"


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(app, client, email, password):
    """One password attempt, the CSRF token made without fetching the form (it counts too)."""
    data = {"csrf_token": csrf_token_of(app, client), "email": email, "password": password}
    return client.post("/inloggen", data=data).status_code


def security_alerts(app):
    with db_ctx(app) as session:
        query = select(AuditEvent).where(AuditEvent.action == "security.alert")
        return [(e.target_id, e.details) for e in session.scalars(query)]


def test_an_attacker_elsewhere_does_not_lock_the_owner_out(app, personas):
    """Five wrong passwords a minute from anywhere used to keep the owner out; now they stop
    only the address they come from."""
    member = personas.member_a
    attacker = client_at(app, ATTACKER)
    for _ in range(5):
        assert attempt(app, attacker, member.email, WRONG_PASSWORD) == 422
    assert attempt(app, attacker, member.email, WRONG_PASSWORD) == 429  # the attacker is stopped
    assert attempt(app, attacker, member.email, member.password) == 429  # even when right
    owner = client_at(app, USUAL)
    assert attempt(app, owner, member.email, member.password) == 302
    assert owner.get("/account").status_code == 200


def test_the_account_wide_limit_alerts_and_refuses_only_strange_addresses(
    app, personas, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN_ACCOUNT_WIDE", "6 per minute")
    member = personas.member_a
    owner = client_at(app, USUAL)
    assert attempt(app, owner, member.email, member.password) == 302  # a known address now
    for address in (ATTACKER, ATTACKER, ATTACKER, OTHER_ATTACKER, OTHER_ATTACKER):
        assert attempt(app, client_at(app, address), member.email, WRONG_PASSWORD) == 422
    assert security_alerts(app) == []
    # The seventh attempt on the account: over the account-wide limit, from a strange address.
    assert attempt(app, client_at(app, OTHER_ATTACKER), member.email, WRONG_PASSWORD) == 429
    assert attempt(app, client_at(app, NEW), member.email, member.password) == 429
    [(target, alert)] = security_alerts(app)  # once, however many attempts follow
    assert (target, alert["kind"], alert["email"]) == (
        str(member.id),
        "account_login_limit",
        member.email,
    )
    mails = [m for m in outbox() if m["To"] == personas.platform_admin.email]
    assert len(mails) == 1 and member.email in mails[0].get_body().get_content()
    # The owner still gets in from the address the account knows.
    assert attempt(app, client_at(app, USUAL), member.email, member.password) == 302


def test_attempts_an_address_is_refused_do_not_count_against_the_account(
    app, personas, monkeypatch
):
    """One address hammering on gets 429s from its own limit; those do not use up the
    account-wide count, which is for many addresses at once."""
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN_ACCOUNT_WIDE", "6 per minute")
    member = personas.member_a
    attacker = client_at(app, ATTACKER)
    answers = [attempt(app, attacker, member.email, WRONG_PASSWORD) for _ in range(10)]
    assert answers == [422] * 5 + [429] * 5
    assert attempt(app, client_at(app, NEW), member.email, member.password) == 302
    assert security_alerts(app) == []


def test_after_a_reset_by_email_the_owner_gets_in_from_a_new_address(
    app, personas, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN_ACCOUNT_WIDE", "2 per minute")
    member = personas.member_a
    for address in (ATTACKER, OTHER_ATTACKER):
        attempt(app, client_at(app, address), member.email, WRONG_PASSWORD)
    traveller = client_at(app, NEW)
    assert attempt(app, traveller, member.email, member.password) == 429
    assert "Wachtwoord herstellen" in traveller.post(
        "/inloggen",
        data={"csrf_token": csrf_token_of(app, traveller), "email": member.email, "password": "x"},
    ).get_data(as_text=True)
    post_form(traveller, "/wachtwoord-vergeten", {"email": member.email})
    new_password = "zilveren-meeuw-haven-storm-58"  # noqa: S105
    [mail] = [m for m in outbox() if m["To"] == member.email]  # the link, as the owner opens it
    link = re.search(r"https?://\S+/wachtwoord-herstellen/\S+", mail.get_body().get_content())
    path = urlsplit(link.group(0)).path
    data = {"password": new_password, "password_confirm": new_password}
    assert post_form(traveller, path, data).status_code == 302
    assert attempt(app, traveller, member.email, new_password) == 302


@pytest.fixture
def make_app(app, test_db):
    """Another app on the same database, in the test's transaction. The limiter is one object
    for every app in this process and keeps the storage of the last app set up, so the test
    app's is restored."""
    saved = (limiter._storage, limiter._limiter)
    made = []

    def make(**overrides):
        made.append(
            create_app(
                "testing",
                SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                **overrides,
            )
        )
        stack.enter_context(test_db.shared_with(made[-1]))
        return made[-1]

    with ExitStack() as stack:
        yield make
    limiter._storage, limiter._limiter = saved
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def redis_db():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.RedisError as error:
        if IN_CI:
            pytest.fail(
                f"Redis is required under CI=true but does not answer at {REDIS_URL}: {error}"
            )
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_per_ip_limit_follows_its_setting(make_app, personas):
    client = make_app(RATELIMIT_LOGIN_PER_IP="3 per minute").test_client()
    for i in range(3):
        assert login_http(client, f"iemand{i}@example.nl", WRONG_PASSWORD).status_code == 422
    assert (
        login_http(client, personas.member_a.email, personas.member_a.password).status_code == 429
    )


def test_rate_limit_counts_in_redis(make_app, redis_db, personas):
    client = make_app(RATELIMIT_STORAGE_URI=REDIS_URL).test_client()
    for _ in range(5):
        assert login_http(client, personas.member_a.email, WRONG_PASSWORD).status_code == 422
    assert login_http(client, personas.member_a.email, WRONG_PASSWORD).status_code == 429
    assert redis_db.dbsize() > 0  # the counters live in Redis, not in this process


# --- the second factor ---------------------------------------------------------------------


def test_mfa_account_must_give_a_code_after_the_password(client, personas):
    admin = personas.platform_admin
    response = login_http(client, admin.email, admin.password)
    assert response.status_code == 302
    assert response.location.endswith("/inloggen/verificatie")
    assert client.get("/account").status_code == 302  # not logged in yet


def test_mfa_login_follows_a_local_next_path(client, personas):
    admin = personas.platform_admin
    data = {"email": admin.email, "password": admin.password, "next": "/account/sessies"}
    post_form(client, "/inloggen", data)
    response = post_form(client, "/inloggen/verificatie", {"code": admin.totp()})
    assert response.location == "/account/sessies"


def test_wrong_mfa_code_is_refused_and_audited(app, client, personas):
    admin = personas.platform_admin
    response = login_http(client, admin.email, admin.password, code=wrong_code(admin))
    assert response.status_code == 422
    assert "Deze code klopt niet" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert audit_events(app, "auth.mfa") == [("failure", admin.id, {})]


def test_correct_totp_code_logs_in(client, personas):
    admin = personas.platform_admin
    response = login_http(client, admin.email, admin.password, code=admin.totp())
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_totp_code_works_only_once(client, personas):
    admin = personas.platform_admin
    code = admin.totp()
    assert login_http(client, admin.email, admin.password, code=code).status_code == 302
    post_form(client, "/uitloggen", {}, token_from="/account")
    assert login_http(client, admin.email, admin.password, code=code).status_code == 422
    assert client.get("/account").status_code == 302


def test_recovery_code_works_once(app, client, personas):
    admin = personas.platform_admin
    code = mfa.new_recovery_codes()[0]
    with db_ctx(app) as session:
        session.add(RecoveryCode(user_id=admin.id, code_hash=mfa.hash_recovery_code(code)))
        session.commit()
    assert login_http(client, admin.email, admin.password, code=code).status_code == 302
    assert client.get("/account").status_code == 200
    post_form(client, "/uitloggen", {}, token_from="/account")
    assert login_http(client, admin.email, admin.password, code=code).status_code == 422
    assert audit_events(app, "mfa.recovery_code_used")[0][:2] == ("success", admin.id)


def test_more_than_five_wrong_codes_are_refused(client, personas):
    admin = personas.platform_admin
    login_http(client, admin.email, admin.password)
    for _ in range(5):
        assert (
            post_form(client, "/inloggen/verificatie", {"code": wrong_code(admin)}).status_code
            == 422
        )
    assert post_form(client, "/inloggen/verificatie", {"code": admin.totp()}).status_code == 429
