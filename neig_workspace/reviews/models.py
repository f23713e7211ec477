"""Access reviews (BIO 5.18): per period, each organisation's admins confirm its members and
each space's managers its grants. A review is one scope (an organisation or a space) for one
period; its items are the decisions taken on it, kept after the membership or grant is gone."""

import enum
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import str_enum
from ..extensions import db
from ..timeutil import utcnow


class ReviewScope(enum.StrEnum):
    #: The members of an organisation and their roles, confirmed by its admins.
    ORGANISATION = "organisation"
    #: The grants of a space, confirmed by its managers.
    SPACE = "space"


class Decision(enum.StrEnum):
    CONFIRMED = "confirmed"
    REMOVED = "removed"


class AccessReview(db.Model):
    __tablename__ = "access_reviews"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'organisation' AND organisation_id IS NOT NULL AND space_id IS NULL)"
            " OR (scope = 'space' AND space_id IS NOT NULL AND organisation_id IS NULL)",
            name="one_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[ReviewScope] = mapped_column(str_enum(ReviewScope, 16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), index=True)
    #: The first moment of the period (UTC); the review is due at its end, `due_at`.
    period_start: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    #: When the reviewers were reminded (once, ACCESS_REVIEW_REMIND_DAYS before `due_at`).
    reminded_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    space: Mapped["Space | None"] = relationship()  # noqa: F821
    completed_by: Mapped["User | None"] = relationship()  # noqa: F821
    items: Mapped[list["AccessReviewItem"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="AccessReviewItem.id"
    )

    @property
    def last_day(self):
        """The last day of the period: the review is done by the end of it."""
        return (self.due_at - timedelta(seconds=1)).date()

    def overdue(self, now: datetime) -> bool:
        return self.completed_at is None and now >= self.due_at

    def __repr__(self) -> str:
        return f"<AccessReview {self.id} {self.scope} due={self.due_at:%Y-%m-%d}>"


class AccessReviewItem(db.Model):
    """One decision in a review: a membership or a grant confirmed or removed. The principal
    and role are kept by id (a removed membership's row is gone), never a name or address."""

    __tablename__ = "access_review_items"
    __table_args__ = (UniqueConstraint("review_id", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("access_reviews.id"), index=True)
    #: "membership" or "grant", and its id when the decision was taken.
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    #: A grant's principal type ("user", "organisation", …); empty for a membership.
    principal_type: Mapped[str | None] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: The role at the time: an organisation role ("member") or a space role ("viewer").
    role: Mapped[str] = mapped_column(String(24))
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, 16))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    review: Mapped[AccessReview] = relationship(back_populates="items")
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<AccessReviewItem {self.subject_type} {self.subject_id} {self.decision}>"
