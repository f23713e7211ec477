"""The one place that decides who may do what.

`can(user, action, obj)` answers yes or no; `require(action, obj)` aborts with 404 when the user
may not even see `obj` (so its existence does not leak) and 403 when they see it but may not do
the action; `load_or_404` fetches through the visibility filter in one query. `visible_*`
return SQL clauses: every list, search, count and export is filtered in the database.

Every check denies by default, and an unknown action is a programming error that fails loudly.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from flask import abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    cast,
    event,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from ..accounts.models import Invitation, User
from ..actions.models import ActionItem, ActionItemNarrowing, ActionPlan  # action plans (#6)
from ..audit.models import AuditEvent
from ..cases.models import (  # casework (issue #5)
    AftercareTask,
    Case,
    CaseDocument,
    CaseOrganisation,
    Measure,
    ReleaseRequest,
    TimelineEntry,
    TimelineNarrowing,
)
from ..comments.models import Comment, CommentRound
from ..documents.models import Document, DocumentNarrowing, DocumentStatus, Folder
from ..errors import ServiceError
from ..extensions import db
from ..notifications.models import Notification
from ..organisations.models import Membership, Organisation, OrgType
from ..spaces.models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind
from .roles import OrgRole, SpaceRole

#: Labels that need a second factor in the session to open (DESIGN.md § Classification).
MFA_CLASSIFICATIONS = [c for c in Classification if c.needs_mfa]


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.active)


def _per_request(build: Callable) -> Callable:
    """Build a filter once per request: one page asks for the same one many times (the header's
    count, the list, its total, the menu). The key holds all a filter reads when it is built:
    the user's id, roles and state, the arguments and the session's second factor."""

    @wraps(build)
    def cached(user, *args, **kwargs):
        if not has_request_context():
            return build(user, *args, **kwargs)
        roles = (getattr(user, name, None) for name in ("is_platform_admin", "is_secretariat"))
        key = (build.__name__, getattr(user, "id", None), _active(user), *roles, args)
        key += (tuple(sorted(kwargs.items())), session_has_mfa())
        cache = g.setdefault("policy_filters", {})
        if key not in cache:
            cache[key] = build(user, *args, **kwargs)
        return cache[key]

    return cached


def _at_the_keyboard(user) -> bool:
    """Is `user` the one this request serves? Their readable spaces and organisations are then
    fetched once, as small sets of ids (`IN (1, 2, …)` plans well; nested subqueries over the
    grants are costed in the millions). For anyone else (a notification's recipient), and
    outside a request, the filters stay subqueries: no query per recipient."""
    if not has_request_context() or not _active(user):
        return False
    return getattr(g.get("_login_user"), "id", None) == user.id


@event.listens_for(db.session, "after_flush")
def _forget_filters(session, flush_context) -> None:
    """A write in this request (a grant, a membership, an archived space) may change what the
    user reads: the per-request filters and id sets are built again from the new state."""
    if has_request_context():
        g.pop("policy_filters", None)


def _is_platform_admin(user) -> bool:
    return _active(user) and user.is_platform_admin


# --- separation of duties ------------------------------------------------------------------
#
# Platform admins and the secretariat hold no content by their role (DESIGN.md § Who may do
# what). A platform-admin account can never be *given* content either: no membership,
# invitation or its acceptance, grant to the user, case participation or SSO first sign-in
# (provisioning into an organisation) may reach it. Every service that creates one of those asks
# `refuse_content_to` first, so views, the CLI, SSO and the demo all pass through this one rule.
# And no account gives itself access it did not have (a self-invitation, a self-grant): the
# secretariat, or an organisation admin, is given access by someone else.


def holds_content(account) -> bool:
    """Does the account hold a membership or a grant to the user (a way to content)?"""
    memberships = select(Membership.id).where(Membership.user_id == account.id)
    grants = select(SpaceGrant.id).where(
        SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == account.id
    )
    return bool(db.session.scalar(select(exists(memberships) | exists(grants))))


def refuse_promotion(account, *, actor) -> None:
    """An account that holds content does not become a platform admin: the admin would hold it.
    (The other way round from the rule: the same promise, kept from both sides.)"""
    from flask_babel import gettext

    if account.is_platform_admin or not holds_content(account):
        return
    raise SeparationRefused(
        gettext(
            "Dit account is lid van een organisatie of heeft toegang tot een werkruimte, en kan "
            "daarom geen platformbeheerder worden. Een platformbeheerder gebruikt een tweede "
            "account, zonder toegang tot inhoud."
        ),
        "platform_admin",
        action="user.promote",
        reason="holds_content",
        actor_id=actor.id if actor is not None else None,
        account_id=account.id,
        target_type="user",
        target_id=account.id,
        space_id=None,
    )


def refuse_content_to_members_of(organisation_id: int, **refusal) -> None:
    """`refuse_content_to` for every platform-admin account that is still a member of the
    organisation (data from before the rule; `flask neig check-deploy` names them): whatever
    the organisation is given, such a member would read."""
    admins = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.is_platform_admin)
    )
    for admin in admins:
        refuse_content_to(admin, **refusal)


def platform_admins_holding_content() -> list[tuple[User, int, int]]:
    """Platform-admin accounts that hold a membership or a grant to the user (data from before
    the rule): (account, memberships, user grants), for `flask neig check-deploy`."""
    memberships = (
        select(func.count(Membership.id)).where(Membership.user_id == User.id).scalar_subquery()
    )
    grants = (
        select(func.count(SpaceGrant.id))
        .where(SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == User.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User, memberships, grants)
        .where(User.is_platform_admin, (memberships > 0) | (grants > 0))
        .order_by(User.email)
    )
    return [tuple(row) for row in rows]


def audit_separation_refusals(response):
    """After a request: audit the refusals its view rolled back but did not audit yet (a view
    that catches a ServiceError rolls back; this writes the record in a transaction of its own)."""
    pending = [r for r in g.pop("separation_refusals", []) if not r.audited]
    if pending:
        db.session.rollback()
        for refused in pending:
            refused.audit_refusal()
        db.session.commit()
    return response


def may_receive_content(account) -> bool:
    """May `account` be given content (a membership, an invitation, a grant, a participation)?
    Never a platform-admin account, active or not: whoever also works for a partner uses a
    second account."""
    return account is None or not account.is_platform_admin


def _content_refusal_message() -> str:
    from flask_babel import gettext

    return gettext(
        "Een account van een platformbeheerder kan geen toegang tot inhoud krijgen: geen "
        "lidmaatschap, uitnodiging, toegang tot een werkruimte of deelname aan een casus. "
        "Wie het platform beheert en ook voor een partner werkt, gebruikt daarvoor een tweede "
        "account."
    )


def _self_refusal_message() -> str:
    from flask_babel import gettext

    return gettext(
        "U kunt uzelf geen toegang geven die u nog niet hebt. Vraag een andere beheerder."
    )


def refuse_content_to(
    account,
    *,
    action: str,
    actor=None,
    email: str | None = None,
    target_type: str | None = None,
    target_id=None,
    space_id: int | None = None,
    field: str | None = None,
    self_allowed: bool = False,
) -> None:
    """Raise a refusal (a ServiceError, audited once the caller rolled back) when `action` would
    give content to a platform-admin account (`account`, or the account of `email`), or when
    `actor` would give it to itself (unless `self_allowed`: a case's creator manages it)."""
    if account is None and email is not None:
        account = db.session.scalar(select(User).where(User.email == email))
    if account is None:
        return
    if not may_receive_content(account):
        reason, message = "platform_admin", _content_refusal_message()
    elif actor is not None and actor.id == account.id and not self_allowed:
        reason, message = "self", _self_refusal_message()
    else:
        return
    raise SeparationRefused(
        message,
        field,
        action=action,
        reason=reason,
        actor_id=actor.id if actor is not None else None,
        account_id=account.id,
        target_type=target_type,
        target_id=target_id,
        space_id=space_id,
    )


class SeparationRefused(ServiceError):
    """An action refused by the separation of duties; `audit_refusal()` records it once the
    caller rolled its transaction back (forms.run_use_case, refused())."""

    def __init__(self, message: str, field: str | None = None, **details):
        super().__init__(message, field)
        self.details = details
        self.audited = False
        if has_request_context():  # audited after the view, whatever it did with the error
            g.setdefault("separation_refusals", []).append(self)

    def audit_refusal(self) -> None:
        from ..audit import service as audit

        if self.audited:
            return
        self.audited = True
        details = dict(self.details)
        actor_id = details.pop("actor_id")
        audit.record(
            "separation.refused",
            actor=db.session.get(User, actor_id) if actor_id else None,
            result="denied",
            target_type=details.pop("target_type") or "user",
            target_id=details.pop("target_id") or details["account_id"],
            space_id=details.pop("space_id"),
            details=details,
        )


# --- organisations -------------------------------------------------------------------------


def _org_view(user, org: Organisation) -> bool:
    # Platform admins manage every partner; members see their own organisation.
    if _is_platform_admin(user):
        return True
    return _active(user) and user.membership_in(org.id) is not None


def _org_manage_members(user, org: Organisation) -> bool:
    # Organisation admins run their own, active organisation; platform admins any.
    if _is_platform_admin(user):
        return True
    return _active(user) and org.active and user.is_org_admin_of(org.id)


def _platform_admin_only(user, obj=None) -> bool:
    return _is_platform_admin(user)


# --- users ---------------------------------------------------------------------------------


def _user_view(user, other: User) -> bool:
    if _is_platform_admin(user):
        return True
    if not _active(user):
        return False
    if user.id == other.id:
        return True
    # An organisation admin sees the members of the organisations they administer.
    admin_orgs = {m.organisation_id for m in user.memberships if m.role == OrgRole.ORG_ADMIN}
    return any(m.organisation_id in admin_orgs for m in other.memberships)


def _user_manage(user, other: User) -> bool:
    # Platform admins manage accounts, but never lock themselves out.
    return _is_platform_admin(user) and user.id != other.id


def _invitation_view(user, invitation: Invitation) -> bool:
    return _org_manage_members(user, invitation.organisation)


def _audit_view(user, event: AuditEvent) -> bool:
    return _is_platform_admin(user)


# --- spaces and documents ----------------------------------------------------------------
#
# Content access always comes from a grant: a platform admin manages a space's metadata and
# grants (they "see" every space) but reads its content only through a grant of their own.


def _active_member_org_ids(user):
    return (
        select(Membership.organisation_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Organisation.active.is_(True))
    )


@_per_request
def _memberships(user) -> list[tuple[int, OrgRole]]:
    """(organisation id, role) of the user's memberships of active organisations (one query
    per request)."""
    query = (
        select(Membership.organisation_id, Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Organisation.active.is_(True))
    )
    return [(org_id, OrgRole(role)) for org_id, role in db.session.execute(query)]


def _member_orgs(user, *, admins: bool = False):
    """The active organisations the user is a member (or admin) of: a tuple of ids for the user
    at the keyboard, a SELECT otherwise. Either goes into `column.in_(…)`."""
    if not _at_the_keyboard(user):
        query = _active_member_org_ids(user)
        return query.where(Membership.role == OrgRole.ORG_ADMIN) if admins else query
    return _member_org_tuple(user, admins)


@_per_request
def _member_org_tuple(user, admins: bool) -> tuple[int, ...]:
    return tuple(
        org_id for org_id, role in _memberships(user) if not admins or role == OrgRole.ORG_ADMIN
    )


def _is_network_member(user) -> ColumnElement[bool]:
    """Is the user a member of an active organisation, as a clause."""
    if not _at_the_keyboard(user):
        return exists(_active_member_org_ids(user))
    return true() if _memberships(user) else false()


def _grants_matching(user) -> ColumnElement[bool]:
    member_orgs = _member_orgs(user)
    admin_orgs = _member_orgs(user, admins=True)
    return or_(
        (SpaceGrant.principal_type == PrincipalType.USER) & (SpaceGrant.user_id == user.id),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION)
        & SpaceGrant.organisation_id.in_(member_orgs),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION_ADMINS)
        & SpaceGrant.organisation_id.in_(admin_orgs),
        (SpaceGrant.principal_type == PrincipalType.NETWORK) & _is_network_member(user),
    )


