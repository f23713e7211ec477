"""Meetings and knowledge sessions: one function per use case.

Registrations form one queue per meeting, ordered by `queued_at` (when someone last registered):
the first `capacity` are registered, the rest wait. Every change (a registration, a cancellation,
a new capacity) ends in `_rebalance`, which restores that rule and tells whoever moved. E-mail
about a notification follows the recipient's preference (immediate by default).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from ..access import policy
from ..accounts.models import User
from ..accounts.tokens import hash_token, new_token
from ..audit import service as audit
from ..documents import service as documents
from ..documents.models import Document
from ..errors import ServiceError
from ..extensions import db
from ..notifications import service as notifications
from ..notifications.models import NotificationKind
from ..spaces.models import Space
from ..timeutil import local, to_utc, utcnow
from .models import (
    ACTIVE_STATUSES,
    CalendarFeedToken,
    Meeting,
    MeetingAudience,
    MeetingKind,
    MeetingRegistration,
    RegistrationStatus,
)

REPORT_FOLDER = "Verslag en presentaties"
MAX_CAPACITY = 10000

KIND_LABELS = {
    MeetingKind.BIJEENKOMST: _l("Bijeenkomst"),
    MeetingKind.KENNISSESSIE: _l("Kennissessie"),
    MeetingKind.WEBINAR: _l("Webinar"),
}
AUDIENCE_LABELS = {
    MeetingAudience.NETWORK: _l("Het hele netwerk"),
    MeetingAudience.SPACE: _l("De leden van de werkruimte"),
}
STATUS_LABELS = {
    RegistrationStatus.REGISTERED: _l("Aangemeld"),
    RegistrationStatus.WAITLISTED: _l("Op de wachtlijst"),
    RegistrationStatus.CANCELLED: _l("Afgemeld"),
}


@dataclass
class MeetingData:
    """What the form gives; times are naive UTC."""

    title: str
    description: str
    kind: MeetingKind | None
    audience: MeetingAudience | None
    starts_at: datetime | None
    ends_at: datetime | None
    location: str = ""
    online_url: str = ""
    capacity: int | None = None


# --- time ------------------------------------------------------------------------------------


def when_text(meeting: Meeting) -> str:
    """ "12-03-2027 14:00-16:00" in Dutch time (both dates when it spans days)."""
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    if start.date() == end.date():
        return f"{start:%d-%m-%Y %H:%M}-{end:%H:%M}"
    return f"{start:%d-%m-%Y %H:%M} - {end:%d-%m-%Y %H:%M}"


# --- loading ---------------------------------------------------------------------------------


def organiser_spaces(user) -> list[Space]:
    return db.session.scalars(
        select(Space).where(policy.meeting_organiser_spaces(user)).order_by(Space.name)
    ).all()


# --- creating and changing meetings ------------------------------------------------------------


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise ServiceError(
            _("Vul een webadres in dat begint met https:// of http://."), "online_url"
        )


def _check(data: MeetingData, space: Space) -> None:
    if not data.title.strip():
        raise ServiceError(_("Vul een titel in."), "title")
    if data.kind not in set(MeetingKind):
        raise ServiceError(_("Kies een soort bijeenkomst."), "kind")
    if data.audience not in set(MeetingAudience):
        raise ServiceError(_("Kies voor wie de bijeenkomst is."), "audience")
    if data.starts_at is None:
        raise ServiceError(_("Vul een begintijd in."), "starts_at")
    if data.ends_at is None:
        raise ServiceError(_("Vul een eindtijd in."), "ends_at")
    if data.ends_at <= data.starts_at:
        raise ServiceError(_("De eindtijd ligt na de begintijd."), "ends_at")
    if not data.location.strip() and not data.online_url.strip():
        raise ServiceError(_("Vul een locatie of een link voor online deelname in."), "location")
    if data.online_url.strip():
        _check_url(data.online_url.strip())
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise ServiceError(
            _("Vul een aantal plaatsen van 1 tot %(max)d in, of laat het leeg.", max=MAX_CAPACITY),
            "capacity",
        )
    if data.audience == MeetingAudience.NETWORK and not policy.space_readable_by_network(space):
        raise ServiceError(
            _(
                "Een bijeenkomst voor het hele netwerk hoort in een werkruimte die het hele "
                "netwerk kan lezen, zodat iedereen de stukken kan zien."
            ),
            "audience",
        )


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title.strip()[:200]
    meeting.description = data.description.strip()
    meeting.kind = MeetingKind(data.kind)
    meeting.audience = MeetingAudience(data.audience)
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.location = data.location.strip()[:300]
    meeting.online_url = data.online_url.strip()[:500]
    meeting.capacity = data.capacity


def create_meeting(space: Space, data: MeetingData, *, actor: User) -> Meeting:
    """A new meeting with its folder (agenda, documents) and the subfolder for the minutes."""
    if not policy.can(actor, "space.edit_all", space) or space.kind.value == "case":
        raise ServiceError(_("In deze werkruimte kunt u geen bijeenkomst organiseren."), "space_id")
    _check(data, space)
    meeting = Meeting(space_id=space.id, space=space, created_by_id=actor.id)
    _apply(meeting, data)
    db.session.add(meeting)
    folder_name = f"{_('Bijeenkomst')} {local(data.starts_at):%Y-%m-%d} {meeting.title}"
    folder = documents.create_folder(space, folder_name, None, actor=actor)
    report = documents.create_folder(space, REPORT_FOLDER, folder, actor=actor)
    meeting.folder_id, meeting.report_folder_id = folder.id, report.id
    db.session.flush()
    audit.record(
        "meeting.created",
        actor=actor,
        target=meeting,
        space_id=space.id,
        details={"title": meeting.title, "audience": str(meeting.audience)},
    )
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, *, actor: User) -> None:
    """Change the details; a new capacity moves people on or off the waiting list."""
    policy.require("meeting.manage", meeting, user=actor)
    if meeting.is_cancelled:
        raise ServiceError(_("Deze bijeenkomst is geannuleerd."))
    _check(data, meeting.space)
    old_capacity = meeting.capacity
    _apply(meeting, data)
    meeting.updated_at = utcnow()
    audit.record(
        "meeting.updated",
        actor=actor,
        target=meeting,
        space_id=meeting.space_id,
        details={"title": meeting.title, "capacity": [old_capacity, meeting.capacity]},
    )
    if old_capacity != meeting.capacity:
        _rebalance(meeting, actor=actor)


def cancel_meeting(meeting: Meeting, *, actor: User) -> int:
    """Cancel the meeting and tell everyone registered or waiting; returns how many."""
    policy.require("meeting.manage", meeting, user=actor)
    if meeting.is_cancelled:
        raise ServiceError(_("Deze bijeenkomst is al geannuleerd."))
    meeting.cancelled_at = utcnow()
    told = 0
    for registration in _queue(meeting):
        told += _tell(registration, NotificationKind.MEETING_CANCELLED, actor=actor) is not None
    audit.record(
        "meeting.cancelled",
        actor=actor,
        target=meeting,
        space_id=meeting.space_id,
        details={"title": meeting.title, "told": told},
    )
    return told


# --- registrations -------------------------------------------------------------------------------


def _queue(meeting: Meeting, *, lock: bool = False) -> list[MeetingRegistration]:
    """Registered and waiting, first come first served."""
    query = (
        select(MeetingRegistration)
        .where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.status.in_(ACTIVE_STATUSES),
        )
        .options(db.joinedload(MeetingRegistration.user))
        .order_by(MeetingRegistration.queued_at, MeetingRegistration.id)
    )
    if lock:  # PostgreSQL: one change to a meeting's queue at a time
        db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    return db.session.scalars(query).unique().all()


def _rebalance(meeting: Meeting, *, actor: User | None, now: datetime | None = None) -> None:
    """The first `capacity` in the queue are registered, the rest wait; tell whoever moved."""
    now = now or utcnow()
    moved = {"promoted": [], "waitlisted": []}
    for place, registration in enumerate(_queue(meeting, lock=True)):
        inside = meeting.capacity is None or place < meeting.capacity
        wanted = RegistrationStatus.REGISTERED if inside else RegistrationStatus.WAITLISTED
        if registration.status == wanted:
            continue
        registration.status = wanted
        key = "promoted" if inside else "waitlisted"
        moved[key].append(registration.user_id)
        if registration.user_id != getattr(actor, "id", None) and not meeting.has_started(now):
            kind = (
                NotificationKind.MEETING_WAITLIST_PROMOTED
                if inside
                else NotificationKind.MEETING_WAITLISTED
            )
            _tell(registration, kind, actor=None)
    if moved["promoted"] or moved["waitlisted"]:
        audit.record(
            "meeting.queue_moved",
            actor=actor,
            target=meeting,
            space_id=meeting.space_id,
            details=moved,
        )


def _check_open(meeting: Meeting, now: datetime) -> None:
    if meeting.is_cancelled:
        raise ServiceError(_("Deze bijeenkomst is geannuleerd."))
    if meeting.has_started(now):
        raise ServiceError(_("De bijeenkomst is al begonnen; aan- of afmelden kan niet meer."))


def register(meeting: Meeting, *, actor: User, now: datetime | None = None) -> MeetingRegistration:
    """Register the actor; when the meeting is full they join the end of the waiting list."""
    now = now or utcnow()
    policy.require("meeting.register", meeting, user=actor)
    _check_open(meeting, now)
    registration = db.session.scalar(
        select(MeetingRegistration).where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.user_id == actor.id,
        )
    )
    if registration is not None and registration.status in ACTIVE_STATUSES:
        raise ServiceError(_("U bent al aangemeld voor deze bijeenkomst."))
    if registration is None:
        registration = MeetingRegistration(meeting_id=meeting.id, user_id=actor.id)
        db.session.add(registration)
    registration.status = RegistrationStatus.WAITLISTED
    registration.queued_at, registration.cancelled_at, registration.reminded_at = now, None, None
    db.session.flush()
    _rebalance(meeting, actor=actor, now=now)
    audit.record(
        "meeting.registered",
        actor=actor,
        target=meeting,
        space_id=meeting.space_id,
        details={"status": str(registration.status)},
    )
    return registration


def cancel_registration(meeting: Meeting, *, actor: User, now: datetime | None = None) -> None:
    """Cancel the actor's registration (or place on the waiting list); the first waiting moves up."""
    now = now or utcnow()
    policy.require("meeting.view", meeting, user=actor)
    _check_open(meeting, now)
    registration = db.session.scalar(
        select(MeetingRegistration).where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.user_id == actor.id,
            MeetingRegistration.status.in_(ACTIVE_STATUSES),
        )
    )
    if registration is None:
        raise ServiceError(_("U bent niet aangemeld voor deze bijeenkomst."))
    was = registration.status
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, now
    db.session.flush()
    audit.record(
        "meeting.registration_cancelled",
        actor=actor,
        target=meeting,
        space_id=meeting.space_id,
        details={"was": str(was)},
    )
    _rebalance(meeting, actor=actor, now=now)


