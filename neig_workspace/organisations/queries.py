"""The SELECTs of the organisation pages: the policy's filter first, built here, run by the
views."""

from sqlalchemy import func, or_, select

from ..access.policy import visible_invitations, visible_organisations
from ..accounts.models import Invitation, User
from ..extensions import db
from ..timeutil import utcnow
from .models import Membership, Organisation, OrgType


def organisation_list(user, *, text: str = "", org_type: OrgType | None = None):
    """The organisations `user` may see, by name; `text` in the name or CBS code (a typed %
    or _ is a character to find, not a wildcard): one SELECT for paginate."""
    query = select(Organisation).where(visible_organisations(user))
    if text:
        query = query.where(
            or_(
                Organisation.name.icontains(text, autoescape=True),
                Organisation.cbs_code.icontains(text, autoescape=True),
            )
        )
    if org_type is not None:
        query = query.where(Organisation.type == org_type)
    return query.order_by(Organisation.name)


def member_counts(organisation_ids: list[int]) -> dict[int, int]:
    """Members per organisation for one page of the list, in one query."""
    rows = db.session.execute(
        select(Membership.organisation_id, func.count(Membership.id))
        .where(Membership.organisation_id.in_(organisation_ids))
        .group_by(Membership.organisation_id)
    )
    return dict(rows.all())


def members(org: Organisation):
    """The organisation's memberships with their users, by name: one SELECT for paginate."""
    return (
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.organisation_id == org.id)
        .options(db.contains_eager(Membership.user))
        .order_by(User.name)
    )


def open_invitations(user, org: Organisation) -> list[Invitation]:
    """The organisation's invitations `user` may see that can still be accepted, newest first."""
    return db.session.scalars(
        select(Invitation)
        .where(
            visible_invitations(user),
            Invitation.organisation_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    ).all()
