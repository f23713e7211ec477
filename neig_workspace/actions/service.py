"""Action plan use cases: plans, lines, items, progress, milestones, linked documents, figures.

One function per use case; the actor is keyword-only; each checks its invariants, raises
`ServiceError` with a Dutch message and the form field, writes the audit event (with the plan's
space, so it shows in the space's activity) and the item's history in the same transaction, and
never commits. Who may call which function is decided by the views through the policy.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit import service as audit
from ..db_types import lock_latest
from ..documents.models import Document
from ..errors import ServiceError
from ..extensions import db
from ..formatting import date_long
from ..organisations.models import Membership, Organisation
from ..spaces.models import PrincipalType, Space, SpaceGrant
from ..text import single_line
from ..timeutil import utcnow
from . import kpi
from .models import (
    DEFAULT_LINES,
    ActionItem,
    ActionItemChange,
    ActionItemContributor,
    ActionItemDocument,
    ActionItemNarrowing,
    ActionLine,
    ActionMilestone,
    ActionPlan,
    AttackFigure,
    ItemStatus,
    ProgressUpdate,
)

TIMEZONE = ZoneInfo("Europe/Amsterdam")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-_/]{0,19}$")
NOTE_LIMIT = 5000

#: The fields whose changes the history keeps, in the order the item page shows them.
HISTORY_FIELDS = (
    "code",
    "title",
    "description",
    "line",
    "lead_organisation",
    "contributors",
    "responsible",
    "status",
    "start_date",
    "due_date",
    "narrowing",
)


def today() -> date:
    """Today in the Netherlands (overdue, due soon, the date of a progress update)."""
    return datetime.now(TIMEZONE).date()


def dutch_date(moment: datetime) -> date:
    """The Dutch calendar day of a naive UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(TIMEZONE).date()


# --- plans -----------------------------------------------------------------------------------


@dataclass
class PlanData:
    name: str
    period_start: date | None
    period_end: date | None
    description: str = ""
    baseline_year: int | None = 2024
    baseline_count: int | None = 1100
    target_reduction_percent: int | None = 10
    attack_source: str = "secretariat"


def _check_plan(data: PlanData) -> None:
    if not single_line(data.name):
        raise ServiceError(_("Vul een naam in."), "name")
    if data.period_start is None:
        raise ServiceError(_("Vul het begin van de looptijd in."), "period_start")
    if data.period_end is None:
        raise ServiceError(_("Vul het einde van de looptijd in."), "period_end")
    if data.period_end < data.period_start:
        raise ServiceError(_("Het einde van de looptijd ligt vóór het begin."), "period_end")
    if data.baseline_year is None or not 2000 <= data.baseline_year <= 2100:
        raise ServiceError(_("Vul een basisjaar tussen 2000 en 2100 in."), "baseline_year")
    if data.baseline_count is None or data.baseline_count <= 0:
        raise ServiceError(
            _("Vul het aantal aanslagen in het basisjaar in (meer dan 0)."), "baseline_count"
        )
    percent = data.target_reduction_percent
    if percent is None or not 1 <= percent <= 100:
        raise ServiceError(_("Kies een percentage tussen 1 en 100."), "target_reduction_percent")
    if data.attack_source not in kpi.ATTACK_SOURCES:
        raise ServiceError(_("Kies een bron uit de lijst."), "attack_source")


def _apply_plan(plan: ActionPlan, data: PlanData) -> None:
    plan.name = single_line(data.name)[:200]
    plan.description = (data.description or "").strip()
    plan.period_start = data.period_start
    plan.period_end = data.period_end
    plan.baseline_year = data.baseline_year
    plan.baseline_count = data.baseline_count
    plan.target_reduction_percent = data.target_reduction_percent
    plan.attack_source = data.attack_source


def _plan_snapshot(plan: ActionPlan) -> dict:
    return {
        "name": plan.name,
        "description": plan.description,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "baseline_year": plan.baseline_year,
        "baseline_count": plan.baseline_count,
        "target_reduction_percent": plan.target_reduction_percent,
        "attack_source": plan.attack_source,
    }


