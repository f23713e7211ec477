"""Passwords: reset by e-mail (single use, time-limited, with the second factor), change with the
current password, strength rules, argon2id storage and the profile (the e-mail address:
test_email_change.py)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from neig_workspace.accounts.models import PasswordReset, User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.audit.service import verify_chain
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_http, post_form

NEW_PASSWORD = "groene-kikker-trompet-zolder-7"  # noqa: S105
LINK_GONE = "Deze link werkt niet meer"


def without_tokens(response, typed_email):
    """The page without what differs by nature: CSRF tokens and the address typed."""
    html = response.get_data(as_text=True).replace(typed_email, "EMAIL")
    return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="CSRF"', html)


def wrong_code(persona):
    """A six-digit code that is none of the codes accepted right now."""
    valid = {persona.totp(step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def field_error(response, field):
    """The message shown next to `field` (empty when there is none)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def audit_actions(app, user_id):
    with db_ctx(app) as session:
        query = (
            select(AuditEvent.action).where(AuditEvent.actor_id == user_id).order_by(AuditEvent.id)
        )
        return session.scalars(query).all()


def password_hash(app, user_id):
    with db_ctx(app) as session:
        return session.get(User, user_id).password_hash


def can_log_in(app, email, password, code=None):
    return login_http(app.test_client(), email, password, code=code).status_code == 302


def request_reset(client, email):
    return post_form(client, "/wachtwoord-vergeten", {"email": email})


def reset_path(outbox):
    """The path of the reset link in the last mail."""
    body = outbox()[-1].get_body().get_content()
    link = re.search(r"https?://\S+/wachtwoord-herstellen/\S+", body).group(0)
    return urlsplit(link).path


def choose_password(client, path, password=NEW_PASSWORD, **extra):
    return post_form(client, path, {"password": password, "password_confirm": password, **extra})


def change_password(client, current, new):
    data = {"current_password": current, "new_password": new, "new_password_confirm": new}
    return post_form(client, "/account/wachtwoord", data)


# --- password reset ------------------------------------------------------------------------


def test_reset_request_looks_the_same_for_known_and_unknown_addresses(app, personas):
    known = request_reset(app.test_client(), personas.member_a.email)
    unknown = request_reset(app.test_client(), "niemand@example.nl")
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known, personas.member_a.email) == without_tokens(
        unknown, "niemand@example.nl"
    )


def test_reset_mail_is_sent_only_to_an_existing_account(client, personas, outbox):
    request_reset(client, "niemand@example.nl")
    assert outbox() == []
    request_reset(client, personas.member_a.email)
    assert [m["To"] for m in outbox()] == [personas.member_a.email]
    assert "/wachtwoord-herstellen/" in outbox()[0].get_body().get_content()


def test_reset_link_sets_a_new_password_and_works_once(app, client, personas, outbox):
    request_reset(client, personas.member_a.email)
    path = reset_path(outbox)
    assert client.get(path).status_code == 200
    assert choose_password(client, path).location.endswith("/inloggen")
    again = client.get(path)
    assert again.status_code == 404
    assert LINK_GONE in again.get_data(as_text=True)
    assert can_log_in(app, personas.member_a.email, NEW_PASSWORD)
    assert not can_log_in(app, personas.member_a.email, personas.member_a.password)


def test_expired_reset_link_no_longer_works(app, client, personas, outbox):
    request_reset(client, personas.member_a.email)
    with db_ctx(app) as session:
        session.scalar(select(PasswordReset)).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    response = client.get(reset_path(outbox))
    assert response.status_code == 404
    assert LINK_GONE in response.get_data(as_text=True)
    assert (
        choose_password(client, reset_path(outbox), token_from="/wachtwoord-vergeten").status_code
        == 404
    )


def test_reset_refuses_a_weak_password_next_to_the_field(app, client, personas, outbox):
    request_reset(client, personas.member_a.email)
    path = reset_path(outbox)
    response = choose_password(client, path, "kort")
    assert response.status_code == 422
    assert "minstens 12 tekens" in field_error(response, "password")
    assert can_log_in(app, personas.member_a.email, personas.member_a.password)
    assert client.get(path).status_code == 200  # the link still works after a refusal


def test_reset_of_an_mfa_account_needs_a_valid_code(app, client, personas, outbox):
    admin = personas.platform_admin
    request_reset(client, admin.email)
    path = reset_path(outbox)
    without = choose_password(client, path)
    assert without.status_code == 422
    assert "Deze code klopt niet" in field_error(without, "code")
    assert choose_password(client, path, code=wrong_code(admin)).status_code == 422
    assert not can_log_in(app, admin.email, NEW_PASSWORD, code=admin.totp(-1))
    assert choose_password(client, path, code=admin.totp()).status_code == 302
    assert can_log_in(app, admin.email, NEW_PASSWORD, code=admin.totp(1))


def test_reset_code_guesses_are_rate_limited_per_account(client, personas, outbox):
    # Without this the reset form would let a mailbox thief guess the second factor freely.
    admin = personas.platform_admin
    request_reset(client, admin.email)
    path = reset_path(outbox)
    for _ in range(5):
        assert choose_password(client, path, code=wrong_code(admin)).status_code == 422
    assert choose_password(client, path, code=admin.totp()).status_code == 429


