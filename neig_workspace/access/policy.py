"""The one place that decides who may do what: every view and service asks here.

`can(user, action, obj)` answers yes or no; `require(action, obj)` aborts with 404 when the user
may not even see `obj` (so its existence does not leak) and 403 when they see it but may not do
the action; `load_or_404` fetches through the visibility filter in one query. `visible_*`
return SQL clauses: every list, search, count and export is filtered in the database.

Every check denies by default, and an unknown action is a programming error that fails loudly.
The rules themselves live per feature in `access/rules/`, put together by `access/registry.py`;
this module is their door, and names everything callers use.
"""

import hmac

from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import select

from ..cases.models import Case
from ..documents.models import Document
from ..extensions import db
from ..organisations.models import Organisation
from ..spaces.models import Space
from .mfa import MFA_CLASSIFICATIONS, assuming_mfa, mfa_required, session_has_mfa
from .registry import ACTIONS, VIEW_ACTION, VISIBLE
from .rules.actions import (
    action_item_readers,
    spaces_running_plans,
    visible_action_items,
    visible_action_plans,
)
from .rules.applications import visible_applications
from .rules.audit import (
    AUDIT_ADMIN_TARGETS,
    audit_actors_named,
    audit_events_named,
    visible_activity,
    visible_audit_events,
)
from .rules.cases import (
    CASE_CREATOR_TYPES,
    case_creator_organisations,
    case_document,
    own_municipalities_only,
    visible_cases,
    visible_measures,
    visible_release_requests,
    visible_tasks,
    visible_timeline_entries,
)
from .rules.comments import visible_comments, visible_rounds
from .rules.directory import (
    email_visible_to,
    listed_contacts,
    my_organisation_ids,
    visible_directory_organisations,
)
from .rules.documents import document_readers, in_readable_document_spaces, visible_documents
from .rules.jobs import visible_failed_jobs
from .rules.knowledge import article_readers, knowledge_spaces_writable, visible_articles
from .rules.meetings import ACTIONS as MEETING_ACTIONS
from .rules.meetings import meeting_organiser_spaces, space_readable_by_network, visible_meetings
from .rules.notifications import (
    NOTIFICATION_SUBJECTS,
    register_notification_subject,
    subject_readable,
    visible_notifications,
)
from .rules.organisations import visible_organisations
from .rules.privacy import register_spaces
from .rules.reviews import is_reviewer, visible_access_reviews
from .rules.spaces import seeable_spaces, space_readers
from .rules.users import visible_invitations, visible_users
from .scope import _active, kept_across_requests, space_role, unproxied, visible_spaces
from .separation import (
    SeparationRefused,
    audit_separation_refusals,
    holds_content,
    may_receive_content,
    platform_admins_holding_content,
    refuse_content_to,
    refuse_content_to_members_of,
    refuse_promotion,
)

