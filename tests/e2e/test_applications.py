"""Applying to join in the browser: a visitor applies, the platform admin approves, the contact
makes an account from the e-mailed invitation and works in the new organisation's space. Plus
axe checks of the public page, the thank-you page and the admin's review page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import AXE, _report, _violations

EMAIL = "f.elamrani@enschede.example.nl"
PASSWORD = "twentse-molen-regenboog-58"  # noqa: S105 - test password


def _apply(page):
    page.goto("/aanmelden")
    page.get_by_label("Soort organisatie").select_option(label="Gemeente")
    page.get_by_label("Gemeente", exact=True).select_option(label="Enschede")
    page.get_by_label("Uw naam").fill("Fatima el Amrani")
    page.get_by_label("Uw functie of rol").fill("Beleidsadviseur openbare orde en veiligheid")
    page.get_by_label("Uw e-mailadres").fill(EMAIL)
    page.get_by_label("Uw telefoonnummer").fill("053 481 81 81")
    page.get_by_label("Waarom wilt u deelnemen?").fill("Twee explosies bij woningen dit jaar.")
    page.get_by_label("Ik heb de privacyverklaring gelezen", exact=False).check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bedankt voor uw aanmelding")


def _open_application(app, context, live_server, personas):
    sign_in(app, context, live_server.url, personas.platform_admin)
    page = context.new_page()
    page.goto("/beheer/aanmeldingen")
    page.get_by_role("link", name="Gemeente Enschede").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelding van Gemeente Enschede")
    return page


def _invitation_link(outbox) -> str:
    mails = [m for m in outbox() if m["To"] == EMAIL and "Uitnodiging" in m["Subject"]]
    assert len(mails) == 1
    match = re.search(r"http://127\.0\.0\.1:\d+/uitnodiging/\S+", mails[0].get_content())
    assert match, "no invitation link in the e-mail"
    return match.group(0)


def test_apply_be_approved_and_start_working(app, new_context, live_server, personas, outbox):
    _apply(new_context().new_page())
    assert [m["Subject"] for m in outbox() if m["To"] == EMAIL] == [
        "Uw aanmelding bij het Netwerk Explosies In Gemeenten"
    ]

    admin = _open_application(app, new_context(), live_server, personas)
    expect(admin.get_by_text("Geen andere aanmelding, organisatie of gebruiker")).to_be_visible()
    admin.get_by_role("button", name="Goedkeuren en uitnodigen").click()
    expect(admin.get_by_role("status")).to_contain_text("De aanmelding is goedgekeurd.")
    expect(admin.get_by_role("button", name="Goedkeuren en uitnodigen")).to_have_count(0)

    contact = new_context().new_page()
    contact.goto(_invitation_link(outbox))
    expect(contact.get_by_role("heading", level=1)).to_have_text("Welkom bij NEIG Werkruimte")
    contact.get_by_label("Uw naam").fill("Fatima el Amrani")
    contact.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    contact.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    contact.get_by_role("button", name="Account maken").click()

    expect(contact).to_have_url(re.compile(r"/$"))
    expect(contact.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima el Amrani")
    contact.goto("/werkruimtes")
    contact.get_by_role("link", name="Gemeente Enschede").first.click()
    expect(contact.get_by_role("heading", level=1)).to_contain_text("Gemeente Enschede")


def test_errors_show_next_to_the_fields_and_keep_what_was_typed(page):
    page.goto("/aanmelden")
    page.get_by_label("Soort organisatie").select_option(label="Gemeente")
    page.get_by_label("Uw naam").fill("Fatima el Amrani")
    page.get_by_label("Uw telefoonnummer").fill("bel mij")
    page.get_by_role("button", name="Aanmelding versturen").click()

    expect(page.locator("#error-summary")).to_be_visible()
    phone = page.get_by_label("Uw telefoonnummer")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_contain_text("Vul een geldig telefoonnummer in")
    expect(page.locator("#cbs_code-error")).to_contain_text("Kies de gemeente")
    expect(page.get_by_label("Uw naam")).to_have_value("Fatima el Amrani")
    expect(phone).to_have_value("bel mij")


# --- accessibility -------------------------------------------------------------------------


@pytest.fixture
def axe_page_context(new_context):
    """As test_accessibility's axe_context: without the CSP, so axe-core can be injected."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
    return new_context(bypass_csp=True)


def _public_page(app, live_server, personas, context):
    page = context.new_page()
    page.goto("/aanmelden")
    return page


def _public_page_with_errors(app, live_server, personas, context):
    page = context.new_page()
    page.goto("/aanmelden")
    page.get_by_role("button", name="Aanmelding versturen").click()
    expect(page.locator("#error-summary")).to_be_visible()
    return page


def _thanks_page(app, live_server, personas, context):
    page = context.new_page()
    _apply(page)
    return page


def _privacy_page(app, live_server, personas, context):
    page = context.new_page()
    page.goto("/aanmelden/privacy")
    return page


def _review_page(app, live_server, personas, context):
    # Two applications for the same municipality: the page shows the duplicate warning.
    _apply(context.new_page())
    _apply(context.new_page())
    page = _open_application(app, context, live_server, personas)
    expect(page.get_by_text("Let op: deze aanmelding lijkt op")).to_be_visible()
    return page


def _review_list(app, live_server, personas, context):
    _apply(context.new_page())
    sign_in(app, context, live_server.url, personas.platform_admin)
    page = context.new_page()
    page.goto("/beheer/aanmeldingen")
    expect(page.get_by_role("table")).to_be_visible()
    return page


PAGES = {
    "application form": _public_page,
    "application form with errors": _public_page_with_errors,
    "thanks": _thanks_page,
    "privacy statement": _privacy_page,
    "review list": _review_list,
    "review page": _review_page,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_application_pages_have_no_wcag_violations(
    name, app, live_server, axe_page_context, personas
):
    page = PAGES[name](app, live_server, personas, axe_page_context)

    violations = _violations(page)

    assert not violations, f"axe found problems on {name} ({page.url}):\n{_report(violations)}"
