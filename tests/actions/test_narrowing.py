"""A narrowed item never shows up for others: not in the list, the counts, the charts, the
report, the exports, the activity of the space, a search or a notification. N-01 is narrowed
to the police and the secretariat; member_a (Gemeente Rotterdam) reads the same space."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from neig_workspace.access import policy
from neig_workspace.actions import service
from neig_workspace.actions.models import ActionItem
from neig_workspace.extensions import db
from tests.actions.helpers import user
from tests.helpers import post_form

SECRET = "Geheime maatregel"


@pytest.fixture
def reported(app, personas, world, client_for):
    """The police reported progress on N-01 (an event about it in the space's activity)."""
    item_id = world.items["N-01"]
    response = post_form(
        client_for("police"),
        f"/actiepunten/{item_id}/voortgang",
        {"note": "Vertrouwelijke voortgang", "status": "risico"},
        token_from=f"/actiepunten/{item_id}",
    )
    assert response.status_code == 302
    return world


PAGES = [
    "/actieplannen",
    "/actieplannen/{plan}",
    "/actieplannen/{plan}?q=Geheime",
    "/actieplannen/{plan}?status=risico",
    "/actieplannen/{plan}?trekker={police}",
    "/actieplannen/{plan}/dashboard",
    "/actieplannen/{plan}/rapportage",
    "/actieplannen/{plan}/export.csv",
    "/werkruimtes/{space}",
    "/werkruimtes/{space}/activiteit",
    "/meldingen",
]


def _get(client, template, world, personas):
    url = template.format(plan=world.plan, space=world.space, police=personas.orgs["politie"])
    response = client.get(url)
    assert response.status_code == 200, url
    return (
        response.get_data(as_text=True)
        if not url.endswith(".csv")
        else response.data.decode("utf-8-sig")
    )


@pytest.mark.parametrize("template", PAGES)
def test_no_page_shows_a_narrowed_item_to_others(app, personas, reported, client_for, template):
    shown_to_police = _get(client_for("police"), template, reported, personas)
    shown_to_member = _get(client_for("member_a"), template, reported, personas)
    if (
        template.startswith(("/actieplannen/{plan}", "/actieplannen?"))
        and "dashboard" not in template
    ):
        assert SECRET in shown_to_police or "N-01" in shown_to_police
    assert SECRET not in shown_to_member
    assert "N-01" not in shown_to_member
    assert f"/actiepunten/{reported.items['N-01']}" not in shown_to_member


def test_the_item_itself_is_not_found(app, reported, client_for):
    client = client_for("member_a")
    for suffix in ("", "/bewerken"):
        assert client.get(f"/actiepunten/{reported.items['N-01']}{suffix}").status_code == 404


def test_counts_and_charts_leave_it_out(app, personas, reported, client_for):
    def figures(key):
        html = (
            client_for(key).get(f"/actieplannen/{reported.plan}/dashboard").get_data(as_text=True)
        )
        total = int(html.split('<dd id="kpi-total">')[1].split("<")[0])
        attention = int(html.split('<dd id="kpi-attention">')[1].split("<")[0])
        return total, attention, html.count("<title>Repressie")

    assert figures("secretariat") == (3, 1, 1)
    assert figures("member_a") == (2, 0, 0)  # no risk, and no Repressie bar at all
    listing = client_for("member_a").get(f"/actieplannen/{reported.plan}").get_data(as_text=True)
    assert "2 actiepunten" in listing
    index = client_for("member_a").get("/actieplannen").get_data(as_text=True)
    assert '<td class="utrecht-table__cell utrecht-table__cell--numeric">2</td>' in index


def test_exports_leave_it_out(app, reported, client_for):
    xlsx = client_for("member_a").get(f"/actieplannen/{reported.plan}/export.xlsx")
    codes = [
        row[0] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
    ]
    assert codes == ["Code", "P-01", "P-02"]
    police = client_for("police").get(f"/actieplannen/{reported.plan}/export.xlsx")
    assert "N-01" in [
        r[0] for r in load_workbook(io.BytesIO(police.data)).active.iter_rows(values_only=True)
    ]


def test_the_policy_filters_agree_with_the_checks(app, personas, reported):
    """load_or_404 filters in SQL, require checks in Python: they draw the same line."""
    with app.app_context():
        for key in ("member_a", "org_admin_a", "member_b", "police", "om", "secretariat"):
            someone = user(personas[key])
            shown = set(
                db.session.scalars(
                    select(ActionItem.id).where(policy.visible_action_items(someone))
                )
            )
            for item in db.session.scalars(select(ActionItem)):
                assert policy.can(someone, "action_item.view", item) == (item.id in shown), (
                    key,
                    item,
                )
            readable = set(db.session.scalars(policy.NOTIFICATION_SUBJECTS["action_item"](someone)))
            assert readable == shown


def test_narrowing_later_hides_it_from_then_on(app, personas, world, client_for):
    client = client_for("member_a")
    assert "P-01" in client.get(f"/actieplannen/{world.plan}").get_data(as_text=True)
    with app.app_context():
        item = db.session.get(ActionItem, world.items["P-01"])
        data = service.ItemData(
            code=item.code,
            title=item.title,
            line_id=item.line_id,
            lead_organisation_id=item.lead_organisation_id,
            contributor_ids=item.contributor_ids,
            narrowing_ids=[personas.orgs[k] for k in ("gemeente_a", "politie", "secretariaat")],
        )
        service.update_item(item, data, actor=user(personas.secretariat))
        db.session.commit()
    assert "P-01" in client.get(f"/actieplannen/{world.plan}").get_data(as_text=True)
    other = client_for("member_b")
    assert "P-01" not in other.get(f"/actieplannen/{world.plan}").get_data(as_text=True)
    assert other.get(f"/actiepunten/{world.items['P-01']}").status_code == 404


def test_the_space_activity_leaves_out_events_about_it(app, personas, reported):
    from neig_workspace.audit.models import AuditEvent

    with app.app_context():

        def targets(key):
            return {
                (e.action, e.target_type, e.target_id)
                for e in db.session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.space_id == reported.space,
                        policy.visible_activity(user(personas[key])),
                    )
                )
            }

        secret, shared = str(reported.items["N-01"]), str(reported.items["P-01"])
        assert ("action_item.progress_reported", "action_item", secret) in targets("police")
        assert ("action_item.created", "action_item", shared) in targets("member_a")
        assert not [t for t in targets("member_a") if t[1:] == ("action_item", secret)]


def test_the_report_marks_the_narrowed_item_as_the_list_does(app, personas, reported, client_for):
    police = client_for("police")
    for url in (f"/actieplannen/{reported.plan}", f"/actieplannen/{reported.plan}/rapportage"):
        page = police.get(url).get_data(as_text=True)
        row = page[page.index(SECRET) :][:300]
        assert "beperkt zichtbaar" in row, url