@dataclass
class Standing:
    """Where a user stands for one meeting, and the places left."""

    status: RegistrationStatus | None
    waitlist_position: int | None
    registered: int
    waiting: int
    places_left: int | None


def standing(meeting: Meeting, user: User) -> Standing:
    """The user's status and place on the waiting list, and the counts (two queries)."""
    counts = dict(
        db.session.execute(
            select(MeetingRegistration.status, func.count())
            .where(MeetingRegistration.meeting_id == meeting.id)
            .group_by(MeetingRegistration.status)
        ).all()
    )
    own = db.session.execute(
        select(
            MeetingRegistration.status, MeetingRegistration.queued_at, MeetingRegistration.id
        ).where(
            MeetingRegistration.meeting_id == meeting.id, MeetingRegistration.user_id == user.id
        )
    ).first()
    registered = counts.get(RegistrationStatus.REGISTERED, 0)
    waiting = counts.get(RegistrationStatus.WAITLISTED, 0)
    position = None
    if own is not None and own.status == RegistrationStatus.WAITLISTED:
        position = _waitlist_position(meeting, own)
    left = None if meeting.capacity is None else max(meeting.capacity - registered, 0)
    status = own.status if own is not None else None
    return Standing(status, position, registered, waiting, left)


def _waitlist_position(meeting: Meeting, own) -> int:
    ahead = db.session.scalar(
        select(func.count()).where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.status == RegistrationStatus.WAITLISTED,
            (MeetingRegistration.queued_at < own.queued_at)
            | (
                (MeetingRegistration.queued_at == own.queued_at) & (MeetingRegistration.id < own.id)
            ),
        )
    )
    return ahead + 1


