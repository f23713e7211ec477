"""Creating and editing items: through the form, with a clear Dutch message next to the field
for bad input and nothing saved; every field change kept in the history and audited with the
plan's space."""

import re

import pytest
from sqlalchemy import func, select

from neig_workspace.actions.models import ActionItem, ActionItemChange, ItemStatus
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.actions.helpers import item
from tests.conftest import db_ctx
from tests.helpers import post_form


def _new_item_url(world):
    return f"/actieplannen/{world.plan}/actiepunten/nieuw"


def _form(world, personas, **overrides):
    data = {
        "code": "p-07",
        "title": "Keurmerk veilig ondernemen",
        "description": "Samen met de verzekeraars.",
        "line": str(world.lines["Weerbaarheid"]),
        "lead_organisation": str(personas.orgs["corporatie"]),
        "contributors": [str(personas.orgs["gemeente_a"])],
        "responsible": personas.housing.email,
        "status": "op_schema",
        "start_date": "2025-02-01",
        "due_date": "31-10-2025",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(app) -> int:
    with db_ctx(app) as session:
        return session.scalar(select(func.count(ActionItem.id)))


def test_the_secretariat_creates_an_item_with_its_history_and_audit(
    app, personas, world, client_for
):
    client = client_for("secretariat")
    response = post_form(client, _new_item_url(world), _form(world, personas))

    assert response.status_code == 302
    item_id = int(re.search(r"/actiepunten/(\d+)$", response.location).group(1))
    with db_ctx(app) as session:
        created = session.get(ActionItem, item_id)
        assert created.code == "P-07"  # codes are kept in capitals
        assert created.lead_organisation_id == personas.orgs["corporatie"]
        assert created.contributor_ids == [personas.orgs["gemeente_a"]]
        assert created.responsible_id == personas.housing.id
        assert created.status == ItemStatus.ON_TRACK
        assert created.due_date.isoformat() == "2025-10-31"
        fields = set(
            session.scalars(
                select(ActionItemChange.field).where(ActionItemChange.item_id == item_id)
            )
        )
        assert {"created", "code", "title", "lead_organisation", "status", "due_date"} <= fields
        event = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "action_item.created", AuditEvent.target_id == str(item_id)
            )
        )
        assert event.space_id == world.space
        assert event.actor_id == personas.secretariat.id
    page = client.get(response.location).get_data(as_text=True)
    assert "Keurmerk veilig ondernemen" in page
    assert "Woonstad Rotterdam" in page


BAD_INPUT = [
    ({"due_date": "2025-01-15"}, "due_date", "De einddatum ligt vóór de startdatum."),
    ({"due_date": "31-31-2025"}, "due_date", "Vul een geldige datum in, zoals 31-12-2025."),
    ({"lead_organisation": "987654"}, "lead_organisation", "Onbekende organisatie"),
    ({"lead_organisation": ""}, "lead_organisation", "Kies de trekkende organisatie."),
    ({"contributors": ["987654"]}, "contributors", "Onbekende organisatie"),
    ({"line": "987654"}, "line", "Kies een actielijn van dit actieplan."),
    ({"code": "P-01"}, "code", "De code P-01 is in dit actieplan al in gebruik."),
    ({"code": "P 01!"}, "code", "Een code bestaat uit letters, cijfers en streepjes"),
    ({"responsible": "niemand@example.nl"}, "responsible", "Er is geen actief account"),
    (
        {"responsible": "member.a@example.nl"},
        "responsible",
        "De verantwoordelijke moet lid zijn van de trekkende organisatie.",
    ),
    (
        {"narrowing": ["politie"], "contributors": []},
        "narrowing",
        "Neem de trekkende organisatie op",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT, ids=lambda v: str(v)[:40])
def test_bad_input_is_named_next_to_its_field_and_nothing_is_saved(
    app, personas, world, client_for, overrides, field, message
):
    if "narrowing" in overrides:  # to the police only, not the lead (the housing corporation)
        overrides = {
            **overrides,
            "narrowing": [str(personas.orgs[k]) for k in overrides["narrowing"]],
        }
    before = _count(app)
    response = post_form(
        client_for("secretariat"), _new_item_url(world), _form(world, personas, **overrides)
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    assert error and message in error.group(1), html[:200]
    assert 'id="error-summary"' in html
    assert "Keurmerk veilig ondernemen" in html  # what was typed stays
    assert _count(app) == before


def test_narrowing_may_not_hide_the_item_from_whoever_narrows_it(app, personas, world, client_for):
    data = _form(
        world,
        personas,
        lead_organisation=str(personas.orgs["politie"]),
        responsible="",
        contributors=[],
        narrowing=[str(personas.orgs["politie"])],
    )
    response = post_form(client_for("secretariat"), _new_item_url(world), data)

    assert response.status_code == 422
    assert "Met deze beperking ziet u het actiepunt zelf niet meer" in response.get_data(
        as_text=True
    )


def test_every_field_change_is_kept_and_shown(app, personas, world, client_for):
    client = client_for("secretariat")
    url = f"/actiepunten/{world.items['P-01']}/bewerken"
    data = _form(
        world,
        personas,
        code="P-01",
        title="Maatregel P-01",
        description="",
        line=str(world.lines["Preventie"]),
        lead_organisation=str(personas.orgs["gemeente_a"]),
        contributors=[str(personas.orgs["politie"]), str(personas.orgs["om"])],
        responsible="member.a@example.nl",
        status="vertraagd",
        start_date="",
        due_date="2025-12-01",
    )
    assert post_form(client, url, data).status_code == 302

    with db_ctx(app) as session:
        changes = {
            c.field: (c.old_value, c.new_value)
            for c in session.scalars(
                select(ActionItemChange).where(
                    ActionItemChange.item_id == world.items["P-01"],
                    ActionItemChange.field != "created",
                    ActionItemChange.old_value != "",
                )
            )
        }
        assert changes["status"] == ("niet_gestart", "vertraagd")
        assert changes["contributors"] == (
            "Politie Eenheid Rotterdam",
            "OM Rotterdam, Politie Eenheid Rotterdam",
        )
        fields = [
            c.field
            for c in session.scalars(
                select(ActionItemChange).where(ActionItemChange.item_id == world.items["P-01"])
            )
        ]
        assert {"due_date", "responsible"} <= set(fields)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "action_item.updated"))
        assert event.space_id == world.space
        assert set(event.details["fields"]) == {"contributors", "responsible", "status", "due_date"}
    page = client_for("member_a").get(f"/actiepunten/{world.items['P-01']}").get_data(as_text=True)
    history = page[page.index('id="geschiedenis"') :]
    assert "niet gestart" in history and "vertraagd" in history
    assert "OM Rotterdam, Politie Eenheid Rotterdam" in history


