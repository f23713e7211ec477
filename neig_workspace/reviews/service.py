"""Access reviews (BIO 5.18): every ACCESS_REVIEW_MONTHS (a quarter by default) each active
organisation's admins confirm or remove its members and their roles, and each live space's
managers (case spaces aside: their participants are the case's own) its grants.

The cycle, run daily by the scheduled job "access_reviews" (or `flask neig access-reviews`):
open a review for every scope without an open one for the current period; remind its
reviewers by e-mail ACCESS_REVIEW_REMIND_DAYS before the period ends (once); a review not done
by then is overdue, which platform admins see. A scope has one open review at a time: an
overdue one stays until it is done, and the next period's opens at the next run after that.

A removal goes through the membership's or grant's own service (its audit event, the last
admin or manager kept); every decision is kept, and audited, with the review. Callers commit
(the job commits itself)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from .. import mail
from ..access import policy
from ..access.roles import OrgRole, SpaceRole
from ..accounts.models import User
from ..audit import service as audit
from ..audit.models import AuditEvent
from ..errors import ServiceError
from ..extensions import db
from ..organisations import service as organisations
from ..organisations.models import Membership, Organisation
from ..privacy.service import csv_bytes
from ..queries import ids_in
from ..spaces import service as spaces
from ..spaces.models import Space, SpaceGrant, SpaceKind
from ..timeutil import utcnow
from .models import AccessReview, AccessReviewItem, Decision, ReviewScope

MEMBERSHIP = "membership"
GRANT = "grant"


def period_of(now: datetime, months: int) -> tuple[datetime, datetime]:
    """The period `now` falls in: calendar blocks of `months` (quarters: Jan, Apr, Jul, Oct)."""
    months = max(1, min(months, 12))
    first = (now.year * 12 + now.month - 1) // months * months
    after = first + months
    return datetime(first // 12, first % 12 + 1, 1), datetime(after // 12, after % 12 + 1, 1)


@dataclass(frozen=True)
class CycleReport:
    opened: int
    reminded: int


def run_cycle(now: datetime | None = None) -> CycleReport:
    """Open this period's reviews and send the reminders that are due (the daily job)."""
    now = now or utcnow()
    config = current_app.config
    opened = open_reviews(now, config["ACCESS_REVIEW_MONTHS"])
    reminded = send_reminders(now, timedelta(days=config["ACCESS_REVIEW_REMIND_DAYS"]))
    return CycleReport(opened, reminded)


def open_reviews(now: datetime, months: int) -> int:
    """A review for every active organisation and live non-case space that has neither an
    open review nor one for this period yet; returns how many were opened."""
    start, end = period_of(now, months)
    opened = 0
    for scope, column, candidates in (
        (ReviewScope.ORGANISATION, AccessReview.organisation_id, _organisations()),
        (ReviewScope.SPACE, AccessReview.space_id, _spaces()),
    ):
        taken = select(column).where(
            column.is_not(None),
            or_(AccessReview.completed_at.is_(None), AccessReview.period_start == start),
        )
        ids = db.session.scalars(candidates.where(candidates.selected_columns[0].not_in(taken)))
        for scope_id in ids.all():
            review = AccessReview(scope=scope, period_start=start, due_at=end, created_at=now)
            setattr(review, column.key, scope_id)
            db.session.add(review)
            db.session.flush()
            audit.record(
                "access_review.opened",
                target=review,
                space_id=review.space_id,
                details={"due": review.last_day.isoformat()},
            )
            opened += 1
    return opened


def _organisations():
    return select(Organisation.id).where(Organisation.active.is_(True)).order_by(Organisation.id)


def _spaces():
    return (
        select(Space.id)
        .where(Space.kind != SpaceKind.CASE, Space.archived_at.is_(None))
        .order_by(Space.id)
    )


def _live(query):
    """Reviews whose scope still exists as something to review (an active organisation, a
    live space): a deactivated organisation's review is not overdue work."""
    return (
        query.outerjoin(Organisation, Organisation.id == AccessReview.organisation_id)
        .outerjoin(Space, Space.id == AccessReview.space_id)
        .where(
            or_(
                AccessReview.organisation_id.is_not(None) & Organisation.active.is_(True),
                AccessReview.space_id.is_not(None) & Space.archived_at.is_(None),
            )
        )
    )


