"""Every page of the route matrix on a phone: at 390 CSS pixels nothing scrolls sideways, and
axe-core finds no serious or critical WCAG 2.1 A/AA problem.

The pages are the GET rows of tests/security/route_table.py that answer 200 to some persona, on
the objects the matrix plants (build_context), each visited as the first persona in
VIEWER_ORDER who may see it, and as a visitor too where a visitor may. Pages that are not HTML (downloads, exports, feeds, health) are
left out by their content type. One browser, one page per persona (one login each); axe-core is
put in every page before its own scripts run. The overview is also visited by every persona with
the phone menu opened, so the menu itself is checked.
"""

import pytest
from playwright.sync_api import Error as BrowserError
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import AXE, AXE_TAGS, _report
from tests.security.route_table import PERSONA_OF, ROUTES, build_context

pytestmark = pytest.mark.one_database("what a page looks like does not depend on the database")

WIDTH, HEIGHT = 390, 844
#: Who looks at a page: the least powerful persona who may see it first.
VIEWER_ORDER = ("member", "org_admin", "secretariat", "platform_admin", "anonymous")
SERIOUS = {"serious", "critical"}
#: As RUN_AXE of test_accessibility.py, but axe details the violations only (faster).
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" "))
  }));
}"""


def _pages():
    """(endpoint, column, row) for every GET row that shows someone a page; a page a visitor
    sees too is also visited as a visitor (without the menu it looks different)."""
    for (endpoint, method), row in ROUTES.items():
        if method != "GET":
            continue
        column = next((c for c in VIEWER_ORDER if row.expect[c] == 200), None)
        if column is not None:
            yield endpoint, column, row
        if column not in (None, "anonymous") and row.expect["anonymous"] == 200:
            yield endpoint, "anonymous", row


def _fits_and_passes(page, label: str, problems: list[str]) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
        )
        problems.append(f"{label}: scrolls sideways ({width[0]} > {width[1]} px): {wide}")
    violations = [v for v in page.evaluate(RUN_AXE, AXE_TAGS) if v["impact"] in SERIOUS]
    if violations:
        problems.append(f"{label}:\n{_report(violations)}")


def test_every_page_fits_a_phone_and_passes_axe(app, live_server, browser, personas):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
    ctx = build_context(app, personas)
    pages = {}

    def page_of(column):
        if column not in pages:
            context = browser.new_context(
                base_url=live_server.url,
                locale="nl-NL",
                viewport={"width": WIDTH, "height": HEIGHT},
            )
            context.set_default_timeout(10_000)
            context.add_init_script(path=str(AXE))
            if column != "anonymous":
                sign_in(app, context, live_server.url, personas[PERSONA_OF[column]])
            pages[column] = context.new_page()
        return pages[column]

    problems, visited = [], 0
    try:
        for endpoint, column, row in _pages():
            page = page_of(column)
            url = row.path(ctx)
            try:
                answer = page.goto(url, wait_until="domcontentloaded")
            except BrowserError as error:  # a download (an attachment) is no page
                assert "Download is starting" in str(error), f"{endpoint}: {error}"
                continue
            assert answer.status == 200, f"{endpoint} as {column}: {answer.status} on {page.url}"
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            visited += 1
            _fits_and_passes(page, f"{endpoint} as {column} ({url})", problems)
        for column in VIEWER_ORDER[:-1]:
            page = page_of(column)
            page.goto("/")
            menu = page.get_by_role("button", name="Menu")
            menu.click()
            expect(menu).to_have_attribute("aria-expanded", "true")
            expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
            _fits_and_passes(page, f"the open phone menu of {column}", problems)
    finally:
        for page in pages.values():
            page.context.close()

    assert visited >= 90, f"only {visited} pages were visited"
    assert not problems, "\n".join(problems)
