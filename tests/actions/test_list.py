"""The item list: filters (line, lead, status, overdue, due within N days, my organisation,
needs attention, archive, text), sorting and pagination."""

import re
from datetime import timedelta

import pytest

from neig_workspace.actions import service
from neig_workspace.actions.models import ActionPlan, ItemStatus
from neig_workspace.extensions import db
from tests.actions.helpers import make_item, user


@pytest.fixture
def listed(app, personas, world):
    """Besides P-01, P-02 and N-01 (due dates empty): items relative to today."""
    today = service.today()
    with app.app_context():
        plan = db.session.get(ActionPlan, world.plan)
        for code, lead, line, status, days in (
            ("L-01", "om", "Repressie", ItemStatus.ON_TRACK, -3),  # overdue
            ("L-02", "om", "Repressie", ItemStatus.DONE, -3),  # past, but done
            ("L-03", "politie", "Nazorg", ItemStatus.AT_RISK, 30),
            ("L-04", "gemeente_b", "Nazorg", ItemStatus.ON_TRACK, 10),  # due soon
            ("L-05", "corporatie", "Weerbaarheid", ItemStatus.DELAYED, 60),
        ):
            make_item(
                plan,
                personas,
                code,
                lead=lead,
                line=line,
                status=status,
                due_date=today + timedelta(days=days),
                title=f"Lijst {code}",
            )
        archived = make_item(plan, personas, "L-06", lead="om", title="Oud")
        service.set_item_archived(archived, True, actor=user(personas.secretariat))
        db.session.commit()
    return world


def _codes(client, plan_id, query=""):
    html = client.get(f"/actieplannen/{plan_id}{query}").get_data(as_text=True)
    table = html[html.index("<tbody") : html.index("</tbody>")]
    return re.findall(r'/actiepunten/\d+">([^<]+)</a>', table)


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("", ["L-01", "L-02", "L-03", "L-04", "L-05", "P-01", "P-02"]),
        ("?lijn={Repressie}", ["L-01", "L-02"]),
        ("?trekker={om}", ["L-01", "L-02"]),
        ("?status=risico&status=vertraagd", ["L-03", "L-05"]),
        ("?te_laat=y", ["L-01"]),
        ("?binnen=14", ["L-04"]),
        ("?binnen=45", ["L-03", "L-04"]),
        ("?aandacht=y", ["L-01", "L-03", "L-05"]),
        ("?mijn=y", ["P-01"]),  # member_a: Gemeente Rotterdam leads P-01
        ("?gearchiveerd=y", ["L-06"]),
        ("?q=lijst%20l-0", ["L-01", "L-02", "L-03", "L-04", "L-05"]),
        ("?q=100%25", []),  # a % in the search is a character, not a wildcard
        ("?binnen=nee", ["L-01", "L-02", "L-03", "L-04", "L-05", "P-01", "P-02"]),
    ],
)
def test_filters(app, personas, listed, client_for, query, codes):
    query = query.format(Repressie=listed.lines["Repressie"], om=personas.orgs["om"])
    assert _codes(client_for("member_a"), listed.plan, query) == codes


def test_my_organisation_counts_contributing_too(app, personas, listed, client_for):
    assert _codes(client_for("police"), listed.plan, "?mijn=y") == ["L-03", "N-01", "P-01"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("?sorteer=einddatum", ["L-01", "L-02", "L-04", "L-03", "L-05", "P-01", "P-02"]),
        (
            "?sorteer=einddatum&volgorde=af",
            ["L-05", "L-03", "L-04", "L-01", "L-02", "P-01", "P-02"],
        ),
        ("?sorteer=status", ["P-01", "P-02", "L-01", "L-04", "L-03", "L-05", "L-02"]),
        ("?sorteer=code&volgorde=af", ["P-02", "P-01", "L-05", "L-04", "L-03", "L-02", "L-01"]),
        ("?sorteer=lijn", ["P-01", "L-01", "L-02", "L-05", "L-03", "L-04", "P-02"]),
        ("?sorteer=bestaat-niet", ["L-01", "L-02", "L-03", "L-04", "L-05", "P-01", "P-02"]),
    ],
)
def test_sorting(app, personas, listed, client_for, query, codes):
    assert _codes(client_for("member_a"), listed.plan, query) == codes


def test_pagination_keeps_the_filters(app, personas, world, client_for):
    with app.app_context():
        plan = db.session.get(ActionPlan, world.plan)
        for i in range(30):
            make_item(plan, personas, f"M-{i:02d}", lead="om", status=ItemStatus.AT_RISK)
        db.session.commit()
    client = client_for("member_a")
    first = client.get(f"/actieplannen/{world.plan}?status=risico").get_data(as_text=True)
    assert "30 actiepunten" in first
    assert "Pagina 1 van 2" in first
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "status=risico" in next_link
    second = _codes(client, world.plan, next_link.split(f"/actieplannen/{world.plan}")[1])
    assert second == [f"M-{i:02d}" for i in range(25, 30)]


def test_the_export_links_carry_the_filters(app, personas, listed, client_for):
    html = (
        client_for("member_a")
        .get(f"/actieplannen/{listed.plan}?status=risico&mijn=y")
        .get_data(as_text=True)
    )
    link = re.search(r'href="([^"]+export\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "status=risico" in link and "mijn=y" in link
