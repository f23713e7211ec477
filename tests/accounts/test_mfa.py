"""MFA: enrolment with QR code and re-authentication, hashed single-use recovery codes, new
codes, switching it off, the encrypted secret, and the gate that forces enrolment."""

import html
import re
import time
from urllib.parse import unquote

import pyotp
import pytest
from sqlalchemy import select, text, update

from neig_workspace import create_app
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import RecoveryCode, User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db, limiter
from tests.conftest import db_ctx
from tests.helpers import form_token, login_as, login_http, post_form

ENROL = "/account/tweestapsverificatie/instellen"
DISABLE = "/account/tweestapsverificatie/uitschakelen"
RECOVERY = "/account/tweestapsverificatie/herstelcodes"
WRONG_PASSWORD = "dit-is-niet-het-wachtwoord-99"  # noqa: S105


def field_error(response, field_id: str) -> str:
    """The error text shown next to one field ('' when there is none)."""
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{field_id}-error">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def actions(app, user_id=None) -> list[str]:
    with db_ctx(app) as session:
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if user_id is not None:
            query = query.where(AuditEvent.actor_id == user_id)
        return list(session.scalars(query))


def enrol_page(client):
    """GET the enrolment page: (response, the secret shown, its CSRF token)."""
    response = client.get(ENROL)
    body = response.get_data(as_text=True)
    secret = re.search(r'<code class="utrecht-code" id="mfa-secret">([A-Z2-7 ]+)</code>', body)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body)
    assert secret and token, "enrolment page without secret or form"
    return response, secret.group(1).replace(" ", ""), token.group(1)


def codes_on(response) -> list[str]:
    return re.findall(
        r'<li><code class="utrecht-code">([a-z2-9-]+)</code></li>', response.get_data(as_text=True)
    )


