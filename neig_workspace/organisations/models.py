"""Partners (organisations) and the memberships that tie users to them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access.roles import OrgRole
from ..db_types import Versioned, str_enum
from ..extensions import db
from ..timeutil import utcnow


class OrgType(enum.StrEnum):
    """The partner types of the network (DOMAIN.md § The partners)."""

    MUNICIPALITY = "municipality"
    POLICE = "police"
    PUBLIC_PROSECUTOR = "public_prosecutor"
    HOUSING = "housing"
    INSURER = "insurer"
    BUSINESS = "business"
    ASSOCIATION = "association"
    MINISTRY = "ministry"
    SECRETARIAT = "secretariat"


class Organisation(Versioned, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name, e.g. "Gemeente Rotterdam".
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: URL-safe short name, unique.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[OrgType] = mapped_column(str_enum(OrgType))
    #: CBS municipality code (GM0599) for municipalities; empty for other partners.
    cbs_code: Mapped[str | None] = mapped_column(String(6))
    #: Deactivated organisations are kept (never hard-deleted); their space grants stop
    #: working and their admins can no longer manage members.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.slug!r}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[OrgRole] = mapped_column(str_enum(OrgRole, 16), default=OrgRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def is_org_admin(self) -> bool:
        return self.role == OrgRole.ORG_ADMIN

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organisation_id} {self.role}>"
