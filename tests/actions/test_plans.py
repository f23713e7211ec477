"""Plans: starting one in a space, its settings and lines, and the attacks per month the
secretariat enters."""

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from neig_workspace.actions import service as actions_service
from neig_workspace.actions.models import ActionLine, ActionPlan, AttackFigure
from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx
from tests.helpers import post_form

PLAN = {
    "name": "Actieplan 2026",
    "description": "Vervolg.",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "baseline_year": "2024",
    "baseline_count": "1100",
    "target_reduction_percent": "10",
    "attack_source": "secretariat",
}


def test_the_secretariat_starts_a_plan_with_the_standard_lines(app, personas, world, client_for):
    response = post_form(
        client_for("secretariat"), f"/werkruimtes/{world.space}/actieplannen/nieuw", PLAN
    )
    assert response.status_code == 302
    plan_id = int(re.search(r"/actieplannen/(\d+)$", response.location).group(1))
    with db_ctx(app) as session:
        plan = session.get(ActionPlan, plan_id)
        assert plan.space_id == world.space
        assert [line.name for line in plan.lines] == [
            "Preventie",
            "Repressie",
            "Weerbaarheid",
            "Nazorg",
        ]
        event = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "action_plan.created", AuditEvent.target_id == str(plan_id)
            )
        )
        assert event.space_id == world.space


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"period_end": "2025-12-31"},
            "period_end",
            "Het einde van de looptijd ligt vóór het begin.",
        ),
        ({"baseline_count": "0"}, "baseline_count", "Vul het aantal aanslagen in het basisjaar in"),
        ({"baseline_count": "veel"}, "baseline_count", "Vul een heel getal in."),
        (
            {"target_reduction_percent": "120"},
            "target_reduction_percent",
            "Kies een percentage tussen 1 en 100.",
        ),
        ({"attack_source": "gone"}, "attack_source", "Kies een bron uit de lijst."),
        ({"period_start": ""}, "period_start", "Vul het begin van de looptijd in."),
    ],
)
def test_bad_plan_settings_are_named_and_nothing_is_saved(
    app, world, client_for, overrides, field, message
):
    response = post_form(
        client_for("secretariat"),
        f"/werkruimtes/{world.space}/actieplannen/nieuw",
        {**PLAN, **overrides},
    )
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert error and message in error.group(1)
    with db_ctx(app) as session:
        assert len(session.scalars(select(ActionPlan)).all()) == 1


def test_settings_are_changed_and_audited(app, world, client_for):
    client = client_for("org_admin_a")  # an editor of the space runs the plan too
    url = f"/actieplannen/{world.plan}/instellingen"
    assert (
        post_form(
            client,
            url,
            {
                **PLAN,
                "name": "Actieplan OTE 2025 (herzien)",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
            },
        ).status_code
        == 302
    )
    with db_ctx(app) as session:
        assert session.get(ActionPlan, world.plan).name == "Actieplan OTE 2025 (herzien)"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "action_plan.updated"))
        assert event.details["after"]["name"] == "Actieplan OTE 2025 (herzien)"


def test_lines_are_added_once(app, world, client_for):
    client = client_for("secretariat")
    url = f"/actieplannen/{world.plan}/actielijnen"
    settings = f"/actieplannen/{world.plan}/instellingen"
    assert post_form(client, url, {"name": "Handhaving"}, token_from=settings).status_code == 302
    again = post_form(client, url, {"name": "handhaving "}, token_from=settings)
    assert again.status_code == 422
    assert "Deze actielijn bestaat al in dit actieplan." in again.get_data(as_text=True)
    with db_ctx(app) as session:
        names = [
            line.name
            for line in session.scalars(
                select(ActionLine)
                .where(ActionLine.plan_id == world.plan)
                .order_by(ActionLine.position)
            )
        ]
        assert names[-1] == "Handhaving" and names.count("Handhaving") == 1


