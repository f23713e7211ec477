"""The knowledge base in the browser: a member of A writes an article (a refused form keeps what
was typed), the police finds it by theme, marks it useful and comments; axe checks the list,
an article and the form."""

import pytest
from playwright.sync_api import expect

from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Theme
from tests.e2e import test_accessibility as accessibility
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import _report, _violations
from tests.knowledge.helpers import make_space, write_article

#: The same fixture as the accessibility suite's: a context past the CSP, so axe can be injected.
axe_context = accessibility.axe_context


@pytest.fixture
def knowledge(app, personas):
    with app.app_context():
        space = make_space(personas)
        article = write_article(
            space, personas, title="Factsheet artikel 13b Opiumwet", themes=[Theme.LAW]
        )
        db.session.commit()
        return article.id


def _write(page):
    page.goto("/kennisbank/")
    page.get_by_role("link", name="Nieuw artikel").click()
    page.get_by_label("Titel", exact=True).fill("Nazorg voor buurtbewoners")
    page.get_by_label("Samenvatting").fill("Een koffieochtend binnen drie dagen.")
    page.get_by_label("Tekst", exact=True).fill("Ga **binnen een dag** langs.")
    page.get_by_label("Soort").select_option(label="Best practice")
    page.get_by_role("button", name="Artikel plaatsen").click()
    # No theme chosen: refused next to the field, with what was typed kept.
    expect(page.get_by_role("alert")).to_contain_text("Kies minstens één thema.")
    expect(page.get_by_label("Titel", exact=True)).to_have_value("Nazorg voor buurtbewoners")
    page.get_by_label("Nazorg").check()
    page.get_by_label("Woningcorporatie").check()
    page.get_by_role("button", name="Artikel plaatsen").click()
    expect(page.get_by_role("status")).to_contain_text("Het artikel is geplaatst.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nazorg voor buurtbewoners")


def test_write_find_mark_useful_and_comment(app, live_server, new_context, personas, knowledge):
    writer = new_context()
    sign_in(app, writer, live_server.url, personas["member_a"])
    _write(writer.new_page())

    reader_context = new_context()
    sign_in(app, reader_context, live_server.url, personas["police"])
    page = reader_context.new_page()
    page.goto("/kennisbank/")
    page.get_by_role("navigation", name="Bladeren").get_by_role("link", name="Nazorg").click()
    expect(page.get_by_role("link", name="Nazorg voor buurtbewoners")).to_be_visible()
    expect(page.get_by_role("link", name="Factsheet artikel 13b Opiumwet")).to_have_count(0)
    page.get_by_role("link", name="Nazorg voor buurtbewoners").click()
    page.get_by_role("button", name="Nuttig", exact=True).click()
    expect(page.get_by_text("1 lezer vond dit nuttig.")).to_be_visible()
    page.get_by_role("textbox", name="Reactie").fill("Dit gaan wij ook doen.")
    page.get_by_role("button", name="Reactie plaatsen").click()
    expect(page.get_by_text("Dit gaan wij ook doen.")).to_be_visible()


@pytest.mark.parametrize("path", ["/kennisbank/", "/kennisbank/{id}", "/kennisbank/nieuw"])
def test_knowledge_pages_have_no_wcag_violations(
    app, live_server, axe_context, personas, knowledge, path
):
    sign_in(app, axe_context, live_server.url, personas["member_a"])
    page = axe_context.new_page()
    page.goto(path.format(id=knowledge))
    violations = _violations(page)
    assert not violations, f"axe found problems on {page.url}:\n{_report(violations)}"


def test_the_refused_form_has_no_wcag_violations(
    app, live_server, axe_context, personas, knowledge
):
    sign_in(app, axe_context, live_server.url, personas["member_a"])
    page = axe_context.new_page()
    page.goto("/kennisbank/nieuw")
    page.get_by_role("button", name="Artikel plaatsen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    violations = _violations(page)
    assert not violations, f"axe found problems on the refused form:\n{_report(violations)}"