def registrations(meeting: Meeting) -> list[MeetingRegistration]:
    """Everyone registered or waiting, in queue order (for organisers)."""
    return _queue(meeting)


# --- notifications and reminders ------------------------------------------------------------------


def _tell(registration: MeetingRegistration, kind: NotificationKind, *, actor: User | None):
    meeting, recipient = registration.meeting, registration.user
    with force_locale(recipient.locale or "nl"):
        excerpt = _excerpt(meeting)
    return notifications.notify(
        recipient,
        kind=kind,
        subject_type="meeting",
        subject_id=meeting.id,
        url=f"/bijeenkomsten/{meeting.id}",
        title=meeting.title,
        excerpt=excerpt,
        actor=actor,
        confidential=meeting.space.classification.needs_mfa,
    )


def _excerpt(meeting: Meeting) -> str:
    where = meeting.location or _("online")
    return _("%(when)s, %(where)s", when=when_text(meeting), where=where)


def _reminder_window(now: datetime) -> datetime:
    """The end of tomorrow in Dutch time, as naive UTC."""
    tomorrow = local(now).date() + timedelta(days=1)
    return to_utc(datetime.combine(tomorrow + timedelta(days=1), time(0, 0)))


def send_meeting_reminders(now: datetime | None = None) -> int:
    """Remind everyone registered for a meeting that starts before the end of tomorrow (Dutch
    time) and has not started; once per registration. Returns how many were sent; the caller
    commits."""
    now = now or utcnow()
    due = db.session.scalars(
        select(MeetingRegistration)
        .join(Meeting, Meeting.id == MeetingRegistration.meeting_id)
        .where(
            MeetingRegistration.status == RegistrationStatus.REGISTERED,
            MeetingRegistration.reminded_at.is_(None),
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at < _reminder_window(now),
        )
        .options(
            db.contains_eager(MeetingRegistration.meeting).joinedload(Meeting.space),
            db.joinedload(MeetingRegistration.user),
        )
        .order_by(Meeting.starts_at, MeetingRegistration.id)
    ).all()
    sent = 0
    for registration in due:
        if _tell(registration, NotificationKind.MEETING_REMINDER, actor=None) is not None:
            registration.reminded_at = now
            sent += 1
    return sent


