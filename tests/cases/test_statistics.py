"""Statistics for the network: counts from the anonymous records only, the small-cell rule on
the page and in the CSV, no figure derivable by subtraction, and the action plan's source."""

import csv
import html as htmllib
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from neig_workspace.actions.models import ActionPlan
from neig_workspace.cases import statistics
from neig_workspace.cases.models import CaseStatistic, ExplosiveType, TargetType
from neig_workspace.extensions import db
from neig_workspace.timeutil import utcnow
from tests.actions.helpers import make_plan, plan_space
from tests.actions.helpers import user as plan_user
from tests.cases.helpers import open_case
from tests.helpers import login_as

WONING, AUTO = TargetType.WONING, TargetType.VOERTUIG
VUURWERK, GRANAAT = ExplosiveType.ZWAAR_VUURWERK, ExplosiveType.HANDGRANAAT


def plant(app, personas, rows, *, destroyed=True):
    """(org key, month, number, target, explosive): anonymous records, as a destroyed case
    leaves them."""
    with app.app_context():
        for key, month, number, target, explosive in rows:
            for _ in range(number):
                db.session.add(
                    CaseStatistic(
                        month=month,
                        municipality_id=personas.orgs[key],
                        target_type=target,
                        explosive_type=explosive,
                        destroyed_at=utcnow() if destroyed else None,
                    )
                )
        db.session.commit()


def table(html: str, key: str) -> dict[str, str]:
    """label -> published text of one table of the page, with "Totaal"."""
    body = re.search(rf'id="tabel-{key}".*?</table>', html, re.S).group(0)
    cells = re.findall(r'scope="row">([^<]*)</th>\s*<td[^>]*>([^<]*)</td>', body)
    return {htmllib.unescape(label): htmllib.unescape(text) for label, text in cells}


def page(app, personas, persona="member_a", **query):
    client = login_as(app, app.test_client(), personas[persona])
    return client.get("/casussen/statistiek", query_string=query)


# Rotterdam: 3 in March (a small cell), 10 in April, 6 in June; Amsterdam: 12 in March, 8 in May.
ROWS = [
    ("gemeente_a", date(2025, 3, 1), 3, WONING, VUURWERK),
    ("gemeente_a", date(2025, 4, 1), 10, AUTO, GRANAAT),
    ("gemeente_a", date(2025, 6, 1), 6, WONING, VUURWERK),
    ("gemeente_b", date(2025, 3, 1), 12, WONING, VUURWERK),
    ("gemeente_b", date(2025, 5, 1), 8, AUTO, GRANAAT),
]


def test_small_cells_show_as_less_than_five_and_a_partner_as_x(app, personas):
    plant(app, personas, ROWS)
    html = page(app, personas, jaar=2025, gemeente=personas.orgs["gemeente_a"]).get_data(
        as_text=True
    )
    months = table(html, "maand")
    assert months["maart"] == "< 5"
    # With only March hidden, 19 - 10 - 6 would give it away: the smallest other month goes too.
    assert months["juni"] == "x"
    assert (months["april"], months["januari"], months["Totaal"]) == ("10", "0", "19")
    assert table(html, "doelwit") == {
        "woning": "9",
        "bedrijfspand": "0",
        "voertuig": "10",
        "overig": "0",
        "Totaal": "19",
    }


def test_the_national_page_hides_what_the_municipality_pages_would_give_away(app, personas):
    plant(app, personas, ROWS)
    html = page(app, personas, jaar=2025).get_data(as_text=True)
    months = table(html, "maand")
    # National June (6) is Rotterdam's hidden June; May, the smallest other month, hides with it;
    # Amsterdam's March hides next to Rotterdam's "< 5" (15 - 12 would give it away).
    assert (months["maart"], months["april"], months["mei"], months["juni"]) == (
        "15",
        "10",
        "x",
        "x",
    )
    assert months["Totaal"] == "39"
    assert table(html, "gemeente") == {
        "Gemeente Amsterdam": "20",
        "Gemeente Rotterdam": "19",
        "Totaal": "39",
    }
    amsterdam = page(app, personas, jaar=2025, gemeente=personas.orgs["gemeente_b"])
    months = table(amsterdam.get_data(as_text=True), "maand")
    assert (months["maart"], months["mei"], months["Totaal"]) == ("x", "x", "20")


def test_no_sum_has_exactly_one_hidden_figure(app, personas):
    """Whatever the data, no published total lets one hidden figure be computed."""
    rows = [
        (key, date(2025, month, 1), (month * 7 + len(key)) % 9, target, explosive)
        for key in ("gemeente_a", "gemeente_b")
        for month in range(1, 13)
        for target, explosive in ((WONING, VUURWERK), (AUTO, GRANAAT))
    ]
    plant(app, personas, rows)
    with app.app_context():
        data = statistics.protected_year(2025)
        lines = statistics._lines(data.municipality_ids)
    for line in lines:
        hidden = [k for k in line if data.get(k) in (statistics.SMALL, statistics.HIDDEN)]
        assert len(hidden) != 1, line
    assert not any(text in {"1", "2", "3", "4"} for text in data.cells.values())


