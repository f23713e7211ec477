"""Retention: a closed case is destroyed when its retention period after closing has passed.

Destroying a case removes everything of it that may hold personal data: its items, its
documents (rows and the blobs nothing else points at), the comments on those documents, the
notifications about any of them, its participants and the case row itself. What stays:

- the anonymous `CaseStatistic` (month, municipality, target and explosive type), loosened from
  the case and stamped `destroyed_at`, so the network's statistics keep counting it;
- the audit log, untouched (its rows hold ids and field names only, and the chain must verify);
- the case's `Space` row, archived, renamed "Vernietigde casus" and without grants: another
  case's release request may point at it (`ReleaseRequest.target_space_id`), and keeping the row
  keeps that foreign key valid while nobody can open the space any more.

One transaction per case (the caller commits). The blobs no row points at any more are left to
the garbage collector (`flask neig blobs gc`), which removes them after its grace period.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..actions.models import ActionItemDocument
from ..audit import service as audit
from ..comments.models import Comment, CommentRevision, CommentRound, RoundInvitation
from ..documents.models import Document, DocumentNarrowing, DocumentVersion, Folder
from ..extensions import db
from ..notifications.models import Notification
from ..spaces.models import SpaceGrant, SpaceVisit
from ..timeutil import utcnow
from .models import (
    AftercareTask,
    Case,
    CaseDocument,
    CaseLink,
    CaseMatch,
    CaseOrganisation,
    CaseStatistic,
    CaseStatus,
    Disclosure,
    Measure,
    ReleaseRequest,
    TimelineEntry,
    TimelineNarrowing,
)

#: The name a destroyed case's space keeps (no reference: that could be looked up elsewhere).
DESTROYED_SPACE_NAME = "Vernietigde casus"


@dataclass(frozen=True)
class Destroyed:
    reference: str
    documents: int
    #: Blobs no row points at any more, left to `neig blobs gc`.
    blobs: int


def years_ago(years: int, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)


def cutoff(now: datetime | None = None) -> datetime:
    """Cases closed before this moment are due."""
    return years_ago(current_app.config["CASE_RETENTION_YEARS"], now)


def due_cases(now: datetime | None = None) -> list[Case]:
    """Closed cases whose retention period has passed, oldest closing first."""
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.status == CaseStatus.AFGESLOTEN,
                Case.closed_at.is_not(None),
                Case.closed_at < cutoff(now),
            )
            .order_by(Case.closed_at, Case.id)
        )
    )


def _ids(query) -> list[int]:
    return list(db.session.scalars(query))


def _remove(model, *conditions) -> None:
    db.session.execute(
        delete(model).where(*conditions).execution_options(synchronize_session=False)
    )


def destroy_case(case: Case, *, actor=None, now: datetime | None = None) -> Destroyed:
    """Destroy one case in the caller's transaction; one audit event, no personal data in it."""
    now = now or utcnow()
    case_id, space_id, reference, space = case.id, case.space_id, case.reference, case.space
    document_ids = _ids(select(Document.id).where(Document.space_id == space_id))
    audit.record(
        "case.destroyed",
        actor=actor,
        target_type="case",
        target_id=case_id,
        space_id=space_id,
        details={"reference": reference, "documents": len(document_ids)},
    )
    _remove_notifications(case_id, document_ids)
    orphans = _remove_documents(case_id, space_id, document_ids)
    _remove_items(case_id)
    db.session.execute(
        update(CaseStatistic)
        .where(CaseStatistic.case_id == case_id)
        .values(case_id=None, destroyed_at=now)
        .execution_options(synchronize_session=False)
    )
    _remove(Case, Case.id == case_id)
    _close_space(space, now)
    db.session.expunge(case)
    # The blobs no row uses now are the garbage collector's (`neig blobs gc`), after its grace
    # period: another request may be storing the same content at this moment.
    return Destroyed(reference, len(document_ids), len(orphans))