def test_reset_ends_every_session_of_the_user(app, personas, outbox):
    logged_in = app.test_client()
    login_http(logged_in, personas.member_a.email, personas.member_a.password)
    other = app.test_client()
    request_reset(other, personas.member_a.email)
    choose_password(other, reset_path(outbox))
    assert logged_in.get("/account").status_code == 302


def test_reset_is_audited(app, client, personas, outbox):
    request_reset(client, personas.member_a.email)
    choose_password(client, reset_path(outbox))
    actions = audit_actions(app, personas.member_a.id)
    assert "account.password_reset_requested" in actions
    assert "account.password_reset" in actions


# --- change password -----------------------------------------------------------------------


@pytest.fixture
def member(app, client, personas):
    """member_a, logged in through the form."""
    login_http(client, personas.member_a.email, personas.member_a.password)
    return personas.member_a


def test_change_password_needs_the_current_password(app, client, member):
    response = change_password(client, "niet-het-huidige-wachtwoord", NEW_PASSWORD)
    assert response.status_code == 422
    assert "Het huidige wachtwoord klopt niet." in field_error(response, "current_password")
    assert can_log_in(app, member.email, member.password)


@pytest.mark.parametrize("weak", ["wachtwoord1234", "aaaaaaaaaaaa", "kort", "member.a@example.nl"])
def test_change_password_refuses_a_weak_password(app, client, member, weak):
    before = password_hash(app, member.id)
    response = change_password(client, member.password, weak)
    assert response.status_code == 422
    assert field_error(response, "new_password")
    assert password_hash(app, member.id) == before
    assert "account.password_changed" not in audit_actions(app, member.id)


def test_changed_password_is_stored_as_argon2id(app, client, member):
    assert change_password(client, member.password, NEW_PASSWORD).status_code == 302
    stored = password_hash(app, member.id)
    assert stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored
    assert can_log_in(app, member.email, NEW_PASSWORD)
    assert not can_log_in(app, member.email, member.password)


def test_password_change_is_audited(app, client, member):
    change_password(client, member.password, NEW_PASSWORD)
    assert "account.password_changed" in audit_actions(app, member.id)


def test_account_flows_keep_the_audit_chain_intact(app, client, member, outbox):
    change_password(client, "fout-wachtwoord-1", NEW_PASSWORD)  # refused, rolled back
    change_password(client, member.password, NEW_PASSWORD)
    post_form(
        client, "/account/e-mailadres", {"email": "nieuw@example.nl", "password": NEW_PASSWORD}
    )
    [confirmation] = [m for m in outbox() if m["To"] == "nieuw@example.nl"]
    link = re.search(
        r"https?://\S+(/account/e-mailadres/bevestigen/\S+)", confirmation.get_content()
    )
    post_form(client, link.group(1), {})
    post_form(client, "/uitloggen", {}, token_from="/account")
    request_reset(client, "nieuw@example.nl")
    choose_password(client, reset_path(outbox), "rode-walvis-sleutel-berg-31")
    with db_ctx(app):
        report = verify_chain()
    assert report.broken_at is None
    assert audit_actions(app, member.id) == [
        "auth.login",
        "account.password_changed",
        "account.email_change_requested",
        "account.email_changed",
        "auth.logout",
        "account.password_reset_requested",
        "account.password_reset",
    ]
    assert report.checked == 7


# --- profile -------------------------------------------------------------------------------


def test_profile_update_saves_name_and_language(app, client, member):
    response = post_form(client, "/account", {"name": "  Anna de Vries ", "locale": "en"})
    assert response.status_code == 302
    assert '<html lang="en"' in client.get("/account").get_data(as_text=True)
    with db_ctx(app) as session:
        user = session.get(User, member.id)
        assert (user.name, user.locale) == ("Anna de Vries", "en")


def test_profile_refuses_an_unknown_language(app, client, member):
    response = post_form(client, "/account", {"name": "Anna", "locale": "xx"})
    assert response.status_code == 422
    with db_ctx(app) as session:
        assert session.get(User, member.id).locale == "nl"


def test_wrong_code_on_the_reset_form_is_audited(app, client, personas, outbox):
    admin = personas.platform_admin
    request_reset(client, admin.email)
    choose_password(client, reset_path(outbox), code=wrong_code(admin))
    assert "auth.mfa" in audit_actions(app, admin.id)


def test_a_used_reset_ends_every_other_open_reset_link(app, client, personas, outbox):
    member = personas.member_a
    request_reset(client, member.email)
    first = reset_path(outbox)
    request_reset(client, member.email)
    second = reset_path(outbox)
    assert choose_password(client, second).status_code == 302
    assert client.get(first).status_code == 404


def test_a_password_change_ends_open_reset_links(app, client, member, outbox, personas):
    request_reset(app.test_client(), personas.member_a.email)
    path = reset_path(outbox)
    assert change_password(client, personas.member_a.password, NEW_PASSWORD).status_code == 302
    assert client.get(path).status_code == 404


def test_login_accepts_an_address_pasted_with_spaces(app, personas):
    assert can_log_in(app, f"  {personas.member_a.email} ", personas.member_a.password)