def send_reminders(now: datetime, before: timedelta) -> int:
    """Mail the reviewers of every open review due within `before` (or overdue) that was not
    reminded yet; returns how many reviews were reminded."""
    due = db.session.scalars(
        _live(select(AccessReview)).where(
            AccessReview.completed_at.is_(None),
            AccessReview.reminded_at.is_(None),
            AccessReview.due_at <= now + before,
        )
    ).all()
    for review in due:
        people = reviewers(review)
        for person in people:
            _remind(review, person, now)
        review.reminded_at = now
        audit.record(
            "access_review.reminded",
            target=review,
            space_id=review.space_id,
            details={"recipients": len(people)},
        )
    return len(due)


def reviewers(review: AccessReview) -> list[User]:
    """Who takes the decisions: the organisation's active admins, or the space's managers (a
    platform admin never: the policy's readers exclude them)."""
    if review.scope == ReviewScope.ORGANISATION:
        query = (
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == review.organisation_id,
                Membership.role == OrgRole.ORG_ADMIN,
                User.active.is_(True),
                User.is_platform_admin.is_(False),
            )
        )
    else:
        query = select(User).where(policy.space_readers(review.space, minimum=SpaceRole.MANAGER))
    return db.session.scalars(query.order_by(User.id)).all()


def _remind(review: AccessReview, person: User, now: datetime) -> None:
    """One reminder; names no space (the link leads to it), only the day it is due."""
    link = mail.external_link("reviews.show", review_id=review.id)
    day = review.last_day.strftime("%d-%m-%Y")
    with force_locale(person.locale):
        if review.overdue(now):
            subject = _("Toegangscontrole te laat: bevestig wie toegang heeft")
        else:
            subject = _("Toegangscontrole: bevestig uiterlijk %(day)s wie toegang heeft", day=day)
        what = (
            _("de leden en rollen van %(org)s", org=review.organisation.name)
            if review.scope == ReviewScope.ORGANISATION
            else _("de toegang tot een werkruimte die u beheert")
        )
        body = _(
            "Beste %(name)s,\n\nBevestig uiterlijk %(day)s %(what)s: wie toegang niet meer "
            "nodig heeft, haalt u in één stap weg.\n\n%(link)s\n\nDit is de periodieke "
            "controle van toegangsrechten (BIO 5.18).",
            name=person.name,
            day=day,
            what=what,
            link=link,
        )
    mail.queue(person.email, subject, body)


# --- what a reviewer confirms ------------------------------------------------------------------


@dataclass
class Item:
    """A membership or grant to confirm, with the last sign of use of it."""

    subject_type: str
    subject: Membership | SpaceGrant
    last_login: datetime | None
    last_activity: datetime | None
    decision: AccessReviewItem | None = None


def items(review: AccessReview) -> list[Item]:
    """The memberships or grants as they are now, each with its decision in this review."""
    decided = {(d.subject_type, d.subject_id): d for d in review.items}
    found = _memberships(review) if review.scope == ReviewScope.ORGANISATION else _grants(review)
    for item in found:
        item.decision = decided.get((item.subject_type, item.subject.id))
    return found


def _memberships(review: AccessReview) -> list[Item]:
    memberships = db.session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == review.organisation_id)
        .options(db.contains_eager(Membership.user))
        .order_by(User.name, User.id)
    ).all()
    last = _last_events([m.user_id for m in memberships])
    return [Item(MEMBERSHIP, m, m.user.last_login_at, last.get(m.user_id)) for m in memberships]


def _last_events(user_ids: list[int]) -> dict[int, datetime]:
    """Each user's newest audit event outside case spaces (whose events tell nobody who takes
    part in a case), in one query."""
    if not user_ids:
        return {}
    case_spaces = select(Space.id).where(Space.kind == SpaceKind.CASE)
    rows = db.session.execute(
        select(AuditEvent.actor_id, func.max(AuditEvent.at))
        .where(
            ids_in(AuditEvent.actor_id, user_ids),
            or_(AuditEvent.space_id.is_(None), AuditEvent.space_id.not_in(case_spaces)),
        )
        .group_by(AuditEvent.actor_id)
    )
    return dict(rows.all())


