"""Meetings and knowledge sessions, their registrations, and personal calendar feed tokens.

A meeting belongs to a space (its documents live in a folder there). Its audience is either the
whole network or the readers of that space. Registrations form one queue per meeting, ordered by
when someone (last) registered: the first `capacity` are in, the rest are on the waiting list.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned, str_enum
from ..extensions import db
from ..timeutil import utcnow


class MeetingKind(enum.StrEnum):
    BIJEENKOMST = "bijeenkomst"
    KENNISSESSIE = "kennissessie"
    WEBINAR = "webinar"


class MeetingAudience(enum.StrEnum):
    #: Every active member of every active organisation.
    NETWORK = "network"
    #: Whoever may read the meeting's space.
    SPACE = "space"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


#: The statuses that hold a place in the queue.
ACTIVE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


class Meeting(Versioned, db.Model):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    #: The folder in the space for the agenda and documents.
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"))
    #: Its subfolder for the minutes and slides, shown after the meeting.
    report_folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, 16))
    audience: Mapped[MeetingAudience] = mapped_column(str_enum(MeetingAudience, 16))
    #: Naive UTC, as every timestamp.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    #: Places; empty for unlimited.
    capacity: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    space: Mapped["Space"] = relationship()  # noqa: F821

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def has_started(self, now: datetime) -> bool:
        return self.starts_at <= now

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} {self.title!r}>"


class MeetingRegistration(db.Model):
    __tablename__ = "meeting_registrations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_registrations_queue", "meeting_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, 16))
    #: Place in the queue: the moment of the (last) registration; first come, first served.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    #: Set when the reminder the day before went out, so it goes out once.
    reminded_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<MeetingRegistration meeting={self.meeting_id} user={self.user_id} {self.status}>"


class CalendarFeedToken(db.Model):
    """A user's secret for their personal calendar feed; only its sha256 is stored."""

    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<CalendarFeedToken user={self.user_id}>"
