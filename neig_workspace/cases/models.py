"""Casework (casussen): an attack with explosives as a case shared on a need-to-know basis.

A case lives in a case space (`SpaceKind.CASE`): the space's grants are its participants and
decide who may open it, always after a second factor. The participating organisations are
listed in `CaseOrganisation`: a *core* organisation (the local triangle) reads every item that
is not narrowed; any other organisation (a housing corporation, an insurer) reads only what was
given to it: items narrowed to it, its own aftercare tasks and the measures it carries out.

Personal data (the full address, descriptions, notes, documents) goes when the retention period
after closing has passed; `CaseStatistic` keeps an anonymous record of every case for the
network's statistics, also after the case is destroyed.
"""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned, str_enum
from ..extensions import db
from ..timeutil import utcnow


class CaseStatus(enum.StrEnum):
    GEMELD = "gemeld"
    IN_BEHANDELING = "in_behandeling"
    NAZORG = "nazorg"
    AFGESLOTEN = "afgesloten"

    @property
    def is_closed(self) -> bool:
        return self == CaseStatus.AFGESLOTEN


class TargetType(enum.StrEnum):
    WONING = "woning"
    BEDRIJFSPAND = "bedrijfspand"
    VOERTUIG = "voertuig"
    OVERIG = "overig"


class ExplosiveType(enum.StrEnum):
    ZWAAR_VUURWERK = "zwaar_vuurwerk"
    HANDGRANAAT = "handgranaat"
    GEIMPROVISEERD = "geimproviseerd"
    ONBEKEND = "onbekend"


class MeasureType(enum.StrEnum):
    """The mayor's measures, each with its legal basis (DOMAIN.md § What they do, item 1)."""

    SLUITING_174A = "sluiting_174a"
    SLUITING_13B = "sluiting_13b"
    CAMERATOEZICHT_151C = "cameratoezicht_151c"
    VEILIGHEIDSRISICOGEBIED_151B = "veiligheidsrisicogebied_151b"
    GEBIEDSVERBOD_172A = "gebiedsverbod_172a"
    OVERIG = "overig"


class MeasureStatus(enum.StrEnum):
    VOORGENOMEN = "voorgenomen"
    ACTIEF = "actief"
    BEEINDIGD = "beeindigd"
    INGETROKKEN = "ingetrokken"


class AftercareKind(enum.StrEnum):
    BEWONERSBRIEF = "bewonersbrief"
    BUURTBIJEENKOMST = "buurtbijeenkomst"
    HERSTEL_SCHADE = "herstel_schade"
    CONTACT_HUURDERS = "contact_huurders"
    SCHADEAFHANDELING = "schadeafhandeling"
    ONDERSTEUNING_ONDERNEMER = "ondersteuning_ondernemer"
    OVERIG = "overig"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    BEZIG = "bezig"
    GEREED = "gereed"


class EntryKind(enum.StrEnum):
    GEBEURTENIS = "gebeurtenis"
    BESLUIT = "besluit"
    CONTACT = "contact"
    NOTITIE = "notitie"


class ReleaseAction(enum.StrEnum):
    """The ways an item can leave its case, each needing the supplier's approval."""

    COPY = "copy"  # copy a document into another space
    LINK = "link"  # link (copy) a document into another case
    EXPORT = "export"  # take the item out in the case export
    SHARE = "share"  # give the item to a participant the supplier did not give it to


class ReleaseState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    USED = "used"


class LegalBasis(Versioned, db.Model):
    """A legal basis (and purpose) for processing case data, kept by the platform admins."""

    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LegalBasis {self.id} {self.name!r}>"


class Case(Versioned, db.Model):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NEIG-2025-0001: the year the case was registered and its number in that year.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    number: Mapped[int]
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    target_type: Mapped[TargetType] = mapped_column(str_enum(TargetType, 24))
    explosive_type: Mapped[ExplosiveType] = mapped_column(str_enum(ExplosiveType, 24))
    #: The coarse location everyone in the case sees.
    postcode4: Mapped[str] = mapped_column(String(4), default="")
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    #: The full address, encrypted at rest; read only by organisations given address access.
    address_encrypted: Mapped[str | None] = mapped_column(Text)
    #: A keyed hash (HMAC) of the normalised address, for hit / no-hit across municipalities.
    address_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    damage: Mapped[str] = mapped_column(Text, default="")
    injured: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, 24), default=CaseStatus.GEMELD, index=True
    )
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    purpose: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)

    space: Mapped["Space"] = relationship()  # noqa: F821
    municipality: Mapped["Organisation"] = relationship()  # noqa: F821
    legal_basis: Mapped[LegalBasis] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    organisations: Mapped[list["CaseOrganisation"]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )

    @property
    def has_address(self) -> bool:
        return self.address_encrypted is not None

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.reference}>"


