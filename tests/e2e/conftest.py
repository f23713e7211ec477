"""Browser tests: the test app served on loopback by a real WSGI server, driven by Chromium.

Debian's Chromium is used as it is installed (Playwright's own browser download is not needed).
Without it the tests skip, except under CI=true, where a missing browser is a failure.
"""

import os
import secrets
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from neig_workspace.accounts.models import User, UserSession
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.accounts.tokens import hash_token
from neig_workspace.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
            # The live server answers from its own threads, on connections of its own.
            item.add_marker(pytest.mark.commits("a live server in another thread"))


def _require_chromium():
    if CHROMIUM.exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"{reason}; under CI=true the browser tests must run", pytrace=False)
    pytest.skip(reason)


class LiveServer:
    def __init__(self, app):
        # Port 0: the operating system picks a free port.
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's test app on http://127.0.0.1:<free port>, in a background thread."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(app, browser, live_server, monkeypatch):
    """Make fresh browser contexts (separate cookie jars); all are closed after the test. The
    links in e-mails lead to the live server, as they lead to EXTERNAL_URL in production."""
    monkeypatch.setitem(app.config, "EXTERNAL_URL", live_server.url)
    contexts = []

    def make(**kwargs):
        context = browser.new_context(base_url=live_server.url, locale="nl-NL", **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def login_form(page, email: str, password: str):
    """Fill in and submit the login form, as a user would."""
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()


def sign_in(app, context, base_url: str, persona):
    """Log `persona` in without the form: a real session record and a signed session cookie."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        user = db.session.get(User, persona.id)
        db.session.add(UserSession(token_hash=hash_token(token), user=user, mfa_verified=True))
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({SESSION_KEY: token, "_user_id": str(persona.id), "_fresh": True})
    context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": base_url}]
    )