def enrol(client, persona) -> tuple[str, list[str]]:
    """Enrol `persona` (logged in on `client`) through the page; return secret and codes."""
    _, secret, token = enrol_page(client)
    response = client.post(
        ENROL,
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now(), "password": persona.password},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = codes_on(response)
    assert len(codes) == 10
    # The same codes as a .txt download (a data: link: stored nowhere) and a print button.
    page = html.unescape(response.get_data(as_text=True))
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" download="([^"]+)"', page)
    assert link and link.group(2) == "neig-herstelcodes.txt"
    assert unquote(link.group(1)).split("\r\n")[2:12] == codes
    assert 'class="print-button-slot"' in page
    return secret, codes


def logout(client):
    return post_form(client, "/uitloggen", {}, token_from="/account")


def other_code(secret: str) -> str:
    """Six digits that match no step the server would accept now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + d * 30) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


# --- enrolment ----------------------------------------------------------------------------------


def test_enrolment_page_shows_qr_code_as_svg_image_and_the_secret(app, client, personas):
    login_as(app, client, personas.member_a)
    response, secret, _ = enrol_page(client)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', body)
    assert len(secret) >= 32 and re.fullmatch(r"[A-Z2-7]+", secret)
    with db_ctx(app) as session:
        stored = session.get(User, personas.member_a.id)
        assert stored.mfa_enabled_at is None  # nothing is on until confirmed
        assert mfa.decrypt_secret(stored.totp_secret_encrypted) == secret


def test_confirming_with_a_wrong_password_shows_the_message_next_to_the_password(
    app, client, personas
):
    login_as(app, client, personas.member_a)
    _, secret, token = enrol_page(client)
    response = client.post(
        ENROL,
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now(), "password": WRONG_PASSWORD},
    )
    assert response.status_code == 422
    assert "Het wachtwoord klopt niet." in field_error(response, "password")
    assert field_error(response, "code") == ""
    with db_ctx(app) as session:
        assert session.get(User, personas.member_a.id).mfa_enabled_at is None


def test_confirming_with_a_wrong_code_shows_the_message_next_to_the_code(app, client, personas):
    login_as(app, client, personas.member_a)
    _, secret, token = enrol_page(client)
    response = client.post(
        ENROL,
        data={
            "csrf_token": token,
            "code": other_code(secret),
            "password": personas.member_a.password,
        },
    )
    assert response.status_code == 422
    assert "Deze code klopt niet" in field_error(response, "code")
    assert field_error(response, "password") == ""
    # The secret shown after the failure is still the one the user scanned.
    shown = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', response.get_data(as_text=True)).group(1)
    assert shown.replace(" ", "") == secret
    with db_ctx(app) as session:
        assert session.get(User, personas.member_a.id).mfa_enabled_at is None


def test_enrolment_shows_ten_codes_once_and_stores_only_their_hashes(app, client, personas):
    login_as(app, client, personas.member_a)
    enrol_page_html = client.get(ENROL).get_data(as_text=True)
    secret, codes = enrol(client, personas.member_a)
    assert len(set(codes)) == 10
    with db_ctx(app) as session:
        user = session.get(User, personas.member_a.id)
        assert user.mfa_enabled_at is not None
        stored = session.execute(text("SELECT * FROM recovery_codes")).all()
    assert len(stored) == 10
    dump = repr(stored).lower()
    for code in codes:
        assert code not in dump and mfa.normalise_recovery_code(code) not in dump
    assert "mfa.enabled" in actions(app, personas.member_a.id)
    # Shown once: the enrolment page now leads back to the account, without codes.
    assert "Nu niet, uitloggen" not in enrol_page_html  # an exit that keeps one logged in
    assert 'href="/">Nu niet, terug naar het overzicht</a>' in enrol_page_html
    again = client.get(ENROL)
    assert again.status_code == 302 and again.location.endswith("/account")


def test_the_totp_secret_is_stored_encrypted(app, client, personas):
    login_as(app, client, personas.member_a)
    secret, _ = enrol(client, personas.member_a)
    with db_ctx(app) as session:
        raw = session.execute(
            text("SELECT totp_secret_encrypted FROM users WHERE id = :id"),
            {"id": personas.member_a.id},
        ).scalar_one()
    assert raw and secret not in raw and secret.lower() not in raw.lower()
    with app.app_context():
        assert mfa.decrypt_secret(raw) == secret


def test_enrolled_user_needs_a_code_at_login(app, client, personas):
    login_as(app, client, personas.member_a)
    secret, _ = enrol(client, personas.member_a)
    logout(client)
    response = login_http(client, personas.member_a.email, personas.member_a.password)
    assert response.status_code == 302 and "/inloggen/verificatie" in response.location
    assert client.get("/account").status_code == 302  # not logged in without the code


# --- recovery codes ---------------------------------------------------------------------------


def test_a_recovery_code_works_once_at_login(app, client, personas):
    login_as(app, client, personas.member_a)
    _, codes = enrol(client, personas.member_a)
    logout(client)
    first = login_http(client, personas.member_a.email, personas.member_a.password, code=codes[0])
    assert first.status_code == 302 and "/inloggen" not in first.location
    assert client.get("/account").status_code == 200
    assert "mfa.recovery_code_used" in actions(app, personas.member_a.id)
    logout(client)
    again = login_http(client, personas.member_a.email, personas.member_a.password, code=codes[0])
    assert again.status_code == 422
    assert client.get("/account").status_code == 302
    with db_ctx(app) as session:
        used = session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1


def test_new_recovery_codes_need_password_and_code_and_replace_the_old_ones(app, client, personas):
    login_as(app, client, personas.member_a)
    _, old_codes = enrol(client, personas.member_a)
    wrong_password = post_form(client, RECOVERY, {"password": WRONG_PASSWORD, "code": old_codes[0]})
    assert wrong_password.status_code == 422
    assert "Het wachtwoord klopt niet." in field_error(wrong_password, "password")
    wrong_code = post_form(
        client, RECOVERY, {"password": personas.member_a.password, "code": "0000-0000-0000-0000"}
    )
    assert wrong_code.status_code == 422
    assert "Deze code klopt niet." in field_error(wrong_code, "code")
    response = post_form(
        client, RECOVERY, {"password": personas.member_a.password, "code": old_codes[0]}
    )
    assert response.status_code == 200
    new_codes = codes_on(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "mfa.recovery_codes_regenerated" in actions(app, personas.member_a.id)
    logout(client)
    refused = login_http(
        client, personas.member_a.email, personas.member_a.password, code=old_codes[1]
    )
    assert refused.status_code == 422
    accepted = login_http(
        client, personas.member_a.email, personas.member_a.password, code=new_codes[1]
    )
    assert accepted.status_code == 302 and client.get("/account").status_code == 200


def test_regenerating_with_a_totp_code_works_for_the_platform_admin(app, client, personas):
    admin = personas.platform_admin
    login_as(app, client, admin)
    code = admin.totp()
    response = post_form(client, RECOVERY, {"password": admin.password, "code": code})
    assert response.status_code == 200 and len(codes_on(response)) == 10
    # The same TOTP code does not work a second time.
    replay = post_form(client, RECOVERY, {"password": admin.password, "code": code})
    assert replay.status_code == 422
    assert "Deze code klopt niet." in field_error(replay, "code")


# --- switching MFA off ----------------------------------------------------------------------------


def test_disabling_needs_password_and_code_and_is_audited(app, client, personas):
    login_as(app, client, personas.member_a)
    _, codes = enrol(client, personas.member_a)
    wrong_password = post_form(client, DISABLE, {"password": WRONG_PASSWORD, "code": codes[0]})
    assert wrong_password.status_code == 422
    assert "Het wachtwoord klopt niet." in field_error(wrong_password, "password")
    wrong_code = post_form(client, DISABLE, {"password": personas.member_a.password, "code": "123"})
    assert wrong_code.status_code == 422
    assert "Deze code klopt niet." in field_error(wrong_code, "code")
    with db_ctx(app) as session:
        assert session.get(User, personas.member_a.id).mfa_enabled_at is not None
    response = post_form(
        client, DISABLE, {"password": personas.member_a.password, "code": codes[1]}
    )
    assert response.status_code == 302
    with db_ctx(app) as session:
        user = session.get(User, personas.member_a.id)
        assert user.mfa_enabled_at is None and user.totp_secret_encrypted is None
        assert session.scalar(select(db.func.count(RecoveryCode.id))) == 0
    assert "mfa.disabled" in actions(app, personas.member_a.id)
    logout(client)
    assert login_http(
        client, personas.member_a.email, personas.member_a.password
    ).location.endswith("/")


def test_a_platform_admin_cannot_disable_mfa(app, client, personas):
    admin = personas.platform_admin
    login_as(app, client, admin)
    page = client.get(DISABLE).get_data(as_text=True)
    assert "verplicht" in page
    response = post_form(client, DISABLE, {"password": admin.password, "code": admin.totp()})
    assert response.status_code == 422
    assert "Voor uw account is tweestapsverificatie verplicht." in response.get_data(as_text=True)
    with db_ctx(app) as session:
        assert session.get(User, admin.id).mfa_enabled_at is not None
    assert "mfa.disabled" not in actions(app)


@pytest.mark.parametrize("path", [DISABLE, RECOVERY])
def test_guessing_the_code_when_re_authenticating_is_rate_limited(app, client, personas, path):
    admin = personas.platform_admin
    login_as(app, client, admin)
    wrong = other_code(admin.totp_secret)
    for _ in range(5):
        assert (
            post_form(client, path, {"password": admin.password, "code": wrong}).status_code == 422
        )
    response = post_form(client, path, {"password": admin.password, "code": admin.totp()})
    assert response.status_code == 429


# --- the enrolment gate ---------------------------------------------------------------------------


def _without_mfa(app, persona):
    with db_ctx(app) as session:
        session.execute(
            update(User)
            .where(User.id == persona.id)
            .values(mfa_enabled_at=None, totp_secret_encrypted=None)
        )
        session.commit()


def test_platform_admin_without_mfa_is_held_at_enrolment_until_done(app, client, personas):
    admin = personas.platform_admin
    _without_mfa(app, admin)
    response = login_http(client, admin.email, admin.password)
    assert response.status_code == 302 and response.location.endswith(ENROL)
    for path in ("/", "/beheer/gebruikers", "/beheer/organisaties", "/account", RECOVERY):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.location.endswith(ENROL), path
    page = client.get(ENROL).get_data(as_text=True)
    assert "Nu niet, uitloggen" in page and 'href="/hulp/inloggen"' in page
    help_page = client.get("/hulp/inloggen")  # the other way on: how to set it up
    assert help_page.status_code == 200 and "herstelcode" in help_page.get_data(as_text=True)
    enrol(client, admin)
    assert client.get("/beheer/gebruikers").status_code == 200


def test_logout_still_works_for_a_user_held_at_enrolment(app, client, personas):
    admin = personas.platform_admin
    _without_mfa(app, admin)
    login_http(client, admin.email, admin.password)
    token = form_token(client, ENROL)
    response = client.post("/uitloggen", data={"csrf_token": token})
    assert response.status_code == 302 and "/inloggen" in response.location
    assert client.get("/beheer/gebruikers").status_code == 302
    assert "/inloggen" in client.get("/beheer/gebruikers").location
    assert "auth.logout" in actions(app, admin.id)


def test_with_mfa_required_for_all_an_ordinary_member_is_forced_too(app, test_db, personas):
    # The limiter is one object for every app and keeps the last app's storage: restore it.
    saved = (limiter._storage, limiter._limiter)
    strict = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
        MFA_REQUIRED_FOR="all",
    )
    try:
        with test_db.shared_with(strict):
            client = strict.test_client()
            member = personas.member_a
            response = login_http(client, member.email, member.password)
            assert response.status_code == 302 and response.location.endswith(ENROL)
            blocked = client.get("/")
            assert blocked.status_code == 302 and blocked.location.endswith(ENROL)
            assert "verplicht" in client.get(ENROL).get_data(as_text=True)
            enrol(client, member)
            assert client.get("/").status_code == 200
            # The ordinary app does not force anyone who is not a platform admin.
            other = app.test_client()
            assert login_http(
                other, personas.member_b.email, personas.member_b.password
            ).location.endswith("/")
    finally:
        limiter._storage, limiter._limiter = saved
        with strict.app_context():
            db.engine.dispose()
