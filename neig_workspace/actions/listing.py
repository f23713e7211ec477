"""The item list's query: filters, sorting and what a row shows, always through the policy's
`visible_action_items`. The list page, the exports and the report share it, so they can never
disagree about which items someone sees."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..access.policy import spaces_running_plans, visible_action_items, visible_action_plans
from ..accounts.models import User
from ..extensions import db
from ..organisations.models import Organisation
from ..queries import LIKE_ESCAPE, like_pattern
from ..spaces.models import Space
from .models import (
    OPEN_STATUSES,
    ActionItem,
    ActionItemContributor,
    ActionItemNarrowing,
    ActionLine,
    ActionPlan,
    ItemStatus,
    ProgressUpdate,
)


def plans(user) -> list[ActionPlan]:
    """The plans `user` may see with their spaces, the latest period first."""
    return db.session.scalars(
        select(ActionPlan)
        .join(Space, Space.id == ActionPlan.space_id)
        .where(visible_action_plans(user))
        .options(db.contains_eager(ActionPlan.space))
        .order_by(ActionPlan.period_start.desc(), ActionPlan.name)
    ).all()


def item_counts(user) -> dict[int, int]:
    """Per plan, the items `user` may see that are not archived, in one query."""
    return dict(
        db.session.execute(
            select(ActionItem.plan_id, func.count(ActionItem.id))
            .where(visible_action_items(user), ActionItem.archived_at.is_(None))
            .group_by(ActionItem.plan_id)
        ).all()
    )


def plan_spaces(user) -> list[Space]:
    """The spaces where `user` may start a plan, by name."""
    return db.session.scalars(
        select(Space).where(spaces_running_plans(user)).order_by(Space.name)
    ).all()


#: The status order of the plan, for sorting by status.
STATUS_ORDER = case({s: i for i, s in enumerate(ItemStatus)}, value=ActionItem.status)

SORTS = {
    "code": ActionItem.code,
    "titel": ActionItem.title,
    "lijn": ActionLine.position,
    "trekker": Organisation.name,
    "status": STATUS_ORDER,
    "einddatum": ActionItem.due_date,
    "voortgang": ActionItem.last_update_at,
}


@dataclass
class ItemFilters:
    text: str = ""
    line_id: int | None = None
    lead_id: int | None = None
    statuses: list[ItemStatus] = field(default_factory=list)
    #: Only items of these organisations (lead or contributing): "my organisation's items".
    organisation_ids: list[int] | None = None
    overdue: bool = False
    attention: bool = False
    due_within: int | None = None
    archived: bool = False
    sort: str = "code"
    descending: bool = False

    def as_args(self) -> dict:
        """The filters as query arguments (for the export links)."""
        args = {
            "q": self.text or None,
            "lijn": self.line_id,
            "trekker": self.lead_id,
            "status": [s.value for s in self.statuses] or None,
            "mijn": "y" if self.organisation_ids is not None else None,
            "te_laat": "y" if self.overdue else None,
            "aandacht": "y" if self.attention else None,
            "binnen": self.due_within,
            "gearchiveerd": "y" if self.archived else None,
            "sorteer": self.sort if self.sort != "code" else None,
            "volgorde": "af" if self.descending else None,
        }
        return {key: value for key, value in args.items() if value is not None}


def _filtered(plan: ActionPlan, user, filters: ItemFilters, today: date):
    """The items of `plan` that `user` may see, filtered (with the line and lead joined for
    sorting); neither sorted nor loading anything yet."""
    query = (
        select(ActionItem)
        .join(ActionLine, ActionLine.id == ActionItem.line_id)
        .join(Organisation, Organisation.id == ActionItem.lead_organisation_id)
        .where(ActionItem.plan_id == plan.id, visible_action_items(user))
    )
    query = query.where(
        ActionItem.archived_at.is_not(None)
        if filters.archived
        else ActionItem.archived_at.is_(None)
    )
    if filters.text:
        pattern = like_pattern(filters.text.lower())
        query = query.where(
            or_(
                func.lower(ActionItem.code).like(pattern, escape=LIKE_ESCAPE),
                func.lower(ActionItem.title).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    if filters.line_id is not None:
        query = query.where(ActionItem.line_id == filters.line_id)
    if filters.lead_id is not None:
        query = query.where(ActionItem.lead_organisation_id == filters.lead_id)
    if filters.statuses:
        query = query.where(ActionItem.status.in_(filters.statuses))
    if filters.organisation_ids is not None:
        contributes = exists(
            select(ActionItemContributor.item_id).where(
                ActionItemContributor.item_id == ActionItem.id,
                ActionItemContributor.organisation_id.in_(filters.organisation_ids),
            )
        )
        query = query.where(
            ActionItem.lead_organisation_id.in_(filters.organisation_ids) | contributes
        )
    overdue = (ActionItem.due_date < today) & ActionItem.status.in_(OPEN_STATUSES)
    if filters.overdue:
        query = query.where(overdue)
    if filters.attention:
        query = query.where(
            overdue | ActionItem.status.in_([ItemStatus.AT_RISK, ItemStatus.DELAYED])
        )
    if filters.due_within is not None:
        query = query.where(
            ActionItem.due_date >= today,
            ActionItem.due_date <= today + timedelta(days=filters.due_within),
            ActionItem.status.in_(OPEN_STATUSES),
        )
    return query


def items_query(plan: ActionPlan, user, filters: ItemFilters, today: date):
    """The items of `plan` that `user` may see, filtered and sorted; rows load their line, lead
    organisation, responsible person, contributors and narrowing in a fixed number of queries
    (a page's contributors and narrowing by its rows' ids). The report and the exports read
    the whole list as plain rows instead (`plain_items`)."""
    query = _filtered(plan, user, filters, today).options(
        db.contains_eager(ActionItem.line),
        db.contains_eager(ActionItem.lead_organisation),
        db.joinedload(ActionItem.responsible),
        db.selectinload(ActionItem.contributors).joinedload(ActionItemContributor.organisation),
        db.selectinload(ActionItem.narrowing),
    )
    column = SORTS.get(filters.sort, ActionItem.code)
    ordered = column.desc() if filters.descending else column.asc()
    # Empty dates and never-updated items go last, either way round, on both databases.
    if filters.sort in ("einddatum", "voortgang"):
        return query.order_by(column.is_(None), ordered, ActionItem.code, ActionItem.id)
    return query.order_by(ordered, ActionItem.code, ActionItem.id)


def item_ids(plan: ActionPlan, user, filters: ItemFilters, today: date):
    """A SELECT of the ids of the filtered items (for `plain_items`)."""
    return _filtered(plan, user, filters, today).with_only_columns(ActionItem.id)


@dataclass(frozen=True, slots=True)
class PlainItem:
    """An item as the report and the exports show it: plain values, no ORM objects."""

    id: int
    line_id: int
    line_name: str
    code: str
    title: str
    status: ItemStatus
    lead: str
    contributors: tuple[str, ...]
    responsible: str
    start_date: date | None
    due_date: date | None
    narrowed: bool
    update_on: date | None
    update_organisation: str
    update_note: str

    def is_overdue(self, today: date) -> bool:
        return bool(self.due_date and self.due_date < today and self.status.is_open)


def plain_items(plan: ActionPlan, user, filters: ItemFilters, today: date) -> list[PlainItem]:
    """Every item the filters select, sorted as `items_query` sorts them, as plain rows in three
    queries (items, contributors, latest updates): the report and the exports of 2,000 items
    without building 2,000 ORM objects and their collections."""
    responsible = aliased(User)
    narrowed = exists(
        select(ActionItemNarrowing.item_id).where(ActionItemNarrowing.item_id == ActionItem.id)
    )
    query = (
        _filtered(plan, user, filters, today)
        .outerjoin(responsible, responsible.id == ActionItem.responsible_id)
        .with_only_columns(
            ActionItem.id,
            ActionItem.line_id,
            ActionLine.name,
            ActionItem.code,
            ActionItem.title,
            ActionItem.status,
            Organisation.name,
            responsible.name,
            ActionItem.start_date,
            ActionItem.due_date,
            narrowed,
        )
    )
    column = SORTS.get(filters.sort, ActionItem.code)
    ordered = column.desc() if filters.descending else column.asc()
    if filters.sort in ("einddatum", "voortgang"):
        query = query.order_by(column.is_(None), ordered, ActionItem.code, ActionItem.id)
    else:
        query = query.order_by(ordered, ActionItem.code, ActionItem.id)
    ids = item_ids(plan, user, filters, today)
    contributors: dict[int, list[str]] = {}
    for item_id, name in db.session.execute(
        select(ActionItemContributor.item_id, Organisation.name)
        .join(Organisation, Organisation.id == ActionItemContributor.organisation_id)
        .where(ActionItemContributor.item_id.in_(ids))
    ):
        contributors.setdefault(item_id, []).append(name)
    newest = (
        select(func.max(ProgressUpdate.id))
        .where(ProgressUpdate.item_id.in_(ids))
        .group_by(ProgressUpdate.item_id)
    )
    updates = {
        item_id: (reported_on, organisation or "", note)
        for item_id, reported_on, organisation, note in db.session.execute(
            select(
                ProgressUpdate.item_id,
                ProgressUpdate.reported_on,
                Organisation.name,
                ProgressUpdate.note,
            )
            .outerjoin(Organisation, Organisation.id == ProgressUpdate.organisation_id)
            .where(ProgressUpdate.id.in_(newest))
        )
    }
    no_update = (None, "", "")
    return [
        PlainItem(
            id,
            line_id,
            line_name,
            code,
            title,
            status,
            lead,
            tuple(sorted(contributors.get(id, ()))),
            responsible_name or "",
            start_date,
            due_date,
            bool(is_narrowed),
            *updates.get(id, no_update),
        )
        for (
            id,
            line_id,
            line_name,
            code,
            title,
            status,
            lead,
            responsible_name,
            start_date,
            due_date,
            is_narrowed,
        ) in db.session.execute(query)
    ]