def _grants(review: AccessReview) -> list[Item]:
    grants = db.session.scalars(
        select(SpaceGrant)
        .where(SpaceGrant.space_id == review.space_id)
        .options(db.joinedload(SpaceGrant.user), db.joinedload(SpaceGrant.organisation))
        .order_by(SpaceGrant.principal_type, SpaceGrant.id)
    ).all()
    by_actor, by_org, newest = _activity_in_space(review.space_id)
    found = []
    for grant in grants:
        if grant.user_id is not None:
            login, activity = grant.user.last_login_at, by_actor.get(grant.user_id)
        elif grant.organisation_id is not None:
            login, activity = None, by_org.get(grant.organisation_id)
        else:
            login, activity = None, newest
        found.append(Item(GRANT, grant, login, activity))
    return found


def _activity_in_space(space_id: int):
    """The newest event in the space per actor and per actor's organisation, and overall."""
    rows = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.actor_org_id, func.max(AuditEvent.at))
        .where(AuditEvent.space_id == space_id, AuditEvent.actor_id.is_not(None))
        .group_by(AuditEvent.actor_id, AuditEvent.actor_org_id)
    ).all()
    by_actor: dict[int, datetime] = {}
    by_org: dict[int, datetime] = {}
    for actor_id, org_id, at in rows:
        by_actor[actor_id] = max(at, by_actor.get(actor_id, at))
        if org_id is not None:
            by_org[org_id] = max(at, by_org.get(org_id, at))
    return by_actor, by_org, max((at for *_ids, at in rows), default=None)


# --- decisions ---------------------------------------------------------------------------------


def decide(review: AccessReview, subject, decision: Decision, *, actor) -> AccessReviewItem:
    """Confirm, or remove through its own service, one membership or grant of the review."""
    if review.completed_at is not None:
        raise ServiceError(_("Deze toegangscontrole is al afgerond."))
    subject_type = MEMBERSHIP if isinstance(subject, Membership) else GRANT
    if any(d.subject_type == subject_type and d.subject_id == subject.id for d in review.items):
        raise ServiceError(_("Hierover is in deze controle al besloten."))
    item = _record(review, subject_type, subject, decision, actor=actor)
    if decision == Decision.REMOVED:
        if subject_type == MEMBERSHIP:
            organisations.remove_member(subject, actor=actor)
        else:
            spaces.remove_grant(subject, actor=actor)
        db.session.flush()
    _complete_if_done(review, actor=actor)
    return item


def confirm_rest(review: AccessReview, *, actor) -> int:
    """Confirm everything not decided yet and complete the review; returns how many."""
    if review.completed_at is not None:
        raise ServiceError(_("Deze toegangscontrole is al afgerond."))
    open_items = [item for item in items(review) if item.decision is None]
    for item in open_items:
        _record(review, item.subject_type, item.subject, Decision.CONFIRMED, actor=actor)
    _complete_if_done(review, actor=actor)
    return len(open_items)


def _record(review, subject_type: str, subject, decision: Decision, *, actor) -> AccessReviewItem:
    if subject_type == MEMBERSHIP:
        principal, user_id, org_id = None, subject.user_id, subject.organisation_id
        role = OrgRole(subject.role).value
    else:
        principal, user_id = subject.principal_type.value, subject.user_id
        org_id = subject.organisation_id
        role = SpaceRole(subject.role).name.lower()
    item = AccessReviewItem(
        review=review,
        subject_type=subject_type,
        subject_id=subject.id,
        principal_type=principal,
        user_id=user_id,
        organisation_id=org_id,
        role=role,
        decision=decision,
        decided_at=utcnow(),
        decided_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        f"access_review.{decision.value}",
        actor=actor,
        target=review,
        space_id=review.space_id,
        details={
            "subject_type": subject_type,
            "subject_id": subject.id,
            "principal_type": principal,
            "user_id": user_id,
            "organisation_id": org_id,
            "role": role,
        },
    )
    return item


