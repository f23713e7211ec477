"""The dashboard's numbers against figures computed by hand on a fixed data set.

Plan 2025 (1 January – 31 December), baseline 2024: 1,100 attacks, target 10% fewer. "Today" is
15 July 2025. The items (due date; status; done on):

    line          code  due         status        done on
    Preventie     A1    31-03-2025  afgerond      20-03-2025
    Preventie     A2    30-06-2025  afgerond      02-07-2025
    Preventie     A3    30-09-2025  op schema
    Repressie     B1    01-07-2025  risico                     overdue
    Repressie     B2    20-07-2025  vertraagd                  due in 5 days
    Repressie     B3    —           niet gestart
    Weerbaarheid  C1    31-05-2025  vervallen                  (not overdue: cancelled)
    Weerbaarheid  C2    29-07-2025  op schema                  due in 14 days (counts)
    Weerbaarheid  C3    30-07-2025  op schema                  due in 15 days (does not)
    Nazorg        D1    31-12-2025  afgerond      10-05-2025
    Nazorg        E1    01-02-2025  op schema     archived: counts nowhere
    Nazorg        N1    31-01-2025  risico        narrowed to the police and the secretariat

By hand, for the secretariat (who sees N1) and for member_a (who does not):

    total 11 / 10; done 3; on track 3; at risk 2 / 1; delayed 1; not started 1; cancelled 1
    overdue (open, due before 15-07): B1, N1 = 2 / 1;   due within 14 days: B2, C2 = 2
    done as a share of the items not cancelled: 3/10 = 30% / 3/9 = 33%
    planned (not cancelled, due by the end of the month), cumulative, Jan..Dec:
        N1 1, 1, A1 2, 2, 2, A2 3, B1 B2 C2 C3 7, 7, A3 8, 8, 8, D1 9   (member_a: one less)
    done by the end of the month, Jan..Jul (later months are still to come):
        0, 0, A1 1, 1, D1 2, 2, A2 3
    attacks entered Jan..Jun: 100, 90, 80, 85, 75, 70 = 500 in 6 months
        baseline 1100/12 = 91.67 a month, 550 over 6 months; target 990/12 = 82.5, 495
        change: (500 - 550) / 550 = -9.09%; on target: 500 <= 495? no
"""

import re
from datetime import date

import pytest

from neig_workspace.actions import charts, service
from neig_workspace.actions.models import ActionPlan, ItemStatus
from neig_workspace.extensions import db
from tests.actions.helpers import make_item, make_plan, plan_space, user

TODAY = date(2025, 7, 15)

ITEMS = [
    # code, line, due, status, done on
    ("A1", "Preventie", "2025-03-31", ItemStatus.DONE, "2025-03-20"),
    ("A2", "Preventie", "2025-06-30", ItemStatus.DONE, "2025-07-02"),
    ("A3", "Preventie", "2025-09-30", ItemStatus.ON_TRACK, None),
    ("B1", "Repressie", "2025-07-01", ItemStatus.AT_RISK, None),
    ("B2", "Repressie", "2025-07-20", ItemStatus.DELAYED, None),
    ("B3", "Repressie", None, ItemStatus.NOT_STARTED, None),
    ("C1", "Weerbaarheid", "2025-05-31", ItemStatus.CANCELLED, None),
    ("C2", "Weerbaarheid", "2025-07-29", ItemStatus.ON_TRACK, None),
    ("C3", "Weerbaarheid", "2025-07-30", ItemStatus.ON_TRACK, None),
    ("D1", "Nazorg", "2025-12-31", ItemStatus.DONE, "2025-05-10"),
    ("E1", "Nazorg", "2025-02-01", ItemStatus.ON_TRACK, None),
    ("N1", "Nazorg", "2025-01-31", ItemStatus.AT_RISK, None),
]
ATTACKS = {1: 100, 2: 90, 3: 80, 4: 85, 5: 75, 6: 70}


@pytest.fixture
def fixed_plan(app, personas):
    with app.app_context():
        secretariat = user(personas.secretariat)
        plan = make_plan(plan_space(personas), actor=secretariat)
        for code, line, due, status, done_on in ITEMS:
            kw = (
                {"narrowing": ["politie", "secretariaat"], "lead": "politie"}
                if code == "N1"
                else {}
            )
            item = make_item(
                plan,
                personas,
                code,
                line=line,
                due_date=date.fromisoformat(due) if due else None,
                status=ItemStatus.NOT_STARTED if done_on else status,
                **kw,
            )
            if done_on:
                service.report_progress(
                    item,
                    note="Klaar.",
                    reported_on=date.fromisoformat(done_on),
                    status=ItemStatus.DONE,
                    actor=secretariat,
                )
            if code == "E1":
                service.set_item_archived(item, True, actor=secretariat)
        service.set_attack_figures(plan, 2025, ATTACKS, actor=secretariat)
        db.session.commit()
        return plan.id


def _dashboard(plan_id, persona):
    plan = db.session.get(ActionPlan, plan_id)
    return charts.dashboard(plan, user(persona), TODAY)


