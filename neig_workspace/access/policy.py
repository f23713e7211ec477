"""The one place that decides who may do what.

`can(user, action, obj)` answers yes or no; `require(action, obj)` aborts with 404 when the user
may not even see `obj` (so its existence does not leak) and 403 when they see it but may not do
the action; `load_or_404` fetches through the visibility filter in one query. `visible_*`
return SQL clauses: every list, search, count and export is filtered in the database.

Every check denies by default, and an unknown action is a programming error that fails loudly.
"""

from collections.abc import Callable

from flask import abort, current_app, g
from flask_login import current_user
from sqlalchemy import ColumnElement, false, select, true

from ..accounts.models import Invitation, User
from ..audit.models import AuditEvent
from ..extensions import db
from ..organisations.models import Membership, Organisation
from .roles import OrgRole


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
}

#: The action that decides whether an object may be seen at all (404 otherwise).
VIEW_ACTION = {
    Organisation: "organisation.view",
    User: "user.view",
    Invitation: "invitation.view",
    AuditEvent: "audit.view_event",
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
            abort(404)
    if not can(user, action, obj):
        abort(403)


def load_or_404(model, object_id: int, action: str, user=None):
    """Fetch `model` by id through the visibility filter, then check `action`."""
    user = user if user is not None else current_user
    clause = VISIBLE[model](user)
    obj = db.session.scalar(select(model).where(model.id == object_id, clause))
    if obj is None:
        abort(404)
    require(action, obj, user=user)
    return obj


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
    active_admin_orgs = (
        select(Organisation.id)
        .where(Organisation.active.is_(True), Organisation.id.in_(_admin_org_ids(user)))
    )
    return Invitation.organisation_id.in_(active_admin_orgs)


def visible_audit_events(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


VISIBLE = {
    Organisation: visible_organisations,
    User: visible_users,
    Invitation: visible_invitations,
    AuditEvent: visible_audit_events,
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
