"""The dashboard: what is new for me since my last visit, and what waits for me. Every section
reads through the policy's visible_* filters and runs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Bundle, joinedload

from ..access.policy import (
    kept_across_requests,
    my_organisation_ids,
    session_has_mfa,
    visible_action_items,
    visible_activity,
    visible_cases,
    visible_notifications,
    visible_rounds,
    visible_timeline_entries,
)
from ..actions.models import OPEN_STATUSES, ActionItem, ActionItemContributor
from ..audit.models import AuditEvent
from ..cases.models import Case, TimelineEntry
from ..comments.models import CommentRound, RoundInvitation
from ..extensions import db
from ..notifications import service as notifications
from ..notifications.models import Notification
from ..spaces.models import Space
from ..timeutil import utcnow
from .models import DashboardVisit

#: A visit ends after this long without looking at the dashboard (the session idle timeout):
#: reloading within a visit keeps showing what was new when it began.
VISIT_GAP = timedelta(minutes=30)
#: On a first visit, "new" means this recent.
FIRST_VISIT_WINDOW = timedelta(days=14)
#: Rows per section; each section links to its full list.
LIMIT = 8


@dataclass(frozen=True)
class VisitStart:
    #: the moment "new" counts from
    since: datetime
    #: no earlier visit to name: `since` is FIRST_VISIT_WINDOW ago
    first: bool


def start_visit(user, now: datetime | None = None) -> VisitStart:
    """Record that `user` looks at the dashboard; returns where "new since" counts from."""
    now = now or utcnow()
    visit = db.session.get(DashboardVisit, user.id)
    if visit is None:
        # `since` stays empty for the whole first visit: there is no previous one to name
        visit = DashboardVisit(user_id=user.id, since=None)
        db.session.add(visit)
    elif now - visit.seen_at > VISIT_GAP:
        visit.since = visit.seen_at  # a new visit: new is what came after the previous one
    visit.seen_at = now
    if visit.since is None:
        return VisitStart(now - FIRST_VISIT_WINDOW, first=True)
    return VisitStart(visit.since, first=False)


@dataclass(frozen=True)
class Section:
    rows: list
    total: int


def space_news(user, since: datetime) -> Section:
    """Spaces with events by others since `since`: how many, and when the latest was."""
    statement = kept_across_requests(user, ("dashboard.space_news",), lambda: _space_news(user))
    found = db.session.execute(statement, {"since": since}).all()
    rows = [(space, events, latest) for space, events, latest, _ in found]
    return Section(rows=rows, total=found[0].total if found else 0)


def _space_news(user):
    news = (
        select(
            AuditEvent.space_id,
            func.count(AuditEvent.id).label("events"),
            func.max(AuditEvent.at).label("latest"),
        )
        .where(
            visible_activity(user),
            AuditEvent.at > bindparam("since"),
            AuditEvent.actor_id != user.id,  # by someone (not the system, not me)
        )
        .group_by(AuditEvent.space_id)
        .subquery()
    )
    # One evaluation of the activity filter: the total rides along as a window count. Of the
    # space only what the section shows (its id for the link, its name), not a Space object.
    total = func.count().over().label("total")
    space = Bundle("space", Space.id, Space.name)
    query = select(space, news.c.events, news.c.latest, total).join(
        news, news.c.space_id == Space.id
    )
    return query.order_by(news.c.latest.desc()).limit(LIMIT)


def my_action_items(user) -> Section:
    """Open items I am responsible for, or that my organisation leads or contributes to."""
    return _section(user, "my_action_items", lambda: _my_action_items(user))


def _my_action_items(user):
    orgs = my_organisation_ids(user)
    contributed = select(ActionItemContributor.item_id).where(
        ActionItemContributor.organisation_id.in_(orgs)
    )
    clause = (
        visible_action_items(user)
        & ActionItem.archived_at.is_(None)
        & ActionItem.status.in_(OPEN_STATUSES)
        & or_(
            ActionItem.responsible_id == user.id,
            ActionItem.lead_organisation_id.in_(orgs),
            ActionItem.id.in_(contributed),
        )
    )
    return (
        select(ActionItem)
        .where(clause)
        .options(joinedload(ActionItem.plan))
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.code)
    )


def open_rounds(user, now: datetime | None = None) -> Section:
    """Open comment rounds my organisation is invited to, whose deadline has not passed."""
    return _section(user, "open_rounds", lambda: _open_rounds(user), now=now or utcnow())


def _open_rounds(user):
    invited = select(RoundInvitation.round_id).where(
        RoundInvitation.organisation_id.in_(my_organisation_ids(user))
    )
    clause = (
        visible_rounds(user)
        & CommentRound.id.in_(invited)
        & CommentRound.closed_at.is_(None)
        & (CommentRound.deadline > bindparam("now"))
    )
    return (
        select(CommentRound)
        .where(clause)
        .options(joinedload(CommentRound.document))
        .order_by(CommentRound.deadline, CommentRound.id)
    )


def cases_with_news(user, since: datetime) -> Section | None:
    """My cases changed since `since`, by reference only; None without MFA in the session
    (then not even a reference shows)."""
    if not session_has_mfa():
        return None
    return _section(user, "cases_with_news", lambda: _cases_with_news(user), since=since)


def _cases_with_news(user):
    since = bindparam("since")
    new_entries = select(TimelineEntry.case_id).where(
        visible_timeline_entries(user), TimelineEntry.created_at > since
    )
    clause = visible_cases(user) & or_(Case.updated_at > since, Case.id.in_(new_entries))
    return select(Case.id, Case.reference).where(clause).order_by(Case.reference)


def unread_notifications(user) -> Section:
    types = notifications.unread_subject_types(user)
    if not types:
        return Section(rows=[], total=0)
    clause = visible_notifications(user, types) & Notification.read_at.is_(None)
    rows = db.session.scalars(
        select(Notification)
        .where(clause)
        .options(joinedload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(LIMIT)
    ).all()
    # The header's count (the same filter), run once for the page.
    return Section(rows=rows, total=notifications.unread_count(user))


def _section(user, name: str, build, **values) -> Section:
    """The first LIMIT rows of the statement `build()` makes and how many it has in all, in one
    SELECT: the total rides along as a window count, so the section's filter is evaluated once,
    not again for a count of its own. The statement is kept across requests
    (policy.kept_across_requests), `values` bound to it: building it and its cache key cost
    more than running it. A query of one column or entity gives its values, else tuples."""
    statement = kept_across_requests(
        user, ("dashboard." + name,), lambda: build().add_columns(_TOTAL).limit(LIMIT)
    )
    found = db.session.execute(statement, values).all()
    total = found[0][-1] if found else 0
    if len(statement.column_descriptions) == 2:
        return Section(rows=[row[0] for row in found], total=total)
    return Section(rows=[tuple(row[:-1]) for row in found], total=total)


_TOTAL = func.count().over().label("total")