@_per_request
def _granted_spaces(user) -> list:
    """The spaces a grant gives the user, with what decides whether they open now (one query
    per request, for the user at the keyboard)."""
    query = select(
        Space.id, Space.kind, Space.archived_at, Space.mfa_required, Space.classification
    ).where(Space.id.in_(select(SpaceGrant.space_id).where(_grants_matching(user))))
    return db.session.execute(query).all()


def _opens_now(space) -> bool:
    """`_open_spaces` in Python, for one row of `_granted_spaces`."""
    if space.archived_at is not None:
        return False
    return session_has_mfa() or (
        not space.mfa_required
        and space.kind != SpaceKind.CASE
        and Classification(space.classification) not in MFA_CLASSIFICATIONS
    )


def _granted_space_ids(user):
    """Ids of the spaces a grant gives the user: a tuple at the keyboard, else a SELECT."""
    if not _at_the_keyboard(user):
        return select(SpaceGrant.space_id).where(_grants_matching(user))
    return _granted_space_tuple(user)


@_per_request
def _granted_space_tuple(user) -> tuple[int, ...]:
    return tuple(space.id for space in _granted_spaces(user))


def _open_space_ids(user, *, cases: bool = True):
    """Ids of the spaces whose content this session may read now (with `cases=False`: but no
    case space): a tuple at the keyboard, else a SELECT."""
    if not _at_the_keyboard(user):
        query = _open_spaces(user)
        return query if cases else query.where(Space.kind != SpaceKind.CASE)
    return _open_space_tuple(user, cases)


@_per_request
def _open_space_tuple(user, cases: bool) -> tuple[int, ...]:
    return tuple(
        space.id
        for space in _granted_spaces(user)
        if _opens_now(space) and (cases or space.kind != SpaceKind.CASE)
    )


def space_role(user, space: Space) -> SpaceRole | None:
    """The highest role any grant gives `user` in `space` (cached for the request)."""
    if not _active(user):
        return None
    cache = g.setdefault("space_roles", {}) if has_request_context() else {}
    key = (user.id, space.id)
    if key not in cache:
        role = db.session.scalar(
            select(func.max(SpaceGrant.role)).where(
                SpaceGrant.space_id == space.id, _grants_matching(user)
            )
        )
        cache[key] = SpaceRole(role) if role is not None else None
    return cache[key]


def _has_role(user, space: Space, minimum: SpaceRole) -> bool:
    role = space_role(user, space)
    if role is None or role < minimum:
        return False
    # A space that needs MFA opens only in a session that passed a second factor.
    return not space.requires_mfa or session_has_mfa()


