"""The one place that decides who may do what.

`can(user, action, obj)` answers yes or no; `require(action, obj)` aborts with 404 when the user
may not even see `obj` (so its existence does not leak) and 403 when they see it but may not do
the action; `load_or_404` fetches through the visibility filter in one query. `visible_*`
return SQL clauses: every list, search, count and export is filtered in the database.

Every check denies by default, and an unknown action is a programming error that fails loudly.
"""

from collections.abc import Callable

from flask import abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, String, cast, exists, false, func, or_, select, true

from ..accounts.models import Invitation, User
from ..audit.models import AuditEvent
from ..documents.models import Document, DocumentNarrowing
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..spaces.models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind
from .roles import OrgRole, SpaceRole

#: Labels that need a second factor in the session to open (DESIGN.md § Classification).
MFA_CLASSIFICATIONS = [c for c in Classification if c.needs_mfa]


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.active)


def _is_platform_admin(user) -> bool:
    return _active(user) and user.is_platform_admin


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


def _grants_matching(user) -> ColumnElement[bool]:
    member_orgs = _active_member_org_ids(user)
    admin_orgs = member_orgs.where(Membership.role == OrgRole.ORG_ADMIN)
    return or_(
        (SpaceGrant.principal_type == PrincipalType.USER) & (SpaceGrant.user_id == user.id),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION)
        & SpaceGrant.organisation_id.in_(member_orgs),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION_ADMINS)
        & SpaceGrant.organisation_id.in_(admin_orgs),
        (SpaceGrant.principal_type == PrincipalType.NETWORK) & exists(member_orgs),
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
    return _is_platform_admin(user) or space_role(user, space) is not None


def _space_view(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.VIEWER)


def _space_upload(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.CONTRIBUTOR)


def _space_edit_all(user, space: Space) -> bool:
    return space.archived_at is None and _has_role(user, space, SpaceRole.EDITOR)


def _space_manage(user, space: Space) -> bool:
    return _has_role(user, space, SpaceRole.MANAGER)


def _space_manage_grants(user, space: Space) -> bool:
    # Platform admins manage grants without content access (separation of duties).
    return _is_platform_admin(user) or _space_manage(user, space)


def _narrowed_out(user, document: Document) -> bool:
    if not document.narrowing:
        return False
    member_orgs = {m.organisation_id for m in user.memberships if m.organisation.active}
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


def visible_spaces(user) -> ColumnElement[bool]:
    """Spaces whose content the user may read: a grant matches them."""
    if not _active(user):
        return false()
    return Space.id.in_(select(SpaceGrant.space_id).where(_grants_matching(user)))


def seeable_spaces(user) -> ColumnElement[bool]:
    """Spaces the user may know of: with a grant, or every space for a platform admin."""
    if _is_platform_admin(user):
        return true()
    return visible_spaces(user)


def _not_narrowed_out(user) -> ColumnElement[bool]:
    narrowed = select(DocumentNarrowing.document_id).where(
        DocumentNarrowing.document_id == Document.id
    )
    allowed = narrowed.where(DocumentNarrowing.organisation_id.in_(_active_member_org_ids(user)))
    return ~exists(narrowed) | exists(allowed)


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


def visible_documents(user, *, in_trash: bool = False) -> ColumnElement[bool]:
    """Documents the user may read (or, with in_trash, see in the trash), in SQL."""
    if not _active(user):
        return false()
    deleted = Document.deleted_at.is_not(None) if in_trash else Document.deleted_at.is_(None)
    clause = Document.space_id.in_(_open_spaces(user)) & deleted & _not_narrowed_out(user)
    if not session_has_mfa():
        clause = clause & Document.classification.not_in(MFA_CLASSIFICATIONS)
    return clause


def visible_activity(user) -> ColumnElement[bool]:
    """Events in spaces the user may read now, never about a document hidden from them."""
    readable = select(cast(Document.id, String)).where(
        visible_documents(user) | visible_documents(user, in_trash=True)
    )
    not_about_a_document = AuditEvent.target_type.is_(None) | (AuditEvent.target_type != "document")
    return AuditEvent.space_id.in_(_open_spaces(user)) & (
        not_about_a_document | AuditEvent.target_id.in_(readable)
    )


#: action -> (object type or None for a global action, check)
ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "admin.access": (None, _platform_admin_only),
    "organisation.list_all": (None, _platform_admin_only),
    "organisation.create": (None, _platform_admin_only),
    "organisation.view": (Organisation, _org_view),
    "organisation.edit": (Organisation, _platform_admin_only),
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
}

#: The action that decides whether an object may be seen at all (404 otherwise).
VIEW_ACTION = {
    Organisation: "organisation.view",
    User: "user.view",
    Invitation: "invitation.view",
    AuditEvent: "audit.view_event",
    Space: "space.see",
    Document: "document.see",
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


def load_or_404(model, object_id: int, action: str, user=None):
    """Fetch `model` by id through the visibility filter, then check `action`."""
    user = user if user is not None else current_user
    clause = VISIBLE[model](user)
    obj = db.session.scalar(select(model).where(model.id == object_id, clause))
    if obj is None:
        _deny(404, action, None, target=(model.__tablename__.rstrip("s"), object_id))
    require(action, obj, user=user)
    return obj


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
    space = obj.space if isinstance(obj, Document) else obj
    return (
        isinstance(space, Space)
        and space.requires_mfa
        and not session_has_mfa()
        and space_role(current_user, space) is not None
    )


# --- query filters -------------------------------------------------------------------------


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


def visible_users(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    members_of_admin_orgs = select(Membership.user_id).where(
        Membership.organisation_id.in_(_admin_org_ids(user))
    )
    return (User.id == user.id) | User.id.in_(members_of_admin_orgs)


def visible_invitations(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    active_admin_orgs = select(Organisation.id).where(
        Organisation.active.is_(True), Organisation.id.in_(_admin_org_ids(user))
    )
    return Invitation.organisation_id.in_(active_admin_orgs)


def visible_audit_events(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


VISIBLE = {
    Organisation: visible_organisations,
    User: visible_users,
    Invitation: visible_invitations,
    AuditEvent: visible_audit_events,
    Space: seeable_spaces,
    Document: lambda user: visible_documents(user),
}


# --- MFA -----------------------------------------------------------------------------------


def mfa_required(user) -> bool:
    """Must this account use MFA? Always for platform admins; for all in production."""
    if user.is_platform_admin:
        return True
    return current_app.config["MFA_REQUIRED_FOR"] == "all"


def session_has_mfa() -> bool:
    """Did the current login pass a second factor? Spaces that require MFA ask this."""
    user_session = g.get("user_session")
    return bool(user_session is not None and user_session.mfa_verified)