def test_saving_without_changes_adds_no_history(app, personas, world):
    from neig_workspace.actions import service
    from tests.actions.helpers import user

    with app.app_context():
        target = item(world.items["P-01"])
        before = db.session.scalar(select(func.count(ActionItemChange.id)))
        data = service.ItemData(
            code=target.code,
            title=target.title,
            line_id=target.line_id,
            lead_organisation_id=target.lead_organisation_id,
            contributor_ids=target.contributor_ids,
        )
        assert service.update_item(target, data, actor=user(personas.secretariat)) == []
        db.session.flush()
        assert db.session.scalar(select(func.count(ActionItemChange.id))) == before
        db.session.rollback()


def test_a_partner_sees_no_edit_controls_and_may_not_edit(app, personas, world, client_for):
    client = client_for("member_a")
    page = client.get(f"/actiepunten/{world.items['P-01']}").get_data(as_text=True)
    assert "/bewerken" not in page
    assert "/archiveren" not in page
    assert client.get(f"/actiepunten/{world.items['P-01']}/bewerken").status_code == 403
    assert client.get(_new_item_url(world)).status_code == 403


def test_archiving_takes_an_item_out_of_the_list_and_back(app, personas, world, client_for):
    client = client_for("secretariat")
    item_id = world.items["P-01"]
    assert (
        post_form(
            client, f"/actiepunten/{item_id}/archiveren", {}, token_from=f"/actiepunten/{item_id}"
        ).status_code
        == 302
    )
    listing = client.get(f"/actieplannen/{world.plan}").get_data(as_text=True)
    assert f'/actiepunten/{item_id}"' not in listing
    archive = client.get(f"/actieplannen/{world.plan}?gearchiveerd=y").get_data(as_text=True)
    assert f'/actiepunten/{item_id}"' in archive
    assert (
        post_form(
            client, f"/actiepunten/{item_id}/terugzetten", {}, token_from=f"/actiepunten/{item_id}"
        ).status_code
        == 302
    )
    with db_ctx(app) as session:
        assert session.get(ActionItem, item_id).archived_at is None
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(item_id)))
        )
        assert "action_item.archived" in actions and "action_item.unarchived" in actions


def test_an_item_ending_after_its_plan_is_saved_with_a_warning(app, personas, world, client_for):
    client = client_for("secretariat")
    inside = post_form(client, _new_item_url(world), _form(world, personas))
    assert "buiten de looptijd" not in client.get(inside.location).get_data(as_text=True)
    outside = post_form(
        client, _new_item_url(world), _form(world, personas, code="p-08", due_date="31-03-2026")
    )
    assert outside.status_code == 302  # a warning, not a refusal
    page = client.get(outside.location).get_data(as_text=True)
    assert (
        "Let op: dit actiepunt begint of eindigt buiten de looptijd van het plan "
        "(1 januari 2025 – 31 december 2025)." in page
    )