# --- the dashboard ---------------------------------------------------------------------------------


@dataclass
class UpcomingMeeting:
    meeting: Meeting
    status: RegistrationStatus | None


def upcoming_meetings(user, limit: int = 5, now: datetime | None = None) -> list[UpcomingMeeting]:
    """The next meetings the user may see, with their registration state: one query."""
    now = now or utcnow()
    own = and_(MeetingRegistration.meeting_id == Meeting.id, MeetingRegistration.user_id == user.id)
    rows = db.session.execute(
        select(Meeting, MeetingRegistration.status)
        .outerjoin(MeetingRegistration, own)
        .where(policy.visible_meetings(user), Meeting.ends_at > now, Meeting.cancelled_at.is_(None))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    ).all()
    return [UpcomingMeeting(meeting, status) for meeting, status in rows]


# --- documents -----------------------------------------------------------------------------------


def folder_documents(user, folder_id: int | None) -> list[Document]:
    """The documents of a meeting's folder that the user may read."""
    if folder_id is None:
        return []
    return db.session.scalars(
        select(Document)
        .where(Document.folder_id == folder_id, policy.visible_documents(user))
        .order_by(Document.title)
    ).all()


# --- the personal calendar feed ---------------------------------------------------------------------


def has_feed_token(user: User) -> bool:
    return (
        db.session.scalar(select(CalendarFeedToken.id).where(CalendarFeedToken.user_id == user.id))
        is not None
    )


def regenerate_feed_token(*, actor: User) -> str:
    """A new secret for the actor's feed; the old one stops working. Only its hash is kept."""
    token, token_hash = new_token()
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == actor.id))
    if row is None:
        row = CalendarFeedToken(user_id=actor.id)
        db.session.add(row)
    row.token_hash, row.created_at = token_hash, utcnow()
    db.session.flush()
    audit.record("meeting.feed_token_created", actor=actor, target=actor)
    return token


def revoke_feed_token(*, actor: User) -> None:
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == actor.id))
    if row is None:
        raise ServiceError(_("U hebt geen agenda-abonnement."))
    db.session.delete(row)
    audit.record("meeting.feed_token_revoked", actor=actor, target=actor)


def feed_owner(token: str) -> User | None:
    """The active user whose feed this token opens, or None."""
    return db.session.scalar(
        select(User)
        .join(CalendarFeedToken, CalendarFeedToken.user_id == User.id)
        .where(CalendarFeedToken.token_hash == hash_token(token), User.active.is_(True))
    )


def feed_meetings(user: User) -> list[Meeting]:
    """The meetings the user registered for (not waiting) and may still see."""
    return db.session.scalars(
        select(Meeting)
        .join(MeetingRegistration, MeetingRegistration.meeting_id == Meeting.id)
        .where(
            MeetingRegistration.user_id == user.id,
            MeetingRegistration.status == RegistrationStatus.REGISTERED,
            policy.visible_meetings(user),
        )
        .order_by(Meeting.starts_at)
    ).all()