def _space_see(user, space: Space) -> bool:
    # A platform admin is not a reader of case files (separation of duties): not even their name.
    if _is_platform_admin(user) and space.kind != SpaceKind.CASE:
        return True
    return space_role(user, space) is not None


def _space_view(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.VIEWER)


def _space_upload(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.CONTRIBUTOR)


def _space_edit_all(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.EDITOR)


def _space_manage(user, space: Space) -> bool:
    return _has_role(user, space, SpaceRole.MANAGER)


def _space_manage_grants(user, space: Space) -> bool:
    # A case's participants are chosen on the case's own pages (case.manage), which keep the
    # participating organisations and the disclosure register in step; never here, and never
    # by a platform admin.
    if space.kind == SpaceKind.CASE:
        return False
    # Platform admins manage grants without content access (separation of duties).
    return _is_platform_admin(user) or _space_manage(user, space)


def _member_org_ids(user) -> set[int]:
    return {m.organisation_id for m in user.memberships if m.organisation.active}


def _narrowed_out(user, document: Document) -> bool:
    if not document.narrowing:
        # In a case, an organisation that is not core reads only what was given to it.
        return document.space.kind == SpaceKind.CASE and not _case_core_in_space(
            user, document.space_id
        )
    member_orgs = _member_org_ids(user)
    return not any(n.organisation_id in member_orgs for n in document.narrowing)


def _document_view(user, document: Document) -> bool:
    # Narrowing only ever removes readers; a space manager is not exempt.
    if document.deleted_at is not None or _narrowed_out(user, document):
        return False
    if document.classification.needs_mfa and not session_has_mfa():
        return False
    return _space_view(user, document.space)


def _document_see(user, document: Document) -> bool:
    return _document_view(user, document) or _document_in_trash_view(user, document)


def _document_edit(user, document: Document) -> bool:
    if not _document_view(user, document):
        return False
    if _space_edit_all(user, document.space):
        return True
    # An adopted or archived document is changed by editors only (issue #4).
    if document.status.editors_only:
        return False
    return document.created_by_id == user.id and _space_upload(user, document.space)


def _document_in_trash_view(user, document: Document) -> bool:
    if document.deleted_at is None or _narrowed_out(user, document):
        return False
    if document.classification.needs_mfa and not session_has_mfa():
        return False
    return _space_view(user, document.space)


def _document_restore(user, document: Document) -> bool:
    if not _document_in_trash_view(user, document):
        return False
    if _space_edit_all(user, document.space):
        return True
    return document.created_by_id == user.id and _space_upload(user, document.space)


def _document_purge(user, document: Document) -> bool:
    return _document_in_trash_view(user, document) and _space_manage(user, document.space)


@_per_request
def visible_spaces(user) -> ColumnElement[bool]:
    """Spaces whose content the user may read: a grant matches them."""
    if not _active(user):
        return false()
    return Space.id.in_(_granted_space_ids(user))


@_per_request
def seeable_spaces(user) -> ColumnElement[bool]:
    """Spaces the user may know of: with a grant, or every space but case spaces for a
    platform admin."""
    if _is_platform_admin(user):
        return (Space.kind != SpaceKind.CASE) | visible_spaces(user)
    return visible_spaces(user)


def _not_narrowed_out(user) -> ColumnElement[bool]:
    """EXISTS on the narrowing's (document, organisation) index; never a set of documents."""
    narrowed = select(DocumentNarrowing.document_id).where(
        DocumentNarrowing.document_id == Document.id
    )
    allowed = narrowed.where(DocumentNarrowing.organisation_id.in_(_member_orgs(user)))
    given_to_all = ~exists(narrowed) & Document.space_id.not_in(_limited_case_space_ids(user))
    return given_to_all | exists(allowed)


@_per_request
def _open_spaces(user):
    """Ids of the spaces whose content this session may read now (grant, not archived, MFA)."""
    query = select(Space.id).where(visible_spaces(user), Space.archived_at.is_(None))
    if not session_has_mfa():
        query = query.where(
            Space.mfa_required.is_(False),
            Space.kind != SpaceKind.CASE,
            Space.classification.not_in(MFA_CLASSIFICATIONS),
        )
    return query


@_per_request
def visible_documents(user, *, in_trash: bool = False) -> ColumnElement[bool]:
    """Documents the user may read (or, with in_trash, see in the trash), in SQL."""
    if not _active(user):
        return false()
    deleted = Document.deleted_at.is_not(None) if in_trash else Document.deleted_at.is_(None)
    clause = Document.space_id.in_(_open_space_ids(user)) & deleted & _not_narrowed_out(user)
    if not session_has_mfa():
        clause = clause & Document.classification.not_in(MFA_CLASSIFICATIONS)
    return clause


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
        # action plans (issue #6): nothing about an item narrowed away from the user
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
    return AuditEvent.space_id.in_(spaces) & or_(about_nothing_hidden, *about_something_readable)


# --- drafts and comments (issue #4) --------------------------------------------------------
#
# A comment has no access rules of its own: it is visible exactly when its document is. Editors
# of the space (and the secretariat, where it may read the draft) run comment rounds and answer.


def _document_set_status(user, document: Document) -> bool:
    return _document_view(user, document) and _space_edit_all(user, document.space)


def _document_manage_drafts(user, document: Document) -> bool:
    if not _document_view(user, document) or document.status == DocumentStatus.GEARCHIVEERD:
        return False
    return user.is_secretariat or _space_edit_all(user, document.space)


def _document_comment(user, document: Document) -> bool:
    return _document_view(user, document) and document.status != DocumentStatus.GEARCHIVEERD


def _document_edit_text(user, document: Document) -> bool:
    if not document.is_text or document.status == DocumentStatus.GEARCHIVEERD:
        return False
    return _document_edit(user, document)


def _comment_on(user, comment: Comment, documents: Callable, items: Callable) -> bool:
    """Ask `documents(user, document)` or `items(user, item)`, whichever the comment is on; a
    comment on an article (issue #8) asks the article's check that matches `documents`."""
    if comment.document_id is not None:
        return documents(user, comment.document)
    if comment.article_id is not None:
        return _ARTICLE_COMMENT_CHECKS[documents](user, comment.article)
    return items(user, comment.action_item)


def _comment_view(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_view, lambda u, item: _item_view(u, item))


def _comment_may_write(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_comment, lambda u, item: _item_comment(u, item))


def _comment_may_manage(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_manage_drafts, lambda u, item: _item_edit(u, item))


def _comment_edit(user, comment: Comment) -> bool:
    return (
        comment.author_id == user.id
        and not comment.is_deleted
        and _comment_may_write(user, comment)
    )


def _comment_resolve(user, comment: Comment) -> bool:
    if not comment.is_thread or not _comment_may_write(user, comment):
        return False
    return comment.author_id == user.id or _comment_may_manage(user, comment)


def _comment_respond(user, comment: Comment) -> bool:
    # Answers and decisions belong to drafts (the comment table), not to action items.
    return (
        comment.is_thread
        and comment.document_id is not None
        and _document_manage_drafts(user, comment.document)
    )


def _round_view(user, comment_round: CommentRound) -> bool:
    return _document_view(user, comment_round.document)


def _round_manage(user, comment_round: CommentRound) -> bool:
    return _document_manage_drafts(user, comment_round.document)