def create_plan(space: Space, data: PlanData, *, actor) -> ActionPlan:
    """A new plan in `space`, with the four standard lines."""
    _check_plan(data)
    plan = ActionPlan(space=space, created_by_id=actor.id if actor else None)
    _apply_plan(plan, data)
    plan.lines = [ActionLine(name=name, position=i) for i, name in enumerate(DEFAULT_LINES)]
    db.session.add(plan)
    db.session.flush()
    audit.record(
        "action_plan.created",
        actor=actor,
        target=plan,
        space_id=space.id,
        details=_plan_snapshot(plan),
    )
    return plan


def update_plan(plan: ActionPlan, data: PlanData, *, actor) -> None:
    _check_plan(data)
    before = _plan_snapshot(plan)
    _apply_plan(plan, data)
    after = _plan_snapshot(plan)
    if before != after:
        plan.updated_at = utcnow()
        audit.record(
            "action_plan.updated",
            actor=actor,
            target=plan,
            space_id=plan.space_id,
            details={"before": before, "after": after},
        )


def add_line(plan: ActionPlan, name: str, *, actor) -> ActionLine:
    name = single_line(name or "")
    if not name:
        raise ServiceError(_("Vul een naam in."), "name")
    if len(name) > 120:
        raise ServiceError(_("Gebruik hooguit 120 tekens."), "name")
    if any(line.name.casefold() == name.casefold() for line in plan.lines):
        raise ServiceError(_("Deze actielijn bestaat al in dit actieplan."), "name")
    line = ActionLine(name=name, position=max((x.position for x in plan.lines), default=-1) + 1)
    plan.lines.append(line)
    db.session.flush()
    audit.record(
        "action_plan.line_added",
        actor=actor,
        target=plan,
        space_id=plan.space_id,
        details={"line_id": line.id, "name": name},
    )
    return line


def doubtful_figures(
    plan: ActionPlan, year: int, figures: dict[int, int | None], month_names: dict[int, str]
) -> list[str]:
    """Why some of `figures` look wrong, one sentence each: a month that has not begun, or more
    attacks in one month than in the whole baseline year. The secretariat confirms or corrects."""
    current = today()
    doubts = []
    for month, value in sorted(figures.items()):
        if value is None:
            continue
        name = f"{month_names[month]} {year}"
        if (year, month) > (current.year, current.month):
            doubts.append(
                _(
                    "%(month)s is nog niet begonnen, maar heeft al een cijfer: %(n)s.",
                    month=name,
                    n=format_number(value),
                )
            )
        elif plan.baseline_count and value > plan.baseline_count:
            doubts.append(
                _(
                    "%(month)s: %(n)s is meer dan in heel %(year)d (%(baseline)s).",
                    month=name,
                    n=format_number(value),
                    year=plan.baseline_year,
                    baseline=format_number(plan.baseline_count),
                )
            )
    return doubts


def set_attack_figures(plan: ActionPlan, year: int, figures: dict[int, int | None], *, actor):
    """The attacks per month of `year` as entered by the secretariat; None clears a month."""
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Kies een jaar tussen 2000 en 2100."), "year")
    for month, value in figures.items():
        if not 1 <= month <= 12:
            raise ServiceError(_("Onbekende maand."), "year")
        if value is not None and value < 0:
            raise ServiceError(_("Een aantal kan niet negatief zijn."), f"month_{month}")
    existing = {
        f.month: f
        for f in db.session.scalars(
            select(AttackFigure).where(AttackFigure.plan_id == plan.id, AttackFigure.year == year)
        )
    }
    before = {m: f.attacks for m, f in existing.items()}
    for month, value in figures.items():
        figure = existing.get(month)
        if value is None:
            if figure is not None:
                db.session.delete(figure)
        elif figure is None:
            db.session.add(
                AttackFigure(
                    plan_id=plan.id,
                    year=year,
                    month=month,
                    attacks=value,
                    entered_by_id=actor.id if actor else None,
                )
            )
        elif figure.attacks != value:
            figure.attacks = value
            figure.entered_by_id = actor.id if actor else None
            figure.entered_at = utcnow()
    after = dict(before)
    for month, value in figures.items():
        if value is None:
            after.pop(month, None)
        else:
            after[month] = value
    if before != after:
        audit.record(
            "action_plan.figures_changed",
            actor=actor,
            target=plan,
            space_id=plan.space_id,
            details={
                "year": year,
                "before": {str(m): v for m, v in sorted(before.items())},
                "after": {str(m): v for m, v in sorted(after.items())},
            },
        )


