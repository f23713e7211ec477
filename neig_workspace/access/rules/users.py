"""Accounts and invitations: platform admins manage accounts (never locking themselves out);
an organisation admin sees the members of the organisations they administer and their
invitations."""

from sqlalchemy import ColumnElement, false, select, true

from ...accounts.models import Invitation, User
from ...organisations.models import Membership, Organisation
from ..roles import OrgRole
from ..scope import _active, _in, _is_platform_admin, _per_request, _platform_admin_only
from .organisations import _org_manage_members


def _user_view(user, other: User) -> bool:
    if _is_platform_admin(user):
        return True
    if not _active(user):
        return False
    if user.id == other.id:
        return True
    admin_orgs = {m.organisation_id for m in user.memberships if m.role == OrgRole.ORG_ADMIN}
    return any(m.organisation_id in admin_orgs for m in other.memberships)


def _user_manage(user, other: User) -> bool:
    return _is_platform_admin(user) and user.id != other.id


def _invitation_view(user, invitation: Invitation) -> bool:
    return _org_manage_members(user, invitation.organisation)


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
        _in(Membership.organisation_id, _admin_org_ids(user))
    )
    return (User.id == user.id) | _in(User.id, members_of_admin_orgs)


@_per_request
def visible_invitations(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    active_admin_orgs = select(Organisation.id).where(
        Organisation.active.is_(True), _in(Organisation.id, _admin_org_ids(user))
    )
    return _in(Invitation.organisation_id, active_admin_orgs)


ACTIONS = {
    "user.list_all": (None, _platform_admin_only),
    "user.invite_any": (None, _platform_admin_only),
    "user.view": (User, _user_view),
    "user.manage": (User, _user_manage),
    "invitation.view": (Invitation, _invitation_view),
    "invitation.revoke": (Invitation, _invitation_view),
}
VIEW_ACTION = {User: "user.view", Invitation: "invitation.view"}
VISIBLE = {User: visible_users, Invitation: visible_invitations}
SUBJECTS = {}
