"""The source of the attacks per month is pluggable: the cases of issue #5 can register theirs,
a plan chooses it, and the dashboard and the report name it."""

import pytest
from flask_babel import lazy_gettext as _l

from neig_workspace.actions import kpi
from neig_workspace.actions.models import ActionPlan
from neig_workspace.extensions import db
from tests.helpers import post_form


@pytest.fixture
def cases_source():
    seen = []

    def counts(plan, start, end, user):
        seen.append((plan.id, start, end, user.id))
        return {(2025, 1): 95, (2025, 2): 77, (2024, 12): 999}

    # The real source of the cases (issue #5) is put back afterwards.
    previous = kpi.ATTACK_SOURCES.get("cases")
    kpi.register_attack_source("cases", _l("uit de casusregistratie"), counts)
    yield seen
    kpi.ATTACK_SOURCES.pop("cases")
    if previous is not None:
        kpi.ATTACK_SOURCES["cases"] = previous


def test_a_registered_source_is_offered_chosen_and_named(
    app, personas, world, client_for, cases_source
):
    client = client_for("secretariat")
    settings = client.get(f"/actieplannen/{world.plan}/instellingen").get_data(as_text=True)
    assert 'value="cases"' in settings
    response = post_form(
        client,
        f"/actieplannen/{world.plan}/instellingen",
        {
            "name": "Actieplan",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "baseline_year": "2024",
            "baseline_count": "1100",
            "target_reduction_percent": "10",
            "attack_source": "cases",
        },
    )
    assert response.status_code == 302
    for page in ("dashboard", "rapportage"):
        html = (
            client_for("member_a").get(f"/actieplannen/{world.plan}/{page}").get_data(as_text=True)
        )
        assert "Bron: uit de casusregistratie." in html
        assert '<dd id="kpi-attacks">172' in html  # only the plan's months count
    plan_id, start, end, user_id = cases_source[-1]
    assert (plan_id, start.isoformat(), end.isoformat(), user_id) == (
        world.plan,
        "2025-01-01",
        "2025-12-31",
        personas.member_a.id,
    )


def test_a_source_that_is_gone_is_said_so(app, world, client_for):
    with app.app_context():
        db.session.get(ActionPlan, world.plan).attack_source = "gone"
        db.session.commit()
    html = (
        client_for("member_a").get(f"/actieplannen/{world.plan}/dashboard").get_data(as_text=True)
    )
    assert "Bron: bron niet beschikbaar." in html