def _remove_notifications(case_id: int, document_ids: list[int]) -> None:
    """Notifications about the case, its items, its documents and their comments and rounds."""
    subjects = {
        "case": [case_id],
        "case_task": _ids(select(AftercareTask.id).where(AftercareTask.case_id == case_id)),
        "case_measure": _ids(select(Measure.id).where(Measure.case_id == case_id)),
        "case_entry": _ids(select(TimelineEntry.id).where(TimelineEntry.case_id == case_id)),
        "case_release": _ids(select(ReleaseRequest.id).where(ReleaseRequest.case_id == case_id)),
        "document": document_ids,
        "comment": _ids(select(Comment.id).where(Comment.document_id.in_(document_ids))),
        "comment_round": _ids(
            select(CommentRound.id).where(CommentRound.document_id.in_(document_ids))
        ),
    }
    clauses = [
        (Notification.subject_type == kind) & Notification.subject_id.in_(ids)
        for kind, ids in subjects.items()
        if ids
    ]
    _remove(Notification, or_(*clauses))


def _remove_documents(case_id: int, space_id: int, document_ids: list[int]) -> list[str]:
    """Remove the space's documents, folders and comments; the blobs no other version uses."""
    hashes = set(
        db.session.scalars(
            select(DocumentVersion.sha256).where(DocumentVersion.document_id.in_(document_ids))
        )
    )
    comment_ids = select(Comment.id).where(Comment.document_id.in_(document_ids))
    round_ids = select(CommentRound.id).where(CommentRound.document_id.in_(document_ids))
    _remove(CommentRevision, CommentRevision.comment_id.in_(comment_ids))
    # Replies point at their parent: one statement removes a whole thread at once.
    _remove(Comment, Comment.document_id.in_(document_ids))
    _remove(RoundInvitation, RoundInvitation.round_id.in_(round_ids))
    _remove(CommentRound, CommentRound.document_id.in_(document_ids))
    _remove(ActionItemDocument, ActionItemDocument.document_id.in_(document_ids))
    _remove(CaseDocument, CaseDocument.case_id == case_id)
    _remove(CaseDocument, CaseDocument.document_id.in_(document_ids))
    _remove(DocumentNarrowing, DocumentNarrowing.document_id.in_(document_ids))
    _remove(DocumentVersion, DocumentVersion.document_id.in_(document_ids))
    _remove(Document, Document.space_id == space_id)
    _remove(Folder, Folder.space_id == space_id)
    still_used = set(
        db.session.scalars(select(DocumentVersion.sha256).where(DocumentVersion.sha256.in_(hashes)))
    )
    return sorted(hashes - still_used)


def _remove_items(case_id: int) -> None:
    entry_ids = select(TimelineEntry.id).where(TimelineEntry.case_id == case_id)
    _remove(TimelineNarrowing, TimelineNarrowing.entry_id.in_(entry_ids))
    _remove(TimelineEntry, TimelineEntry.case_id == case_id)
    _remove(Measure, Measure.case_id == case_id)
    _remove(AftercareTask, AftercareTask.case_id == case_id)
    _remove(ReleaseRequest, ReleaseRequest.case_id == case_id)
    _remove(Disclosure, Disclosure.case_id == case_id)
    _remove(CaseLink, or_(CaseLink.case_id == case_id, CaseLink.linked_case_id == case_id))
    _remove(CaseMatch, or_(CaseMatch.case_id == case_id, CaseMatch.other_case_id == case_id))
    _remove(CaseOrganisation, CaseOrganisation.case_id == case_id)


def _close_space(space, now: datetime) -> None:
    """Keep the space row (foreign keys may point at it), archived, renamed, without grants."""
    _remove(SpaceGrant, SpaceGrant.space_id == space.id)
    _remove(SpaceVisit, SpaceVisit.space_id == space.id)
    db.session.expire(space, ["grants"])
    space.name = DESTROYED_SPACE_NAME
    space.description = ""
    space.archived_at = space.archived_at or now


def destroy_due_cases(now: datetime | None = None) -> list[Destroyed]:
    """Destroy every due case, one commit each (a failure leaves the others done)."""
    destroyed = []
    for case_id in [c.id for c in due_cases(now)]:
        case = db.session.get(Case, case_id)
        destroyed.append(destroy_case(case, now=now))
        db.session.commit()
    return destroyed
