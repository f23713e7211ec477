"""A case in the browser: a municipality's case manager opens a case, brings in the police and
the housing corporation, adds a measure and an aftercare task, uploads a document; the police
read the case and the document; the case manager reads who saw what in the access log; the
housing corporation sees its own task and nothing of the police's file."""

import re

from playwright.sync_api import expect

from neig_workspace.cases.legal_bases import ensure_default_legal_bases
from neig_workspace.extensions import db
from tests.e2e.conftest import sign_in

PDF = b"%PDF-1.7\n% proces-verbaal\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _open_case(page):
    page.goto("/casussen")
    page.get_by_role("link", name="Nieuwe casus").click()
    page.get_by_label("Datum van het incident").fill("2025-03-14")
    page.get_by_label("Tijdstip van het incident").fill("02:30")
    page.get_by_label("Doelwit").select_option(label="woning")
    page.get_by_label("Postcode (4 cijfers)").fill("3011")
    page.get_by_label("Buurt of wijk").fill("Stadsdriehoek")
    page.get_by_label("Volledig adres").fill("Coolsingel 40, 3011 AD Rotterdam")
    page.get_by_label("Korte omschrijving").fill("Explosie bij de voordeur van een woning.")
    page.get_by_label("Grondslag").select_option(label="AVG art. 6 lid 1 sub e")
    page.get_by_label("Doel van de gegevensdeling").fill("Aanpak van de explosie en nazorg")
    page.get_by_role("button", name="Casus aanmaken").click()
    expect(page.get_by_role("status")).to_contain_text("De casus is aangemaakt.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"NEIG-\d{4}-\d{4}"))
    return page.url


def _add_organisation(page, name, *, core, address):
    section = page.get_by_role("region", name="Organisatie toevoegen")
    section.get_by_label("Organisatie", exact=True).select_option(label=name)
    section.get_by_label("Rol", exact=True).select_option(label="Deelnemer")
    core_box = section.get_by_label("Kernpartner", exact=False)
    core_box.check() if core else core_box.uncheck()
    address_box = section.get_by_label("Ziet het volledige adres")
    address_box.check() if address else address_box.uncheck()
    section.get_by_role("button", name="Organisatie toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("De organisatie neemt nu deel aan de casus.")


def test_a_case_from_opening_to_the_access_log(app, new_context, live_server, personas):
    with app.app_context():
        ensure_default_legal_bases()
        db.session.commit()
    manager = new_context().new_page()
    sign_in(app, manager.context, live_server.url, personas.org_admin_a)
    case_url = _open_case(manager)

    # Participants: the police as a core partner with the address, the corporation not core.
    manager.get_by_role("link", name="Deelnemers", exact=True).click()
    _add_organisation(manager, "Politie Eenheid Rotterdam", core=True, address=True)
    _add_organisation(manager, "Woonstad Rotterdam", core=False, address=False)
    participants = manager.locator("table.utrecht-table").first
    expect(participants).to_contain_text("Politie Eenheid Rotterdam")
    expect(participants).to_contain_text("Woonstad Rotterdam")

    # A measure and an aftercare task for the corporation.
    manager.goto(case_url)
    manager.get_by_role("link", name="Maatregel toevoegen").click()
    manager.get_by_label("Soort maatregel").select_option(
        label="Sluiting pand (art. 174a Gemeentewet)"
    )
    manager.get_by_label("Omschrijving").fill("Woning drie maanden gesloten")
    manager.get_by_label("Startdatum").fill("2025-03-20")
    manager.get_by_label("Verantwoordelijke organisatie").select_option(label="Gemeente Rotterdam")
    manager.get_by_role("button", name="Maatregel toevoegen").click()
    expect(manager.get_by_role("status")).to_contain_text("De maatregel is toegevoegd.")
    manager.get_by_role("link", name="Nazorgtaak toevoegen").click()
    manager.get_by_label("Soort nazorg").select_option(label="Contact met huurders")
    manager.get_by_label("Omschrijving").fill("Huurders bellen over herstel")
    manager.get_by_label("Uitvoerende organisatie").select_option(
        label="Woonstad Rotterdam (beperkt)"
    )
    manager.get_by_role("button", name="Nazorgtaak toevoegen").click()
    expect(manager.get_by_role("status")).to_contain_text("De nazorgtaak is toegevoegd.")
    expect(manager.locator("#maatregelen")).to_contain_text("Woning drie maanden gesloten")

    # A document in the case file.
    manager.get_by_role("link", name="Documenten", exact=True).click()
    manager.get_by_role("link", name="Bestanden uploaden").click()
    manager.locator("input[type=file]").set_input_files(
        files=[{"name": "proces-verbaal.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    manager.get_by_role("button", name="Uploaden").click()
    table = manager.locator("table.utrecht-table")
    expect(table.get_by_role("link", name="proces-verbaal.pdf")).to_be_visible()

    # The police read the case, the address and the document.
    police = new_context().new_page()
    sign_in(app, police.context, live_server.url, personas.police)
    police.goto(case_url)
    expect(police.get_by_text("Woning drie maanden gesloten")).to_be_visible()
    police.get_by_role("link", name="Volledig adres tonen").click()
    expect(police.get_by_text("Coolsingel 40, 3011 AD Rotterdam")).to_be_visible()
    police.goto(case_url)
    police.get_by_role("link", name="Documenten", exact=True).click()
    police.get_by_role("link", name="proces-verbaal.pdf").click()
    expect(police.get_by_role("heading", level=1)).to_have_text("proces-verbaal.pdf")

    # The corporation sees its task, not the measure nor the document.
    housing = new_context().new_page()
    sign_in(app, housing.context, live_server.url, personas.housing)
    housing.goto(case_url)
    expect(housing.get_by_text("Huurders bellen over herstel")).to_be_visible()
    expect(housing.get_by_text("Woning drie maanden gesloten")).to_have_count(0)
    expect(housing.get_by_role("link", name="Volledig adres tonen")).to_have_count(0)

    # The case manager reads who saw what.
    manager.goto(case_url)
    manager.get_by_role("link", name="Toegangslog", exact=True).click()
    log = manager.locator("table.utrecht-table")
    police_rows = log.locator("tr", has_text="Police")
    expect(police_rows.filter(has_text="het volledige adres geopend")).to_have_count(1)
    expect(police_rows.filter(has_text="proces-verbaal.pdf")).to_have_count(1)
    expect(log.locator("tr", has_text="Housing").filter(has_text="de casus geopend")).to_have_count(
        1
    )
