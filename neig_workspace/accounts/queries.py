"""The SELECTs of the user administration: the policy's filter first, built here, run by the
views."""

from sqlalchemy import or_, select

from ..access.policy import visible_organisations, visible_users
from ..extensions import db
from ..organisations.models import Membership, Organisation
from .models import User


def active_organisations(user) -> list[tuple[int, str]]:
    """(id, name) of the active organisations `user` may see, by name."""
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(visible_organisations(user), Organisation.active.is_(True))
        .order_by(Organisation.name)
    ).all()
    return [(org_id, name) for org_id, name in orgs]


def user_list(user, *, text: str = "", organisation_id: int | None = None, active=None):
    """The accounts `user` may see, by name, with their memberships; `text` in the name or
    e-mail address (a typed % or _ is a character to find, not a wildcard), `active` True or
    False to filter: one SELECT for paginate."""
    query = select(User).where(visible_users(user))
    if text:
        query = query.where(
            or_(
                User.name.icontains(text, autoescape=True),
                User.email.icontains(text, autoescape=True),
            )
        )
    if organisation_id:
        query = query.where(
            User.id.in_(
                select(Membership.user_id).where(Membership.organisation_id == organisation_id)
            )
        )
    if active is not None:
        query = query.where(User.active.is_(active))
    return query.options(
        db.selectinload(User.memberships).selectinload(Membership.organisation)
    ).order_by(User.name)


def with_memberships(user: User) -> User:
    """`user` with every membership and its organisation loaded, in one query."""
    return db.session.scalars(
        select(User)
        .where(User.id == user.id)
        .options(db.selectinload(User.memberships).joinedload(Membership.organisation))
    ).one()
