"""Comment rounds: opening, inviting, the deadline (with time travel), extending, closing,
reminders, progress, a lost grant mid-round, and the comment table exports."""

import csv
import io
from datetime import timedelta

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from neig_workspace.comments import service as comments
from neig_workspace.comments.models import CommentRound
from neig_workspace.documents.models import Document, DocumentStatus
from neig_workspace.extensions import db
from neig_workspace.notifications.models import NotificationKind
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces.models import SpaceGrant
from neig_workspace.timeutil import utcnow
from tests.comments.comment_helpers import (
    actions_logged,
    comment_http,
    comments_of,
    move_deadline,
    notifications_of,
    open_round_for,
    post,
    working_group,
)
from tests.helpers import login_as


@pytest.fixture
def group(app, personas):
    return working_group(app, personas)


def _round_form(client, document_id, **fields):
    path = f"/documenten/{document_id}/commentaarronde"
    return post(client, path, fields, token_from=path)


def _status(app, document_id):
    with app.app_context():
        return db.session.get(Document, document_id).status


def test_an_editor_opens_a_round_and_the_invited_partners_hear_of_it(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    deadline = (utcnow() + timedelta(days=10)).date().isoformat()
    response = _round_form(
        client,
        group.document_id,
        deadline=deadline,
        organisations=[personas.orgs["politie"], personas.orgs["om"]],
        message="Graag vooral over de termijnen.",
    )
    assert response.status_code == 302
    assert _status(app, group.document_id) == DocumentStatus.IN_CONSULTATIE
    assert [n.kind for n in notifications_of(app, personas.police)] == [
        NotificationKind.ROUND_INVITATION
    ]
    assert [n.kind for n in notifications_of(app, personas.om)] == [
        NotificationKind.ROUND_INVITATION
    ]
    assert notifications_of(app, personas.housing) == []  # not invited
    page = client.get(response.location).get_data(as_text=True)
    assert "Politie Eenheid Rotterdam" in page and "nog niet" in page
    assert "document.status_changed" in actions_logged(app, "document.status")


def test_a_round_form_with_bad_input_keeps_what_was_typed(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    response = _round_form(client, group.document_id, deadline=yesterday, message="Mijn bericht")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "Kies een termijn die nog niet voorbij is." in page
        or "Kies ten minste één organisatie." in page
    )
    assert "Mijn bericht" in page
    # An organisation without access to the document cannot be invited.
    response = _round_form(
        client,
        group.document_id,
        deadline=(utcnow() + timedelta(days=5)).date().isoformat(),
        organisations=[personas.orgs["gemeente_b"]],
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(CommentRound).count() == 0
    assert _status(app, group.document_id) == DocumentStatus.CONCEPT


def test_only_editors_and_the_secretariat_open_rounds(app, client, personas, group):
    login_as(app, client, personas.police)  # a viewer
    assert client.get(f"/documenten/{group.document_id}/commentaarronde").status_code == 403
    login_as(app, client, personas.member_a)  # a contributor
    assert client.get(f"/documenten/{group.document_id}/commentaarronde").status_code == 403
    login_as(app, client, personas.secretariat)
    assert client.get(f"/documenten/{group.document_id}/commentaarronde").status_code == 200
    login_as(app, client, personas.member_b)  # no grant at all
    assert client.get(f"/documenten/{group.document_id}/commentaarronde").status_code == 404


def test_after_the_deadline_comments_are_refused_until_the_round_is_extended(
    app, client, personas, group
):
    round_id = open_round_for(app, personas, group.document_id)
    login_as(app, client, personas.police)
    assert comment_http(client, group.document_id, "Op tijd").status_code == 302
    move_deadline(app, round_id, timedelta(minutes=-1))
    response = comment_http(client, group.document_id, "Te laat")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "De reactietermijn van deze commentaarronde is verstreken" in page
    assert "Te laat" in page  # what was typed is kept
    assert [c.body for c in comments_of(app, group.document_id)] == ["Op tijd"]
    # Extending opens it again.
    login_as(app, client, personas.org_admin_a)
    new = (utcnow() + timedelta(days=3)).date().isoformat()
    path = f"/commentaarrondes/{round_id}"
    assert post(client, f"{path}/verlengen", {"deadline": new}, token_from=path).status_code == 302
    login_as(app, client, personas.police)
    assert comment_http(client, group.document_id, "Na verlenging").status_code == 302
    assert actions_logged(app, "comment_round.") == [
        "comment_round.opened",
        "comment_round.extended",
    ]


def test_closing_early_ends_the_round_and_the_draft_is_a_concept_again(
    app, client, personas, group
):
    round_id = open_round_for(app, personas, group.document_id)
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "In de ronde")
    login_as(app, client, personas.org_admin_a)
    path = f"/commentaarrondes/{round_id}"
    assert post(client, f"{path}/sluiten", {}, token_from=path).status_code == 302
    assert _status(app, group.document_id) == DocumentStatus.CONCEPT
    with app.app_context():
        assert db.session.get(CommentRound, round_id).closed_at is not None
    # A closed round cannot be extended.
    new = (utcnow() + timedelta(days=3)).date().isoformat()
    post(client, f"{path}/verlengen", {"deadline": new}, token_from=path)
    with app.app_context():
        assert db.session.get(CommentRound, round_id).deadline < utcnow() + timedelta(days=15)
    # The status cannot be changed by hand while a round runs, and not to "in consultatie".
    round2 = open_round_for(app, personas, group.document_id)
    doc_page = f"/documenten/{group.document_id}"
    post(client, f"{doc_page}/status", {"status": "vastgesteld"}, token_from=doc_page)
    assert _status(app, group.document_id) == DocumentStatus.IN_CONSULTATIE
    with app.app_context():
        assert db.session.get(CommentRound, round2).number == 2


def test_a_lost_grant_mid_round_hides_the_round_and_its_notifications(app, client, personas, group):
    round_id = open_round_for(app, personas, group.document_id, orgs=("politie", "corporatie"))
    login_as(app, client, personas.housing)
    assert client.get(f"/commentaarrondes/{round_id}").status_code == 200
    assert len(notifications_of(app, personas.housing)) == 1
    with app.app_context():
        grant = db.session.scalar(
            db.select(SpaceGrant).where(
                SpaceGrant.space_id == group.space_id,
                SpaceGrant.organisation_id == personas.orgs["corporatie"],
            )
        )
        db.session.delete(grant)
        db.session.commit()
    assert client.get(f"/commentaarrondes/{round_id}").status_code == 404
    assert comment_http(client, group.document_id, "Nog even").status_code == 404
    centre = client.get("/meldingen").get_data(as_text=True)
    assert "Kader nazorg" not in centre


def test_reminders_go_once_to_invited_organisations_that_have_not_commented(
    app, personas, group, client
):
    round_id = open_round_for(app, personas, group.document_id, orgs=("politie", "om"))
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Al gereageerd")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["neig", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "0 reminder(s) about comment rounds" in result.output  # two weeks to go
    move_deadline(app, round_id, timedelta(days=1))
    assert (
        "1 reminder(s) about comment rounds"
        in runner.invoke(args=["neig", "send-reminders"]).output
    )
    assert (
        "0 reminder(s) about comment rounds"
        in runner.invoke(args=["neig", "send-reminders"]).output
    )
    assert NotificationKind.ROUND_DEADLINE in [n.kind for n in notifications_of(app, personas.om)]
    assert NotificationKind.ROUND_DEADLINE not in [
        n.kind for n in notifications_of(app, personas.police)
    ]


def test_the_comment_table_exports_every_comment_ordered_by_paragraph(app, client, personas, group):
    round_id = open_round_for(app, personas, group.document_id)
    for persona, paragraph, body in [
        (personas.police, "3", "Politie over alinea 3"),
        (personas.om, "2", "OM over alinea 2"),
        (personas.housing, "0", '=HYPERLINK("http://evil") algemeen'),
    ]:
        login_as(app, client, persona)
        assert comment_http(client, group.document_id, body, paragraph=paragraph).status_code == 302
    first = comments_of(app, group.document_id)[0]
    login_as(app, client, personas.org_admin_a)
    path = f"/reacties/{first.id}/beantwoorden"
    post(client, path, {"response": "Verwerkt", "decision": "deels_overgenomen"}, token_from=path)

    response = client.get(f"/commentaarrondes/{round_id}/commentaartabel?formaat=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    body_rows = [r for r in rows[1:] if r]
    assert [r[0] for r in body_rows] == ["", "2", "3"]
    assert body_rows[0][3].startswith("'=")  # no formula
    assert body_rows[2][4] == "Verwerkt" and body_rows[2][5] == "deels overgenomen"

    xlsx = client.get(f"/commentaarrondes/{round_id}/commentaartabel?formaat=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "OM over alinea 2" in texts and "Politie over alinea 3" in texts

    docx = client.get(f"/commentaarrondes/{round_id}/commentaartabel?formaat=docx")
    table = DocxDocument(io.BytesIO(docx.data)).tables[0]
    cells = [cell.text for row in table.rows for cell in row.cells]
    assert "Politie over alinea 3" in cells and "Verwerkt" in cells
    assert actions_logged(app, "comment_round.exported") == ["comment_round.exported"] * 3

    # A viewer may follow the round but not export its table.
    login_as(app, client, personas.police)
    assert client.get(f"/commentaarrondes/{round_id}").status_code == 200
    assert (
        client.get(f"/commentaarrondes/{round_id}/commentaartabel?formaat=csv").status_code == 403
    )


def test_the_round_page_shows_progress_per_invited_organisation(app, client, personas, group):
    round_id = open_round_for(app, personas, group.document_id, orgs=("politie", "om"))
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Punt 1")
    comment_http(client, group.document_id, "Punt 2")
    with app.app_context():
        comment_round = db.session.get(CommentRound, round_id)
        progress = {org.name: n for org, n in comments.round_progress(comment_round)}
        police = db.session.get(Organisation, personas.orgs["politie"]).name
        om = db.session.get(Organisation, personas.orgs["om"]).name
    assert progress == {police: 2, om: 0}


def test_a_narrowed_draft_invites_only_the_organisations_it_is_narrowed_to(
    app, client, personas, group
):
    from neig_workspace.documents.models import DocumentNarrowing

    with app.app_context():
        document = db.session.get(Document, group.document_id)
        document.narrowing = [
            DocumentNarrowing(organisation_id=personas.orgs[k]) for k in ("gemeente_a", "politie")
        ]
        db.session.commit()
    login_as(app, client, personas.org_admin_a)
    form = client.get(f"/documenten/{group.document_id}/commentaarronde").get_data(as_text=True)
    assert "Politie Eenheid Rotterdam" in form and "Woonstad Rotterdam" not in form
    deadline = (utcnow() + timedelta(days=5)).date().isoformat()
    response = _round_form(
        client, group.document_id, deadline=deadline, organisations=[personas.orgs["corporatie"]]
    )
    assert response.status_code == 422
    assert "Nodig alleen organisaties uit die het document kunnen lezen." in response.get_data(
        as_text=True
    )
    response = _round_form(
        client, group.document_id, deadline=deadline, organisations=[personas.orgs["politie"]]
    )
    assert response.status_code == 302
    assert notifications_of(app, personas.housing) == []
    assert [n.kind for n in notifications_of(app, personas.police)] == [
        NotificationKind.ROUND_INVITATION
    ]
