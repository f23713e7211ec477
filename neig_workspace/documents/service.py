"""Document use cases: upload, versions, metadata, move, copy, trash and purge.

Blobs are placed in the store before the transaction commits. A use case never removes one,
not when it rolls back and not when it purges: identical content is one blob that another
request may be reusing at that very moment. A blob no row points at is left to the garbage
collector (`flask neig blobs gc`, blobs.py), after a grace period longer than any request.
"""

import uuid
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import jobs
from ..audit import service as audit
from ..db_types import lock_latest
from ..errors import ServiceError
from ..extensions import db
from ..spaces.models import Classification, Space
from ..timeutil import utcnow
from . import filetypes, hooks, scanning
from .audit_privacy import NAMING_KEYS, WITHHELD, audit_details  # noqa: F401 - known here too
from .models import (
    Document,
    DocumentNarrowing,
    DocumentStatus,
    DocumentVersion,
    Folder,
    ScanStatus,
)
from .s3_storage import S3BlobStore
from .storage import LocalBlobStore, StagedBlob, TooLarge
from .stores import blob_store


def store() -> LocalBlobStore | S3BlobStore:
    """The configured blob store (BLOB_BACKEND): the filesystem or an S3-compatible bucket."""
    return blob_store(current_app.config)


@dataclass
class Upload:
    """A file as it arrived: its stream and what the browser said about it."""

    stream: object
    filename: str
    declared_type: str = ""


class UploadTooLarge(ServiceError):
    """A file over MAX_UPLOAD_SIZE: answered with 413 (SECURITY.md § Files)."""


class UploadRefused(ServiceError):
    """Refused by the virus check. The refusal is audited after the upload's transaction is
    rolled back (see record_refusal), so the rollback cannot take the audit event with it."""

    def __init__(self, message: str, *, action: str, space_id: int, details: dict):
        super().__init__(message, "files")
        self.action, self.space_id, self.details = action, space_id, details


def record_refusal(error: UploadRefused, *, actor) -> None:
    """Audit a refused upload in its own transaction; call after rolling back the upload."""
    audit.record(
        error.action,
        actor=actor,
        result="failure",
        target_type="space",
        target_id=error.space_id,
        space_id=error.space_id,
        details=error.details,
    )
    db.session.commit()