@_per_request
def visible_comments(user) -> ColumnElement[bool]:
    """Comments whose document, action item or article the user may read now."""
    return (
        _row_exists(Document.id, Comment.document_id, visible_documents(user))
        | _row_exists(ActionItem.id, Comment.action_item_id, visible_action_items(user))
        | _row_exists(Article.id, Comment.article_id, visible_articles(user))
    )


def _row_exists(key, reference, clause) -> ColumnElement[bool]:
    """The row `reference` points at (by its primary key `key`) meets `clause`: an EXISTS on
    the primary key, never the set of all rows that do."""
    return exists(select(key).where(key == reference, clause))


@_per_request
def visible_rounds(user) -> ColumnElement[bool]:
    return _row_exists(Document.id, CommentRound.document_id, visible_documents(user))


def document_readers(document: Document) -> ColumnElement[bool]:
    """Users who may read `document` (after an MFA login where it needs one), in SQL."""
    if document.deleted_at is not None:
        return false()
    return space_readers(document.space, [n.organisation_id for n in document.narrowing])


def action_item_readers(item) -> ColumnElement[bool]:
    """Users who may see the action item (after an MFA login where it needs one), in SQL."""
    return space_readers(item.plan.space, item.narrowing_ids)


def space_readers(space: Space, narrowed_to: list[int] | None = None) -> ColumnElement[bool]:
    """Users who may read the content of `space`, in SQL: its grants matched the other way
    round, then an optional narrowing to some organisations."""
    if space.archived_at is not None:
        return false()
    members = (
        select(Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.active.is_(True))
    )
    grants = select(SpaceGrant.organisation_id).where(SpaceGrant.space_id == space.id)
    by_org = grants.where(SpaceGrant.principal_type == PrincipalType.ORGANISATION)
    by_admins = grants.where(SpaceGrant.principal_type == PrincipalType.ORGANISATION_ADMINS)
    network = grants.where(SpaceGrant.principal_type == PrincipalType.NETWORK)
    by_user = select(SpaceGrant.user_id).where(
        SpaceGrant.space_id == space.id, SpaceGrant.principal_type == PrincipalType.USER
    )
    granted = or_(
        User.id.in_(by_user),
        User.id.in_(members.where(Membership.organisation_id.in_(by_org))),
        User.id.in_(
            members.where(
                Membership.organisation_id.in_(by_admins), Membership.role == OrgRole.ORG_ADMIN
            )
        ),
        exists(network) & User.id.in_(members),
    )
    # Separation of duties: a platform admin reads no content, whatever grant would reach them.
    clause = User.active.is_(True) & User.is_platform_admin.is_(False) & granted
    if narrowed_to:
        clause = clause & User.id.in_(members.where(Membership.organisation_id.in_(narrowed_to)))
    return clause


# --- end drafts and comments ----------------------------------------------------------------


# --- notifications (issue #4) --------------------------------------------------------------
#
# A notification points at a subject (subject_type, subject_id). Whether its recipient may read
# that subject is asked again on every read, in SQL, through this registry: subject_type -> a
# SELECT of the ids of such subjects the user may read now. An unregistered type is invisible.

#: subject_type -> (user -> SELECT of readable subject ids). Extend with
#: `register_notification_subject`.
NOTIFICATION_SUBJECTS: dict[str, Callable[..., Select]] = {
    "document": lambda user: select(Document.id).where(visible_documents(user)),
    "comment": lambda user: select(Comment.id).where(visible_comments(user)),
    "comment_round": lambda user: select(CommentRound.id).where(visible_rounds(user)),
}


def register_notification_subject(subject_type: str, readable_ids: Callable[..., Select]) -> None:
    """Let notifications point at `subject_type`; `readable_ids(user)` is a SELECT of the ids
    of such subjects `user` may read now (built from the visible_* filters above)."""
    NOTIFICATION_SUBJECTS[subject_type] = readable_ids


def subject_readable(user, subject_type: str, subject_id: int) -> bool:
    """May `user` read this notification subject now? One query; unknown types deny."""
    readable_ids = NOTIFICATION_SUBJECTS.get(subject_type)
    if readable_ids is None or not _active(user):
        return False
    query = select(literal(1)).where(literal(subject_id).in_(readable_ids(user)))
    return db.session.scalar(query) is not None


@_per_request
def visible_notifications(user, subject_types: tuple[str, ...] | None = None):
    """The user's own notifications whose subject they may read now (a lost grant hides one);
    only of `subject_types`, when given (the filters of the other kinds are then not built)."""
    if not _active(user):
        return false()
    readable = [
        (Notification.subject_type == subject_type) & _subject_exists(ids(user))
        for subject_type, ids in NOTIFICATION_SUBJECTS.items()
        if subject_types is None or subject_type in subject_types
    ]
    return (Notification.user_id == user.id) & or_(false(), *readable)


def _subject_exists(readable_ids: Select) -> ColumnElement[bool]:
    """The notification's subject among `readable_ids`, as an EXISTS on the subject's primary
    key (the SELECT's one column): one row looked up, never the set of all readable ids."""
    (column,) = readable_ids.selected_columns
    return exists(readable_ids.where(column == Notification.subject_id))


def _notification_view(user, notification: Notification) -> bool:
    return notification.user_id == user.id and subject_readable(
        user, notification.subject_type, notification.subject_id
    )


# --- end notifications ----------------------------------------------------------------------


# --- action plans (issue #6) ----------------------------------------------------------------
#
# A plan is seen by whoever may read its space. The secretariat (where it may read the space)
# and the space's editors run it: the plan, its lines, items, figures and imports. Members of
# an item's lead or contributing organisations report its progress. Narrowing an item only ever
# removes readers: the secretariat and the space's managers are not exempt.


def _space_run_plans(user, space: Space) -> bool:
    # A case keeps to its own items (measures, tasks, timeline): no action plans in it.
    if space.kind == SpaceKind.CASE:
        return False
    return _space_view(user, space) and (user.is_secretariat or _space_edit_all(user, space))


def _plan_view(user, plan: ActionPlan) -> bool:
    return _space_view(user, plan.space)


def _plan_manage(user, plan: ActionPlan) -> bool:
    return _space_run_plans(user, plan.space)


def _item_narrowed_out(user, item: ActionItem) -> bool:
    if not item.narrowing:
        return False
    member_orgs = {m.organisation_id for m in user.memberships if m.organisation.active}
    return not any(n.organisation_id in member_orgs for n in item.narrowing)


def _item_view(user, item: ActionItem) -> bool:
    return not _item_narrowed_out(user, item) and _plan_view(user, item.plan)


def _item_edit(user, item: ActionItem) -> bool:
    # An archived item is read-only until it is brought back.
    return item.archived_at is None and _item_view(user, item) and _plan_manage(user, item.plan)


def _item_archive(user, item: ActionItem) -> bool:
    return _item_view(user, item) and _plan_manage(user, item.plan)


def _item_partner(user, item: ActionItem) -> bool:
    """A member of the item's lead or a contributing organisation (an active one)."""
    partners = {item.lead_organisation_id, *item.contributor_ids}
    return any(m.organisation_id in partners and m.organisation.active for m in user.memberships)


def _item_report_progress(user, item: ActionItem) -> bool:
    if item.archived_at is not None or not _item_view(user, item):
        return False
    return _item_partner(user, item) or _plan_manage(user, item.plan)


def _item_comment(user, item: ActionItem) -> bool:
    return item.archived_at is None and _item_view(user, item)


