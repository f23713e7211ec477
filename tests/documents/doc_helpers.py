"""Shared set-up for the document tests: spaces, uploads through HTTP, and what is on disk."""

import io
import os
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.documents.models import Document, DocumentVersion
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space
from tests.conftest import db_ctx
from tests.helpers import form_token, hidden_fields

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(marker: str = "") -> bytes:
    """A small PDF whose bytes (and so hash) differ by `marker`."""
    return PDF + f"% {marker}\n".encode()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<x/>")
    return buffer.getvalue()


def org_space(app, personas, org_key: str = "gemeente_a") -> int:
    """The organisation's own space: members contribute, org admins manage."""
    with app.app_context():
        org = db.session.get(Organisation, personas.orgs[org_key])
        space = spaces.create_organisation_space(org, actor=None)
        db.session.commit()
        return space.id


def grant_user(app, space_id: int, persona, role: SpaceRole) -> None:
    with app.app_context():
        space = db.session.get(Space, space_id)
        user = db.session.get(User, persona.id)
        spaces.add_grant(space, PrincipalType.USER, role, user=user, actor=None)
        db.session.commit()


def upload_url(space_id: int) -> str:
    return f"/werkruimtes/{space_id}/documenten/uploaden"


def upload(client, space_id: int, files, *, json: bool = False, **fields):
    """POST the upload form; `files` is a list of (bytes or file object, filename)."""
    parts = [(io.BytesIO(f) if isinstance(f, bytes) else f, name) for f, name in files]
    data = {
        "csrf_token": form_token(client, upload_url(space_id)),
        "folder": "0",
        "classification": "intern",
        **fields,
        "files": parts,
    }
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        upload_url(space_id), data=data, headers=headers, content_type="multipart/form-data"
    )


def post(client, path: str, data: dict | None = None, *, token_from: str, **kwargs):
    return client.post(path, data={**hidden_fields(client, token_from), **(data or {})}, **kwargs)


def blob_files(app) -> list[Path]:
    """Every file under BLOB_ROOT, temporary files included."""
    root = app.config["BLOB_ROOT"]
    return sorted(Path(d) / f for d, _, names in os.walk(root) for f in names)


def document_ids(app, space_id: int | None = None) -> list[int]:
    with db_ctx(app) as session:
        query = select(Document.id).order_by(Document.id)
        if space_id is not None:
            query = query.where(Document.space_id == space_id)
        return list(session.scalars(query))


def row_counts(app) -> tuple[int, int]:
    with db_ctx(app) as session:
        return (
            session.scalar(select(func.count(Document.id))),
            session.scalar(select(func.count(DocumentVersion.id))),
        )


def versions(app, document_id: int) -> list[DocumentVersion]:
    with db_ctx(app) as session:
        rows = session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(DocumentVersion.number)
        ).all()
        session.expunge_all()
        return rows


def audit_events(app, action: str, target_id: int | None = None) -> list[tuple]:
    """(actor_id, target_id, space_id, details) of the events with `action`, oldest first."""
    from neig_workspace.audit.models import AuditEvent

    with db_ctx(app) as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if target_id is not None:
            query = query.where(AuditEvent.target_id == str(target_id))
        return [
            (e.actor_id, e.target_id, e.space_id, dict(e.details or {}))
            for e in session.scalars(query)
        ]


def add_version(client, document_id: int, content: bytes, name: str, *, token_from: str):
    return post(
        client,
        f"/documenten/{document_id}/versies",
        {"files": [(io.BytesIO(content), name)]},
        token_from=token_from,
        content_type="multipart/form-data",
    )


def uploaded_id(client, space_id: int, content: bytes, name: str, **fields) -> int:
    """Upload one file as the client's user and return the new document's id."""
    response = upload(client, space_id, [(content, name)], json=True, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["documents"][0]["id"]


def blobs_command(app, *args: str, grace_hours: float = 0):
    """`flask neig blobs …` with the garbage collector's grace period set (0: anything unused is
    old enough), in the test's transaction."""
    saved = app.config["BLOB_GC_GRACE_HOURS"]
    app.config["BLOB_GC_GRACE_HOURS"] = grace_hours
    try:
        return app.test_cli_runner().invoke(args=["neig", "blobs", *args])
    finally:
        app.config["BLOB_GC_GRACE_HOURS"] = saved


def assert_only_garbage_left(app):
    """What a refused upload left on disk is garbage: no row points at it, no temporary file
    stays, and the collector removes it."""
    assert not [p for p in blob_files(app) if p.parent.name == "tmp"], "a temporary file stayed"
    result = blobs_command(app, "gc")
    assert result.exit_code == 0, result.output
    assert blob_files(app) == [], "the collector left a blob no row points at"
