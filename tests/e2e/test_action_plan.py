"""The action plan in the browser: the secretariat creates an item for a partner, the partner
reports progress, the dashboard shows it, the export contains it."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from neig_workspace.extensions import db
from tests.actions.helpers import make_plan, plan_space, user
from tests.e2e.conftest import sign_in


def _plan(app, personas) -> int:
    with app.app_context():
        plan = make_plan(plan_space(personas), actor=user(personas.secretariat))
        db.session.commit()
        return plan.id


def test_secretariat_creates_partner_reports_dashboard_and_export_show_it(
    app, new_context, live_server, personas
):
    plan_id = _plan(app, personas)

    # The secretariat creates an item led by Gemeente Rotterdam.
    secretariat_context = new_context(accept_downloads=True)
    sign_in(app, secretariat_context, live_server.url, personas.secretariat)
    secretariat = secretariat_context.new_page()
    secretariat.goto(f"/actieplannen/{plan_id}")
    secretariat.get_by_role("link", name="Nieuw actiepunt").click()
    secretariat.get_by_label("Code").fill("P-12")
    secretariat.get_by_label("Titel").fill("Buurtpreventie-apps koppelen")
    secretariat.get_by_label("Actielijn").select_option(label="Preventie")
    secretariat.get_by_label("Trekker").select_option(label="Gemeente Rotterdam")
    secretariat.get_by_role("group", name="Bijdragende organisaties").get_by_label(
        "Politie Eenheid Rotterdam"
    ).check()
    secretariat.get_by_label("Einddatum").fill("2025-10-31")
    secretariat.get_by_role("button", name="Actiepunt aanmaken").click()
    expect(secretariat.get_by_role("status")).to_contain_text("Actiepunt P-12 is aangemaakt.")
    expect(secretariat.get_by_role("heading", level=1)).to_contain_text(
        "Buurtpreventie-apps koppelen"
    )
    item_url = secretariat.url

    # The partner finds it among its organisation's items and reports progress.
    partner_context = new_context()
    sign_in(app, partner_context, live_server.url, personas.member_a)
    partner = partner_context.new_page()
    partner.goto(f"/actieplannen/{plan_id}")
    partner.get_by_role("link", name="Actiepunten van mijn organisatie").click()
    partner.get_by_role("link", name="P-12").click()
    expect(partner).to_have_url(item_url)
    expect(partner.get_by_role("link", name="Gegevens bewerken")).to_have_count(0)
    partner.get_by_label("Nieuwe status").select_option(label="op schema")
    partner.get_by_role("textbox", name="Voortgang").fill("Eerste twee wijken aangesloten.")
    partner.get_by_role("button", name="Voortgang opslaan").click()
    expect(partner.get_by_role("status")).to_contain_text("De voortgang is opgeslagen.")
    update = partner.locator(".progress-update").first
    expect(update).to_contain_text("Eerste twee wijken aangesloten.")
    expect(update).to_contain_text("Gemeente Rotterdam")

    # The dashboard shows it: one item, on track, in the prevention line.
    secretariat.goto(f"/actieplannen/{plan_id}/dashboard")
    expect(secretariat.locator("#kpi-total")).to_have_text("1")
    row = secretariat.locator("#status-table tbody tr", has_text="Preventie")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("1")  # op schema
    expect(cells.last).to_have_text("1")
    expect(secretariat.locator("svg rect.chart-status--op_schema")).to_have_count(1)

    # The export contains it, with the partner's update.
    secretariat.goto(f"/actieplannen/{plan_id}")
    with secretariat.expect_download() as download_info:
        secretariat.get_by_role("link", name="Exporteren als CSV").click()
    download = download_info.value
    assert re.match(r"actiepunten-.+\.csv$", download.suggested_filename)
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["Code"], r["Trekker"], r["Status"]) for r in rows] == [
        ("P-12", "Gemeente Rotterdam", "op schema")
    ]
    assert rows[0]["Laatste voortgang"] == "Eerste twee wijken aangesloten."
    assert rows[0]["Bijdragende organisaties"] == "Politie Eenheid Rotterdam"
