"""Audit rows outlive a case's retention and are shown to platform admins, who may see nothing
of cases: document and folder events in a case space hold ids and field names only, never a
title, description, tags, folder name or file name. Outside case spaces nothing changes.
Reading a case draft's text is logged like opening the document."""

import io
import json

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents import drafts, scanning
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.spaces.models import Classification, Space
from tests.cases.helpers import user
from tests.cases.test_provenance import case_with_police, upload_as
from tests.documents.doc_helpers import org_space, pdf, upload
from tests.helpers import login_as

SECRET_TITLE = "PV Jansen Coolsingel"
SECRET_TEXT = "Getuige woont boven de zaak"
SECRET_FOLDER = "Verhoren familie Jansen"
SECRET_FILE = "verhoor-jansen.txt"


def details_of(app, space_id: int, action: str) -> list[dict]:
    with app.app_context():
        return [
            dict(e.details or {})
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.space_id == space_id, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        ]


def all_details_text(app, space_id: int) -> str:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent.details).where(AuditEvent.space_id == space_id))
        return json.dumps([r for r in rows if r])


def assert_nothing_named(app, space_id: int) -> None:
    text = all_details_text(app, space_id)
    for secret in (SECRET_TITLE, SECRET_TEXT, SECRET_FOLDER, SECRET_FILE, "jansen"):
        assert secret.lower() not in text.lower(), text


def edit_and_purge(app, personas, space_id: int, document_id: int) -> None:
    """As member_a: rename and describe the document, make a folder, purge the document."""
    with app.app_context():
        actor = user(personas.member_a)
        document = db.session.get(Document, document_id)
        documents.update_metadata(
            document,
            title=SECRET_TITLE,
            description=SECRET_TEXT,
            tags="jansen, getuige",
            classification=document.classification,
            narrowing=[],
            actor=actor,
        )
        documents.create_folder(db.session.get(Space, space_id), SECRET_FOLDER, None, actor=actor)
        documents.trash_document(document, actor=actor)
        documents.purge_document(document, actor=actor)
        db.session.commit()


def test_case_space_events_hold_ids_and_field_names_only(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    document_id = upload_as(app, client, personas.member_a, space_id, "verhoor.pdf")
    edit_and_purge(app, personas, space_id, document_id)

    [updated] = details_of(app, space_id, "document.updated")
    assert updated == {"fields": ["description", "tags", "title"]}
    [purged] = details_of(app, space_id, "document.purged")
    assert purged == {"title": documents.WITHHELD, "versions": 1}
    [folder] = details_of(app, space_id, "folder.created")
    assert folder == {"name": documents.WITHHELD}
    assert_nothing_named(app, space_id)


def test_outside_a_case_space_the_details_stay_as_they_were(app, client, personas):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    response = upload(client, space_id, [(pdf("x"), "verhoor.pdf")], json=True)
    document_id = response.get_json()["documents"][0]["id"]
    edit_and_purge(app, personas, space_id, document_id)

    [updated] = details_of(app, space_id, "document.updated")
    assert updated["after"]["title"] == SECRET_TITLE
    assert details_of(app, space_id, "document.purged")[0]["title"] == SECRET_TITLE
    assert details_of(app, space_id, "folder.created") == [{"name": SECRET_FOLDER}]


class FakeScanner:
    def __init__(self, infected: bool):
        self.infected = infected

    def scan_file(self, path):
        if not self.infected:
            raise scanning.ScannerUnavailable("down")
        return scanning.Verdict(True, "Eicar-Signature")


@pytest.mark.parametrize(
    "infected, action", [(True, "document.infected"), (False, "document.scan_unavailable")]
)
def test_refused_uploads_in_a_case_space_name_no_file(
    app, client, personas, monkeypatch, infected, action
):
    _case_id, space_id = case_with_police(app, personas)
    monkeypatch.setitem(app.config, "CLAMAV_UNAVAILABLE", "refuse")
    monkeypatch.setattr(scanning, "client_from_config", lambda config: FakeScanner(infected))
    login_as(app, client, personas.member_a)
    content = b"Verhoor van de buurman.\n"
    response = upload(
        client, space_id, [(content, SECRET_FILE)], json=True, classification="zaakvertrouwelijk"
    )
    assert response.status_code == 422

    [details] = details_of(app, space_id, action)
    assert details["filename"] == documents.WITHHELD and details["space"] == space_id
    assert_nothing_named(app, space_id)


def test_a_refused_upload_elsewhere_keeps_its_file_name(app, client, personas, monkeypatch):
    space_id = org_space(app, personas)
    monkeypatch.setattr(scanning, "client_from_config", lambda config: FakeScanner(True))
    login_as(app, client, personas.member_a)
    upload(client, space_id, [(b"tekst\n", SECRET_FILE)], json=True)
    assert details_of(app, space_id, "document.infected")[0]["filename"] == SECRET_FILE


def case_draft(app, personas, space_id: int) -> int:
    with app.app_context():
        document = drafts.create_text_draft(
            db.session.get(Space, space_id),
            title=SECRET_TITLE,
            text="# Verslag\n\nDe buurman heeft iets gezien.\n",
            classification=Classification.ZAAKVERTROUWELIJK,
            actor=user(personas.member_a),
        )
        db.session.commit()
        return document.id


def viewed(app, document_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.action == "document.viewed",
                    AuditEvent.target_type == "document",
                    AuditEvent.target_id == str(document_id),
                )
            ).all()
        )


def test_reading_a_case_drafts_text_is_logged(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    document_id = case_draft(app, personas, space_id)
    login_as(app, client, personas.member_a)
    assert viewed(app, document_id) == 0

    response = client.get(f"/documenten/{document_id}/tekst")
    assert response.status_code == 200
    assert "De buurman heeft iets gezien." in response.get_data(as_text=True)
    assert viewed(app, document_id) == 1
    assert_nothing_named(app, space_id)


def test_the_text_view_of_an_ordinary_draft_is_not_logged(app, client, personas):
    space_id = org_space(app, personas)
    with app.app_context():
        document = drafts.create_text_draft(
            db.session.get(Space, space_id),
            title="Kader",
            text="Tekst.\n",
            classification=Classification.INTERN,
            actor=user(personas.member_a),
        )
        db.session.commit()
        document_id = document.id
    login_as(app, client, personas.member_a)
    assert client.get(f"/documenten/{document_id}/tekst").status_code == 200
    assert viewed(app, document_id) == 0


def test_uploading_into_a_case_space_names_nothing(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    login_as(app, client, personas.member_a)
    response = upload(
        client,
        space_id,
        [(io.BytesIO(pdf("y")), "verhoor-jansen.pdf")],
        json=True,
        classification="zaakvertrouwelijk",
        title=SECRET_TITLE,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_nothing_named(app, space_id)