# --- organisations an item may name --------------------------------------------------------


def plan_organisations(space: Space) -> list[Organisation]:
    """The organisations that may lead, contribute to or see an item of a plan in `space`:
    every active organisation when the whole network is in the space, else the active
    organisations with a grant there."""
    return list(db.session.scalars(_plan_organisations(space, select(Organisation))))


def plan_organisation_choices(space: Space) -> list[tuple[int, str]]:
    """(id, name) of `plan_organisations`, for a form's choices (hundreds of organisations: no
    object for each)."""
    query = select(Organisation.id, Organisation.name)
    return [
        (org_id, name) for org_id, name in db.session.execute(_plan_organisations(space, query))
    ]


def _plan_organisations(space: Space, query):
    network = db.session.scalar(
        select(func.count(SpaceGrant.id)).where(
            SpaceGrant.space_id == space.id, SpaceGrant.principal_type == PrincipalType.NETWORK
        )
    )
    query = query.where(Organisation.active.is_(True)).order_by(Organisation.name)
    if not network:
        granted = select(SpaceGrant.organisation_id).where(
            SpaceGrant.space_id == space.id,
            SpaceGrant.principal_type.in_(
                [PrincipalType.ORGANISATION, PrincipalType.ORGANISATION_ADMINS]
            ),
        )
        query = query.where(Organisation.id.in_(granted))
    return query


class PlanContext:
    """What checking an item needs of its plan, loaded once (an import checks many rows)."""

    def __init__(self, plan: ActionPlan):
        # A code is unique in its plan: two editors saving the same new code at once would both
        # pass the check below, and one would fail on the unique key. The plan's row is locked
        # until the transaction ends, so the second waits and then finds the first's code.
        db.session.execute(select(ActionPlan.id).where(ActionPlan.id == plan.id).with_for_update())
        self.plan = plan
        self.lines = {line.id: line for line in plan.lines}
        self.organisations = {org.id: org for org in plan_organisations(plan.space)}
        self.codes = {
            code: item_id
            for code, item_id in db.session.execute(
                select(ActionItem.code, ActionItem.id).where(ActionItem.plan_id == plan.id)
            )
        }


# --- items -----------------------------------------------------------------------------------


@dataclass
class ItemData:
    """What the secretariat fills in for an item (the form, or one row of an import)."""

    code: str
    title: str
    line_id: int | None
    lead_organisation_id: int | None
    description: str = ""
    contributor_ids: list[int] = field(default_factory=list)
    responsible_email: str = ""
    status: ItemStatus = ItemStatus.NOT_STARTED
    start_date: date | None = None
    due_date: date | None = None
    narrowing_ids: list[int] = field(default_factory=list)


