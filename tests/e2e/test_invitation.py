"""An organisation admin invites someone; the invitee makes an account from the e-mailed link."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import login_form

NEW_EMAIL = "nieuwe.collega@rotterdam.example.nl"
STRONG_PASSWORD = "kraanvogel-pindakaas-zeilboot-73"  # noqa: S105 - test password


def _invite(page, personas, outbox) -> str:
    """The org admin invites NEW_EMAIL through the forms; returns the link from the e-mail."""
    admin = personas.org_admin_a
    login_form(page, admin.email, admin.password)
    page.get_by_role("link", name="Gemeente Rotterdam").click()
    page.get_by_role("link", name="Iemand uitnodigen").click()
    page.get_by_label("E-mailadres").fill(NEW_EMAIL)
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"De uitnodiging is verstuurd naar {NEW_EMAIL}."
    )

    mails = [m for m in outbox() if m["To"] == NEW_EMAIL]
    assert len(mails) == 1
    match = re.search(r"http://127\.0\.0\.1:\d+/uitnodiging/\S+", mails[0].get_content())
    assert match, "no invitation link in the e-mail"
    return match.group(0)


def test_invitee_makes_an_account_and_lands_on_the_overview(page, new_context, personas, outbox):
    link = _invite(page, personas, outbox)

    invitee = new_context().new_page()  # another person: no cookies of the admin
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Welkom bij NEIG Werkruimte")
    invitee.get_by_label("Uw naam").fill("Nieuwe Collega")
    invitee.get_by_label("Wachtwoord", exact=True).fill(STRONG_PASSWORD)
    invitee.get_by_label("Herhaal het wachtwoord").fill(STRONG_PASSWORD)
    invitee.get_by_role("button", name="Account maken").click()

    expect(invitee).to_have_url(re.compile(r"/$"))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Welkom, Nieuwe Collega")
    expect(invitee.get_by_role("link", name="Gemeente Rotterdam")).to_be_visible()

    # The link worked once: opening it again says so.
    response = invitee.goto(link)
    assert response.status == 404


def test_weak_password_is_refused_next_to_the_field_and_keeps_the_name(
    page, new_context, personas, outbox
):
    link = _invite(page, personas, outbox)

    invitee = new_context().new_page()
    invitee.goto(link)
    invitee.get_by_label("Uw naam").fill("Nieuwe Collega")
    invitee.get_by_label("Wachtwoord", exact=True).fill("welkom123456")
    invitee.get_by_label("Herhaal het wachtwoord").fill("welkom123456")
    invitee.get_by_role("button", name="Account maken").click()

    password = invitee.get_by_label("Wachtwoord", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    error = invitee.locator("#password-error")
    expect(error).to_contain_text("Dit wachtwoord is te makkelijk te raden.")
    assert "password-error" in password.get_attribute("aria-describedby").split()
    expect(invitee.get_by_label("Uw naam")).to_have_value("Nieuwe Collega")
    expect(invitee.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
