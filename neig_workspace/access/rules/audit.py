"""The audit log: platform admins read it; its views name only what the reader could read.
And the activity feed, which is the audit log of the spaces the user may read now."""

from sqlalchemy import BigInteger, ColumnElement, case, cast, exists, false, func, or_, select, true

from ...actions.models import ActionItem, ActionPlan
from ...audit.models import AuditEvent
from ...cases.models import AftercareTask, Case, Measure, ReleaseRequest, TimelineEntry
from ...comments.models import Comment, CommentRound
from ...documents.models import Document, Folder
from ...knowledge.models import Article
from ...meetings.models import Meeting
from ...spaces.models import Space
from ..scope import (
    _active,
    _in,
    _is_platform_admin,
    _open_space_ids,
    _per_request,
    _platform_admin_only,
)
from .actions import visible_action_items, visible_action_plans
from .cases import (
    visible_cases,
    visible_measures,
    visible_release_requests,
    visible_tasks,
    visible_timeline_entries,
)
from .comments import visible_comments, visible_rounds
from .documents import visible_documents
from .knowledge import visible_articles
from .meetings import visible_meetings
from .spaces import seeable_spaces


def _audit_view(user, event: AuditEvent) -> bool:
    return _is_platform_admin(user)


def _target(kind: str) -> ColumnElement:
    """The audit event's target id as an integer where its target is of `kind` and the id is
    digits that fit (NULL otherwise: never a failing cast, whatever a refused URL recorded),
    to look the target up by its primary key in a correlated EXISTS."""
    target_id = AuditEvent.target_id
    a_number = (func.ltrim(target_id, "0123456789") == "") & func.length(target_id).between(1, 18)
    return case(((AuditEvent.target_type == kind) & a_number, cast(target_id, BigInteger)))


def _about_readable(kind: str, column, clause) -> ColumnElement[bool]:
    """Events about a `kind` whose row (by its primary key `column`) meets `clause`."""
    return (AuditEvent.target_type == kind) & exists(
        select(column).where(column == _target(kind), clause)
    )


@_per_request
def visible_activity(user) -> ColumnElement[bool]:
    """Events in spaces the user may read now, never about a document hidden from them (nor
    about a comment or comment round on one). Each target is looked up by its primary key
    (EXISTS), never in a set of all readable documents."""
    readable_documents = visible_documents(user) | visible_documents(user, in_trash=True)

    def document_readable(document_id) -> ColumnElement[bool]:
        return exists(select(Document.id).where(Document.id == document_id, readable_documents))

    def item_readable(item_id) -> ColumnElement[bool]:
        return exists(
            select(ActionItem.id).where(ActionItem.id == item_id, visible_action_items(user))
        )

    readable = {
        "document": readable_documents,
        "comment": document_readable(Comment.document_id) | item_readable(Comment.action_item_id),
        "comment_round": document_readable(CommentRound.document_id),
        # nothing about an action item narrowed away from the user
        "action_item": visible_action_items(user),
    }
    columns = {
        "document": Document.id,
        "comment": Comment.id,
        "comment_round": CommentRound.id,
        "action_item": ActionItem.id,
    }
    about_nothing_hidden = AuditEvent.target_type.is_(None) | AuditEvent.target_type.not_in(
        list(readable)
    )
    about_something_readable = [
        _about_readable(kind, columns[kind], clause) for kind, clause in readable.items()
    ]
    # A case keeps its own timeline and access log (who read what is for its managers only).
    spaces = _open_space_ids(user, cases=False)
    return _in(AuditEvent.space_id, spaces) & or_(about_nothing_hidden, *about_something_readable)


@_per_request
def visible_audit_events(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


#: Targets a platform admin manages, whose audit events they read in full (outside case spaces).
AUDIT_ADMIN_TARGETS = (
    "user",
    "organisation",
    "invitation",
    "membership",
    "application",
    "legal_base",
    "identity_provider",
    "failed_job",
    "access_review",
    "privacy_statement",
)


def _ids(column, clause) -> tuple:
    return column, clause


def _audit_readable_targets(user) -> dict[str, tuple]:
    """target_type -> (primary key column, clause): what `user` may read now, looked up by the
    event's target id (`_about_readable`)."""
    documents = visible_documents(user) | visible_documents(user, in_trash=True)
    articles = visible_articles(user) | visible_articles(user, archived=True)
    return {
        "space": _ids(Space.id, seeable_spaces(user)),
        "document": _ids(Document.id, documents),
        "folder": _ids(Folder.id, _in(Folder.space_id, _open_space_ids(user))),
        "comment": _ids(Comment.id, visible_comments(user)),
        "comment_round": _ids(CommentRound.id, visible_rounds(user)),
        "action_plan": _ids(ActionPlan.id, visible_action_plans(user)),
        "action_item": _ids(ActionItem.id, visible_action_items(user)),
        "article": _ids(Article.id, articles),
        "meeting": _ids(Meeting.id, visible_meetings(user)),
        "case": _ids(Case.id, visible_cases(user)),
        "case_measure": _ids(Measure.id, visible_measures(user)),
        "case_task": _ids(AftercareTask.id, visible_tasks(user)),
        "case_entry": _ids(TimelineEntry.id, visible_timeline_entries(user)),
        "case_release_request": _ids(ReleaseRequest.id, visible_release_requests(user)),
    }


def _in_known_space(user) -> ColumnElement[bool]:
    """Events outside any space, or in a space the user may know of (a case space is not,
    for a platform admin without a grant)."""
    seeable = select(Space.id).where(seeable_spaces(user))
    return AuditEvent.space_id.is_(None) | _in(AuditEvent.space_id, seeable)


@_per_request
def audit_events_named(user) -> ColumnElement[bool]:
    """Audit events whose object and details `user` may read: what they manage, or content
    they may read now, never anything in a space they may not know of. The audit log shows
    every other event as its kind and id only (the details may name a title, a case's
    reference, municipality or participants). An unknown kind of target is not named."""
    if not _active(user):
        return false()
    readable = [
        _about_readable(kind, column, clause)
        for kind, (column, clause) in _audit_readable_targets(user).items()
    ]
    managed = (
        AuditEvent.target_type.in_(AUDIT_ADMIN_TARGETS) if _is_platform_admin(user) else false()
    )
    # A grant may be gone; the space it was in decides (the grants of what one may know of).
    grants = (AuditEvent.target_type == "space_grant") & AuditEvent.space_id.is_not(None)
    untargeted = AuditEvent.target_type.is_(None) & (
        AuditEvent.space_id.is_(None) | _in(AuditEvent.space_id, _open_space_ids(user))
    )
    return _in_known_space(user) & or_(untargeted, managed, grants, *readable)


@_per_request
def audit_actors_named(user) -> ColumnElement[bool]:
    """Audit events whose actor (and origin) `user` may see: not in a case space unknown to
    them, where who acted would tell who takes part in the case and who read it."""
    if not _active(user):
        return false()
    return _in_known_space(user)


ACTIONS = {
    "audit.view": (None, _platform_admin_only),
    "audit.view_event": (AuditEvent, _audit_view),
}
VIEW_ACTION = {AuditEvent: "audit.view_event"}
VISIBLE = {AuditEvent: visible_audit_events}
SUBJECTS = {}
