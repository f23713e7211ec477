"""Threads on a document: comments, replies, mentions, edits, tombstones, resolving, answers,
and a comment's visibility being exactly its document's."""

import re

import pytest
from sqlalchemy import select

from neig_workspace.comments.models import Comment, CommentRevision, Decision
from neig_workspace.documents.models import Document, DocumentNarrowing
from neig_workspace.extensions import db
from neig_workspace.notifications.models import NotificationKind
from neig_workspace.spaces.models import Classification
from tests.comments.comment_helpers import (
    actions_logged,
    comment_http,
    comments_of,
    notifications_of,
    post,
    reply_http,
    working_group,
)
from tests.helpers import login_as


@pytest.fixture
def group(app, personas):
    return working_group(app, personas)


def test_a_viewer_comments_on_a_paragraph_and_it_shows_with_its_anchor(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    response = comment_http(
        client, group.document_id, "Graag **24 uur** vervangen door 48.", paragraph="2"
    )
    assert response.status_code == 302
    assert response.location.endswith(
        f"/documenten/{group.document_id}#reactie-{comments_of(app, group.document_id)[0].id}"
    )
    [comment] = comments_of(app, group.document_id)
    assert comment.paragraph == 2 and comment.version_number == 1
    assert comment.organisation_id == personas.orgs["politie"]
    page = client.get(f"/documenten/{group.document_id}").get_data(as_text=True)
    assert "<strong>24 uur</strong>" in page
    assert 'id="alinea-2"' in page
    assert "alinea 2" in page
    assert actions_logged(app, "comment.") == ["comment.created"]


def test_an_empty_comment_is_refused_next_to_the_field_and_keeps_the_rest(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    response = comment_http(client, group.document_id, "   ", paragraph="2")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Schrijf een reactie." in page
    assert re.search(r'<option (selected value="2"|value="2" selected)', page)
    assert comments_of(app, group.document_id) == []


def test_a_paragraph_that_does_not_exist_is_refused(app, client, personas, group):
    login_as(app, client, personas.police)
    response = comment_http(client, group.document_id, "Over alinea 99", paragraph="99")
    assert response.status_code == 422
    assert "Over alinea 99" in response.get_data(as_text=True)
    assert comments_of(app, group.document_id) == []


def test_a_reply_notifies_the_thread_and_a_new_reply_reopens_it(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Eerste punt")
    [thread] = comments_of(app, group.document_id)
    login_as(app, client, personas.org_admin_a)
    assert (
        post(
            client,
            f"/reacties/{thread.id}/afhandelen",
            {},
            token_from=f"/documenten/{group.document_id}",
        ).status_code
        == 302
    )
    login_as(app, client, personas.om)
    response = reply_http(client, group.document_id, thread.id, "Eens met de politie")
    assert response.status_code == 302
    thread_now, reply = comments_of(app, group.document_id)
    assert reply.parent_id == thread.id and thread_now.resolved_at is None
    kinds = [n.kind for n in notifications_of(app, personas.police)]
    assert NotificationKind.REPLY in kinds


def test_a_mention_notifies_a_reader_and_tells_the_writer_who_was_not_reached(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    body = f"Wat vindt @{personas.om.email} hiervan? En @{personas.member_b.email}?"
    response = comment_http(client, group.document_id, body)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Geen melding voor" in page and personas.member_b.email in page
    assert [n.kind for n in notifications_of(app, personas.om)] == [NotificationKind.MENTION]
    assert notifications_of(app, personas.member_b) == []
    # Shown with the reader's name; the outsider's address stays plain text.
    assert 'class="mention"' in page and personas.om.name in page


def test_the_mention_autocomplete_offers_only_readers(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    path = f"/documenten/{group.document_id}/vermeldingen"
    names = {f["name"] for q in ("me", "om", "pl") for f in client.get(f"{path}?q={q}").get_json()}
    assert personas.om.name in names and personas.member_a.name in names
    assert personas.member_b.name not in names
    assert personas.platform_admin.name not in names


def test_editing_keeps_the_earlier_text_and_deleting_leaves_a_tombstone(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Eerste tekst")
    [comment] = comments_of(app, group.document_id)
    path = f"/reacties/{comment.id}/bewerken"
    assert post(client, path, {"body": "Tweede tekst"}, token_from=path).status_code == 302
    page = client.get(f"/documenten/{group.document_id}").get_data(as_text=True)
    assert "Tweede tekst" in page and "Eerste tekst" in page and "Eerdere teksten (1)" in page
    login_as(app, client, personas.om)
    reply_http(client, group.document_id, comment.id, "Een antwoord")
    login_as(app, client, personas.police)
    response = post(
        client,
        f"/reacties/{comment.id}/verwijderen",
        {},
        token_from=f"/documenten/{group.document_id}",
    )
    assert response.status_code == 302
    page = client.get(f"/documenten/{group.document_id}").get_data(as_text=True)
    assert "Deze reactie is verwijderd" in page and "Een antwoord" in page
    assert "Tweede tekst" not in page and "Eerste tekst" not in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(CommentRevision).where(CommentRevision.comment_id == comment.id)
            )
            is None
        )
        assert db.session.get(Comment, comment.id).body == ""


def test_only_the_author_edits_or_deletes(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Van de politie")
    [comment] = comments_of(app, group.document_id)
    login_as(app, client, personas.org_admin_a)  # an editor, not the author
    assert client.get(f"/reacties/{comment.id}/bewerken").status_code == 403
    response = post(
        client,
        f"/reacties/{comment.id}/verwijderen",
        {},
        token_from=f"/documenten/{group.document_id}",
    )
    assert response.status_code == 403
    assert comments_of(app, group.document_id)[0].body == "Van de politie"


def test_the_thread_author_or_an_editor_resolves_others_may_not(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Punt")
    [thread] = comments_of(app, group.document_id)
    login_as(app, client, personas.om)
    page = f"/documenten/{group.document_id}"
    assert post(client, f"/reacties/{thread.id}/afhandelen", {}, token_from=page).status_code == 403
    login_as(app, client, personas.police)
    assert post(client, f"/reacties/{thread.id}/afhandelen", {}, token_from=page).status_code == 302
    assert comments_of(app, group.document_id)[0].resolved_at is not None
    login_as(app, client, personas.org_admin_a)
    assert post(client, f"/reacties/{thread.id}/heropenen", {}, token_from=page).status_code == 302
    assert comments_of(app, group.document_id)[0].resolved_at is None
    assert actions_logged(app, "comment.re") == ["comment.resolved", "comment.reopened"]


def test_an_editor_answers_and_decides_and_the_author_hears_of_the_decision(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Voeg de politie toe aan de bewonersbrief")
    [thread] = comments_of(app, group.document_id)
    path = f"/reacties/{thread.id}/beantwoorden"
    login_as(app, client, personas.om)
    assert client.get(path).status_code == 403
    login_as(app, client, personas.org_admin_a)
    response = post(
        client,
        path,
        {"response": "Aangepast in alinea 2.", "decision": "overgenomen"},
        token_from=path,
    )
    assert response.status_code == 302
    [answered] = comments_of(app, group.document_id)
    assert (
        answered.decision == Decision.OVERGENOMEN and answered.response == "Aangepast in alinea 2."
    )
    assert [n.kind for n in notifications_of(app, personas.police)] == [NotificationKind.DECISION]
    page = client.get(f"/documenten/{group.document_id}").get_data(as_text=True)
    assert "Aangepast in alinea 2." in page and "overgenomen" in page


def test_the_secretariat_answers_where_it_may_read(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Punt")
    [thread] = comments_of(app, group.document_id)
    login_as(app, client, personas.secretariat)
    path = f"/reacties/{thread.id}/beantwoorden"
    response = post(
        client, path, {"response": "Dank", "decision": "kennisgenomen"}, token_from=path
    )
    assert response.status_code == 302


def test_a_comment_is_visible_exactly_when_its_document_is(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Alleen voor de driehoek")
    [comment] = comments_of(app, group.document_id)
    # Narrow the document to the police and the OM: the housing corporation loses it all.
    with app.app_context():
        document = db.session.get(Document, group.document_id)
        document.narrowing = [
            DocumentNarrowing(organisation_id=personas.orgs["politie"]),
            DocumentNarrowing(organisation_id=personas.orgs["om"]),
        ]
        db.session.commit()
    login_as(app, client, personas.housing)
    assert client.get(f"/documenten/{group.document_id}").status_code == 404
    assert client.get(f"/reacties/{comment.id}/beantwoorden").status_code == 404
    assert client.get(f"/documenten/{group.document_id}/vermeldingen?q=exa").status_code == 404
    page = f"/werkruimtes/{group.space_id}/activiteit"
    assert "heeft gereageerd op" not in client.get(page).get_data(as_text=True)
    login_as(app, client, personas.om)
    assert client.get(f"/documenten/{group.document_id}").status_code == 200
    # A mention of someone narrowed out does not reach them.
    comment_http(client, group.document_id, f"@{personas.housing.email} kijk mee")
    assert notifications_of(app, personas.housing) == []


def test_a_comment_on_an_earlier_version_says_so(app, client, personas, group):
    login_as(app, client, personas.police)
    comment_http(client, group.document_id, "Op versie 1")
    login_as(app, client, personas.org_admin_a)
    path = f"/documenten/{group.document_id}/tekst"
    assert (
        post(client, path, {"text": "Nieuwe tekst\n\nTweede alinea"}, token_from=path).status_code
        == 302
    )
    page = client.get(f"/documenten/{group.document_id}").get_data(as_text=True)
    assert "op een eerdere versie (versie 1)" in page


def test_an_archived_document_takes_no_comments(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    page = f"/documenten/{group.document_id}"
    assert (
        post(client, f"{page}/status", {"status": "gearchiveerd"}, token_from=page).status_code
        == 302
    )
    login_as(app, client, personas.police)
    assert "Nieuwe reactie" not in client.get(page).get_data(as_text=True)
    assert comment_http(client, group.document_id, "Te laat").status_code == 403


def test_a_confidential_document_needs_mfa_for_its_comments_too(app, client, personas):
    group = working_group(app, personas, classification=Classification.VERTROUWELIJK)
    login_as(app, client, personas.police, mfa_verified=True)
    comment_http(client, group.document_id, "Vertrouwelijk punt")
    [comment] = comments_of(app, group.document_id)
    login_as(app, client, personas.om, mfa_verified=False)
    assert client.get(f"/reacties/{comment.id}/beantwoorden").status_code == 404
    assert client.get(f"/reacties/{comment.id}/bewerken").status_code == 404
