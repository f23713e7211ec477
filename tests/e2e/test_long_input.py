"""Long input in the browser: the field's maxlength cuts a long paste, and the counter under
the field (shown from 80% of the maximum on) says so instead of cutting silently."""

from playwright.sync_api import expect

from tests.documents.doc_helpers import org_space
from tests.e2e.conftest import sign_in


def test_a_paste_longer_than_the_title_allows_is_cut_and_said_to_be(
    app, new_context, live_server, personas
):
    space_id = org_space(app, personas)
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(app, context, live_server.url, personas.member_a)
    page.goto(f"/werkruimtes/{space_id}/concepten/nieuw")
    counter = page.locator("#title-count")
    title = page.get_by_label("Titel")
    title.type("Handreiking")
    expect(counter).to_be_hidden()  # far from the maximum: no counter
    title.fill("x" * 239)
    title.type("x")
    expect(counter).to_be_visible()  # from 80% on
    expect(counter).to_have_text("240 van 300 tekens")
    expect(counter).not_to_have_attribute("role", "alert")

    title.fill("")
    page.evaluate("text => navigator.clipboard.writeText(text)", "x" * 10_000)
    title.focus()
    page.keyboard.press("Control+V")
    expect(title).to_have_value("x" * 300)
    expect(counter).to_contain_text("300 van 300 tekens")
    expect(counter).to_contain_text("De geplakte tekst was langer dan 300 tekens en is ingekort.")
    expect(counter).to_have_attribute("role", "alert")

    # Typing on clears the warning; the count stays.
    title.press("Backspace")
    expect(counter).to_have_text("299 van 300 tekens")
