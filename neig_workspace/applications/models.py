"""Applications to join the network, and the questions VNG asks back about them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import str_enum
from ..extensions import db
from ..organisations.models import OrgType
from ..timeutil import utcnow


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    QUESTION_ASKED = "question_asked"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


#: Statuses that still wait for a decision (the admins' "to do" list).
OPEN_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.QUESTION_ASKED)


class Application(db.Model):
    """An organisation's request to join, as the contact person sent it."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[OrgType] = mapped_column(str_enum(OrgType))
    #: CBS municipality code for municipalities (GM0599); empty for other partners.
    cbs_code: Mapped[str | None] = mapped_column(String(6), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40))
    contact_role: Mapped[str] = mapped_column(String(200))
    motivation: Mapped[str] = mapped_column(Text)
    #: When the applicant ticked the consent to the privacy statement.
    privacy_consent_at: Mapped[datetime]
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, 16), default=ApplicationStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The reason given to the applicant when rejected.
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    #: The organisation created or reused on approval, and the invitation sent for it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))

    handled_by: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    questions: Mapped[list["ApplicationQuestion"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationQuestion.asked_at",
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.organisation_name!r} {self.status}>"


class ApplicationQuestion(db.Model):
    """A question a platform admin e-mailed to the applicant before deciding."""

    __tablename__ = "application_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="questions")
    asked_by: Mapped["User | None"] = relationship()  # noqa: F821