def test_key_figures(app, personas, fixed_plan):
    with app.app_context():
        s = _dashboard(fixed_plan, personas.secretariat).summary
        assert s.total == 11
        assert s.by_status == {
            ItemStatus.NOT_STARTED: 1,
            ItemStatus.ON_TRACK: 3,
            ItemStatus.AT_RISK: 2,
            ItemStatus.DELAYED: 1,
            ItemStatus.DONE: 3,
            ItemStatus.CANCELLED: 1,
        }
        assert (s.overdue, s.due_soon, s.attention, s.done_percent) == (2, 2, 3, 30)

        m = _dashboard(fixed_plan, personas.member_a).summary
        assert (m.total, m.by_status[ItemStatus.AT_RISK], m.overdue, m.attention) == (10, 1, 1, 2)
        assert m.done_percent == 33


def test_items_per_status_per_line(app, personas, fixed_plan):
    with app.app_context():
        status = _dashboard(fixed_plan, personas.secretariat).status
        table = {row.name: {s.value: n for s, n in row.counts.items() if n} for row in status.rows}
        assert table == {
            "Preventie": {"afgerond": 2, "op_schema": 1},
            "Repressie": {"risico": 1, "vertraagd": 1, "niet_gestart": 1},
            "Weerbaarheid": {"vervallen": 1, "op_schema": 2},
            "Nazorg": {"afgerond": 1, "risico": 1},
        }
        assert [row.total for row in status.rows] == [3, 3, 3, 2]
        assert status.total == 11
        mine = _dashboard(fixed_plan, personas.member_a).status
        assert [row.total for row in mine.rows] == [3, 3, 3, 1]


def test_progress_over_time(app, personas, fixed_plan):
    with app.app_context():
        points = _dashboard(fixed_plan, personas.secretariat).progress
        assert [p.month.month for p in points] == list(range(1, 13))
        assert [p.planned for p in points] == [1, 1, 2, 2, 2, 3, 7, 7, 8, 8, 8, 9]
        assert [p.done for p in points] == [0, 0, 1, 1, 2, 2, 3] + [None] * 5
        mine = _dashboard(fixed_plan, personas.member_a).progress
        assert [p.planned for p in mine] == [0, 0, 1, 1, 1, 2, 6, 6, 7, 7, 7, 8]


def test_attacks_against_the_baseline_and_the_target(app, personas, fixed_plan):
    with app.app_context():
        a = _dashboard(fixed_plan, personas.member_a).attacks
        assert [m.attacks for m in a.months] == [100, 90, 80, 85, 75, 70] + [None] * 6
        assert (a.reported, a.total) == (6, 500)
        assert a.baseline_monthly == pytest.approx(91.6667, abs=1e-4)
        assert a.target_count == 990
        assert a.target_monthly == 82.5
        assert a.baseline_to_date == pytest.approx(550)
        assert a.target_to_date == pytest.approx(495)
        assert a.change_percent == pytest.approx(-9.0909, abs=1e-4)
        assert a.on_target is False
        assert a.source == "secretariat"


def test_the_charts_are_laid_out_from_the_same_figures(app, personas, fixed_plan):
    with app.app_context():
        data = _dashboard(fixed_plan, personas.secretariat)
        bars = data.charts["attacks"]["bars"]
        assert [b["attacks"] for b in bars] == [100, 90, 80, 85, 75, 70]
        # Over the monthly target (82.5): January, February and April.
        assert [b["over_target"] for b in bars] == [True, True, False, True, False, False]
        # The bars' heights are proportional to the counts (same axis for all).
        assert bars[0]["height"] / bars[5]["height"] == pytest.approx(100 / 70, rel=0.01)
        rows = data.charts["status"]["rows"]
        assert [sum(s["count"] for s in row["segments"]) for row in rows] == [3, 3, 3, 2]
        widths = [sum(s["width"] for s in row["segments"]) for row in rows]
        assert widths[0] == pytest.approx(widths[1], abs=0.2)
        assert widths[3] == pytest.approx(widths[0] * 2 / 3, abs=0.2)
        assert len(data.charts["progress"]["done_points"]) == 7


def test_the_dashboard_page_shows_the_figures_and_their_tables(
    app, personas, fixed_plan, client_for
):
    html = (
        client_for("member_a").get(f"/actieplannen/{fixed_plan}/dashboard").get_data(as_text=True)
    )
    assert '<dd id="kpi-total">10</dd>' in html
    assert '<dd id="kpi-attention">2</dd>' in html
    assert "-9,1%" in html
    assert "Bron: ingevoerd door het secretariaat." in html
    # Every chart is an image with a text alternative, followed by its table.
    assert html.count('role="img"') == 3
    assert html.count('class="utrecht-table chart-table"') == 3
    status_table = html[html.index('id="status-table"') :]
    status_table = status_table[: status_table.index("</table>")]
    nazorg = status_table[status_table.index(">Nazorg<") :].split("</tr>")[0]
    assert [int(n) for n in re.findall(r"numeric\">(\d+)<", nazorg)] == [
        0,
        0,
        0,
        0,
        1,
        0,
        1,
    ]
    attacks_table = html[html.index('id="attacks-table"') :]
    assert "januari 2025" in attacks_table and ">100<" in attacks_table
    assert "91,7" in attacks_table and "82,5" in attacks_table