class ItemInvalid(ServiceError):
    """Every problem with an item's data at once; the first is the message and field."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = errors


@dataclass
class CheckedItem:
    """Item data with its references resolved."""

    code: str
    title: str
    description: str
    line: ActionLine
    lead: Organisation
    contributors: list[Organisation]
    responsible: User | None
    status: ItemStatus
    start_date: date | None
    due_date: date | None
    narrowing: list[Organisation]


def normalise_code(code: str) -> str:
    return single_line(code or "").upper()


def item_errors(
    ctx: PlanContext, data: ItemData, *, item: ActionItem | None = None, actor=None
) -> tuple[CheckedItem | None, list[ServiceError]]:
    """Check an item's data against its plan: (the resolved item, []) or (None, every error)."""
    errors: list[ServiceError] = []
    code = normalise_code(data.code)
    if not code:
        errors.append(ServiceError(_("Vul een code in, zoals P-03."), "code"))
    elif not CODE_PATTERN.match(code):
        errors.append(
            ServiceError(
                _("Een code bestaat uit letters, cijfers en streepjes (hooguit 20), zoals P-03."),
                "code",
            )
        )
    elif ctx.codes.get(code) not in (None, item.id if item else None):
        errors.append(
            ServiceError(
                _("De code %(code)s is in dit actieplan al in gebruik.", code=code), "code"
            )
        )
    title = single_line(data.title or "")
    if not title:
        errors.append(ServiceError(_("Vul een titel in."), "title"))
    elif len(title) > 300:
        errors.append(ServiceError(_("Gebruik hooguit 300 tekens."), "title"))
    if len(data.description or "") > 20_000:
        errors.append(ServiceError(_("De omschrijving is te lang."), "description"))
    line = ctx.lines.get(data.line_id) if data.line_id is not None else None
    if line is None:
        errors.append(ServiceError(_("Kies een actielijn van dit actieplan."), "line"))
    lead = _organisation(ctx, data.lead_organisation_id, "lead_organisation", errors)
    contributors = _organisations(ctx, data.contributor_ids, "contributors", errors)
    contributors = [o for o in contributors if lead is None or o.id != lead.id]
    responsible = _responsible(data.responsible_email, lead, errors)
    if data.start_date and data.due_date and data.due_date < data.start_date:
        errors.append(ServiceError(_("De einddatum ligt vóór de startdatum."), "due_date"))
    narrowing = _organisations(ctx, data.narrowing_ids, "narrowing", errors)
    _check_narrowing(narrowing, lead, contributors, actor, errors)
    if errors:
        return None, errors
    checked = CheckedItem(
        code=code,
        title=title,
        description=(data.description or "").strip(),
        line=line,
        lead=lead,
        contributors=contributors,
        responsible=responsible,
        status=ItemStatus(data.status),
        start_date=data.start_date,
        due_date=data.due_date,
        narrowing=narrowing,
    )
    return checked, []


def _organisation(ctx, org_id, field_name, errors) -> Organisation | None:
    if org_id is None:
        errors.append(ServiceError(_("Kies de trekkende organisatie."), field_name))
        return None
    org = ctx.organisations.get(org_id)
    if org is None:
        errors.append(
            ServiceError(_("Onbekende organisatie: kies een organisatie uit de lijst."), field_name)
        )
    return org


def _organisations(ctx, org_ids, field_name, errors) -> list[Organisation]:
    found = []
    for org_id in dict.fromkeys(org_ids or []):
        org = ctx.organisations.get(org_id) if org_id is not None else None
        if org is None:
            errors.append(
                ServiceError(
                    _("Onbekende organisatie: kies organisaties uit de lijst."), field_name
                )
            )
            return []
        found.append(org)
    return found


def _responsible(email: str, lead: Organisation | None, errors) -> User | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        errors.append(
            ServiceError(_("Er is geen actief account met dit e-mailadres."), "responsible")
        )
        return None
    if lead is not None and user.membership_in(lead.id) is None:
        errors.append(
            ServiceError(
                _("De verantwoordelijke moet lid zijn van de trekkende organisatie."),
                "responsible",
            )
        )
        return None
    return user


def _check_narrowing(narrowing, lead, contributors, actor, errors) -> None:
    """Narrowing only removes readers; it may not hide the item from those who work on it,
    nor from whoever narrows it."""
    if not narrowing:
        return
    chosen = {org.id for org in narrowing}
    if lead is not None and lead.id not in chosen:
        errors.append(
            ServiceError(
                _("Neem de trekkende organisatie op: zij moet het actiepunt kunnen zien."),
                "narrowing",
            )
        )
    elif any(org.id not in chosen for org in contributors):
        errors.append(
            ServiceError(
                _("Neem ook de bijdragende organisaties op: zij moeten het actiepunt kunnen zien."),
                "narrowing",
            )
        )
    elif actor is not None and not any(
        m.organisation_id in chosen and m.organisation.active for m in actor.memberships
    ):
        errors.append(
            ServiceError(
                _(
                    "Met deze beperking ziet u het actiepunt zelf niet meer: neem uw eigen organisatie op."
                ),
                "narrowing",
            )
        )


