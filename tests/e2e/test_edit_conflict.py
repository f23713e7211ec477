"""The conflict page in a browser: two secretariat users change the status of one action item
from forms opened at the same time. The second gets the conflict page, which takes the focus,
shows both values, keeps the input, passes axe and saves on top when sent again.

The saves themselves (merging too) run on both databases in tests/actions/test_lost_update.py;
what the browser adds is the page (focus, axe), so this runs on SQLite only."""

import pytest
from playwright.sync_api import expect

from neig_workspace.actions.models import ItemStatus
from neig_workspace.extensions import db
from tests.actions.helpers import make_item, make_plan, plan_space, user
from tests.actions.test_lost_update import _second_secretariat_user
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import AXE, _report, _violations

pytestmark = pytest.mark.one_database("the page in the browser; the saves run on both in tests/")


def _item_and_second_user(app, personas):
    with app.app_context():
        plan = make_plan(plan_space(personas), actor=user(personas.secretariat))
        item = make_item(plan, personas, "P-01", status=ItemStatus.ON_TRACK)
        second = _second_secretariat_user(personas)
        db.session.commit()
        return f"/actiepunten/{item.id}/bewerken", second


def test_the_conflict_page_takes_the_focus_keeps_the_input_and_passes_axe(
    app, live_server, new_context, personas
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
    url, second = _item_and_second_user(app, personas)
    pages = []
    for who in (personas.secretariat, second):
        context = new_context(bypass_csp=True)  # so that axe-core can be injected
        sign_in(app, context, live_server.url, who)
        pages.append(context.new_page())
    a, b = pages

    a.goto(url), b.goto(url)
    a.get_by_label("Status").select_option(label="vertraagd")
    a.get_by_role("button", name="Opslaan").click()
    b.get_by_label("Status").select_option(label="afgerond")
    b.get_by_role("button", name="Opslaan").press("Enter")

    summary = b.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Iemand anders heeft dit intussen gewijzigd")
    row = summary.get_by_role("row", name="Status")
    expect(row).to_contain_text("vertraagd")
    expect(row).to_contain_text("afgerond")
    expect(b.get_by_label("Status")).to_have_value("afgerond")
    violations = _violations(b)
    assert not violations, f"axe on the conflict page:\n{_report(violations)}"

    b.get_by_role("button", name="Opslaan").click()
    expect(b.get_by_role("status")).to_contain_text("De gegevens zijn opgeslagen.")
    expect(b.locator("main")).to_contain_text("afgerond")
