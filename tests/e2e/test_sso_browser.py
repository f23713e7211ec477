"""Single sign-on (issue #7) in a real browser (Chromium) against the real provider of
tests/sso/provider.mjs, and WCAG checks (axe-core) of the new pages: the provider settings,
the password step and a refusal. Here, not in tests/sso/, to share the one browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import AXE, AXE_TAGS, RUN_AXE
from tests.sso.conftest import free_port, run_provider
from tests.sso.helpers import make_provider, make_user


@pytest.fixture(scope="session")
def browser_provider(live_server):
    """The police's provider, with the live server's callback as redirect URI."""
    yield from run_provider(redirect_uris=(f"{live_server.url}/inloggen/sso/callback",))


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, AXE_TAGS)


def test_signing_in_through_the_provider_in_a_browser(
    app,
    personas,
    browser_provider,
    new_context,
):
    make_provider(app, personas, browser_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    page = new_context().new_page()
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill("agent@politie.example")
    page.get_by_role("button", name="Inloggen").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Agent")
    expect(page.get_by_role("link", name="Politie Eenheid Rotterdam")).to_be_visible()


def test_the_new_pages_have_no_wcag_violations(
    app,
    personas,
    live_server,
    new_context,
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
    make_provider(app, personas, f"http://127.0.0.1:{free_port()}")  # down
    anonymous = new_context(bypass_csp=True).new_page()
    anonymous.goto("/inloggen")
    anonymous.get_by_label("E-mailadres").fill(personas.member_a.email)
    anonymous.get_by_role("button", name="Inloggen").click()
    expect(anonymous.get_by_text("Vul uw wachtwoord in.")).to_be_visible()
    assert violations(anonymous) == [], "password step"
    anonymous.get_by_label("E-mailadres").fill("agent@politie.example")
    anonymous.get_by_role("button", name="Inloggen").click()
    expect(anonymous.get_by_role("alert")).to_contain_text("niet bereikbaar")
    assert violations(anonymous) == [], "provider down"

    admin_context = new_context(bypass_csp=True)
    sign_in(app, admin_context, live_server.url, personas.platform_admin)
    admin = admin_context.new_page()
    admin.goto(f"/beheer/organisaties/{personas.orgs['politie']}/sso")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Inlogdienst van")
    assert violations(admin) == [], "provider settings"
    expect(admin.get_by_text("Er is een geheim opgeslagen.")).to_be_visible()
    # An organisation without a provider yet: saving the empty form shows the errors.
    admin.goto(f"/beheer/organisaties/{personas.orgs['om']}/sso")
    admin.get_by_role("button", name="Opslaan").click()
    expect(admin.locator("#error-summary")).to_be_visible()
    expect(admin.locator("#error-summary")).to_contain_text("Vul minstens één e-maildomein in.")
    assert violations(admin) == [], "provider settings with errors"
