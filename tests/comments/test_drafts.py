"""Text drafts written in the app: create with preview, versions, the diff, and the status
workflow (concept → in consultatie → vastgesteld → gearchiveerd) with its history."""

import re

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents.models import Document, DocumentStatus, DocumentVersion
from neig_workspace.extensions import db
from tests.comments.comment_helpers import open_round_for, post, working_group
from tests.documents.doc_helpers import grant_user, org_space
from tests.helpers import login_as


@pytest.fixture
def group(app, personas):
    return working_group(app, personas)


def _new(client, space_id, **fields):
    path = f"/werkruimtes/{space_id}/concepten/nieuw"
    data = {"title": "Handreiking", "text": "", "folder": "0", "classification": "intern", **fields}
    return post(client, path, data, token_from=path)


def test_a_member_writes_a_text_draft_with_a_preview_first(app, client, personas):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    text = "# Handreiking\n\nEerste alinea.\n\nTweede alinea met <script>alert(1)</script>."
    preview = _new(client, space_id, text=text, voorbeeld="1")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Voorbeeld" in page and 'id="alinea-3"' in page
    assert "<script>alert(1)</script>" not in page
    with app.app_context():
        assert db.session.scalar(select(Document)) is None  # a preview saves nothing
    saved = _new(client, space_id, text=text)
    assert saved.status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.is_text and document.latest_number == 1
        assert document.latest.filename == "handreiking.md"
    page = client.get(saved.location).get_data(as_text=True)
    assert "Eerste alinea." in page and "Tekst bewerken" in page


def test_the_documents_page_links_to_a_new_text_draft_for_those_who_may_write_one(
    app, client, personas
):
    space_id = org_space(app, personas)
    grant_user(app, space_id, personas.police, SpaceRole.VIEWER)
    link = f'href="/werkruimtes/{space_id}/concepten/nieuw"'
    login_as(app, client, personas.member_a)
    page = client.get(f"/werkruimtes/{space_id}/documenten").get_data(as_text=True)
    assert link in page and "Nieuw tekstconcept" in page
    login_as(app, client, personas.police)  # a viewer may read but not write
    page = client.get(f"/werkruimtes/{space_id}/documenten")
    assert page.status_code == 200 and link not in page.get_data(as_text=True)


def test_an_empty_text_is_refused_and_the_title_kept(app, client, personas):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    response = _new(client, space_id, title="Mijn titel", text="  ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Schrijf de tekst van het concept." in page and 'value="Mijn titel"' in page


def test_a_title_longer_than_allowed_is_refused_with_how_long_it_is_not_cut(app, client, personas):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    form = client.get(f"/werkruimtes/{space_id}/concepten/nieuw").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="title"[^>]*maxlength="300"', form)
    assert 'id="title-count"' in form and 'data-count="{n} van 300 tekens"' in form
    response = _new(client, space_id, title="x" * 10_000, text="Tekst")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Gebruik hoogstens 300 tekens (nu 10000)." in page
    assert 'value="' + "x" * 10_000 + '"' in page  # kept whole, to shorten by hand
    with app.app_context():
        assert db.session.scalar(select(Document)) is None


def test_saving_makes_versions_and_the_diff_shows_what_changed(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    path = f"/documenten/{group.document_id}/tekst"
    text = "# Kader nazorg na een explosie\n\nDe gemeente stuurt binnen 48 uur een bewonersbrief.\n\nNieuwe alinea."
    assert post(client, path, {"text": text}, token_from=path).status_code == 302
    # The same text again makes no new version.
    assert post(client, path, {"text": text}, token_from=path).status_code == 302
    with app.app_context():
        assert db.session.get(Document, group.document_id).latest_number == 2
    page = client.get(f"/documenten/{group.document_id}/vergelijken?van=1&naar=2").get_data(
        as_text=True
    )
    assert "<ins" in page and "48" in page
    assert "<del" in page and "24" in page
    # The older version can still be read.
    old = client.get(f"/documenten/{group.document_id}?versie=1").get_data(as_text=True)
    assert "binnen 24 uur" in old and "niet de nieuwste versie" in old


def test_only_those_who_may_edit_change_the_text(app, client, personas, group):
    login_as(app, client, personas.police)
    assert client.get(f"/documenten/{group.document_id}/tekst").status_code == 403
    login_as(app, client, personas.member_b)
    assert client.get(f"/documenten/{group.document_id}/tekst").status_code == 404
    assert client.get(f"/documenten/{group.document_id}/vergelijken").status_code == 404


def test_status_changes_are_for_editors_and_show_in_the_history(app, client, personas, group):
    page = f"/documenten/{group.document_id}"
    login_as(app, client, personas.member_a)  # a contributor
    assert (
        post(client, f"{page}/status", {"status": "vastgesteld"}, token_from=page).status_code
        == 403
    )
    login_as(app, client, personas.org_admin_a)
    assert (
        post(client, f"{page}/status", {"status": "vastgesteld"}, token_from=page).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Document, group.document_id).status == DocumentStatus.VASTGESTELD
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "document.status_changed")
        )
        assert event.details == {"before": "concept", "after": "vastgesteld"}
    shown = client.get(page).get_data(as_text=True)
    assert "status van ‘concept’ naar ‘vastgesteld’" in shown
    # "In consultatie" is not set by hand.
    post(client, f"{page}/status", {"status": "in_consultatie"}, token_from=page)
    with app.app_context():
        assert db.session.get(Document, group.document_id).status == DocumentStatus.VASTGESTELD