def test_the_secretariat_enters_attacks_per_month(app, world, client_for):
    client = client_for("secretariat")
    url = f"/actieplannen/{world.plan}/aanslagen?jaar=2025"
    page = client.get(url).get_data(as_text=True)
    assert "januari" in page and "december" in page
    assert (
        post_form(
            client, url, {"year": "2025", "month_1": "112", "month_2": "88", "month_3": ""}
        ).status_code
        == 302
    )
    with db_ctx(app) as session:
        figures = {f.month: f.attacks for f in session.scalars(select(AttackFigure))}
        assert figures == {1: 112, 2: 88}
    # Change one, clear another.
    assert (
        post_form(client, url, {"year": "2025", "month_1": "110", "month_2": ""}).status_code == 302
    )
    with db_ctx(app) as session:
        assert {f.month: f.attacks for f in session.scalars(select(AttackFigure))} == {1: 110}
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "action_plan.figures_changed")
            .order_by(AuditEvent.id)
        ).all()
        assert events[-1].details == {
            "year": 2025,
            "before": {"1": 112, "2": 88},
            "after": {"1": 110},
        }
        assert events[-1].space_id == world.space
    dashboard = (
        client_for("member_a").get(f"/actieplannen/{world.plan}/dashboard").get_data(as_text=True)
    )
    assert '<dd id="kpi-attacks">110' in dashboard


def test_a_figure_that_cannot_be_right_is_asked_about_before_it_is_saved(
    app, world, client_for, monkeypatch
):
    monkeypatch.setattr(actions_service, "today", lambda: date(2025, 6, 15))
    with db_ctx(app) as session:
        plan = session.get(ActionPlan, world.plan)
        baseline = (plan.baseline_year, plan.baseline_count)
    client = client_for("secretariat")
    url = f"/actieplannen/{world.plan}/aanslagen?jaar=2025"
    figures = {"year": "2025", "month_3": "99999", "month_6": "40", "month_7": "12"}
    response = post_form(client, url, figures)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Kloppen deze cijfers?" in page
    big = f"maart 2025: 99.999 is meer dan in heel {baseline[0]} ({baseline[1]:,})".replace(
        ",", "."
    )
    assert big in page
    assert "juli 2025 is nog niet begonnen, maar heeft al een cijfer: 12." in page
    assert "juni 2025" not in page  # the month under way is fine
    assert 'value="99999"' in page  # kept, to correct or confirm
    with db_ctx(app) as session:
        assert session.scalar(select(AttackFigure)) is None
    # Corrected: saved without a question.
    corrected = {"year": "2025", "month_3": "99", "month_6": "40"}
    assert post_form(client, url, corrected).status_code == 302
    # Confirmed: saved, and an unchanged figure is not asked about again.
    assert post_form(client, url, {**figures, "confirm": "y"}).status_code == 302
    assert post_form(client, url, {**figures, "month_6": "41"}).status_code == 302
    with db_ctx(app) as session:
        saved = {f.month: f.attacks for f in session.scalars(select(AttackFigure))}
    assert saved == {3: 99999, 6: 41, 7: 12}


def test_bad_figures_are_refused(app, world, client_for):
    client = client_for("secretariat")
    url = f"/actieplannen/{world.plan}/aanslagen?jaar=2025"
    for value, message in (
        ("-4", "Een aantal kan niet negatief zijn."),
        ("veel", "Vul een heel getal in."),
    ):
        response = post_form(client, url, {"year": "2025", "month_5": value})
        assert response.status_code == 422
        error = re.search(r'id="month_5-error">(.*?)</div>', response.get_data(as_text=True), re.S)
        assert error and message in error.group(1)
    with db_ctx(app) as session:
        assert session.scalar(select(AttackFigure)) is None
    assert client.get(f"/actieplannen/{world.plan}/aanslagen?jaar=2031").status_code == 404
    assert client_for("member_a").get(url).status_code == 403
