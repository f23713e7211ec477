"""The privacy statement of a space, or of a kind of case (all case spaces of one target type
share it): purpose, legal basis, categories of personal data, retention and a contact. Who
receives the data is never typed: it is worked out from the grants when the page is shown."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned
from ..extensions import db
from ..timeutil import utcnow


class PrivacyStatement(Versioned, db.Model):
    __tablename__ = "privacy_statements"
    __table_args__ = (
        CheckConstraint("(space_id IS NULL) <> (case_type IS NULL)", name="space_or_case_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The space it describes (not a case space: those share their case type's statement).
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), unique=True)
    #: The case target type it describes ("woning", …; cases.models.TargetType).
    case_type: Mapped[str | None] = mapped_column(String(24), unique=True)
    #: What the data is processed for.
    purpose: Mapped[str] = mapped_column(Text)
    #: One of the legal bases the platform admins keep (cases/legal_bases.py).
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    #: The categories of personal data it holds ("namen en adressen van bewoners", …).
    data_categories: Mapped[str] = mapped_column(Text)
    #: How long it is kept ("5 jaar na afsluiten").
    retention: Mapped[str] = mapped_column(String(200))
    #: Whom to ask about it: a function, a mailbox, a privacy officer.
    contact: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    legal_basis: Mapped["LegalBasis"] = relationship()  # noqa: F821
    space: Mapped["Space | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        where = f"space={self.space_id}" if self.space_id else f"case_type={self.case_type}"
        return f"<PrivacyStatement {self.id} {where}>"
