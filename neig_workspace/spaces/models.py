"""Spaces (werkruimtes) and the grants that decide who is in them."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access.roles import SpaceRole
from ..db_types import Versioned, str_enum
from ..extensions import db
from ..timeutil import utcnow


class SpaceKind(enum.StrEnum):
    ORGANISATION = "organisation"
    SHARED = "shared"
    RESTRICTED = "restricted"
    CASE = "case"


class Classification(enum.StrEnum):
    """The Dutch confidentiality labels (ZGW APIs), lowest first."""

    OPENBAAR = "openbaar"
    BEPERKT_OPENBAAR = "beperkt_openbaar"
    INTERN = "intern"
    ZAAKVERTROUWELIJK = "zaakvertrouwelijk"
    VERTROUWELIJK = "vertrouwelijk"
    CONFIDENTIEEL = "confidentieel"
    GEHEIM = "geheim"
    ZEER_GEHEIM = "zeer_geheim"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def needs_mfa(self) -> bool:
        """`vertrouwelijk` and above need MFA to open, and every download is audited."""
        return _RANKS[self] >= _RANKS[Classification.VERTROUWELIJK]


#: Each label's place, lowest first: asked for every space and document a page shows.
_RANKS = {label: rank for rank, label in enumerate(Classification)}


class PrincipalType(enum.StrEnum):
    USER = "user"
    #: Every active member of the organisation.
    ORGANISATION = "organisation"
    #: The organisation's admins only, whoever they are at the time.
    ORGANISATION_ADMINS = "organisation_admins"
    #: Every active member of every active organisation.
    NETWORK = "network"


class Space(Versioned, db.Model):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SpaceKind] = mapped_column(str_enum(SpaceKind, 16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The lowest label a document in this space may carry.
    classification: Mapped[Classification] = mapped_column(
        str_enum(Classification, 24), default=Classification.INTERN
    )
    mfa_required: Mapped[bool] = mapped_column(default=False)
    #: The owning partner of an organisation space; empty for other kinds.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[datetime | None]
    #: While set, `flask neig retention` destroys none of the space's documents (a pending
    #: legal matter, an inquiry); a manager or a platform admin sets and lifts it, audited.
    retention_hold_at: Mapped[datetime | None]
    retention_hold_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    grants: Mapped[list["SpaceGrant"]] = relationship(
        back_populates="space", cascade="all, delete-orphan"
    )
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821

    @property
    def requires_mfa(self) -> bool:
        return self.mfa_required or self.kind == SpaceKind.CASE or self.classification.needs_mfa

    def __repr__(self) -> str:
        return f"<Space {self.id} {self.kind} {self.name!r}>"


class SpaceGrant(db.Model):
    """(principal, role) on a space: a user, an organisation (its active members) or the network."""

    __tablename__ = "space_grants"
    __table_args__ = (
        UniqueConstraint("space_id", "principal_type", "user_id", "organisation_id"),
        CheckConstraint(
            "(principal_type = 'user' AND user_id IS NOT NULL AND organisation_id IS NULL)"
            " OR (principal_type IN ('organisation', 'organisation_admins')"
            " AND organisation_id IS NOT NULL AND user_id IS NULL)"
            " OR (principal_type = 'network' AND user_id IS NULL AND organisation_id IS NULL)",
            name="one_principal",
        ),
        Index("ix_space_grants_principal", "principal_type", "user_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    principal_type: Mapped[PrincipalType] = mapped_column(str_enum(PrincipalType, 24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[int] = mapped_column(default=SpaceRole.VIEWER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    space: Mapped[Space] = relationship(back_populates="grants")
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821

    @property
    def space_role(self) -> SpaceRole:
        return SpaceRole(self.role)

    def __repr__(self) -> str:
        return (
            f"<SpaceGrant space={self.space_id} {self.principal_type} {SpaceRole(self.role).name}>"
        )


class SpaceVisit(db.Model):
    """When a user last opened a space, for "what changed since my last visit"."""

    __tablename__ = "space_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SpaceVisit user={self.user_id} space={self.space_id}>"


class SpaceRetentionRun(db.Model):
    """A dry-run listing of the documents past their space kind's retention period
    (`flask neig retention`), and, once applied with its token, the anonymous count of what
    was destroyed per space kind. Only the listed documents can be destroyed, and only once."""

    __tablename__ = "space_retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the token the dry run printed; `--apply TOKEN` needs it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    document_ids: Mapped[list] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None]
    #: space kind -> documents destroyed (no titles, no ids: the anonymous count that stays).
    destroyed: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<SpaceRetentionRun {self.id} applied={self.applied_at}>"