@_per_request
def visible_action_plans(user) -> ColumnElement[bool]:
    """Plans in spaces whose content the user may read now."""
    if not _active(user):
        return false()
    return ActionPlan.space_id.in_(_open_space_ids(user))


def _item_not_narrowed_out(user) -> ColumnElement[bool]:
    narrowed = select(ActionItemNarrowing.item_id).where(
        ActionItemNarrowing.item_id == ActionItem.id
    )
    allowed = narrowed.where(ActionItemNarrowing.organisation_id.in_(_member_orgs(user)))
    return ~exists(narrowed) | exists(allowed)


@_per_request
def visible_action_items(user) -> ColumnElement[bool]:
    """Items the user may see, archived ones included: every list, count, chart and export of
    action items is filtered by this clause."""
    if not _active(user):
        return false()
    plans = select(ActionPlan.id).where(visible_action_plans(user))
    return ActionItem.plan_id.in_(plans) & _item_not_narrowed_out(user)


@_per_request
def spaces_running_plans(user) -> ColumnElement[bool]:
    """Open spaces in which the user may start a plan (the list of "new plan" choices; the
    create page still asks `action_plan.create`, which also wants MFA where the space does)."""
    if not _active(user):
        return false()
    clause = visible_spaces(user) & Space.archived_at.is_(None) & (Space.kind != SpaceKind.CASE)
    if user.is_secretariat:
        return clause
    editor_grants = select(SpaceGrant.space_id).where(
        _grants_matching(user), SpaceGrant.role >= SpaceRole.EDITOR
    )
    return clause & Space.id.in_(editor_grants)


register_notification_subject(
    "action_item", lambda user: select(ActionItem.id).where(visible_action_items(user))
)


# --- end action plans -----------------------------------------------------------------------


# --- casework (issue #5) --------------------------------------------------------------------
#
# A case is read through its case space: a grant there makes a participant, and the space asks
# for a second factor. Within the case, core organisations (the local triangle) read every item
# that is not narrowed; any other participating organisation reads only what was given to it:
# items narrowed to it, its own aftercare tasks and the measures it carries out. A platform admin
# without a grant sees nothing of a case, not even that it exists.

#: Members of these may open a case (a municipality for itself); the secretariat too.
CASE_CREATOR_TYPES = (OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.PUBLIC_PROSECUTOR)


def case_creator_organisations(user) -> list[Organisation]:
    """The active organisations in whose name `user` may open a case."""
    return [
        m.organisation
        for m in user.memberships
        if m.organisation.active
        and (m.organisation.type in CASE_CREATOR_TYPES or user.is_secretariat)
    ]


def _case_create(user, obj=None) -> bool:
    return bool(case_creator_organisations(user))


def _network_member(user, obj=None) -> bool:
    # One query, whatever the number of memberships: the main menu asks it on every page.
    if not _active(user):
        return False
    if _at_the_keyboard(user):
        return bool(_memberships(user))
    return bool(db.session.scalar(select(exists(_active_member_org_ids(user)))))


def _core_case_spaces(user):
    return (
        select(Case.space_id)
        .join(CaseOrganisation, CaseOrganisation.case_id == Case.id)
        .where(
            CaseOrganisation.core.is_(True),
            CaseOrganisation.organisation_id.in_(_member_orgs(user)),
        )
    )


def _granted_case_spaces(user) -> tuple[int, ...]:
    return tuple(space.id for space in _granted_spaces(user) if space.kind == SpaceKind.CASE)


def _core_case_space_ids(user):
    """Case spaces in which the user belongs to a core organisation. At the keyboard a tuple
    of ids, and only those among the user's own case spaces (every filter that asks also
    requires a grant): no query at all for someone without a case."""
    if not _at_the_keyboard(user):
        return _core_case_spaces(user)
    case_spaces = _granted_case_spaces(user)
    return _core_case_space_tuple(user, case_spaces) if case_spaces else ()


@_per_request
def _core_case_space_tuple(user, case_spaces: tuple[int, ...]) -> tuple[int, ...]:
    query = _core_case_spaces(user).where(Case.space_id.in_(case_spaces))
    return tuple(db.session.scalars(query))


def _limited_case_space_ids(user):
    """Case spaces in which the user belongs to no core organisation. At the keyboard only
    those among the user's own spaces (a filter that asks also requires one of those)."""
    if not _at_the_keyboard(user):
        return select(Case.space_id).where(Case.space_id.not_in(_core_case_spaces(user)))
    core = set(_core_case_space_ids(user))
    return tuple(space_id for space_id in _granted_case_spaces(user) if space_id not in core)


def _case_core_in_space(user, space_id: int) -> bool:
    query = _core_case_spaces(user).where(Case.space_id == space_id)
    return db.session.scalar(select(literal(1)).where(exists(query))) is not None


def _case_core(user, case: Case) -> bool:
    member_orgs = _member_org_ids(user)
    return any(co.core and co.organisation_id in member_orgs for co in case.organisations)


def _case_role(user, case: Case, minimum: SpaceRole) -> bool:
    return case.space.archived_at is None and _has_role(user, case.space, minimum)


def _case_view(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.VIEWER)


def _case_contribute(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.CONTRIBUTOR)


def _case_edit(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.EDITOR) and _case_core(user, case)


def _case_manage(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.MANAGER) and _case_core(user, case)


def _case_read_address(user, case: Case) -> bool:
    if not case.has_address or not _case_view(user, case):
        return False
    member_orgs = _member_org_ids(user)
    return any(co.address_access and co.organisation_id in member_orgs for co in case.organisations)


def _measure_view(user, measure: Measure) -> bool:
    if not _case_view(user, measure.case):
        return False
    return _case_core(user, measure.case) or measure.responsible_organisation_id in _member_org_ids(
        user
    )


def _measure_edit(user, measure: Measure) -> bool:
    return _measure_view(user, measure) and _case_edit(user, measure.case)


def _task_view(user, task: AftercareTask) -> bool:
    if not _case_view(user, task.case):
        return False
    return _case_core(user, task.case) or task.organisation_id in _member_org_ids(user)


def _task_edit(user, task: AftercareTask) -> bool:
    return _task_view(user, task) and _case_edit(user, task.case)


def _task_update(user, task: AftercareTask) -> bool:
    """Report on a task: its owner, a contributing member of its organisation, or an editor."""
    if not _task_view(user, task):
        return False
    if task.owner_id == user.id or _case_edit(user, task.case):
        return True
    return task.organisation_id in _member_org_ids(user) and _case_contribute(user, task.case)


def _entry_view(user, entry: TimelineEntry) -> bool:
    if not _case_view(user, entry.case):
        return False
    if not entry.narrowing:
        return _case_core(user, entry.case)
    member_orgs = _member_org_ids(user)
    return any(n.organisation_id in member_orgs for n in entry.narrowing)


def _entry_reshare(user, entry: TimelineEntry) -> bool:
    return _entry_view(user, entry) and _case_edit(user, entry.case)


def _release_decide(user, request: ReleaseRequest) -> bool:
    """A case manager of the supplying organisation answers a pending request."""
    return (
        request.state == "pending"
        and _case_manage(user, request.case)
        and request.supplier_organisation_id in _member_org_ids(user)
    )


def _release_view(user, request: ReleaseRequest) -> bool:
    if not _case_view(user, request.case):
        return False
    if request.requested_by_id == user.id:
        return True
    return _case_manage(user, request.case) and (
        request.supplier_organisation_id in _member_org_ids(user)
    )


