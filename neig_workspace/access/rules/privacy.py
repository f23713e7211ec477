"""Privacy pages and the processing register (AVG art. 30). A space's privacy page is read by
whoever may see the space (its members; platform admins for all but case spaces) and kept by
whoever manages its grants; a case space shows its case type's page, which platform admins
keep, as they keep the legal bases. The register holds no content: platform admins read it for
every space but case spaces, an organisation's admins for the spaces their organisation
owns or manages."""

from sqlalchemy import ColumnElement, false, or_, select

from ...organisations.models import Organisation
from ...spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from ..roles import SpaceRole
from ..scope import _has_role, _is_platform_admin, _platform_admin_only
from .organisations import _org_manage_members
from .spaces import _space_manage_grants


def _privacy_view(user, space: Space) -> bool:
    if _is_platform_admin(user) and space.kind != SpaceKind.CASE:
        return True
    return _has_role(user, space, SpaceRole.VIEWER)


def _privacy_edit(user, space: Space) -> bool:
    # A case space has no page of its own: its case type's page (privacy.manage_case_types).
    return space.kind != SpaceKind.CASE and _space_manage_grants(user, space)


def register_spaces(user, organisation: Organisation | None = None) -> ColumnElement[bool]:
    """The spaces of the processing register: for a platform admin (no organisation) every
    space but case spaces; for an organisation those it owns or manages (a manager grant to the
    organisation or its admins), for whoever may run that organisation's members."""
    not_case = Space.kind != SpaceKind.CASE
    if organisation is None:
        return not_case if _is_platform_admin(user) else false()
    if not _org_manage_members(user, organisation):
        return false()
    managed = select(SpaceGrant.space_id).where(
        SpaceGrant.principal_type.in_(
            (PrincipalType.ORGANISATION, PrincipalType.ORGANISATION_ADMINS)
        ),
        SpaceGrant.organisation_id == organisation.id,
        SpaceGrant.role >= SpaceRole.MANAGER,
    )
    return not_case & or_(Space.organisation_id == organisation.id, Space.id.in_(managed))


ACTIONS = {
    "privacy.view": (Space, _privacy_view),
    "privacy.edit": (Space, _privacy_edit),
    "privacy.manage_case_types": (None, _platform_admin_only),
    "privacy.register_all": (None, _platform_admin_only),
    "privacy.register_organisation": (Organisation, _org_manage_members),
}
VIEW_ACTION = {}
VISIBLE = {}
SUBJECTS = {}