def _size_label(size: int) -> str:
    # A limit under 1 MB would otherwise read as "0 MB".
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(size // 1024, 1)} kB"


def _stage(
    upload: Upload, space_id: int, *, text: bool = False
) -> tuple[StagedBlob, filetypes.FileType, str, ScanStatus]:
    """Stream to a temporary file, check the content and scan it; refuse with a clear message.
    `text`: Markdown typed in the app, stored as plain text whatever it looks like (a draft
    may well quote HTML); it is only ever shown through the sanitiser, and still scanned."""
    filename = filetypes.clean_filename(upload.filename)
    limit = current_app.config["MAX_UPLOAD_SIZE"]
    try:
        staged = store().stage(upload.stream, limit)
    except TooLarge as error:
        raise UploadTooLarge(
            _(
                "%(name)s is groter dan toegestaan: een bestand mag hoogstens %(limit)s zijn.",
                name=filename,
                limit=_size_label(limit),
            ),
            "files",
        ) from error
    try:
        file_type = filetypes.TYPES["txt"] if text else filetypes.detect(staged.path)
        if not filetypes.extension_matches(filename, file_type):
            raise filetypes.FileTypeError("mismatch")
    except filetypes.FileTypeError as error:
        store().discard(staged)
        raise ServiceError(_type_message(error.code, filename), "files") from error
    try:
        scan_status = _scan(staged, filename, space_id)
    except BaseException:
        store().discard(staged)  # an infected or unscanned file never reaches the store
        raise
    return staged, file_type, filename, scan_status


def _scan(staged: StagedBlob, filename: str, space_id: int) -> ScanStatus:
    client = scanning.client_from_config(current_app.config)
    if client is None:
        return ScanStatus.NOT_SCANNED
    if jobs.queue_configured():
        # Stored in quarantine, scanned by a worker (_queue_scan): the request does not wait
        # for clamd, and a large file does not hold it.
        return ScanStatus.PENDING
    try:
        verdict = client.scan_file(staged.path)
    except scanning.ScannerUnavailable as error:
        current_app.logger.warning("Virus scanner unavailable: %s", error)
        if scanning.quarantine_when_unavailable(current_app.config):
            return ScanStatus.PENDING
        raise UploadRefused(
            _("De virusscanner is niet bereikbaar; probeer het later opnieuw."),
            action="document.scan_unavailable",
            space_id=space_id,
            details=audit_details(space_id, {"filename": filename, "space": space_id}),
        ) from error
    if verdict.infected:
        raise UploadRefused(
            _(
                "%(name)s bevat een virus (%(signature)s) en is geweigerd.",
                name=filename,
                signature=verdict.signature_label,
            ),
            action="document.infected",
            space_id=space_id,
            details=audit_details(
                space_id,
                {"filename": filename, "signature": verdict.signature, "space": space_id},
            ),
        )
    return ScanStatus.CLEAN


def _type_message(code: str, filename: str) -> str:
    messages = {
        "empty": _("%(name)s is leeg.", name=filename),
        "zip_bomb": _(
            "%(name)s is een archief dat uitgepakt te groot wordt; het is geweigerd.", name=filename
        ),
        "mismatch": _(
            "De naam van %(name)s past niet bij de inhoud. Controleer de extensie.", name=filename
        ),
    }
    return messages.get(
        code,
        _(
            "%(name)s is geen toegestaan bestandstype. Toegestaan zijn PDF, Office- en OpenDocument-bestanden, "
            "tekst, CSV en afbeeldingen.",
            name=filename,
        ),
    )


def _place(staged: StagedBlob) -> None:
    """Move the blob into the store (or refresh the identical one there): from here until the
    transaction commits, the grace period of the garbage collector keeps it."""
    store().commit(staged)


def lock_document(document: Document) -> None:
    """A new version takes its number from what was committed, so two at once become N and N+1
    instead of one of them failing on the unique key."""
    lock_latest(db.session, document)


def normalise_tags(text: str) -> str:
    tags = sorted({t.strip().lower()[:40] for t in text.replace(";", ",").split(",") if t.strip()})
    return "|" + "|".join(tags) + "|" if tags else ""


def _check_classification(space: Space, classification: Classification) -> None:
    if classification.rank < space.classification.rank:
        raise ServiceError(
            _(
                "Een document in deze werkruimte is minstens ‘%(label)s’.",
                label=space.classification.value,
            ),
            "classification",
        )


def _add_version(
    document: Document,
    *,
    filename: str,
    mimetype: str,
    size: int,
    sha256: str,
    actor,
    scan_status: ScanStatus,
    restored_from: int | None = None,
) -> DocumentVersion:
    document.latest_number += 1
    version = DocumentVersion(
        document_id=document.id,
        number=document.latest_number,
        filename=filename,
        mimetype=mimetype,
        size=size,
        sha256=sha256,
        created_by_id=actor.id,
        restored_from=restored_from,
        scan_status=scan_status,
    )
    db.session.add(version)
    document.updated_at = utcnow()
    return version


def _add_staged_version(
    document: Document, staged: StagedBlob, file_type, filename: str, scan_status, *, actor
):
    version = _add_version(
        document,
        filename=filename,
        mimetype=file_type.mimetype,
        size=staged.size,
        sha256=staged.sha256,
        actor=actor,
        scan_status=scan_status,
    )
    _place(staged)
    _queue_scan(staged.sha256, scan_status)
    if scan_status.openable:
        db.session.flush()  # the version's id, for the job
        scanning.queue_extraction([version])
    return version


def _queue_scan(sha256: str, scan_status: ScanStatus) -> None:
    """With a queue, content held in quarantine is scanned by a job once the upload commits;
    without one it waits for `flask neig scan-pending` (clamd was down)."""
    if scan_status == ScanStatus.PENDING and jobs.queue_configured():
        jobs.enqueue("documents.scan", summary=f"blob {sha256[:12]}", sha256=sha256)


def upload_document(
    space: Space,
    upload: Upload,
    *,
    folder: Folder | None = None,
    title: str = "",
    description: str = "",
    tags: str = "",
    classification: Classification | None = None,
    narrowing: list[int] | None = None,
    text: bool = False,
    legal_basis_id: int | None = None,
    purpose: str = "",
    actor,
) -> Document:
    """A new document from one uploaded file (or, with `text`, a text draft's first version);
    the caller has checked `space.upload`."""
    classification = classification or space.classification
    _check_classification(space, classification)
    staged, file_type, filename, scan_status = _stage(upload, space.id, text=text)
    document = Document(
        space_id=space.id,
        folder_id=folder.id if folder else None,
        title=(title or filename).strip()[:300],
        description=description.strip(),
        tags=normalise_tags(tags),
        classification=classification,
        created_by_id=actor.id,
        status=DocumentStatus.CONCEPT,
        is_text=text,
    )
    db.session.add(document)
    db.session.flush()
    _set_narrowing(document, narrowing or [])
    version = _add_staged_version(document, staged, file_type, filename, scan_status, actor=actor)
    audit.record(
        "document.uploaded",
        actor=actor,
        target=document,
        space_id=space.id,
        details={
            "version": version.number,
            "sha256": staged.sha256,
            "size": staged.size,
            "type": file_type.key,
            "scan": scan_status.value,
        },
    )
    hooks.for_space(space).uploaded(
        document, space, actor=actor, legal_basis_id=legal_basis_id, purpose=purpose
    )
    return document


def add_version(document: Document, upload: Upload, *, actor) -> DocumentVersion:
    check_accepts_versions(document)
    staged, file_type, filename, scan_status = _stage(
        upload, document.space_id, text=document.is_text
    )
    # Locked only now: staging and scanning a large file take long, the row lock must not.
    try:
        lock_document(document)
        check_accepts_versions(document)  # it may have been archived in the meantime
    except BaseException:
        store().discard(staged)
        raise
    version = _add_staged_version(document, staged, file_type, filename, scan_status, actor=actor)
    audit.record(
        "document.version_added",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={
            "version": version.number,
            "sha256": staged.sha256,
            "size": staged.size,
            "scan": scan_status.value,
        },
    )
    return version


def restore_version(document: Document, version: DocumentVersion, *, actor) -> DocumentVersion:
    """An old version becomes the newest, as a new version; nothing is overwritten."""
    lock_document(document)
    check_accepts_versions(document)
    store().touch(version.sha256)  # in use again: the garbage collector's grace starts anew
    new = _add_version(
        document,
        filename=version.filename,
        mimetype=version.mimetype,
        size=version.size,
        sha256=version.sha256,
        actor=actor,
        scan_status=version.scan_status,  # same content, same verdict: pending stays pending
        restored_from=version.number,
    )
    audit.record(
        "document.version_restored",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={"from": version.number, "version": new.number},
    )
    return new


def _set_narrowing(document: Document, organisation_ids: list[int]) -> None:
    document.narrowing = [
        DocumentNarrowing(organisation_id=oid) for oid in sorted(set(organisation_ids))
    ]


def update_metadata(
    document: Document,
    *,
    title: str,
    description: str,
    tags: str,
    classification: Classification,
    narrowing: list[int],
    actor,
) -> None:
    space = db.session.get(Space, document.space_id)
    _check_classification(space, classification)
    before = _snapshot(document)
    document.title = title.strip()[:300]
    document.description = description.strip()
    document.tags = normalise_tags(tags)
    document.classification = classification
    old_narrowing = sorted(n.organisation_id for n in document.narrowing)
    hooks.for_space(space).narrowing_changing(
        document, old_narrowing, sorted(set(narrowing)), actor=actor
    )
    _set_narrowing(document, narrowing)
    after = _snapshot(document)
    if before != after:
        document.updated_at = utcnow()
        audit.record(
            "document.updated",
            actor=actor,
            target=document,
            space_id=document.space_id,
            details=audit_details(space, {"before": before, "after": after}),
        )
    if old_narrowing != sorted(set(narrowing)):
        audit.record(
            "document.narrowing_changed",
            actor=actor,
            target=document,
            space_id=document.space_id,
            details={"before": old_narrowing, "after": sorted(set(narrowing))},
        )


def _snapshot(document: Document) -> dict:
    return {
        "title": document.title,
        "description": document.description,
        "tags": document.tags,
        "classification": document.classification.value,
    }


def move_document(document: Document, folder: Folder | None, *, actor) -> None:
    if folder is not None and folder.space_id != document.space_id:
        raise ServiceError(_("Een document verplaatst u alleen binnen zijn werkruimte."), "folder")
    before = document.folder_id
    document.folder_id = folder.id if folder else None
    audit.record(
        "document.moved",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={"from_folder": before, "to_folder": document.folder_id},
    )


def copy_document(document: Document, target: Space, *, actor) -> Document:
    """A new document in `target` with the newest version; its history starts at the copy."""
    hooks.for_space(document.space).copying_out(document, target, actor=actor)
    latest = document.latest
    # A copy keeps its label, or takes the target's when that is higher: it never goes down.
    label = max(document.classification, target.classification, key=lambda c: c.rank)
    copy = Document(
        space_id=target.id,
        title=document.title,
        description=document.description,
        tags=document.tags,
        classification=label,
        created_by_id=actor.id,
    )
    db.session.add(copy)
    db.session.flush()
    # Narrowing travels with the copy: copying never gives a reader what the original withheld.
    _set_narrowing(copy, [n.organisation_id for n in document.narrowing])
    store().touch(latest.sha256)  # in use again: the garbage collector's grace starts anew
    _add_version(
        copy,
        filename=latest.filename,
        mimetype=latest.mimetype,
        size=latest.size,
        sha256=latest.sha256,
        actor=actor,
        scan_status=latest.scan_status,
    )
    hooks.for_space(target).copied_in(document, copy, target, actor=actor)
    audit.record(
        "document.copied_out",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={"to_space": target.id, "copy": copy.id},
    )
    audit.record(
        "document.copied_in",
        actor=actor,
        target=copy,
        space_id=target.id,
        details={"from_space": document.space_id, "original": document.id},
    )
    return copy


def create_folder(space: Space, name: str, parent: Folder | None, *, actor) -> Folder:
    name = name.strip()[:200]
    _check_folder_name_free(space, name, parent)
    folder = Folder(
        space_id=space.id,
        parent_id=parent.id if parent else None,
        name=name,
        created_by_id=actor.id,
    )
    db.session.add(folder)
    db.session.flush()
    audit.record(
        "folder.created",
        actor=actor,
        target=folder,
        space_id=space.id,
        details=audit_details(space, {"name": folder.name}),
    )
    return folder


def _check_folder_name_free(space: Space, name: str, parent: Folder | None) -> None:
    """Two folders side by side with one name cannot be told apart (case ignored, as Windows
    and SharePoint do); one in the trash does not count."""
    taken = db.session.scalar(
        select(Folder.id).where(
            Folder.space_id == space.id,
            Folder.parent_id == parent.id if parent else Folder.parent_id.is_(None),
            Folder.deleted_at.is_(None),
            func.lower(Folder.name) == name.lower(),
        )
    )
    if taken is not None:
        raise ServiceError(
            _("Er staat hier al een map met de naam ‘%(name)s’. Kies een andere naam.", name=name),
            "name",
        )


def trash_document(document: Document, *, actor) -> None:
    document.deleted_at = utcnow()
    document.deleted_by_id = actor.id
    document.trash_batch = uuid.uuid4().hex
    audit.record("document.deleted", actor=actor, target=document, space_id=document.space_id)


def trash_folder(folder: Folder, *, actor) -> None:
    """The folder, its subfolders and their documents go to the trash together."""
    batch, now = uuid.uuid4().hex, utcnow()
    ids = _descendant_folder_ids(folder)
    db.session.execute(
        update(Folder)
        .where(Folder.id.in_(ids), Folder.deleted_at.is_(None))
        .values(deleted_at=now, deleted_by_id=actor.id, trash_batch=batch)
    )
    db.session.execute(
        update(Document)
        .where(Document.folder_id.in_(ids), Document.deleted_at.is_(None))
        .values(deleted_at=now, deleted_by_id=actor.id, trash_batch=batch)
    )
    audit.record(
        "folder.deleted",
        actor=actor,
        target=folder,
        space_id=folder.space_id,
        details={"folders": len(ids)},
    )


def _descendant_folder_ids(folder: Folder) -> list[int]:
    ids, frontier = [folder.id], [folder.id]
    while frontier:
        frontier = list(db.session.scalars(select(Folder.id).where(Folder.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def restore_document(document: Document, *, actor) -> None:
    batch = document.trash_batch
    document.deleted_at = None
    document.deleted_by_id = None
    document.trash_batch = None
    _restore_folders_of(document, actor=actor)
    audit.record(
        "document.restored",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={"batch": batch},
    )


def _restore_folders_of(document: Document, *, actor) -> None:
    """Bring back the trashed folders a restored document lives in (only the folders, not the
    rest of their contents): in a trashed folder it would be in no list at all."""
    folder = document.folder
    while folder is not None:
        if folder.deleted_at is not None:
            folder.deleted_at = None
            folder.deleted_by_id = None
            folder.trash_batch = None
            audit.record(
                "folder.restored",
                actor=actor,
                target=folder,
                space_id=folder.space_id,
                details={"with_document": document.id},
            )
        folder = folder.parent


def purge_document(document: Document, *, actor, reason: str | None = None) -> list[str]:
    """Remove the document for good. Returns the blobs no version uses any more: they stay
    until the garbage collector finds them still unused after its grace period. `reason`
    ("retention") goes into the audit event."""
    hashes = set(
        db.session.scalars(
            select(DocumentVersion.sha256).where(DocumentVersion.document_id == document.id)
        )
    )
    audit.record(
        "document.purged",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details=audit_details(
            document.space_id,
            {"title": document.title, "versions": document.latest_number}
            | ({"reason": reason} if reason else {}),
        ),
    )
    db.session.execute(
        DocumentVersion.__table__.delete().where(DocumentVersion.document_id == document.id)
    )
    db.session.execute(
        DocumentNarrowing.__table__.delete().where(DocumentNarrowing.document_id == document.id)
    )
    hooks.for_space(document.space).purging(document)
    db.session.delete(document)
    db.session.flush()
    still_used = set(
        db.session.scalars(select(DocumentVersion.sha256).where(DocumentVersion.sha256.in_(hashes)))
    )
    return sorted(hashes - still_used)


def version_count(document_id: int) -> int:
    return db.session.scalar(
        select(func.count(DocumentVersion.id)).where(DocumentVersion.document_id == document_id)
    )


# --- status --------------------------------------------------------------------------------

#: Status changes an editor makes by hand; `in consultatie` comes and goes with comment rounds.
MANUAL_STATUSES = (DocumentStatus.CONCEPT, DocumentStatus.VASTGESTELD, DocumentStatus.GEARCHIVEERD)


def change_status(document: Document, status: DocumentStatus, *, actor) -> None:
    """An editor adopts, archives or reopens a draft; the caller has checked `set_status`."""
    if status == document.status:
        return
    if document.status == DocumentStatus.IN_CONSULTATIE:
        raise ServiceError(
            _("Er loopt een commentaarronde: sluit die eerst, dan kunt u de status wijzigen."),
            "status",
        )
    if status not in MANUAL_STATUSES:
        raise ServiceError(
            _("‘In consultatie’ begint met het openen van een commentaarronde."), "status"
        )
    set_status(document, status, actor=actor)


def set_status(document: Document, status: DocumentStatus, *, actor, round_number=None) -> None:
    """Record a status change in the document's history (also used by comment rounds)."""
    before = document.status
    document.status = status
    document.updated_at = utcnow()
    details = {"before": before.value, "after": status.value}
    if round_number is not None:
        details["round"] = round_number
    audit.record(
        "document.status_changed",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details=details,
    )


def check_accepts_versions(document: Document) -> None:
    if document.status == DocumentStatus.GEARCHIVEERD:
        raise ServiceError(
            _("Een gearchiveerd document krijgt geen nieuwe versies; zet de status eerst terug."),
            "files",
        )
