"""Purging the trash after its retention period (`flask neig purge-trash`)."""

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from . import service
from .models import Document, Folder


def purge_expired_trash(days: int, *, dry_run: bool) -> list[tuple[int, str, object]]:
    """Documents (and then empty folders) in the trash for more than `days`; one commit each."""
    cutoff = utcnow() - timedelta(days=days)
    expired = db.session.scalars(
        select(Document)
        .where(Document.deleted_at.is_not(None), Document.deleted_at < cutoff)
        .order_by(Document.id)
    ).all()
    report = [(d.id, d.title, d.deleted_at) for d in expired]
    if dry_run:
        return report
    for document in expired:
        service.purge_document(document, actor=None)
        db.session.commit()
    _purge_expired_folders(cutoff)
    return report


def _purge_expired_folders(cutoff) -> None:
    folders = db.session.scalars(
        select(Folder)
        .where(Folder.deleted_at.is_not(None), Folder.deleted_at < cutoff)
        .order_by(Folder.id.desc())
    ).all()
    for folder in folders:
        still_used = db.session.scalar(
            select(Document.id).where(Document.folder_id == folder.id).limit(1)
        )
        has_children = db.session.scalar(
            select(Folder.id).where(Folder.parent_id == folder.id).limit(1)
        )
        if still_used is None and has_children is None:
            db.session.delete(folder)
            db.session.commit()
