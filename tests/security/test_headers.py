"""Security headers and cookies (SECURITY.md § Headers, § Sessions).

Every cell of the route matrix checks its response with tests/security/headers.py; here: the
checks themselves, the pages outside the matrix, static files, cookies, and production's HSTS and
__Host- session cookie with Secure.
"""

import re
from http.cookies import SimpleCookie

import pytest

from neig_workspace import create_app
from tests.helpers import login_as, login_http, post_form
from tests.personas import PASSWORD

from .headers import assert_no_inline_code, assert_security_headers, inline_code

SECRET = "k3Jv9QpX2mLr8TzW5nYb7HcF4sDg6Ae1Uo0iPqRx"  # 40 characters, none of them a default
HTTPS = "https://localhost"


def test_the_inline_code_finder_finds_what_it_must():
    page = (
        '<p style="x">a</p><button onclick="x()">b</button>'
        "<script>alert(1)</script><style>p{}</style>"
    )
    assert len(inline_code(page + '<a href=" javascript:x()">c</a>')) == 5
    assert (
        inline_code('<script src="/static/js/app.js" defer></script><p class="onboard">x</p>') == []
    )


def test_error_and_interstitial_pages(app, client, personas):
    """Pages outside the matrix: unknown URL, wrong method, CSRF failure, MFA step, bad token."""
    assert client.get("/bestaat-niet").status_code == 404
    assert client.get("/uitloggen").status_code == 405
    assert client.post("/taal", data={"locale": "en"}).status_code == 400
    assert client.get("/uitnodiging/ongeldig").status_code == 404
    response = post_form(
        client, "/inloggen", {"email": personas.platform_admin.email, "password": PASSWORD}
    )
    assert response.location.endswith("/inloggen/verificatie")
    pages = [
        client.get("/bestaat-niet"),
        client.get("/uitloggen"),
        client.post("/taal"),
        client.get("/uitnodiging/ongeldig"),
        client.get("/inloggen/verificatie"),
    ]
    for page in pages:
        assert_security_headers(page, logged_in=False)
        assert_no_inline_code(page)
    assert "csrf_token" in pages[-1].get_data(as_text=True)  # really the MFA form


def test_static_files_are_not_sniffed(app, client):
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- cookies -------------------------------------------------------------------------------------


def session_cookie(response, name: str):
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie[name], header
    return None, None


def test_session_cookie_is_httponly_and_samesite_lax(app, client, personas):
    name = app.config["SESSION_COOKIE_NAME"]
    visitor, _ = session_cookie(client.get("/inloggen"), name)  # holds the CSRF token already
    login = login_http(client, personas.member_a.email, PASSWORD)
    assert login.status_code == 302 and login.location == "/"
    for cookie in (visitor, session_cookie(login, name)[0]):
        assert cookie is not None, "the session cookie is set"
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


# --- production ------------------------------------------------------------------------------


@pytest.fixture
def production_app(app, test_db):
    """A production app in the test's transaction, with a proper secret and mail server."""
    prod = create_app(
        "production",
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER="smtp.example.nl",
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
        EXTERNAL_URL=HTTPS,  # the host the test client talks to
    )
    with test_db.shared_with(prod):
        yield prod
    with prod.app_context():
        from neig_workspace.extensions import db

        db.engine.dispose()


def test_production_sends_hsts_of_a_year_with_subdomains(production_app):
    response = production_app.test_client().get("/", base_url=HTTPS)
    hsts = response.headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= 31536000
    assert "includesubdomains" in hsts.lower()
    assert_security_headers(response, logged_in=False)


def test_testing_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_session_cookie_is_host_prefixed_and_secure(production_app, personas):
    # member_a, not the platform admin: TOTP secrets are encrypted with the testing app's key.
    client = production_app.test_client()
    login = {
        "csrf_token": form_token_https(client, "/inloggen"),
        "email": personas.member_a.email,
        "password": PASSWORD,
    }
    # Over HTTPS the CSRF check also wants a same-origin Referer, as browsers send with our policy.
    assert client.post("/inloggen", data=login, base_url=HTTPS).status_code == 400
    response = client.post(
        "/inloggen", data=login, base_url=HTTPS, headers={"Referer": f"{HTTPS}/inloggen"}
    )
    # Production wants MFA for everyone: the new login goes on to enrol.
    assert response.status_code == 302 and response.location.endswith(
        "/account/tweestapsverificatie/instellen"
    )
    name = production_app.config["SESSION_COOKIE_NAME"]
    assert name.startswith("__Host-")
    cookie, header = session_cookie(response, name)
    assert cookie is not None, response.headers.getlist("Set-Cookie")
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"
    # __Host- cookies must have Path=/ and no Domain, or browsers drop them.
    assert cookie["path"] == "/" and not cookie["domain"]
    enrol = client.get("/account/tweestapsverificatie/instellen", base_url=HTTPS)
    assert enrol.status_code == 200  # the secure cookie really carries the login over HTTPS
    assert "no-store" in enrol.headers["Cache-Control"]


def form_token_https(client, path: str) -> str:
    html = client.get(path, base_url=HTTPS).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_logged_in_pages_are_not_cached(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get("/account").headers["Cache-Control"] == "no-store"
