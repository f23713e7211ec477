"""A notification: one recipient, one subject (a document, comment, round, action item...).

A notification stores what to show (title, excerpt, url) at the time it was made; whether the
recipient may still see it is decided again on every read through the policy's subject
registry (`policy.visible_notifications`), so a lost grant hides it everywhere.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import str_enum
from ..extensions import db
from ..timeutil import utcnow


class NotificationKind(enum.StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    ROUND_INVITATION = "round_invitation"
    ROUND_DEADLINE = "round_deadline"
    DECISION = "decision"
    ACTION_ITEM_DUE = "action_item_due"
    ACTION_ITEM_UPDATE = "action_item_update"
    # casework: the notification names the case's reference only, the e-mail nothing
    CASE_ADDED = "case_added"
    CASE_UPDATE = "case_update"
    CASE_MATCH = "case_match"
    CASE_TASK = "case_task"
    CASE_RELEASE = "case_release"
    MEETING_REMINDER = "meeting_reminder"
    MEETING_WAITLIST_PROMOTED = "meeting_waitlist_promoted"
    MEETING_WAITLISTED = "meeting_waitlisted"
    MEETING_CANCELLED = "meeting_cancelled"


class EmailState(enum.StrEnum):
    #: Waiting for an e-mail (immediate: queued already; daily: the next digest).
    PENDING = "pending"
    SENT = "sent"
    #: No e-mail will be sent (preference `never`, or no longer visible at digest time).
    SKIPPED = "skipped"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The notification centre: a user's notifications, newest first.
        Index("ix_notifications_user_created", "user_id", "created_at"),
        # The unread count in every page header.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The recipient.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 32))
    #: A key of `policy.NOTIFICATION_SUBJECTS`: "document", "comment", "comment_round", ...
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    #: The local path to open, e.g. "/documenten/12#reactie-5".
    url: Mapped[str] = mapped_column(String(500))
    #: The subject's title at the time (e.g. the document title).
    title: Mapped[str] = mapped_column(String(300))
    #: A short plain-text excerpt; may be empty.
    excerpt: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: About an item labelled `vertrouwelijk` or higher: e-mails carry no content.
    confidential: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(
        str_enum(EmailState, 16), default=EmailState.PENDING, index=True
    )
    emailed_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])  # noqa: F821

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return (
            f"<Notification {self.id} {self.kind} {self.subject_type}:{self.subject_id}"
            f" user={self.user_id}>"
        )
