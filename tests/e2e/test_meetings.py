"""Meetings in the browser: an organiser plans a knowledge session, a member registers, and the
list, the meeting page, the form (with its errors) and the feed page pass axe (WCAG 2.1 AA)."""

import pytest
from playwright.sync_api import expect

from neig_workspace.extensions import db
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import _report, _violations
from tests.e2e.test_accessibility import axe_context as axe_context  # the fixture
from tests.meetings.world import make_spaces


@pytest.fixture
def world(app, personas):
    with app.app_context():
        spaces = make_spaces(personas)
        db.session.commit()
    return spaces


def _plan_a_session(page):
    page.goto("/bijeenkomsten/nieuw")
    page.get_by_label("Werkruimte").select_option(label="Kennisbank")
    page.get_by_label("Titel").fill("Kennissessie weerbaarheid")
    page.get_by_label("Soort").select_option("kennissessie")
    page.get_by_label("Begint op").fill("2099-03-12T14:00")
    page.get_by_label("Eindigt op").fill("2099-03-12T16:00")
    page.get_by_label("Link voor online deelname").fill("https://meet.example.nl/weerbaar")
    page.get_by_label("Aantal plaatsen").fill("1")
    page.get_by_label("Voor wie").select_option("network")
    page.get_by_role("button", name="Bijeenkomst aanmaken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kennissessie weerbaarheid")
    return page.url


def test_plan_register_and_check_accessibility(
    app, live_server, axe_context, new_context, personas, world
):
    sign_in(app, axe_context, live_server.url, personas.org_admin_a)
    organiser = axe_context.new_page()

    organiser.goto("/bijeenkomsten/nieuw")
    organiser.get_by_role("button", name="Bijeenkomst aanmaken").click()
    expect(organiser.locator("#error-summary")).to_be_visible()
    expect(organiser.locator("#title-error")).to_be_visible()
    violations = _violations(organiser)
    assert not violations, f"form with errors:\n{_report(violations)}"

    meeting_url = _plan_a_session(organiser)

    member_context = new_context()
    sign_in(app, member_context, live_server.url, personas.member_b)
    member = member_context.new_page()
    member.goto(meeting_url)
    member.get_by_role("button", name="Aanmelden").click()
    expect(member.locator("#registration-state")).to_contain_text("U bent aangemeld.")

    organiser.goto(meeting_url)
    expect(organiser.get_by_role("table")).to_contain_text(personas.member_b.email)
    violations = _violations(organiser)
    assert not violations, f"meeting page:\n{_report(violations)}"

    for path in ("/bijeenkomsten", "/bijeenkomsten?periode=verleden", "/bijeenkomsten/agenda"):
        organiser.goto(path)
        expect(organiser.get_by_role("heading", level=1)).to_be_visible()
        violations = _violations(organiser)
        assert not violations, f"{path}:\n{_report(violations)}"
    organiser.goto("/bijeenkomsten")
    expect(organiser.get_by_role("link", name="Kennissessie weerbaarheid")).to_be_visible()