def test_protect_picks_the_smallest_other_cell():
    values = {("t",): 20, ("a",): 2, ("b",): 7, ("c",): 11, ("d",): 0}
    published = statistics.protect(values, [[("t",), ("a",), ("b",), ("c",), ("d",)]])
    assert published == {("t",): "20", ("a",): "< 5", ("b",): "x", ("c",): "11", ("d",): "0"}


def test_the_csv_never_holds_a_count_under_five(app, personas):
    plant(app, personas, ROWS)
    client = login_as(app, app.test_client(), personas.member_b)
    published = []
    for query in ({"jaar": 2025}, {"jaar": 2025, "gemeente": personas.orgs["gemeente_a"]}):
        response = client.get("/casussen/statistiek.csv", query_string=query)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
        counts = [row[4] for row in rows[1:]]
        assert all(c in ("< 5", "x") or int(c) == 0 or int(c) >= 5 for c in counts), counts
        published += counts
    assert "< 5" in published and "x" in published and "3" not in published


def test_destroyed_and_live_cases_both_count(app, personas):
    plant(app, personas, [("gemeente_a", date(2025, 3, 1), 6, WONING, VUURWERK)])
    open_case(app, personas, occurred_at=utcnow().replace(year=2025, month=3, day=2))
    with app.app_context():
        assert (
            db.session.scalar(select(db.func.count()).where(CaseStatistic.case_id.is_not(None)))
            == 1
        )
    html = page(app, personas, jaar=2025, gemeente=personas.orgs["gemeente_a"]).get_data(
        as_text=True
    )
    assert table(html, "maand")["maart"] == "7"


@pytest.mark.parametrize("persona", ["member_b", "housing", "police", "platform_admin"])
def test_every_network_member_sees_the_statistics_without_mfa(app, personas, persona):
    plant(app, personas, ROWS)
    client = login_as(app, app.test_client(), personas[persona], mfa_verified=False)
    response = client.get("/casussen/statistiek?jaar=2025")
    assert response.status_code == 200
    assert table(response.get_data(as_text=True), "maand")["Totaal"] == "39"


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ("/casussen/statistiek", "/casussen/statistiek.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.split("?")[0].endswith("/inloggen")


def test_no_personal_data_reaches_the_page(app, personas):
    open_case(app, personas, description="Geheime omschrijving", neighbourhood="Geheimbuurt")
    html = page(app, personas).get_data(as_text=True)
    assert "Geheim" not in html and "Coolsingel" not in html and "NEIG-" not in html


def test_an_action_plan_can_count_attacks_from_the_cases(app, personas):
    statistics.register_kpi_source()  # another test may have replaced it
    plant(
        app,
        personas,
        [
            ("gemeente_a", date(2025, 1, 1), 30, WONING, VUURWERK),
            ("gemeente_b", date(2025, 1, 1), 20, AUTO, GRANAAT),
            ("gemeente_a", date(2025, 2, 1), 9, WONING, VUURWERK),
            ("gemeente_b", date(2025, 2, 1), 8, WONING, VUURWERK),
            ("gemeente_a", date(2024, 12, 1), 99, WONING, VUURWERK),  # before the plan
        ],
    )
    with app.app_context():
        plan = make_plan(plan_space(personas), actor=plan_user(personas.secretariat))
        plan.attack_source = "cases"
        db.session.commit()
        plan_id = plan.id
        counts = statistics.kpi_counts(
            db.session.get(ActionPlan, plan_id), date(2025, 1, 1), date(2025, 12, 31), None
        )
    assert counts[(2025, 1)] == 50 and counts[(2025, 2)] == 17 and counts[(2025, 3)] == 0
    client = login_as(app, app.test_client(), personas.member_a)
    html = client.get(f"/actieplannen/{plan_id}/dashboard").get_data(as_text=True)
    assert "Bron: uit de casusregistratie." in html
    assert '<dd id="kpi-attacks">67' in html


def test_the_plan_source_leaves_out_a_month_the_page_hides(app, personas):
    plant(
        app,
        personas,
        [
            ("gemeente_a", date(2025, 1, 1), 30, WONING, VUURWERK),
            ("gemeente_a", date(2025, 2, 1), 2, WONING, VUURWERK),
        ],
    )
    with app.app_context():
        counts = statistics.kpi_counts(None, date(2025, 1, 1), date(2025, 3, 31), None)
    # February (2) is "< 5", January then "x": neither is given; March (0) is.
    assert counts == {(2025, 3): 0}
