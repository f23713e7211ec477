"""Action plans (actieplannen): lines, action items (actiepunten), milestones, progress updates,
the history of every field change, and the monthly attack figures the secretariat enters.

A plan lives in a space: the space's grants decide who sees it. An item may be narrowed to some
organisations; narrowing only ever removes readers (DESIGN.md § Narrowing).
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned, str_enum
from ..extensions import db
from ..timeutil import utcnow


class ItemStatus(enum.StrEnum):
    """The status of an action item, in the order the taskforce reads them."""

    NOT_STARTED = "niet_gestart"
    ON_TRACK = "op_schema"
    AT_RISK = "risico"
    DELAYED = "vertraagd"
    DONE = "afgerond"
    CANCELLED = "vervallen"

    @property
    def is_open(self) -> bool:
        """Still to be done: neither finished nor dropped."""
        return self not in (ItemStatus.DONE, ItemStatus.CANCELLED)

    @property
    def needs_attention(self) -> bool:
        return self in (ItemStatus.AT_RISK, ItemStatus.DELAYED)


#: Statuses that are still open (overdue and reminders only concern these).
OPEN_STATUSES = tuple(s for s in ItemStatus if s.is_open)

#: The lines every new plan starts with (DOMAIN.md § What they do, item 2).
DEFAULT_LINES = ("Preventie", "Repressie", "Weerbaarheid", "Nazorg")


class ActionPlan(Versioned, db.Model):
    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The space whose grants decide who sees the plan.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[date]
    period_end: Mapped[date]
    #: The year the target is measured against, and its number of (attempted) attacks.
    baseline_year: Mapped[int] = mapped_column(default=2024)
    baseline_count: Mapped[int] = mapped_column(default=1100)
    #: At least this many percent fewer attacks than in the baseline year.
    target_reduction_percent: Mapped[int] = mapped_column(default=10)
    #: Where the attacks per month come from: a key of `kpi.ATTACK_SOURCES`.
    attack_source: Mapped[str] = mapped_column(String(32), default="secretariat")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped["Space"] = relationship()  # noqa: F821
    lines: Mapped[list["ActionLine"]] = relationship(
        back_populates="plan",
        order_by="(ActionLine.position, ActionLine.id)",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<ActionPlan {self.id} {self.name!r} space={self.space_id}>"


class ActionLine(db.Model):
    """A line (theme) of the plan: prevention, repression, resilience, aftercare, …"""

    __tablename__ = "action_lines"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[ActionPlan] = relationship(back_populates="lines")

    def __repr__(self) -> str:
        return f"<ActionLine {self.id} {self.name!r} plan={self.plan_id}>"


class ActionItem(Versioned, db.Model):
    """A measure of the plan (actiepunt), led by one organisation."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        # The list filters on the plan and sorts or filters by status or due date.
        Index("ix_action_items_plan_status", "plan_id", "status"),
        Index("ix_action_items_plan_due", "plan_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("action_lines.id"), index=True)
    #: Unique within the plan, e.g. "P-03".
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: The responsible person: a member of the lead organisation, or nobody yet.
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ItemStatus] = mapped_column(
        str_enum(ItemStatus, 16), default=ItemStatus.NOT_STARTED
    )
    start_date: Mapped[date | None]
    due_date: Mapped[date | None]
    #: The day the item was reported done (empty unless the status is `afgerond`).
    completed_on: Mapped[date | None]
    #: When the latest progress update was posted (reminders and the list read it).
    last_update_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    plan: Mapped[ActionPlan] = relationship()
    line: Mapped[ActionLine] = relationship()
    lead_organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    responsible: Mapped["User | None"] = relationship(foreign_keys=[responsible_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    contributors: Mapped[list["ActionItemContributor"]] = relationship(cascade="all, delete-orphan")
    narrowing: Mapped[list["ActionItemNarrowing"]] = relationship(cascade="all, delete-orphan")
    milestones: Mapped[list["ActionMilestone"]] = relationship(
        back_populates="item",
        order_by="(ActionMilestone.due_date, ActionMilestone.id)",
        cascade="all, delete-orphan",
    )

    def is_overdue(self, today: date) -> bool:
        return bool(self.due_date and self.due_date < today and self.status.is_open)

    @property
    def contributor_ids(self) -> list[int]:
        return [c.organisation_id for c in self.contributors]

    @property
    def narrowing_ids(self) -> list[int]:
        return [n.organisation_id for n in self.narrowing]

    def __repr__(self) -> str:
        return f"<ActionItem {self.id} {self.code!r} plan={self.plan_id}>"


class ActionItemContributor(db.Model):
    """An organisation that contributes to an item (and may report its progress)."""

    __tablename__ = "action_item_contributors"

    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ActionItemContributor item={self.item_id} org={self.organisation_id}>"


class ActionItemNarrowing(db.Model):
    """An item narrowed to some organisations: only their members may see it, anywhere."""

    __tablename__ = "action_item_narrowings"

    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ActionItemNarrowing item={self.item_id} org={self.organisation_id}>"


class ActionMilestone(db.Model):
    __tablename__ = "action_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None]
    #: Set when the milestone was ticked off; empty while it is open.
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[ActionItem] = relationship(back_populates="milestones")

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def __repr__(self) -> str:
        return f"<ActionMilestone {self.id} item={self.item_id} done={self.done}>"


class ActionItemDocument(db.Model):
    """A document linked to an item; shown only to those who may read the document."""

    __tablename__ = "action_item_documents"

    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), primary_key=True)
    #: A purged document takes its links with it.
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<ActionItemDocument item={self.item_id} doc={self.document_id}>"


class ProgressUpdate(db.Model):
    """A dated note on an item's progress, with an optional change of status."""

    __tablename__ = "action_progress_updates"
    __table_args__ = (Index("ix_action_progress_updates_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"))
    #: The day the progress refers to.
    reported_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    status_before: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus, 16))
    #: The new status, or empty when the update left the status as it was.
    status_after: Mapped[ItemStatus | None] = mapped_column(str_enum(ItemStatus, 16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The organisation the author reported for, at the time.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} item={self.item_id} {self.reported_on}>"


class ActionItemChange(db.Model):
    """One changed field of an item: the history shown on the item's page."""

    __tablename__ = "action_item_changes"
    __table_args__ = (Index("ix_action_item_changes_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A key of `service.HISTORY_FIELDS` ("status", "due_date", …) or "created".
    field: Mapped[str] = mapped_column(String(40))
    #: The values as text at the time (organisation names, not ids: names may change later).
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ActionItemChange {self.id} item={self.item_id} {self.field}>"


class AttackFigure(db.Model):
    """The number of (attempted) attacks in one month, entered by the secretariat."""

    __tablename__ = "action_attack_figures"
    __table_args__ = (
        UniqueConstraint("plan_id", "year", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("attacks >= 0", name="attacks_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    attacks: Mapped[int]
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<AttackFigure plan={self.plan_id} {self.year}-{self.month:02d}: {self.attacks}>"
