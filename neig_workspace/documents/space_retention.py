"""Retention for spaces: a document is destroyed some years after its last change, per space
kind (SPACE_RETENTION_YEARS; case spaces keep the cases' own retention, cases/retention.py).

Nothing is destroyed without a listing first. `dry_run` lists the documents due and stores that
listing with a token (kept hashed); `apply` destroys, within a day, only the documents of that
listing that are still due and whose space is not on hold. Each document goes through the
documents' own destruction (`service.purge_document`, one `document.purged` event per item
with the reason), its comments and notifications with it; the blobs nothing uses any more are
left to `flask neig blobs gc`. What stays is the anonymous count per space kind in the run.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from ..audit import service as audit
from ..comments.models import Comment, CommentRevision, CommentRound, RoundInvitation
from ..extensions import db
from ..notifications.models import Notification
from ..spaces.models import Space, SpaceKind, SpaceRetentionRun
from ..timeutil import utcnow
from . import service
from .models import Document

#: How long a dry run's token may be used.
TOKEN_VALID = timedelta(hours=24)
#: Kinds with a retention of their own elsewhere.
_NOT_HERE = {SpaceKind.CASE}


class RetentionError(Exception):
    """A token that is unknown, used or too old; a setting that cannot be read."""


def retention_years(setting: str | None = None) -> dict[SpaceKind, int]:
    """ "organisation=10,shared=7" -> {ORGANISATION: 10, SHARED: 7}; kinds not named keep."""
    setting = current_app.config.get("SPACE_RETENTION_YEARS", "") if setting is None else setting
    years = {}
    for part in filter(None, (p.strip() for p in setting.replace(";", ",").split(","))):
        name, _, value = part.partition("=")
        try:
            kind, number = SpaceKind(name.strip()), int(value)
        except ValueError as error:
            raise RetentionError(f"SPACE_RETENTION_YEARS: cannot read {part!r}") from error
        if kind in _NOT_HERE:
            raise RetentionError("SPACE_RETENTION_YEARS: case spaces keep the cases' retention")
        if number > 0:
            years[kind] = number
    return years


def _cutoff(years: int, now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _due_clause(now: datetime):
    clauses = [
        (Space.kind == kind) & (Document.updated_at < _cutoff(years, now))
        for kind, years in retention_years().items()
    ]
    if not clauses:
        return None
    return or_(*clauses) & Space.retention_hold_at.is_(None)


@dataclass(frozen=True)
class Due:
    document_id: int
    title: str
    space: str
    kind: str
    changed: datetime


def due_documents(now: datetime | None = None) -> list[Due]:
    """Documents past their space kind's retention, in spaces not on hold, oldest first."""
    clause = _due_clause(now or utcnow())
    if clause is None:
        return []
    rows = db.session.execute(
        select(Document.id, Document.title, Space.name, Space.kind, Document.updated_at)
        .join(Space, Space.id == Document.space_id)
        .where(clause)
        .order_by(Document.updated_at, Document.id)
    )
    return [Due(r[0], r[1], r[2], SpaceKind(r[3]).value, r[4]) for r in rows]


def held_spaces() -> list[Space]:
    return list(
        db.session.scalars(
            select(Space).where(Space.retention_hold_at.is_not(None)).order_by(Space.id)
        )
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def dry_run(now: datetime | None = None) -> tuple[list[Due], str | None]:
    """List what is due and store the listing; returns it and the token that applies it (None
    when nothing is due). Audited. The caller commits."""
    due = due_documents(now)
    if not due:
        return due, None
    token = secrets.token_urlsafe(24)
    run = SpaceRetentionRun(
        token_hash=_hash(token),
        listed_at=now or utcnow(),
        document_ids=[d.document_id for d in due],
        destroyed={},
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "retention.listed",
        target_type="space_retention_run",
        target_id=run.id,
        details={"documents": len(due)},
    )
    return due, token


def run_for(token: str, now: datetime | None = None) -> SpaceRetentionRun:
    run = db.session.scalar(
        select(SpaceRetentionRun).where(SpaceRetentionRun.token_hash == _hash(token or ""))
    )
    if run is None:
        raise RetentionError("Unknown token: run `flask neig retention --dry-run` first.")
    if run.applied_at is not None:
        raise RetentionError("This listing was applied already: make a new dry run.")
    if run.listed_at < (now or utcnow()) - TOKEN_VALID:
        raise RetentionError("This listing is older than 24 hours: make a new dry run.")
    return run


def apply(
    token: str,
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Destroy the listed documents that are still due (one commit each); returns the count
    per space kind, which the run keeps."""
    now = now or utcnow()
    run = run_for(token, now)
    run_id, ids = run.id, list(run.document_ids)
    run.applied_at = now
    db.session.commit()  # a token is used once, even if a destruction fails halfway
    clause = _due_clause(now)
    counts: dict[str, int] = {}
    for document_id in ids:
        found = None
        if clause is not None:
            found = db.session.execute(
                select(Document, Space.kind)
                .join(Space, Space.id == Document.space_id)
                .where(Document.id == document_id, clause)
            ).first()
        if found is not None:
            document, kind = found
            destroy(document)
            kind = SpaceKind(kind).value
            counts[kind] = counts.get(kind, 0) + 1
            run = db.session.get(SpaceRetentionRun, run_id)
            run.destroyed = dict(counts)
            db.session.commit()
        if progress is not None:
            progress(1)
    return counts


def destroy(document: Document) -> list[str]:
    """The document, its comments and rounds and the notifications about them; then the
    documents' own purge (its `document.purged` event says why)."""
    comment_ids = list(
        db.session.scalars(select(Comment.id).where(Comment.document_id == document.id))
    )
    round_ids = list(
        db.session.scalars(select(CommentRound.id).where(CommentRound.document_id == document.id))
    )
    subjects = {"document": [document.id], "comment": comment_ids, "comment_round": round_ids}
    db.session.execute(
        delete(Notification)
        .where(
            or_(
                *(
                    (Notification.subject_type == kind) & Notification.subject_id.in_(ids)
                    for kind, ids in subjects.items()
                    if ids
                )
            )
        )
        .execution_options(synchronize_session=False)
    )
    if comment_ids:
        db.session.execute(
            delete(CommentRevision).where(CommentRevision.comment_id.in_(comment_ids))
        )
        db.session.execute(delete(Comment).where(Comment.id.in_(comment_ids)))
    if round_ids:
        db.session.execute(delete(RoundInvitation).where(RoundInvitation.round_id.in_(round_ids)))
        db.session.execute(delete(CommentRound).where(CommentRound.id.in_(round_ids)))
    return service.purge_document(document, actor=None, reason="retention")
