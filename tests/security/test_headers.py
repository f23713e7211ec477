"""Security headers and cookies on every page (SECURITY.md § Headers, § Sessions).

Every cell of the route matrix is requested again and its response checked: the CSP and the
other headers, no-store when someone is logged in, and no inline script or style in the HTML
(the CSP would block them, so the page would silently break). Production adds HSTS and the
__Host- session cookie with Secure.
"""

import re
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import pytest

from neig_workspace import create_app
from tests.helpers import login_as, login_http, post_form
from tests.personas import PASSWORD

from .route_table import ROUTES, matrix_cases, run_cell

SECRET = "k3Jv9QpX2mLr8TzW5nYb7HcF4sDg6Ae1Uo0iPqRx"  # 40 characters, none of them a default
HTTPS = "https://localhost"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def assert_security_headers(response, *, logged_in: bool):
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    sources = " ".join(word for words in csp.values() for word in words)
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    if logged_in:
        assert "no-store" in response.headers.get("Cache-Control", "")


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and "src" not in names:
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style> block")
        for name, value in names.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_no_inline_code(response):
    if response.mimetype == "text/html":
        assert inline_code(response.get_data(as_text=True)) == []


def test_the_inline_code_finder_finds_what_it_must():
    page = (
        '<p style="x">a</p><button onclick="x()">b</button>'
        "<script>alert(1)</script><style>p{}</style>"
    )
    assert len(inline_code(page + '<a href=" javascript:x()">c</a>')) == 5
    assert (
        inline_code('<script src="/static/js/app.js" defer></script><p class="onboard">x</p>') == []
    )


# --- every page of the matrix ------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "method", "column"), list(matrix_cases()), ids=str)
def test_every_response_has_the_security_headers_and_no_inline_code(
    app, personas, endpoint, method, column
):
    response, _, _ = run_cell(app, personas, endpoint, method, column)
    if endpoint == "documents.preview" and response.status_code == 200:
        assert_sandboxed_preview(response)
        return
    assert_security_headers(response, logged_in=column != "anonymous")
    assert_no_inline_code(response)


def assert_sandboxed_preview(response):
    """A stored file shown inline has a CSP of its own: nothing loads but the file itself (the
    browser's PDF viewer needs object-src 'self'), no script runs (sandbox), and it is still
    never framed, sniffed or stored."""
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'none'"] and "sandbox" in csp
    assert csp.get("base-uri") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"]
    assert "script-src" not in csp
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("inline")


def test_the_matrix_reaches_pages_for_admins_and_visitors():
    """The sweep above is only worth something if it renders pages, not just refusals."""
    reached = {
        column: [
            key for key, row in ROUTES.items() if key[1] == "GET" and row.expect[column] == 200
        ]
        for column in ("anonymous", "platform_admin")
    }
    assert len(reached["platform_admin"]) >= 15 and len(reached["anonymous"]) >= 4


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
def production_app(app):
    """A production app on the test database, with a proper secret and mail server."""
    prod = create_app(
        "production",
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER="smtp.example.nl",
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
    )
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