def _apply(item: ActionItem, checked: CheckedItem) -> None:
    item.code = checked.code
    item.title = checked.title
    item.description = checked.description
    item.line = checked.line
    item.lead_organisation = checked.lead
    item.responsible = checked.responsible
    item.start_date = checked.start_date
    item.due_date = checked.due_date
    _set_status(item, checked.status, today())
    _sync(item.contributors, ActionItemContributor, checked.contributors)
    _sync(item.narrowing, ActionItemNarrowing, checked.narrowing)


def _sync(rows: list, model, organisations: list[Organisation]) -> None:
    """Make a list of (item, organisation) rows hold exactly `organisations`."""
    wanted = {org.id for org in organisations}
    for row in list(rows):
        if row.organisation_id not in wanted:
            rows.remove(row)
    present = {row.organisation_id for row in rows}
    for org in organisations:
        if org.id not in present:
            rows.append(model(organisation_id=org.id, organisation=org))


def _set_status(item: ActionItem, status: ItemStatus, on: date) -> None:
    """The status, and the day it was done (kept while it stays done)."""
    if status == ItemStatus.DONE and (item.status != ItemStatus.DONE or not item.completed_on):
        item.completed_on = on
    elif status != ItemStatus.DONE:
        item.completed_on = None
    item.status = status


def _names(rows) -> str:
    return ", ".join(sorted(row.organisation.name for row in rows))


def _snapshot(item: ActionItem) -> dict[str, str]:
    """The item's fields as text, for the history."""
    return {
        "code": item.code,
        "title": item.title,
        "description": item.description,
        "line": item.line.name,
        "lead_organisation": item.lead_organisation.name,
        "contributors": _names(item.contributors),
        "responsible": item.responsible.name if item.responsible else "",
        "status": item.status.value,
        "start_date": item.start_date.isoformat() if item.start_date else "",
        "due_date": item.due_date.isoformat() if item.due_date else "",
        "narrowing": _names(item.narrowing),
    }


def _history(item: ActionItem, field_name: str, old: str, new: str, *, actor) -> None:
    db.session.add(
        ActionItemChange(
            item_id=item.id,
            field=field_name,
            old_value=old or "",
            new_value=new or "",
            actor_id=actor.id if actor else None,
        )
    )


def _record_changes(item: ActionItem, before: dict, after: dict, *, actor) -> list[str]:
    changed = [name for name in HISTORY_FIELDS if before.get(name) != after.get(name)]
    for name in changed:
        _history(item, name, before.get(name, ""), after[name], actor=actor)
    return changed


def create_item(plan: ActionPlan, data: ItemData, *, actor, ctx: PlanContext | None = None):
    """A new item in `plan`; ItemInvalid lists every problem, and nothing is saved."""
    ctx = ctx or PlanContext(plan)
    checked, errors = item_errors(ctx, data, actor=actor)
    if errors:
        raise ItemInvalid(errors)
    item = ActionItem(plan=plan, created_by_id=actor.id if actor else None)
    db.session.add(item)
    _apply(item, checked)
    db.session.flush()
    ctx.codes[item.code] = item.id
    _history(item, "created", "", "", actor=actor)
    _record_changes(item, dict.fromkeys(HISTORY_FIELDS, ""), _snapshot(item), actor=actor)
    audit.record(
        "action_item.created",
        actor=actor,
        target=item,
        space_id=plan.space_id,
        details={"code": item.code, "plan_id": plan.id},
    )
    return item