def _complete_if_done(review: AccessReview, *, actor) -> None:
    """Done once every membership or grant there is now has a decision in it."""
    db.session.expire(review, ["items"])
    if any(item.decision is None for item in items(review)):
        return
    review.completed_at = utcnow()
    review.completed_by_id = actor.id
    counts = Counter(d.decision.value for d in review.items)
    audit.record(
        "access_review.completed",
        actor=actor,
        target=review,
        space_id=review.space_id,
        details={"confirmed": counts["confirmed"], "removed": counts["removed"]},
    )


# --- the overview and the outcome --------------------------------------------------------------


def overview(user, now: datetime, *, overdue_only: bool = False):
    """The reviews the user may see, open ones first (the longest overdue first), as a query
    to page, with the organisation or space each is about."""
    query = _live(select(AccessReview).where(policy.visible_access_reviews(user))).options(
        db.contains_eager(AccessReview.organisation), db.contains_eager(AccessReview.space)
    )
    if overdue_only:
        query = query.where(AccessReview.completed_at.is_(None), AccessReview.due_at <= now)
    return query.order_by(
        AccessReview.completed_at.is_not(None),
        AccessReview.due_at,
        AccessReview.completed_at.desc(),
        AccessReview.id,
    )


def outcome_rows(user, review: AccessReview | None = None) -> list[list]:
    """Every decision in the reviews the user may see (or in one), for the auditor's CSV."""
    decided_by = aliased(User)
    who = aliased(User)
    whose = aliased(Organisation)
    query = (
        select(
            AccessReviewItem,
            AccessReview,
            Organisation.name,
            Space.name,
            who,
            whose.name,
            decided_by.name,
        )
        .join(AccessReview, AccessReview.id == AccessReviewItem.review_id)
        .outerjoin(Organisation, Organisation.id == AccessReview.organisation_id)
        .outerjoin(Space, Space.id == AccessReview.space_id)
        .outerjoin(who, who.id == AccessReviewItem.user_id)
        .outerjoin(whose, whose.id == AccessReviewItem.organisation_id)
        .outerjoin(decided_by, decided_by.id == AccessReviewItem.decided_by_id)
        .where(policy.visible_access_reviews(user))
        .order_by(AccessReview.period_start, AccessReview.id, AccessReviewItem.id)
    )
    if review is not None:
        query = query.where(AccessReview.id == review.id)
    return [_outcome_row(*row) for row in db.session.execute(query)]


def _outcome_row(item, review, org_name, space_name, person, organisation_name, by) -> list:
    if review.scope == ReviewScope.ORGANISATION:
        scope, name = _("organisatie"), org_name
    else:
        scope, name = _("werkruimte"), space_name
    if person is not None:
        subject, address = person.name, person.email
    elif organisation_name is not None:
        subject, address = organisation_name, ""
    else:
        subject, address = _("het hele netwerk"), ""
    return [
        review.id,
        scope,
        name,
        review.period_start.strftime("%Y-%m-%d"),
        review.last_day.strftime("%Y-%m-%d"),
        review.completed_at.strftime("%Y-%m-%d %H:%M") if review.completed_at else "",
        subject,
        address,
        item.principal_type or "",
        item.role,
        _("bevestigd") if item.decision == Decision.CONFIRMED else _("verwijderd"),
        item.decided_at.strftime("%Y-%m-%d %H:%M"),
        by or "",
    ]


def export_outcome(user, review: AccessReview | None = None) -> bytes:
    """The decisions as CSV for the auditor (of one review, or of every one the user may
    see); the export itself is audited. The caller commits."""
    rows = outcome_rows(user, review)
    audit.record(
        "access_review.exported",
        actor=user,
        target=review,
        space_id=review.space_id if review is not None else None,
        details={"decisions": len(rows)},
    )
    return csv_bytes(outcome_header(), rows)


def outcome_header() -> list[str]:
    return [
        _("Controle"),
        _("Soort"),
        _("Naam"),
        _("Periode vanaf"),
        _("Uiterlijk"),
        _("Afgerond"),
        _("Wie"),
        _("E-mailadres"),
        _("Via"),
        _("Rol"),
        _("Besluit"),
        _("Besloten op"),
        _("Besloten door"),
    ]