__all__ = [
    # the door
    "ACTIONS",
    "VIEW_ACTION",
    "VISIBLE",
    "can",
    "require",
    "load_or_404",
    "load_child_or_404",
    "not_found",
    "directory_organisation_or_404",
    # machines
    "may_scrape_metrics",
    # the second factor
    "MFA_CLASSIFICATIONS",
    "assuming_mfa",
    "mfa_required",
    "session_has_mfa",
    # separation of duties
    "SeparationRefused",
    "audit_separation_refusals",
    "holds_content",
    "may_receive_content",
    "platform_admins_holding_content",
    "refuse_content_to",
    "refuse_content_to_members_of",
    "refuse_promotion",
    # spaces and who reads them
    "space_role",
    "visible_spaces",
    "seeable_spaces",
    "space_readers",
    "document_readers",
    "action_item_readers",
    "article_readers",
    "space_readable_by_network",
    # the query filters, per feature
    "visible_organisations",
    "visible_users",
    "visible_invitations",
    "visible_audit_events",
    "visible_failed_jobs",
    "visible_access_reviews",
    "is_reviewer",
    "register_spaces",
    "AUDIT_ADMIN_TARGETS",
    "audit_events_named",
    "audit_actors_named",
    "visible_activity",
    "in_readable_document_spaces",
    "visible_documents",
    "visible_comments",
    "visible_rounds",
    "NOTIFICATION_SUBJECTS",
    "register_notification_subject",
    "subject_readable",
    "visible_notifications",
    "kept_across_requests",
    "visible_action_plans",
    "visible_action_items",
    "spaces_running_plans",
    "CASE_CREATOR_TYPES",
    "case_creator_organisations",
    "own_municipalities_only",
    "case_document",
    "visible_cases",
    "visible_measures",
    "visible_tasks",
    "visible_timeline_entries",
    "visible_release_requests",
    "visible_applications",
    "knowledge_spaces_writable",
    "visible_articles",
    "MEETING_ACTIONS",
    "meeting_organiser_spaces",
    "visible_meetings",
    "visible_directory_organisations",
    "listed_contacts",
    "email_visible_to",
    "my_organisation_ids",
    # a model callers reach through the policy (a subject registry's own SELECT, in tests)
    "Document",
]


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` (on `obj`)? Unknown actions raise; everything else denies."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    expected_type, check = ACTIONS[action]
    if expected_type is not None and not isinstance(obj, expected_type):
        raise TypeError(f"{action} needs a {expected_type.__name__}, got {type(obj).__name__}")
    user = unproxied(user)
    if not _active(user):
        return False
    return bool(check(user, obj))


def require(action: str, obj=None, user=None) -> None:
    """Abort with 404 when `obj` may not be seen, 403 when the action is not allowed."""
    user = user if user is not None else current_user
    if obj is not None:
        view_action = VIEW_ACTION[type(obj)]
        if not can(user, view_action, obj):
            _deny(404, action, obj)
    if not can(user, action, obj):
        _deny(403, action, obj)


def load_or_404(model, object_id: int, action: str, user=None, *, for_update: bool = False):
    """Fetch `model` by id through the visibility filter, then check `action`; `for_update`
    locks the row for a decision that must not run twice at once."""
    user = user if user is not None else current_user
    query = select(model).where(model.id == object_id, VISIBLE[model](user))
    obj = db.session.scalar(query.with_for_update() if for_update else query)
    if obj is None:
        _deny(404, action, None, target=(model.__tablename__.rstrip("s"), object_id))
    require(action, obj, user=user)
    return obj


def load_child_or_404(parent, model, child_id: int, action: str, *, where=(), user=None):
    """Fetch `model` by id only under `parent` (another parent's id answers 404). A model with
    a visibility filter also passes it and `action`; every refusal is audited like load_or_404's."""
    user = user if user is not None else current_user
    query = select(model).where(model.id == child_id, _parent_column(model, parent) == parent.id)
    if model in VISIBLE:
        query = query.where(VISIBLE[model](user))
    obj = db.session.scalar(query.where(*where))
    if obj is None:
        _deny(404, action, None, target=(model.__tablename__.rstrip("s"), child_id))
    if model in VIEW_ACTION:
        require(action, obj, user=user)
    return obj


def _parent_column(model, parent):
    """The one column of `model` that refers to `parent`'s table."""
    columns = [
        column
        for column in model.__table__.columns
        if any(fk.column.table is parent.__table__ for fk in column.foreign_keys)
    ]
    if len(columns) != 1:
        raise TypeError(f"{model.__name__} has no single reference to {parent.__tablename__}")
    return columns[0]


def not_found(action: str, target=None):
    """Answer 404 for a lookup that found nothing the user may reach, audited as a refusal."""
    _deny(404, action, None, target=target)


def _deny(status: int, action: str, obj, target=None):
    """Abort; the error page audits the denial (BIO: access denied is a security event)."""
    if has_request_context():
        if target is None and obj is not None:
            target = (obj.__tablename__.rstrip("s"), obj.id)
        g.access_denied = {"status": status, "action": action, "target": target}
        g.mfa_would_help = status == 403 and _mfa_would_help(obj)
    abort(status)


def _mfa_would_help(obj) -> bool:
    """A member of an MFA space whose session has no second factor: tell them, not just 403."""
    space = obj.space if isinstance(obj, (Document, Case)) else obj
    return (
        isinstance(space, Space)
        and space.requires_mfa
        and not session_has_mfa()
        and space_role(current_user, space) is not None
    )


def may_scrape_metrics(authorization: str | None, token: str) -> bool:
    """Prometheus, not a user: `Authorization: Bearer <METRICS_TOKEN>`, compared in constant
    time; no token configured lets no one in."""
    scheme, _, presented = (authorization or "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def directory_organisation_or_404(slug: str, user=None) -> Organisation:
    """An organisation's directory page (by its slug: the directory is open to the whole
    network, so its pages are not another organisation's objects), 404 when not listed."""
    user = user if user is not None else current_user
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, visible_directory_organisations(user))
    )
    if organisation is None:
        _deny(404, "directory.view", None, target=("organisation", slug))
    return organisation
