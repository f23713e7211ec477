"""The list, the dashboard, the report and the exports run as many queries with 2,000 items as
with 20 (DESIGN.md § Scale): rows load what they show in a fixed number of queries, and the
figures are counted in SQL."""

import pytest

from neig_workspace.actions.models import ActionItem, ActionPlan
from neig_workspace.extensions import db
from tests.actions.helpers import bulk_items, user
from tests.conftest import count_queries
from tests.helpers import login_as

PAGES = [
    "/actieplannen",
    "/actieplannen/{plan}",
    "/actieplannen/{plan}?status=niet_gestart&status=risico&mijn=y&sorteer=einddatum&volgorde=af",
    "/actieplannen/{plan}?aandacht=y",
    "/actieplannen/{plan}/dashboard",
    "/actieplannen/{plan}/rapportage",
    "/actieplannen/{plan}/export.csv",
    "/actieplannen/{plan}/export.xlsx",
]


def _counts(app, client, world) -> dict[str, int]:
    counts = {}
    for template in PAGES:
        url = template.format(plan=world.plan)
        assert client.get(url).status_code == 200, url  # warm up
        with count_queries(app) as statements:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()  # a streamed page may still query while it is sent
        counts[url] = len(statements)
    return counts


@pytest.mark.parametrize("persona", ["member_a", "secretariat"])
def test_pages_run_as_many_queries_for_2000_items_as_for_20(app, personas, world, persona):
    from neig_workspace.actions import service

    with app.app_context():
        service.set_attack_figures(
            db.session.get(ActionPlan, world.plan),
            2025,
            {m: 80 + m for m in range(1, 13)},
            actor=user(personas.secretariat),
        )
        db.session.commit()
        bulk_items(world.plan, personas, 0, 17)  # with P-01, P-02 and N-01: 20 items
    client = login_as(app, app.test_client(), personas[persona])
    small = _counts(app, client, world)
    with app.app_context():
        bulk_items(world.plan, personas, 17, 1997)
        assert db.session.query(ActionItem).count() == 2000
    large = _counts(app, client, world)

    assert large == small
    assert max(small.values()) < 40, small