@_per_request
def visible_cases(user) -> ColumnElement[bool]:
    """Cases the user takes part in and may open now (a grant, and MFA in the session)."""
    if not _active(user):
        return false()
    return Case.space_id.in_(_open_space_ids(user))


@_per_request
def _visible_case_ids(user):
    return select(Case.id).where(visible_cases(user))


@_per_request
def _core_case_ids(user):
    return select(Case.id).where(Case.space_id.in_(_core_case_space_ids(user)))


@_per_request
def visible_measures(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    return Measure.case_id.in_(_visible_case_ids(user)) & (
        Measure.case_id.in_(_core_case_ids(user))
        | Measure.responsible_organisation_id.in_(_member_orgs(user))
    )


@_per_request
def visible_tasks(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    return AftercareTask.case_id.in_(_visible_case_ids(user)) & (
        AftercareTask.case_id.in_(_core_case_ids(user))
        | AftercareTask.organisation_id.in_(_member_orgs(user))
    )


@_per_request
def visible_timeline_entries(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    narrowed = select(TimelineNarrowing.entry_id).where(
        TimelineNarrowing.entry_id == TimelineEntry.id
    )
    allowed = narrowed.where(TimelineNarrowing.organisation_id.in_(_member_orgs(user)))
    given_to_all = ~exists(narrowed) & TimelineEntry.case_id.in_(_core_case_ids(user))
    return TimelineEntry.case_id.in_(_visible_case_ids(user)) & (given_to_all | exists(allowed))


@_per_request
def visible_release_requests(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    managed = select(Case.id).where(
        visible_cases(user),
        Case.space_id.in_(
            select(SpaceGrant.space_id).where(
                _grants_matching(user), SpaceGrant.role >= SpaceRole.MANAGER
            )
        ),
        Case.space_id.in_(_core_case_space_ids(user)),
    )
    to_decide = ReleaseRequest.case_id.in_(managed) & ReleaseRequest.supplier_organisation_id.in_(
        _member_orgs(user)
    )
    own = (ReleaseRequest.requested_by_id == user.id) & ReleaseRequest.case_id.in_(
        _visible_case_ids(user)
    )
    return own | to_decide


def case_document(document: Document) -> CaseDocument | None:
    """Where a document in a case came from (None outside cases)."""
    if document.space.kind != SpaceKind.CASE:
        return None
    return db.session.get(CaseDocument, document.id)


register_notification_subject("case", lambda user: select(Case.id).where(visible_cases(user)))
register_notification_subject(
    "case_task", lambda user: select(AftercareTask.id).where(visible_tasks(user))
)


# --- end casework ---------------------------------------------------------------------------


# --- applications to join (issue #8) -------------------------------------------------------------

#
# Anyone may apply (the public form needs no login and asks no policy). VNG admits members:
# only platform admins see applications (with their contact details) and decide on them; to
# anyone else an application does not exist (404).

from ..applications.models import Application  # noqa: E402


@_per_request
def visible_applications(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


APPLICATION_ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "application.review": (None, _platform_admin_only),
    "application.view": (Application, _platform_admin_only),
    "application.decide": (Application, _platform_admin_only),
}
APPLICATION_VIEW_ACTION: dict[type, str] = {Application: "application.view"}

# --- end applications to join --------------------


# --- the knowledge base (issue #8) ---------------------------------------------------------------
#
# Articles live in spaces registered as a knowledge base (knowledge_spaces). An article has no
# rules of its own beyond its space: whoever reads the space reads its articles, contributors
# and up write new ones, and the author's organisation (contributors) or the space's editors
# change them. Archiving takes an article out of the lists; its author organisation and the
# space's managers still open it, to bring it back.

from ..knowledge.models import Article, KnowledgeSpace  # noqa: E402


def _knowledge_space_ids():
    return select(KnowledgeSpace.space_id)


def _in_author_org(user, article: Article) -> bool:
    return article.organisation_id in _member_org_ids(user)


def _article_manage(user, article: Article) -> bool:
    """Archive, bring back and delete: the author organisation's writers, the space managers."""
    if _space_manage(user, article.space):
        return True
    return _in_author_org(user, article) and _space_upload(user, article.space)


def _article_view(user, article: Article) -> bool:
    if article.archived_at is not None:
        return _space_view(user, article.space) and _article_manage(user, article)
    return _space_view(user, article.space)


def _article_edit(user, article: Article) -> bool:
    if article.archived_at is not None or not _space_view(user, article.space):
        return False
    if _space_edit_all(user, article.space):
        return True
    return _in_author_org(user, article) and _space_upload(user, article.space)


def _article_take_part(user, article: Article) -> bool:
    """Comment and mark as useful: every reader of a current article."""
    return article.archived_at is None and _space_view(user, article.space)


def _article_archive(user, article: Article) -> bool:
    return _article_view(user, article) and _article_manage(user, article)


@_per_request
def knowledge_spaces_writable(user) -> ColumnElement[bool]:
    """Knowledge spaces in which the user may write a new article now (the create form's
    choices), in SQL."""
    if not _active(user):
        return false()
    contributor_grants = select(SpaceGrant.space_id).where(
        _grants_matching(user), SpaceGrant.role >= SpaceRole.CONTRIBUTOR
    )
    return Space.id.in_(_knowledge_space_ids()) & Space.id.in_(
        select(Space.id).where(
            Space.id.in_(_open_space_ids(user)), Space.id.in_(contributor_grants)
        )
    )


def _article_create(user, obj=None) -> bool:
    query = select(literal(1)).select_from(Space).where(knowledge_spaces_writable(user))
    return db.session.scalar(query) is not None


def _knowledge_browse(user, obj=None) -> bool:
    # Every network member may open the list; it shows only what their spaces hold.
    return _network_member(user)


@_per_request
def visible_articles(user, *, archived: bool = False) -> ColumnElement[bool]:
    """Articles the user may read now (with `archived`: archived ones they may bring back)."""
    if not _active(user):
        return false()
    spaces = select(Space.id).where(
        Space.id.in_(_open_space_ids(user)), Space.id.in_(_knowledge_space_ids())
    )
    readable = Article.space_id.in_(spaces)
    if not archived:
        return readable & Article.archived_at.is_(None)
    managed = select(SpaceGrant.space_id).where(
        _grants_matching(user), SpaceGrant.role >= SpaceRole.MANAGER
    )
    writer = Article.organisation_id.in_(_member_orgs(user)) & Article.space_id.in_(
        select(SpaceGrant.space_id).where(
            _grants_matching(user), SpaceGrant.role >= SpaceRole.CONTRIBUTOR
        )
    )
    return readable & Article.archived_at.is_not(None) & (Article.space_id.in_(managed) | writer)


def article_readers(article: Article) -> ColumnElement[bool]:
    """Users who may read the article (its comment threads notify only them), in SQL."""
    if article.archived_at is not None:
        return false()
    return space_readers(article.space)


#: What a comment on an article asks, for each check the comment rules ask of a document.
_ARTICLE_COMMENT_CHECKS = {
    _document_view: _article_view,
    _document_comment: _article_take_part,
    _document_manage_drafts: _article_edit,
}


KNOWLEDGE_ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "knowledge.browse": (None, _knowledge_browse),
    "article.create": (None, _article_create),
    "article.view": (Article, _article_view),
    "article.edit": (Article, _article_edit),
    "article.attach": (Article, _article_edit),
    "article.archive": (Article, _article_archive),
    "article.comment": (Article, _article_take_part),
    "article.mark_useful": (Article, _article_take_part),
}
KNOWLEDGE_VIEW_ACTION: dict[type, str] = {Article: "article.view"}

register_notification_subject(
    "article", lambda user: select(Article.id).where(visible_articles(user))
)

# --- end the knowledge base --------------------


# --- meetings and knowledge sessions (issue #8) --------------------------------------------------

#
# A meeting belongs to a space. Its audience is the whole network (every active member of an
# active organisation) or the readers of that space. Organisers are the space's editors and
# managers: they create, edit and cancel its meetings and see who registered. A network meeting
# must be held in a space the network may read (the service checks), so its documents are
# readable by its whole audience.

from ..meetings.models import Meeting, MeetingAudience  # noqa: E402


def _meeting_view(user, meeting: Meeting) -> bool:
    if meeting.audience == MeetingAudience.NETWORK and _member_org_ids(user):
        return True
    return _space_view(user, meeting.space)


def _meeting_register(user, meeting: Meeting) -> bool:
    # Whoever may see it may register (the service refuses once it has started or is cancelled).
    return _meeting_view(user, meeting) and meeting.cancelled_at is None


def _meeting_manage(user, meeting: Meeting) -> bool:
    return _meeting_view(user, meeting) and _space_edit_all(user, meeting.space)


@_per_request
def meeting_organiser_spaces(user) -> ColumnElement[bool]:
    """Spaces in which `user` may organise meetings: editor or manager, open now, no case."""
    if not _active(user):
        return false()
    editor_of = select(SpaceGrant.space_id).where(
        _grants_matching(user), SpaceGrant.role >= SpaceRole.EDITOR
    )
    return (
        Space.id.in_(editor_of)
        & Space.id.in_(_open_space_ids(user))
        & (Space.kind != SpaceKind.CASE)
    )


def _meeting_create(user, obj=None) -> bool:
    query = select(literal(1)).where(exists(select(Space.id).where(meeting_organiser_spaces(user))))
    return db.session.scalar(query) is not None


def space_readable_by_network(space: Space) -> bool:
    """Does a grant let the whole network read `space` (where network meetings belong)?"""
    return any(grant.principal_type == PrincipalType.NETWORK for grant in space.grants)


@_per_request
def visible_meetings(user) -> ColumnElement[bool]:
    """Meetings the user may see: network meetings for network members, the others through
    their space (grant, not archived, MFA as for its documents)."""
    if not _active(user):
        return false()
    network = (Meeting.audience == MeetingAudience.NETWORK) & _is_network_member(user)
    return network | Meeting.space_id.in_(_open_space_ids(user))


MEETING_ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "meeting.create": (None, _meeting_create),
    "meeting.feed": (None, _network_member),
    "meeting.view": (Meeting, _meeting_view),
    "meeting.register": (Meeting, _meeting_register),
    "meeting.manage": (Meeting, _meeting_manage),
}
MEETING_VIEW_ACTION: dict[type, str] = {Meeting: "meeting.view"}

register_notification_subject(
    "meeting", lambda user: select(Meeting.id).where(visible_meetings(user))
)

# --- end meetings and knowledge sessions --------------------


# --- member directory and dashboard (issue #8) ---------------------------------------------------

# The directory is for the network only: active users with a membership of an active
# organisation. It lists active organisations, and of their active members only those who
# opted in to being listed (DirectoryProfile.show_organisation), showing only the fields they
# opted in to. The dashboard adds no rules of its own: it reads through the visible_* filters.

from ..directory.models import DirectoryProfile  # noqa: E402


def _own_settings(user, obj=None) -> bool:
    # Anyone signed in decides what the directory may show of them (can() checks active).
    return True


DIRECTORY_ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "directory.view": (None, _network_member),
    "directory.edit_own": (None, _own_settings),
}
DIRECTORY_VIEW_ACTION: dict[type, str] = {}


@_per_request
def visible_directory_organisations(user) -> ColumnElement[bool]:
    """Organisations in the directory: the active ones, for network members only."""
    if not _active(user):
        return false()
    return Organisation.active.is_(True) & _is_network_member(user)


@_per_request
def listed_contacts(user) -> ColumnElement[bool]:
    """Memberships (joined with User and DirectoryProfile) the directory shows to `user`: an
    active user who opted in, in an organisation of the directory."""
    if not _active(user):
        return false()
    organisations = select(Organisation.id).where(visible_directory_organisations(user))
    return (
        User.active.is_(True)
        & DirectoryProfile.show_organisation.is_(True)
        & Membership.organisation_id.in_(organisations)
    )


@_per_request
def email_visible_to(viewer) -> ColumnElement[bool]:
    """Users whose e-mail address `viewer` may see where people are picked by name (mention
    suggestions): colleagues in one of the viewer's active organisations, and whoever the
    directory shows to the viewer with their address (listed, and opted in to the e-mail)."""
    if not _active(viewer):
        return false()
    colleague = (
        select(Membership.user_id)
        .where(Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(_member_orgs(viewer)))
    )
    listed = (
        select(Membership.user_id)
        .join(DirectoryProfile, DirectoryProfile.user_id == Membership.user_id)
        .where(Membership.user_id == User.id, DirectoryProfile.show_email.is_(True))
        .where(listed_contacts(viewer))
    )
    return exists(colleague) | exists(listed)


def my_organisation_ids(user) -> Select:
    """SELECT of the ids of the active organisations `user` is a member of (the dashboard's
    "my organisation leads, contributes to, is invited to")."""
    return _member_orgs(user)


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


# --- end member directory and dashboard --------------------


#: action -> (object type or None for a global action, check)
ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "admin.access": (None, _platform_admin_only),
    "organisation.list_all": (None, _platform_admin_only),
    "organisation.create": (None, _platform_admin_only),
    "organisation.view": (Organisation, _org_view),
    "organisation.edit": (Organisation, _platform_admin_only),
    # single sign-on (issue #7): an organisation's identity provider, platform admins only
    "organisation.manage_sso": (Organisation, _platform_admin_only),
    "organisation.deactivate": (Organisation, _platform_admin_only),
    "organisation.manage_members": (Organisation, _org_manage_members),
    "user.list_all": (None, _platform_admin_only),
    "user.invite_any": (None, _platform_admin_only),
    "user.view": (User, _user_view),
    "user.manage": (User, _user_manage),
    "invitation.view": (Invitation, _invitation_view),
    "invitation.revoke": (Invitation, _invitation_view),
    "audit.view": (None, _platform_admin_only),
    "audit.view_event": (AuditEvent, _audit_view),
    "space.create": (None, _platform_admin_only),
    "space.see": (Space, _space_see),
    "space.view": (Space, _space_view),
    "space.upload": (Space, _space_upload),
    "space.edit_all": (Space, _space_edit_all),
    "space.manage": (Space, _space_manage),
    "space.manage_grants": (Space, _space_manage_grants),
    "document.see": (Document, _document_see),
    "document.view": (Document, _document_view),
    "document.download": (Document, _document_view),
    "document.edit": (Document, _document_edit),
    "document.delete": (Document, _document_edit),
    "document.restore": (Document, _document_restore),
    "document.purge": (Document, _document_purge),
    # drafts and comments (issue #4)
    "document.set_status": (Document, _document_set_status),
    "document.comment": (Document, _document_comment),
    "document.edit_text": (Document, _document_edit_text),
    "document.manage_drafts": (Document, _document_manage_drafts),
    "comment.view": (Comment, _comment_view),
    "comment.edit": (Comment, _comment_edit),
    "comment.delete": (Comment, _comment_edit),
    "comment.resolve": (Comment, _comment_resolve),
    "comment.respond": (Comment, _comment_respond),
    "comment_round.view": (CommentRound, _round_view),
    "comment_round.manage": (CommentRound, _round_manage),
    # notifications (issue #4)
    "notification.view": (Notification, _notification_view),
    "notification.mark_read": (Notification, _notification_view),
    # action plans (issue #6)
    "action_plan.create": (Space, _space_run_plans),
    "action_plan.view": (ActionPlan, _plan_view),
    "action_plan.manage": (ActionPlan, _plan_manage),
    "action_plan.export": (ActionPlan, _plan_view),
    "action_item.view": (ActionItem, _item_view),
    "action_item.edit": (ActionItem, _item_edit),
    "action_item.archive": (ActionItem, _item_archive),
    "action_item.report_progress": (ActionItem, _item_report_progress),
    "action_item.comment": (ActionItem, _item_comment),
    # casework (issue #5)
    "case.create": (None, _case_create),
    "case.import": (None, _case_create),
    "case.statistics": (None, _network_member),
    "case.view": (Case, _case_view),
    "case.contribute": (Case, _case_contribute),
    "case.edit": (Case, _case_edit),
    "case.change_status": (Case, _case_edit),
    "case.manage": (Case, _case_manage),
    "case.view_access_log": (Case, _case_manage),
    "case.view_disclosures": (Case, _case_manage),
    "case.read_address": (Case, _case_read_address),
    "case_measure.view": (Measure, _measure_view),
    "case_measure.edit": (Measure, _measure_edit),
    "case_task.view": (AftercareTask, _task_view),
    "case_task.edit": (AftercareTask, _task_edit),
    "case_task.update": (AftercareTask, _task_update),
    "case_entry.view": (TimelineEntry, _entry_view),
    "case_entry.reshare": (TimelineEntry, _entry_reshare),
    "case_release.view": (ReleaseRequest, _release_view),
    "case_release.decide": (ReleaseRequest, _release_decide),
    "legal_basis.manage": (None, _platform_admin_only),
    # the network (issue #8), each part in its own section above
    **APPLICATION_ACTIONS,
    **KNOWLEDGE_ACTIONS,
    **MEETING_ACTIONS,
    **DIRECTORY_ACTIONS,
}