def update_item(item: ActionItem, data: ItemData, *, actor) -> list[str]:
    """Change an item's fields; returns the names of the fields that changed."""
    checked, errors = item_errors(PlanContext(item.plan), data, item=item, actor=actor)
    if errors:
        raise ItemInvalid(errors)
    before = _snapshot(item)
    _apply(item, checked)
    db.session.flush()
    changed = _record_changes(item, before, _snapshot(item), actor=actor)
    if changed:
        item.updated_at = utcnow()
        audit.record(
            "action_item.updated",
            actor=actor,
            target=item,
            space_id=item.plan.space_id,
            details={"fields": changed},
        )
    return changed


def set_item_archived(item: ActionItem, archived: bool, *, actor) -> None:
    if (item.archived_at is not None) == archived:
        return
    item.archived_at = utcnow() if archived else None
    item.updated_at = utcnow()
    _history(item, "archived" if archived else "unarchived", "", "", actor=actor)
    audit.record(
        "action_item.archived" if archived else "action_item.unarchived",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
    )


# --- progress --------------------------------------------------------------------------------


def _reporting_organisation(item: ActionItem, actor) -> int | None:
    """The organisation the actor reports for: the lead, a contributor, or their own."""
    if actor is None:
        return None
    member_of = [m.organisation_id for m in actor.memberships]
    for org_id in (item.lead_organisation_id, *item.contributor_ids):
        if org_id in member_of:
            return org_id
    return member_of[0] if member_of else None


def report_progress(
    item: ActionItem,
    *,
    note: str,
    reported_on: date | None = None,
    status: ItemStatus | None = None,
    actor,
) -> ProgressUpdate:
    """A dated progress note on `item`, with an optional change of status."""
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Beschrijf de voortgang."), "note")
    if len(note) > NOTE_LIMIT:
        raise ServiceError(_("Gebruik hooguit %(n)d tekens.", n=NOTE_LIMIT), "note")
    reported_on = reported_on or today()
    if reported_on > today():
        raise ServiceError(_("De datum ligt in de toekomst."), "reported_on")
    # Two partners reporting at once both land: the note adds to the item, it edits nothing
    # the reporter saw (the status change applies to the item as it is now).
    lock_latest(db.session, item)
    new_status = status if status is not None and status != item.status else None
    update = ProgressUpdate(
        item_id=item.id,
        reported_on=reported_on,
        note=note,
        status_before=item.status,
        status_after=new_status,
        author_id=actor.id if actor else None,
        organisation_id=_reporting_organisation(item, actor),
    )
    db.session.add(update)
    if new_status is not None:
        old = item.status.value
        _set_status(item, new_status, reported_on)
        _history(item, "status", old, new_status.value, actor=actor)
    item.last_update_at = utcnow()
    item.updated_at = item.last_update_at
    db.session.flush()
    audit.record(
        "action_item.progress_reported",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={
            "update_id": update.id,
            "status_before": update.status_before.value,
            "status_after": new_status.value if new_status else None,
        },
    )
    _notify_update(item, update, actor=actor)
    return update


def _notify_update(item: ActionItem, update: ProgressUpdate, *, actor) -> None:
    """Tell the responsible person and whoever created the item (not the author)."""
    from ..notifications.models import NotificationKind
    from ..notifications.service import notify

    recipients = {u.id: u for u in (item.responsible, item.created_by) if u is not None}
    for recipient in recipients.values():
        notify(
            recipient,
            kind=NotificationKind.ACTION_ITEM_UPDATE,
            subject_type="action_item",
            subject_id=item.id,
            url=f"/actiepunten/{item.id}#voortgang-{update.id}",
            title=f"{item.code} {item.title}",
            excerpt=update.note,
            actor=actor,
            confidential=item.plan.space.classification.needs_mfa,
        )


# --- milestones ------------------------------------------------------------------------------


def _milestone_label(milestone: ActionMilestone) -> str:
    when = milestone.due_date.isoformat() if milestone.due_date else ""
    return f"{milestone.title} ({when})" if when else milestone.title