class CaseOrganisation(db.Model):
    """An organisation taking part in a case, and what it may read beyond what it was given."""

    __tablename__ = "case_organisations"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    #: Core (the local triangle): reads every item that is not narrowed. Otherwise only what
    #: was given to it.
    core: Mapped[bool] = mapped_column(default=True)
    #: May read the full address.
    address_access: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="organisations")
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<CaseOrganisation case={self.case_id} org={self.organisation_id}>"


class CaseLink(db.Model):
    """Two cases in a series; stored in both directions."""

    __tablename__ = "case_links"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    linked_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Measure(Versioned, db.Model):
    __tablename__ = "case_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[MeasureType] = mapped_column(str_enum(MeasureType, 40))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[MeasureStatus] = mapped_column(
        str_enum(MeasureStatus, 24), default=MeasureStatus.VOORGENOMEN
    )
    #: Why it was shared (its legal basis is the case's and the measure's own article).
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    responsible_organisation: Mapped["Organisation"] = relationship()  # noqa: F821


class AftercareTask(Versioned, db.Model):
    __tablename__ = "case_aftercare_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[AftercareKind] = mapped_column(str_enum(AftercareKind, 32))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The partner that carries the task out.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None]
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, 16), default=TaskStatus.OPEN)
    #: Why it was shared (its legal basis is the case's).
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    owner: Mapped["User | None"] = relationship(foreign_keys=[owner_id])  # noqa: F821


class TimelineEntry(db.Model):
    """A dated entry in the case's timeline: an event, a decision, a contact or a note."""

    __tablename__ = "case_timeline_entries"
    __table_args__ = (Index("ix_case_timeline_case_occurred", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    occurred_at: Mapped[datetime]
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 16))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The organisation that supplied it (originator control).
    supplier_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    #: Why it was shared, next to its legal basis; the case's purpose unless given.
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    author: Mapped["User | None"] = relationship()  # noqa: F821
    supplier: Mapped["Organisation"] = relationship()  # noqa: F821
    legal_basis: Mapped[LegalBasis] = relationship()
    narrowing: Mapped[list["TimelineNarrowing"]] = relationship(cascade="all, delete-orphan")

    @property
    def narrowing_ids(self) -> list[int]:
        return [n.organisation_id for n in self.narrowing]


class TimelineNarrowing(db.Model):
    __tablename__ = "case_timeline_narrowings"

    entry_id: Mapped[int] = mapped_column(ForeignKey("case_timeline_entries.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class CaseDocument(db.Model):
    """Where a document in a case space came from, and on which basis it was shared."""

    __tablename__ = "case_documents"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    supplier_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    #: Why it was shared, next to its legal basis; the case's purpose unless given.
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supplier: Mapped["Organisation"] = relationship()  # noqa: F821
    legal_basis: Mapped[LegalBasis] = relationship()


class ReleaseRequest(db.Model):
    """A request to take a supplied item out of its case; decided by a case manager of the
    supplying organisation. An approval is used once."""

    __tablename__ = "case_release_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: "document" or "entry"
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int]
    action: Mapped[ReleaseAction] = mapped_column(str_enum(ReleaseAction, 16))
    supplier_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: Where it would go: a space (copy, link) or an organisation (share); none for export.
    target_space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    target_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ReleaseState] = mapped_column(
        str_enum(ReleaseState, 16), default=ReleaseState.PENDING, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    used_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    supplier: Mapped["Organisation"] = relationship(  # noqa: F821
        foreign_keys=[supplier_organisation_id]
    )
    requested_by: Mapped["User"] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821


class Disclosure(db.Model):
    """The disclosure register: which organisation received what, when, on which basis."""

    __tablename__ = "case_disclosures"
    __table_args__ = (Index("ix_case_disclosures_case_at", "case_id", "disclosed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: "case", "address", "document", "entry", "measure", "task"
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int | None]
    #: What it was, as shown then (a title, "Volledig adres", "Casusgegevens").
    item_label: Mapped[str] = mapped_column(String(300))
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"))
    #: The item's purpose when it was disclosed (the case's for the case and its address).
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    disclosed_at: Mapped[datetime] = mapped_column(default=utcnow)
    disclosed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    legal_basis: Mapped[LegalBasis] = relationship()
    disclosed_by: Mapped["User | None"] = relationship()  # noqa: F821


class CaseMatch(db.Model):
    """Hit / no-hit: two cases of different municipalities at the same address; stored in both
    directions. Each side learns only that a match exists and whom to contact."""

    __tablename__ = "case_matches"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseStatistic(db.Model):
    """The anonymous record of a case for the network's statistics; it outlives the case."""

    __tablename__ = "case_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The live case; empty once the case is destroyed.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    #: The first day of the month of the incident.
    month: Mapped[date] = mapped_column(index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    target_type: Mapped[TargetType] = mapped_column(str_enum(TargetType, 24))
    explosive_type: Mapped[ExplosiveType] = mapped_column(str_enum(ExplosiveType, 24))
    destroyed_at: Mapped[datetime | None]