#: The action that decides whether an object may be seen at all (404 otherwise).
VIEW_ACTION = {
    Organisation: "organisation.view",
    User: "user.view",
    Invitation: "invitation.view",
    AuditEvent: "audit.view_event",
    Space: "space.see",
    Document: "document.see",
    Notification: "notification.view",  # notifications (issue #4)
    Comment: "comment.view",
    CommentRound: "comment_round.view",
    ActionPlan: "action_plan.view",  # action plans (issue #6)
    ActionItem: "action_item.view",  # action plans (issue #6)
    Case: "case.view",  # casework (issue #5)
    Measure: "case_measure.view",
    AftercareTask: "case_task.view",
    TimelineEntry: "case_entry.view",
    ReleaseRequest: "case_release.view",
    **APPLICATION_VIEW_ACTION,  # the network (issue #8)
    **KNOWLEDGE_VIEW_ACTION,
    **MEETING_VIEW_ACTION,
    **DIRECTORY_VIEW_ACTION,
}


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` (on `obj`)? Unknown actions raise; everything else denies."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    expected_type, check = ACTIONS[action]
    if expected_type is not None and not isinstance(obj, expected_type):
        raise TypeError(f"{action} needs a {expected_type.__name__}, got {type(obj).__name__}")
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


# --- query filters -------------------------------------------------------------------------


@_per_request
def visible_organisations(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    member_of = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return Organisation.id.in_(member_of)


def _admin_org_ids(user):
    return select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.role == OrgRole.ORG_ADMIN
    )


@_per_request
def visible_users(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    members_of_admin_orgs = select(Membership.user_id).where(
        Membership.organisation_id.in_(_admin_org_ids(user))
    )
    return (User.id == user.id) | User.id.in_(members_of_admin_orgs)


@_per_request
def visible_invitations(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    active_admin_orgs = select(Organisation.id).where(
        Organisation.active.is_(True), Organisation.id.in_(_admin_org_ids(user))
    )
    return Invitation.organisation_id.in_(active_admin_orgs)


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
        "folder": _ids(Folder.id, Folder.space_id.in_(_open_space_ids(user))),
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
    return AuditEvent.space_id.is_(None) | AuditEvent.space_id.in_(seeable)


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
        AuditEvent.space_id.is_(None) | AuditEvent.space_id.in_(_open_space_ids(user))
    )
    return _in_known_space(user) & or_(untargeted, managed, grants, *readable)


@_per_request
def audit_actors_named(user) -> ColumnElement[bool]:
    """Audit events whose actor (and origin) `user` may see: not in a case space unknown to
    them, where who acted would tell who takes part in the case and who read it."""
    if not _active(user):
        return false()
    return _in_known_space(user)


VISIBLE = {
    Organisation: visible_organisations,
    User: visible_users,
    Invitation: visible_invitations,
    AuditEvent: visible_audit_events,
    Space: seeable_spaces,
    Document: lambda user: visible_documents(user),
    Notification: visible_notifications,  # notifications (issue #4)
    Comment: visible_comments,
    CommentRound: visible_rounds,
    ActionPlan: visible_action_plans,  # action plans (issue #6)
    ActionItem: visible_action_items,  # action plans (issue #6)
    Case: visible_cases,  # casework (issue #5)
    Measure: visible_measures,
    AftercareTask: visible_tasks,
    TimelineEntry: visible_timeline_entries,
    ReleaseRequest: visible_release_requests,
    Application: visible_applications,  # the network (issue #8)
    # An archived article is opened only by whoever may bring it back.
    Article: lambda user: visible_articles(user) | visible_articles(user, archived=True),
    Meeting: visible_meetings,
}


# --- MFA -----------------------------------------------------------------------------------


def mfa_required(user) -> bool:
    """Must this account use MFA? Always for platform admins; for all in production."""
    if user.is_platform_admin:
        return True
    return current_app.config["MFA_REQUIRED_FOR"] == "all"


#: Set by `assuming_mfa()` (notifications, issue #4).
_ASSUME_MFA: ContextVar[bool] = ContextVar("neig_assume_mfa", default=False)


@contextmanager
def assuming_mfa() -> Iterator[None]:
    """Decide as if the session had passed a second factor: for checks about someone other
    than the person at the keyboard (may this notification's recipient read the subject after
    an MFA login?). Grants, narrowing and archiving still apply; only the session's MFA state
    is assumed. Build the query inside the block: the filters read the state when built."""
    token = _ASSUME_MFA.set(True)
    try:
        yield
    finally:
        _ASSUME_MFA.reset(token)


def session_has_mfa() -> bool:
    """Did the current login pass a second factor? Spaces that require MFA ask this."""
    if _ASSUME_MFA.get():  # notifications (issue #4): see assuming_mfa()
        return True
    user_session = g.get("user_session")
    return bool(user_session is not None and user_session.mfa_verified)
