"""Logging in through the browser: password, wrong password, MFA enrolment and MFA login."""

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import login_form


def _expect_overview(page, name: str):
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {name}")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()


def test_member_logs_in_and_sees_the_overview(page, personas):
    login_form(page, personas.member_a.email, personas.member_a.password)

    _expect_overview(page, personas.member_a.name)
    expect(page.get_by_role("link", name="Gemeente Rotterdam")).to_be_visible()


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(page, personas):
    login_form(page, personas.member_a.email, "niet-het-goede-wachtwoord")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Het e-mailadres of het wachtwoord klopt niet.")
    expect(page.get_by_label("E-mailadres")).to_have_value(personas.member_a.email)
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)


def test_member_enrols_in_mfa_and_then_logs_in_with_a_code(page, personas):
    member = personas.member_a
    login_form(page, member.email, member.password)
    _expect_overview(page, member.name)

    page.goto("/account/tweestapsverificatie/instellen")
    secret = "".join(page.locator("#mfa-secret").inner_text().split())
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code uit de app").fill(totp.now())
    page.get_by_label("Uw wachtwoord").fill(member.password)
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Uw herstelcodes")
    codes = page.get_by_role("list", name="Herstelcodes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert all(
        re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", c.strip()) for c in codes.all_inner_texts()
    )

    page.locator("summary", has_text="gebruikersmenu").click()  # the user menu
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page).to_have_url(re.compile(r"/inloggen$"))

    login_form(page, member.email, member.password)
    expect(page).to_have_url(re.compile(r"/inloggen/verificatie$"))
    # The enrolment used this step's code and each step works once: take the next step's code.
    page.get_by_label("Verificatiecode").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verder").click()

    _expect_overview(page, member.name)
    expect(page.get_by_text("Tweestapsverificatie staat aan.")).to_be_visible()


def test_wrong_code_keeps_the_user_at_the_second_step(page, personas):
    admin = personas.platform_admin
    login_form(page, admin.email, admin.password)
    expect(page).to_have_url(re.compile(r"/inloggen/verificatie$"))
    wrong = "000000" if admin.totp() != "000000" else "111111"
    page.get_by_label("Verificatiecode").fill(wrong)
    page.get_by_role("button", name="Verder").click()

    expect(page.locator("#code-error")).to_contain_text("Deze code klopt niet.")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)


def test_platform_admin_logs_in_with_a_code(page, personas):
    admin = personas.platform_admin
    login_form(page, admin.email, admin.password)
    expect(page).to_have_url(re.compile(r"/inloggen/verificatie$"))
    page.get_by_label("Verificatiecode").fill(admin.totp())
    page.get_by_role("button", name="Verder").click()

    _expect_overview(page, admin.name)
    page.locator("summary", has_text="Beheer").click()  # the admin part of the main menu
    expect(page.get_by_role("link", name="Auditlog")).to_be_visible()
