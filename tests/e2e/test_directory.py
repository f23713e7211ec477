"""The member directory and the dashboard in the browser: a member opts in to some fields, a
member of another municipality finds them by province; axe finds no WCAG 2.1 A/AA problems on
the directory list, an organisation's page, the settings page and the dashboard."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import _report, _violations, axe_context  # noqa: F401


def _opt_in(page):
    page.goto("/account")
    page.get_by_role("navigation", name="Mijn account").get_by_role(
        "link", name="Ledenoverzicht"
    ).click()
    page.get_by_label("Rol of functie", exact=True).fill("Beleidsadviseur explosies")
    page.get_by_label("Telefoonnummer", exact=True).fill("010 123 45 67")
    page.get_by_label("Mijn organisatie", exact=False).check()
    page.get_by_label("Mijn naam", exact=True).check()
    page.get_by_label("Mijn rol of functie", exact=True).check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")


def test_opt_in_and_be_found(app, live_server, new_context, personas):
    context_a = new_context()
    sign_in(app, context_a, live_server.url, personas.member_a)
    _opt_in(context_a.new_page())

    context_b = new_context()
    sign_in(app, context_b, live_server.url, personas.member_b)
    page = context_b.new_page()
    page.goto("/netwerk/leden")
    page.get_by_label("Provincie").select_option("Zuid-Holland")
    page.get_by_role("main").get_by_role("button", name="Zoeken").click()  # not the header's
    expect(page.get_by_role("table")).not_to_contain_text("Gemeente Amsterdam")
    page.get_by_role("link", name="Gemeente Rotterdam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemeente Rotterdam")
    contacts = page.locator(".directory-contacts")
    expect(contacts).to_contain_text("Member A")
    expect(contacts).to_contain_text("Beleidsadviseur explosies")
    expect(contacts).not_to_contain_text("010 123 45 67")  # not opted in
    expect(contacts).not_to_contain_text("member.a@example.nl")


PAGES = {
    "directory": "/netwerk/leden",
    "directory organisation": "/netwerk/leden/gemeente_a",
    "directory settings": "/account/ledenoverzicht",
    "dashboard": "/",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violations(name, app, live_server, new_context, axe_context, personas):  # noqa: F811
    helper = new_context()
    sign_in(app, helper, live_server.url, personas.member_a)
    _opt_in(helper.new_page())  # so the organisation's page lists someone
    sign_in(app, axe_context, live_server.url, personas.member_a)
    page = axe_context.new_page()
    page.goto(PAGES[name])
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    violations = _violations(page)

    assert not violations, f"axe found problems on {name} ({page.url}):\n{_report(violations)}"


def test_the_settings_page_shows_errors_accessibly(app, live_server, axe_context, personas):  # noqa: F811
    sign_in(app, axe_context, live_server.url, personas.member_a)
    page = axe_context.new_page()
    page.goto("/account/ledenoverzicht")
    page.get_by_label("Telefoonnummer", exact=True).fill("bel mij")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.get_by_label("Telefoonnummer", exact=True)).to_have_value("bel mij")
    violations = _violations(page)
    assert not violations, _report(violations)
