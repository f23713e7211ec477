"""Progress updates: a dated note with an optional change of status, by members of the lead or
a contributing organisation (and those who run the plan); milestones; linked documents."""

import re
from datetime import timedelta

from sqlalchemy import select

from neig_workspace.actions import service
from neig_workspace.actions.models import (
    ActionItem,
    ActionItemChange,
    ActionItemDocument,
    ActionMilestone,
    ItemStatus,
    ProgressUpdate,
)
from neig_workspace.audit.models import AuditEvent
from neig_workspace.notifications.models import Notification, NotificationKind
from tests.conftest import db_ctx
from tests.helpers import post_form


def _report(client, item_id, **data):
    return post_form(
        client, f"/actiepunten/{item_id}/voortgang", data, token_from=f"/actiepunten/{item_id}"
    )


def test_the_lead_reports_progress_and_changes_the_status(app, personas, world, client_for):
    item_id = world.items["P-01"]
    response = _report(
        client_for("member_a"),
        item_id,
        reported_on="2025-03-01",
        status="risico",
        note="De werving loopt achter.",
    )

    assert response.status_code == 302
    with db_ctx(app) as session:
        item = session.get(ActionItem, item_id)
        assert item.status == ItemStatus.AT_RISK
        assert item.last_update_at is not None
        update = session.scalar(select(ProgressUpdate).where(ProgressUpdate.item_id == item_id))
        assert (update.status_before, update.status_after) == (
            ItemStatus.NOT_STARTED,
            ItemStatus.AT_RISK,
        )
        assert update.organisation_id == personas.orgs["gemeente_a"]
        assert update.reported_on.isoformat() == "2025-03-01"
        assert response.location.endswith(f"#voortgang-{update.id}")
        status_change = session.scalar(
            select(ActionItemChange).where(
                ActionItemChange.item_id == item_id,
                ActionItemChange.field == "status",
                ActionItemChange.old_value == "niet_gestart",
            )
        )
        assert status_change.new_value == "risico"
        assert status_change.actor_id == personas.member_a.id
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "action_item.progress_reported")
        )
        assert event.space_id == world.space and event.target_id == str(item_id)
        # The secretariat made the item and hears about it.
        note = session.scalar(select(Notification))
        assert note.user_id == personas.secretariat.id
        assert note.kind == NotificationKind.ACTION_ITEM_UPDATE
        assert note.subject_type == "action_item" and note.subject_id == item_id
    page = client_for("police").get(f"/actiepunten/{item_id}").get_data(as_text=True)
    assert "De werving loopt achter." in page
    assert "Gemeente Rotterdam" in page


def test_a_contributor_reports_without_changing_the_status(app, personas, world, client_for):
    item_id = world.items["P-01"]
    assert (
        _report(client_for("police"), item_id, note="Rechercheurs vrijgemaakt.").status_code == 302
    )
    with db_ctx(app) as session:
        update = session.scalar(select(ProgressUpdate))
        assert update.status_after is None
        assert update.organisation_id == personas.orgs["politie"]
        assert session.get(ActionItem, item_id).status == ItemStatus.NOT_STARTED
        assert update.reported_on == service.today()


def test_others_may_not_report_and_a_narrowed_item_does_not_exist_for_them(
    app, personas, world, client_for
):
    assert _report(client_for("om"), world.items["P-01"], note="x").status_code == 403
    page = client_for("om").get(f"/actiepunten/{world.items['P-01']}").get_data(as_text=True)
    assert "Voortgang melden" not in page
    # member_b cannot even see N-01: 404 for the page and for the form's target alike.
    client = client_for("member_b")
    assert client.get(f"/actiepunten/{world.items['N-01']}").status_code == 404
    token_page = f"/actiepunten/{world.items['P-02']}"
    response = post_form(
        client,
        f"/actiepunten/{world.items['N-01']}/voortgang",
        {"note": "x"},
        token_from=token_page,
    )
    assert response.status_code == 404
    with db_ctx(app) as session:
        assert session.scalar(select(ProgressUpdate)) is None


