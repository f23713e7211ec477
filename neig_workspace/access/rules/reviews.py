"""Access reviews (BIO 5.18): an organisation's admins review its members, a space's managers
its grants. Platform admins see every review (which is overdue, the outcome for the auditor:
names of organisations and non-case spaces, which they manage anyway) but take no decision in
one: they are not the ones who know whether a colleague still needs access."""

from sqlalchemy import ColumnElement, false, select

from ...reviews.models import AccessReview, ReviewScope
from ...spaces.models import Space, SpaceKind
from ..roles import SpaceRole
from ..scope import (
    _active,
    _grants_from,
    _has_role,
    _in,
    _is_platform_admin,
    _member_orgs,
    _network_member,
    _per_request,
    _platform_admin_only,
    space_role,
)


def is_reviewer(user, review: AccessReview, *, to_decide: bool = True) -> bool:
    """An admin of the (active) organisation, or a manager of the (live) space; deciding in a
    space that needs a second factor takes a session with one, as managing its grants does."""
    if not _active(user) or _is_platform_admin(user):
        return False
    if review.scope == ReviewScope.ORGANISATION:
        return review.organisation.active and user.is_org_admin_of(review.organisation_id)
    space = review.space
    if space.archived_at is not None:
        return False
    if to_decide:
        return _has_role(user, space, SpaceRole.MANAGER)
    role = space_role(user, space)
    return role is not None and role >= SpaceRole.MANAGER


def _review_view(user, review: AccessReview) -> bool:
    if _is_platform_admin(user):
        return review.scope == ReviewScope.ORGANISATION or review.space.kind != SpaceKind.CASE
    return is_reviewer(user, review, to_decide=False)


def _review_decide(user, review: AccessReview) -> bool:
    return review.completed_at is None and is_reviewer(user, review)


@_per_request
def visible_access_reviews(user) -> ColumnElement[bool]:
    """Reviews the user takes part in (their organisations as admin, spaces they manage); a
    platform admin every review but of a case space."""
    if _is_platform_admin(user):
        not_case = select(Space.id).where(Space.kind != SpaceKind.CASE)
        return AccessReview.space_id.is_(None) | _in(AccessReview.space_id, not_case)
    if not _active(user):
        return false()
    return _in(AccessReview.organisation_id, _member_orgs(user, admins=True)) | _in(
        AccessReview.space_id, _grants_from(user, SpaceRole.MANAGER)
    )


ACTIONS = {
    # one's own reviews (a member of the network; the list may be empty)
    "access_review.list_own": (None, _network_member),
    # every review, which is overdue, and the outcome as CSV: platform admins
    "access_review.overview": (None, _platform_admin_only),
    "access_review.view": (AccessReview, _review_view),
    "access_review.decide": (AccessReview, _review_decide),
}
VIEW_ACTION = {AccessReview: "access_review.view"}
VISIBLE = {AccessReview: visible_access_reviews}
SUBJECTS = {}

__all__ = ["is_reviewer", "visible_access_reviews"]