def _selected_status(page: str) -> list[str]:
    select_html = page.split('name="status"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option selected value="([a-z_]+)"', select_html) or re.findall(
        r'value="([a-z_]+)" selected', select_html
    )


def test_the_status_list_starts_at_the_current_status_also_in_consultation(
    app, client, personas, group
):
    page = f"/documenten/{group.document_id}"
    login_as(app, client, personas.org_admin_a)
    assert _selected_status(client.get(page).get_data(as_text=True)) == ["concept"]
    open_round_for(app, personas, group.document_id)
    shown = client.get(page).get_data(as_text=True)
    assert _selected_status(shown) == ["in_consultatie"]
    assert "sluit die eerst, dan kunt u de status wijzigen" in shown
    # Sending the list as shown changes nothing and says so.
    response = post(client, f"{page}/status", {}, token_from=page)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Document, group.document_id).status == DocumentStatus.IN_CONSULTATIE
    assert "De status is niet gewijzigd." in client.get(page).get_data(as_text=True)


def test_an_adopted_draft_is_changed_by_editors_only_and_an_archived_one_not_at_all(
    app, client, personas
):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)  # contributor and author
    _new(client, space_id, text="Tekst")
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    assert client.get(f"/documenten/{document_id}/tekst").status_code == 200
    login_as(app, client, personas.org_admin_a)  # manager of the organisation space
    page = f"/documenten/{document_id}"
    post(client, f"{page}/status", {"status": "vastgesteld"}, token_from=page)
    login_as(app, client, personas.member_a)
    assert client.get(f"/documenten/{document_id}/tekst").status_code == 403
    assert client.get(f"/documenten/{document_id}/bewerken").status_code == 403
    login_as(app, client, personas.org_admin_a)
    path = f"/documenten/{document_id}/tekst"
    assert post(client, path, {"text": "Tekst, versie 2"}, token_from=path).status_code == 302
    post(client, f"{page}/status", {"status": "gearchiveerd"}, token_from=page)
    assert client.get(path).status_code == 403
    response = post(client, path, {"text": "Tekst, versie 3"}, token_from=page)
    assert response.status_code == 403
    # Nor through the file upload of a new version.
    response = post(client, f"{page}/versies", {}, token_from=page)
    assert response.status_code == 303
    with app.app_context():
        versions = db.session.scalars(
            select(DocumentVersion.number).where(DocumentVersion.document_id == document_id)
        ).all()
    assert sorted(versions) == [1, 2]