def test_a_progress_update_needs_a_note_and_a_date_not_in_the_future(
    app, personas, world, client_for
):
    client = client_for("member_a")
    tomorrow = (service.today() + timedelta(days=1)).isoformat()
    for data, field, message in (
        ({"note": "  "}, "note", "Beschrijf de voortgang."),
        (
            {"note": "Klaar.", "reported_on": tomorrow},
            "reported_on",
            "De datum ligt in de toekomst.",
        ),
        ({"note": "Klaar.", "reported_on": "gisteren"}, "reported_on", "Vul een geldige datum in"),
    ):
        response = _report(client, world.items["P-01"], **data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        error = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
        assert error and message in error.group(1)
    with db_ctx(app) as session:
        assert session.scalar(select(ProgressUpdate)) is None


def test_done_records_the_day_and_leaving_done_clears_it(app, personas, world, client_for):
    client = client_for("member_a")
    item_id = world.items["P-01"]
    _report(client, item_id, note="Opgeleverd.", status="afgerond", reported_on="2025-06-03")
    with db_ctx(app) as session:
        assert session.get(ActionItem, item_id).completed_on.isoformat() == "2025-06-03"
    _report(client, item_id, note="Toch nog niet af.", status="vertraagd")
    with db_ctx(app) as session:
        assert session.get(ActionItem, item_id).completed_on is None


def test_milestones_are_added_ticked_off_and_removed(app, personas, world, client_for):
    item_id = world.items["P-01"]
    secretariat, lead = client_for("secretariat"), client_for("member_a")
    page = f"/actiepunten/{item_id}"
    assert (
        post_form(
            secretariat,
            page + "/mijlpalen",
            {"title": "Startbijeenkomst", "due_date": "2025-02-01"},
        ).status_code
        == 302
    )
    # A partner may not add one.
    assert post_form(lead, page + "/mijlpalen", {"title": "x"}, token_from=page).status_code == 403
    with db_ctx(app) as session:
        milestone = session.scalar(select(ActionMilestone))
    assert (
        post_form(
            lead, f"{page}/mijlpalen/{milestone.id}/afvinken", {}, token_from=page
        ).status_code
        == 302
    )
    with db_ctx(app) as session:
        assert session.get(ActionMilestone, milestone.id).done_at is not None
    assert (
        post_form(
            lead, f"{page}/mijlpalen/{milestone.id}/verwijderen", {}, token_from=page
        ).status_code
        == 403
    )
    assert (
        post_form(
            secretariat, f"{page}/mijlpalen/{milestone.id}/verwijderen", {}, token_from=page
        ).status_code
        == 302
    )
    with db_ctx(app) as session:
        assert session.scalar(select(ActionMilestone)) is None
        fields = set(
            session.scalars(
                select(ActionItemChange.field).where(ActionItemChange.item_id == item_id)
            )
        )
        assert {"milestone_added", "milestone_done", "milestone_removed"} <= fields
    # A milestone of another item is not found under this one.
    other = f"/actiepunten/{world.items['P-02']}"
    with app.app_context():
        from neig_workspace.extensions import db
        from tests.actions.helpers import user

        other_milestone = service.add_milestone(
            db.session.get(ActionItem, world.items["P-02"]),
            title="x",
            due_date=None,
            actor=user(personas.secretariat),
        )
        db.session.commit()
        other_id = other_milestone.id
    assert (
        post_form(
            secretariat, f"{page}/mijlpalen/{other_id}/afvinken", {}, token_from=other
        ).status_code
        == 404
    )


def test_a_milestone_outside_the_item_period_is_refused(app, personas, world, client_for):
    client = client_for("secretariat")
    item_id = world.items["P-01"]
    post_form(
        client,
        f"/actiepunten/{item_id}/bewerken",
        {
            "code": "P-01",
            "title": "Maatregel P-01",
            "line": str(world.lines["Preventie"]),
            "lead_organisation": str(personas.orgs["gemeente_a"]),
            "contributors": [str(personas.orgs["politie"])],
            "status": "niet_gestart",
            "start_date": "2025-03-01",
            "due_date": "2025-06-30",
        },
    )
    response = post_form(
        client,
        f"/actiepunten/{item_id}/mijlpalen",
        {"title": "Te laat", "due_date": "2025-07-01"},
        token_from=f"/actiepunten/{item_id}",
    )
    assert response.status_code == 422
    assert "De mijlpaal ligt na de einddatum van het actiepunt." in response.get_data(as_text=True)


def _upload(app, personas, space_id, title, narrowing=()):
    import io

    from neig_workspace.documents import service as documents
    from neig_workspace.extensions import db
    from neig_workspace.spaces.models import Space
    from tests.actions.helpers import user

    with app.app_context():
        document = documents.upload_document(
            db.session.get(Space, space_id),
            documents.Upload(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), f"{title}.pdf"),
            narrowing=[personas.orgs[k] for k in narrowing],
            actor=user(personas.secretariat),
        )
        db.session.commit()
        return document.id


def test_documents_are_linked_and_a_hidden_one_stays_hidden(app, personas, world, client_for):
    open_doc = _upload(app, personas, world.space, "voortgangsverslag")
    hidden_doc = _upload(
        app, personas, world.space, "politierapport", narrowing=["politie", "secretariaat"]
    )
    item_id, page = world.items["P-01"], f"/actiepunten/{world.items['P-01']}"

    # member_a may not pick the police report: it is not among the choices, and guessing its id
    # gets the same answer as any unknown document.
    choices = client_for("member_a").get(page).get_data(as_text=True)
    assert "voortgangsverslag" in choices and "politierapport" not in choices
    refused = post_form(client_for("member_a"), page + "/documenten", {"document": str(hidden_doc)})
    assert refused.status_code == 422
    assert "Kies een document uit de lijst." in refused.get_data(as_text=True)

    for client, doc in ((client_for("member_a"), open_doc), (client_for("police"), hidden_doc)):
        assert post_form(client, page + "/documenten", {"document": str(doc)}).status_code == 302
    with db_ctx(app) as session:
        assert {d.document_id for d in session.scalars(select(ActionItemDocument))} == {
            open_doc,
            hidden_doc,
        }

    as_member = client_for("member_a").get(page).get_data(as_text=True)
    linked = as_member[as_member.index('id="documenten"') : as_member.index('id="reacties"')]
    assert "voortgangsverslag" in linked and "politierapport" not in linked
    history = as_member[as_member.index('id="geschiedenis"') :]
    assert "een document dat u niet kunt zien" in history and "politierapport" not in history
    assert "politierapport" in client_for("police").get(page).get_data(as_text=True)
    # Unlinking a document one cannot see: as if the link did not exist.
    unlink = f"{page}/documenten/{hidden_doc}/ontkoppelen"
    assert post_form(client_for("member_a"), unlink, {}, token_from=page).status_code == 404
    assert post_form(client_for("police"), unlink, {}, token_from=page).status_code == 302
    with db_ctx(app) as session:
        assert session.get(ActionItemDocument, (item_id, hidden_doc)) is None