def add_milestone(item: ActionItem, *, title: str, due_date: date | None, actor):
    title = single_line(title or "")
    if not title:
        raise ServiceError(_("Vul een omschrijving in."), "title")
    if len(title) > 300:
        raise ServiceError(_("Gebruik hooguit 300 tekens."), "title")
    if due_date and item.start_date and due_date < item.start_date:
        raise ServiceError(_("De mijlpaal ligt vóór de startdatum van het actiepunt."), "due_date")
    if due_date and item.due_date and due_date > item.due_date:
        raise ServiceError(_("De mijlpaal ligt na de einddatum van het actiepunt."), "due_date")
    milestone = ActionMilestone(
        title=title, due_date=due_date, created_by_id=actor.id if actor else None
    )
    item.milestones.append(milestone)
    db.session.flush()
    _history(item, "milestone_added", "", _milestone_label(milestone), actor=actor)
    audit.record(
        "action_item.milestone_added",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={"milestone_id": milestone.id},
    )
    return milestone


def set_milestone_done(milestone: ActionMilestone, done: bool, *, actor) -> None:
    if milestone.done == done:
        return
    milestone.done_at = utcnow() if done else None
    milestone.done_by_id = actor.id if actor and done else None
    item = milestone.item
    name = "milestone_done" if done else "milestone_reopened"
    _history(item, name, "", _milestone_label(milestone), actor=actor)
    audit.record(
        f"action_item.{name}",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={"milestone_id": milestone.id},
    )


def remove_milestone(milestone: ActionMilestone, *, actor) -> None:
    item = milestone.item
    _history(item, "milestone_removed", _milestone_label(milestone), "", actor=actor)
    audit.record(
        "action_item.milestone_removed",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={"milestone_id": milestone.id},
    )
    item.milestones.remove(milestone)


# --- linked documents ------------------------------------------------------------------------


def link_document(item: ActionItem, document: Document, *, actor) -> None:
    """Link a document of the plan's space (the caller checked that the actor may read it)."""
    if document.space_id != item.plan.space_id or document.deleted_at is not None:
        raise ServiceError(_("Kies een document uit de werkruimte van het actieplan."), "document")
    if db.session.get(ActionItemDocument, (item.id, document.id)) is not None:
        raise ServiceError(_("Dit document is al gekoppeld."), "document")
    db.session.add(
        ActionItemDocument(
            item_id=item.id, document_id=document.id, added_by_id=actor.id if actor else None
        )
    )
    # The history keeps the id only: the title of a narrowed document is not for every reader.
    _history(item, "document_linked", "", str(document.id), actor=actor)
    audit.record(
        "action_item.document_linked",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={"document_id": document.id},
    )


def unlink_document(item: ActionItem, document_id: int, *, actor) -> None:
    link = db.session.get(ActionItemDocument, (item.id, document_id))
    if link is None:
        raise ServiceError(_("Dit document is niet gekoppeld."), "document")
    db.session.delete(link)
    _history(item, "document_unlinked", str(document_id), "", actor=actor)
    audit.record(
        "action_item.document_unlinked",
        actor=actor,
        target=item,
        space_id=item.plan.space_id,
        details={"document_id": document_id},
    )


def member_organisation_ids(user) -> list[int]:
    """The user's active organisations ("my organisation's items")."""
    return list(
        db.session.scalars(
            select(Membership.organisation_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Organisation.active.is_(True))
        )
    )


def period_warning(item: ActionItem) -> str | None:
    """A warning, not a refusal, when the item starts or ends outside its plan's period: a
    plan may run on, but a date past its end is most often a typing error."""
    plan = item.plan
    outside = [
        d
        for d in (item.start_date, item.due_date)
        if d and not plan.period_start <= d <= plan.period_end
    ]
    if not outside:
        return None
    return _(
        "Let op: dit actiepunt begint of eindigt buiten de looptijd van het plan "
        "(%(start)s – %(end)s).",
        start=date_long(plan.period_start),
        end=date_long(plan.period_end),
    )
