"""Spaces (werkruimtes): a user's role in a space is the highest of the grants that match them.
A platform admin manages a space's metadata and grants (they "see" every space but case
spaces) but reads its content only through a grant of their own."""

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from ...accounts.models import User
from ...organisations.models import Membership, Organisation
from ...spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from ..roles import OrgRole, SpaceRole
from ..scope import (
    _has_role,
    _in,
    _is_platform_admin,
    _per_request,
    _platform_admin_only,
    space_role,
    visible_spaces,
)


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


@_per_request
def seeable_spaces(user) -> ColumnElement[bool]:
    """Spaces the user may know of: with a grant, or every space but case spaces for a
    platform admin."""
    if _is_platform_admin(user):
        return (Space.kind != SpaceKind.CASE) | visible_spaces(user)
    return visible_spaces(user)


def space_readers(
    space: Space, narrowed_to: list[int] | None = None, *, minimum: SpaceRole | None = None
) -> ColumnElement[bool]:
    """Users who may read the content of `space`, in SQL: its grants matched the other way
    round, then an optional narrowing to some organisations; with `minimum`, only the grants of
    at least that role (its managers, say)."""
    if space.archived_at is not None:
        return false()
    members = (
        select(Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.active.is_(True))
    )
    of_space = (SpaceGrant.space_id == space.id) & (
        SpaceGrant.role >= minimum if minimum is not None else true()
    )
    grants = select(SpaceGrant.organisation_id).where(of_space)
    by_org = grants.where(SpaceGrant.principal_type == PrincipalType.ORGANISATION)
    by_admins = grants.where(SpaceGrant.principal_type == PrincipalType.ORGANISATION_ADMINS)
    network = grants.where(SpaceGrant.principal_type == PrincipalType.NETWORK)
    by_user = select(SpaceGrant.user_id).where(
        of_space, SpaceGrant.principal_type == PrincipalType.USER
    )
    granted = or_(
        _in(User.id, by_user),
        _in(User.id, members.where(_in(Membership.organisation_id, by_org))),
        _in(
            User.id,
            members.where(
                _in(Membership.organisation_id, by_admins), Membership.role == OrgRole.ORG_ADMIN
            ),
        ),
        exists(network) & _in(User.id, members),
    )
    # Separation of duties: a platform admin reads no content, whatever grant would reach them.
    clause = User.active.is_(True) & User.is_platform_admin.is_(False) & granted
    if narrowed_to:
        clause = clause & _in(User.id, members.where(_in(Membership.organisation_id, narrowed_to)))
    return clause


ACTIONS = {
    "space.create": (None, _platform_admin_only),
    "space.see": (Space, _space_see),
    "space.view": (Space, _space_view),
    "space.upload": (Space, _space_upload),
    "space.edit_all": (Space, _space_edit_all),
    "space.manage": (Space, _space_manage),
    "space.manage_grants": (Space, _space_manage_grants),
}
VIEW_ACTION = {Space: "space.see"}
VISIBLE = {Space: seeable_spaces}
SUBJECTS = {}
