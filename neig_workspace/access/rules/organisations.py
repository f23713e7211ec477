"""Organisations: platform admins manage every partner; members see their own organisation,
and its admins run its members while it is active."""

from sqlalchemy import ColumnElement, false, select, true

from ...organisations.models import Membership, Organisation
from ..scope import _active, _in, _is_platform_admin, _per_request, _platform_admin_only


def _org_view(user, org: Organisation) -> bool:
    if _is_platform_admin(user):
        return True
    return _active(user) and user.membership_in(org.id) is not None


def _org_manage_members(user, org: Organisation) -> bool:
    # Organisation admins run their own, active organisation; platform admins any.
    if _is_platform_admin(user):
        return True
    return _active(user) and org.active and user.is_org_admin_of(org.id)


@_per_request
def visible_organisations(user) -> ColumnElement[bool]:
    if _is_platform_admin(user):
        return true()
    if not _active(user):
        return false()
    member_of = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return _in(Organisation.id, member_of)


ACTIONS = {
    "admin.access": (None, _platform_admin_only),
    "organisation.list_all": (None, _platform_admin_only),
    "organisation.create": (None, _platform_admin_only),
    "organisation.view": (Organisation, _org_view),
    "organisation.edit": (Organisation, _platform_admin_only),
    # single sign-on: an organisation's identity provider, platform admins only
    "organisation.manage_sso": (Organisation, _platform_admin_only),
    "organisation.deactivate": (Organisation, _platform_admin_only),
    "organisation.manage_members": (Organisation, _org_manage_members),
}
VIEW_ACTION = {Organisation: "organisation.view"}
VISIBLE = {Organisation: visible_organisations}
SUBJECTS = {}
