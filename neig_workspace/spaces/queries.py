"""The SELECTs of the space pages: the policy's filter first, built here, run by the views."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..access.policy import (
    my_organisation_ids,
    seeable_spaces,
    visible_activity,
    visible_spaces,
)
from ..audit.models import AuditEvent
from ..extensions import db
from ..organisations.models import Organisation
from ..queries import ids_in
from .models import Classification, Space, SpaceGrant, SpaceKind, SpaceVisit


@dataclass(frozen=True, slots=True)
class ListedSpace:
    """A row of the spaces list: what the page shows of a space, without loading a Space for
    each of hundreds."""

    id: int
    kind: SpaceKind
    name: str
    description: str
    mfa_required: bool
    classification: Classification
    #: Of one of the user's own organisations (an organisation space shared by another
    #: organisation is not "Eigen organisatie").
    own: bool
    #: Events by others since the user's last visit (NEWS_COUNTED + 1: more than it).
    news: int

    requires_mfa = Space.requires_mfa


def my_spaces(user, *, with_case_spaces: bool) -> list[ListedSpace]:
    """The spaces `user` is in and not archived, by name, with how many events by others
    happened since the user's last visit (0 for a space never visited): two queries. Case
    spaces only `with_case_spaces` (a session without MFA sees not even a case's reference)."""
    columns = (Space.id, Space.kind, Space.name, Space.description, Space.mfa_required)
    own = Space.organisation_id.in_(my_organisation_ids(user)).label("own")
    query = select(*columns, Space.classification, own).where(
        visible_spaces(user), Space.archived_at.is_(None)
    )
    if not with_case_spaces:
        query = query.where(Space.kind != SpaceKind.CASE)
    rows = db.session.execute(query.order_by(Space.name)).all()
    news = _news_counts(user, [row.id for row in rows])
    return [ListedSpace(*row[:-1], own=bool(row.own), news=news.get(row.id, 0)) for row in rows]


#: The spaces list counts a space's news up to this many; more reads "9+ nieuw".
NEWS_COUNTED = 9


def _news_counts(user, ids: list[int]) -> dict[int, int]:
    """Events by others per space since `user`'s last visit, up to NEWS_COUNTED + 1, in one
    query. Not a column of the spaces' query: costed per space rather than per visit, that
    query passes PostgreSQL's jit_above_cost at national scale and is JIT-compiled (180 ms)."""
    if not ids:
        return {}
    # Per visit (a space never visited has no news), the events after it: the index on (space,
    # at) reads only those, and the access filter runs on them alone, not on the space's whole
    # history.
    # At most NEWS_COUNTED + 1 of them: the access filter then runs on a few events a space,
    # however long ago the last visit was.
    news = (
        select(AuditEvent.id)
        .where(
            AuditEvent.space_id == SpaceVisit.space_id,
            AuditEvent.at > SpaceVisit.visited_at,
            AuditEvent.actor_id != user.id,
            visible_activity(user),
        )
        .correlate(SpaceVisit)
        .limit(NEWS_COUNTED + 1)
        .subquery()
    )
    since_visit = select(func.count()).select_from(news).scalar_subquery()
    rows = db.session.execute(
        select(SpaceVisit.space_id, since_visit).where(
            SpaceVisit.user_id == user.id, ids_in(SpaceVisit.space_id, ids)
        )
    )
    return {space_id: count for space_id, count in rows if count}


def activity(user, space: Space):
    """What happened in the space that `user` may read, newest first: one SELECT."""
    return (
        select(AuditEvent)
        .where(
            AuditEvent.space_id == space.id,
            AuditEvent.result == "success",
            visible_activity(user),
        )
        .options(db.joinedload(AuditEvent.actor), db.joinedload(AuditEvent.actor_org))
        .order_by(AuditEvent.id.desc())
    )


def grants(space: Space) -> list[SpaceGrant]:
    """The space's grants, the highest role first, with their user or organisation."""
    return db.session.scalars(
        select(SpaceGrant)
        .where(SpaceGrant.space_id == space.id)
        .options(db.joinedload(SpaceGrant.user), db.joinedload(SpaceGrant.organisation))
        .order_by(SpaceGrant.role.desc(), SpaceGrant.id)
    ).all()


def active_organisations() -> list[tuple[int, str]]:
    """(id, name) of every active organisation, by name: who may be given access."""
    return db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.active.is_(True))
        .order_by(Organisation.name)
    ).all()


def all_spaces(user):
    """Every space `user` may know of, by kind and name (the admin list): one SELECT."""
    return select(Space).where(seeable_spaces(user)).order_by(Space.kind, Space.name)
