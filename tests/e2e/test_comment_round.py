"""A comment round in the browser: the secretariat opens it, three invited partners comment
(one on a paragraph, mentioning a colleague through the suggestions), the secretariat answers
and decides, and exports the comment table."""

import io
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from neig_workspace.timeutil import utcnow
from tests.comments.comment_helpers import working_group
from tests.e2e.conftest import sign_in


def _comment(new_context, app, live_server, persona, document_id, text, paragraph=None):
    page = new_context().new_page()
    sign_in(app, page.context, live_server.url, persona)
    page.goto(f"/documenten/{document_id}")
    if paragraph:
        page.get_by_label("Over alinea").select_option(label=f"Alinea {paragraph}")
    page.get_by_label("Reactie", exact=True).fill(text)
    page.get_by_role("button", name="Reactie plaatsen").click()
    expect(page.get_by_role("status")).to_contain_text("Uw reactie is geplaatst.")
    return page


def test_a_full_comment_round_with_three_partners(app, new_context, live_server, personas):
    group = working_group(app, personas)
    secretariat = new_context().new_page()
    sign_in(app, secretariat.context, live_server.url, personas.secretariat)

    # The secretariat opens a round and invites the police, the OM and the housing corporation.
    secretariat.goto(f"/documenten/{group.document_id}")
    secretariat.get_by_role("link", name="Commentaarronde openen").click()
    deadline = (utcnow() + timedelta(days=14)).date().isoformat()
    secretariat.get_by_label("Reageren kan tot en met").fill(deadline)
    for name in ("Politie Eenheid Rotterdam", "OM Rotterdam", "Woonstad Rotterdam"):
        secretariat.get_by_label(name).check()
    secretariat.get_by_label("Bericht aan de genodigden").fill("Graag uiterlijk over twee weken.")
    secretariat.get_by_role("button", name="Ronde openen").click()
    expect(secretariat.get_by_role("heading", level=1)).to_have_text("Commentaarronde 1")
    round_url = secretariat.url

    # The police comment on paragraph 2 and mention the OM through the suggestions.
    police = new_context().new_page()
    sign_in(app, police.context, live_server.url, personas.police)
    police.goto(f"/documenten/{group.document_id}")
    expect(police.get_by_text("Commentaarronde 1 loopt")).to_be_visible()
    police.get_by_label("Over alinea").select_option(label="Alinea 2")
    body = police.get_by_label("Reactie", exact=True)
    body.click()
    body.press_sequentially("Binnen 24 uur is krap; wat vindt @Om")
    # The OM is another organisation that did not opt in to show its address: offered by name,
    # mentioned by a token the server resolves.
    option = police.get_by_role("option", name="Om", exact=True)
    expect(option).to_be_visible()
    expect(police.get_by_role("listbox")).not_to_contain_text(personas.om.email)
    body.press("ArrowDown")
    body.press("Enter")
    expect(body).to_have_value(f"Binnen 24 uur is krap; wat vindt @persoon:{personas.om.id} ")
    police.get_by_role("button", name="Reactie plaatsen").click()
    expect(police.get_by_role("status")).to_contain_text("Uw reactie is geplaatst.")
    expect(police.locator(".comment-thread").first).to_contain_text("alinea 2")
    expect(police.locator(".comment-thread .mention").first).to_have_text("@Om")

    _comment(new_context, app, live_server, personas.om, group.document_id, "Eens met de politie.")
    _comment(
        new_context, app, live_server, personas.housing, group.document_id, "Wij sturen mee.", 3
    )

    # The secretariat sees who commented, answers the police and decides.
    secretariat.goto(round_url)
    progress = secretariat.locator("table.utrecht-table")
    for name in ("Politie Eenheid Rotterdam", "OM Rotterdam", "Woonstad Rotterdam"):
        expect(progress.get_by_role("row", name=name)).to_contain_text("ja")
    thread = secretariat.locator(".comment-thread", has_text="Binnen 24 uur is krap")
    thread.get_by_role("link", name="Antwoord en besluit").click()
    secretariat.get_by_label("Besluit").select_option(label="deels overgenomen")
    secretariat.get_by_label("Antwoord", exact=True).fill("We maken er 48 uur van.")
    secretariat.get_by_role("button", name="Opslaan").click()
    expect(secretariat.get_by_role("status")).to_contain_text("Het antwoord is opgeslagen.")
    expect(secretariat.get_by_role("heading", level=1)).to_have_text("Commentaarronde 1")

    # The comment table, as a spreadsheet, ordered by paragraph with the answer in it.
    with secretariat.expect_download() as download_info:
        secretariat.get_by_role("link", name="Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes())).active
    values = [[c.value for c in row] for row in sheet.iter_rows() if any(row_value(row))]
    text = "\n".join(str(v) for row in values for v in row if v is not None)
    assert "We maken er 48 uur van." in text and "deels overgenomen" in text
    assert "Eens met de politie." in text and "Wij sturen mee." in text
    assert (
        text.index("Eens met de politie.")
        < text.index("Binnen 24 uur")
        < text.index("Wij sturen mee.")
    )


def row_value(row):
    return [c.value for c in row if c.value is not None]
