"""The dashboard's figures and the layout of its charts.

The figures are counted in SQL, always through `visible_action_items(user)`: a narrowed item
never adds to a count, a bar or a line of someone who may not see it. Every function runs a
fixed number of queries, whatever the number of items. The charts are laid out here as plain
numbers (positions and sizes in SVG user units); `templates/actions/_charts.html` draws them as
server-rendered SVG, each with a table that says the same for screen readers.

Archived items count nowhere; cancelled (`vervallen`) items count in the status figures but not
in the planned line of the progress chart.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from ..access.policy import visible_action_items
from ..extensions import db
from . import kpi
from .models import ActionItem, ActionPlan, ItemStatus

SOON_DAYS = 14


def _counted(plan: ActionPlan, user) -> tuple:
    """The items a figure counts: the plan's, not archived, visible to `user`."""
    return (
        ActionItem.plan_id == plan.id,
        ActionItem.archived_at.is_(None),
        visible_action_items(user),
    )


def months_between(start: date, end: date) -> list[date]:
    """The first day of every month from `start` to `end`, both included."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = _next_month(current)
    return months


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


# --- the figures -----------------------------------------------------------------------------


@dataclass
class Summary:
    total: int
    by_status: dict[ItemStatus, int]
    #: Open items whose due date has passed.
    overdue: int
    #: Open items due today or within SOON_DAYS days.
    due_soon: int

    @property
    def done(self) -> int:
        return self.by_status[ItemStatus.DONE]

    @property
    def attention(self) -> int:
        return self.by_status[ItemStatus.AT_RISK] + self.by_status[ItemStatus.DELAYED]

    @property
    def done_percent(self) -> int | None:
        """Done, as a whole percentage of the items that were not cancelled."""
        relevant = self.total - self.by_status[ItemStatus.CANCELLED]
        if not relevant:
            return None
        return round(100 * self.by_status[ItemStatus.DONE] / relevant)


def summary(plan: ActionPlan, user, today: date) -> Summary:
    """Counts per status, overdue and due soon: one query."""
    overdue = func.sum(case((ActionItem.due_date < today, 1), else_=0))
    soon = func.sum(
        case(
            (
                and_(
                    ActionItem.due_date >= today,
                    ActionItem.due_date <= today + timedelta(days=SOON_DAYS),
                ),
                1,
            ),
            else_=0,
        )
    )
    rows = db.session.execute(
        select(ActionItem.status, func.count(ActionItem.id), overdue, soon)
        .where(*_counted(plan, user))
        .group_by(ActionItem.status)
    ).all()
    by_status = dict.fromkeys(ItemStatus, 0)
    late = due_soon = 0
    for status, count, status_overdue, status_soon in rows:
        by_status[status] = count
        if status.is_open:
            late += status_overdue or 0
            due_soon += status_soon or 0
    return Summary(sum(by_status.values()), by_status, late, due_soon)


@dataclass
class LineRow:
    line_id: int
    name: str
    counts: dict[ItemStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class StatusByLine:
    rows: list[LineRow]

    @property
    def totals(self) -> dict[ItemStatus, int]:
        return {s: sum(row.counts[s] for row in self.rows) for s in ItemStatus}

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def status_by_line(plan: ActionPlan, user) -> StatusByLine:
    """Items per status per line, every line of the plan in its order: one query (and the
    plan's lines)."""
    counts = db.session.execute(
        select(ActionItem.line_id, ActionItem.status, func.count(ActionItem.id))
        .where(*_counted(plan, user))
        .group_by(ActionItem.line_id, ActionItem.status)
    ).all()
    rows = {
        line.id: LineRow(line.id, line.name, dict.fromkeys(ItemStatus, 0)) for line in plan.lines
    }
    for line_id, status, count in counts:
        if line_id in rows:
            rows[line_id].counts[status] = count
    return StatusByLine(list(rows.values()))


@dataclass
class ProgressPoint:
    month: date
    #: Items (not cancelled) due by the end of this month, cumulative.
    planned: int
    #: Items done by the end of this month, cumulative; None for months still to come.
    done: int | None


def progress_over_time(plan: ActionPlan, user, today: date) -> list[ProgressPoint]:
    """Planned against done per month of the plan's period: two grouped queries."""
    due = db.session.execute(
        select(ActionItem.due_date, func.count(ActionItem.id))
        .where(
            *_counted(plan, user),
            ActionItem.status != ItemStatus.CANCELLED,
            ActionItem.due_date.is_not(None),
        )
        .group_by(ActionItem.due_date)
    ).all()
    done = db.session.execute(
        select(ActionItem.completed_on, func.count(ActionItem.id))
        .where(
            *_counted(plan, user),
            ActionItem.status == ItemStatus.DONE,
            ActionItem.completed_on.is_not(None),
        )
        .group_by(ActionItem.completed_on)
    ).all()
    # Running totals in one pass over the days (sorted) rather than a sum over every day per
    # month: a plan of years has hundreds of due dates.
    due, done = sorted(map(tuple, due)), sorted(map(tuple, done))
    due_days, done_days = len(due), len(done)
    points, planned, finished, next_due, next_done = [], 0, 0, 0, 0
    for month in months_between(plan.period_start, plan.period_end):
        last = month_end(month)
        while next_due < due_days and due[next_due][0] <= last:
            planned += due[next_due][1]
            next_due += 1
        while next_done < done_days and done[next_done][0] <= last:
            finished += done[next_done][1]
            next_done += 1
        points.append(ProgressPoint(month, planned, finished if month <= today else None))
    return points


@dataclass
class AttackMonth:
    month: date
    attacks: int | None


@dataclass
class AttackFigures:
    """Attacks per month against the baseline year and the target."""

    source: str
    source_label: str
    available: bool
    months: list[AttackMonth]
    baseline_year: int
    baseline_count: int
    target_percent: int

    @property
    def baseline_monthly(self) -> float:
        return self.baseline_count / 12

    @property
    def target_count(self) -> float:
        """The most attacks a year may have to meet the target."""
        return self.baseline_count * (100 - self.target_percent) / 100

    @property
    def target_monthly(self) -> float:
        return self.target_count / 12

    @property
    def reported(self) -> int:
        """Months with a figure."""
        return sum(1 for m in self.months if m.attacks is not None)

    @property
    def total(self) -> int:
        return sum(m.attacks for m in self.months if m.attacks is not None)

    @property
    def baseline_to_date(self) -> float:
        """What the baseline year had, pro rata, over the months reported."""
        return self.baseline_monthly * self.reported

    @property
    def target_to_date(self) -> float:
        return self.target_monthly * self.reported

    @property
    def change_percent(self) -> float | None:
        """The change against the baseline, pro rata (negative is fewer attacks)."""
        if not self.reported:
            return None
        return 100 * (self.total - self.baseline_to_date) / self.baseline_to_date

    @property
    def on_target(self) -> bool | None:
        return None if not self.reported else self.total <= self.target_to_date


def attack_figures(plan: ActionPlan, user) -> AttackFigures:
    counts = kpi.attacks_per_month(plan, user=user, start=plan.period_start, end=plan.period_end)
    months = [
        AttackMonth(month, counts.counts.get((month.year, month.month)))
        for month in months_between(plan.period_start, plan.period_end)
    ]
    return AttackFigures(
        source=counts.source,
        source_label=counts.label,
        available=counts.available,
        months=months,
        baseline_year=plan.baseline_year,
        baseline_count=plan.baseline_count,
        target_percent=plan.target_reduction_percent,
    )


@dataclass
class Dashboard:
    summary: Summary
    status: StatusByLine
    progress: list[ProgressPoint]
    attacks: AttackFigures
    charts: dict = field(default_factory=dict)


def dashboard(plan: ActionPlan, user, today: date) -> Dashboard:
    """Every figure of the dashboard and the report, with the charts laid out."""
    data = Dashboard(
        summary=summary(plan, user, today),
        status=status_by_line(plan, user),
        progress=progress_over_time(plan, user, today),
        attacks=attack_figures(plan, user),
    )
    data.charts = {
        "status": status_chart(data.status),
        "progress": progress_chart(data.progress),
        "attacks": attacks_chart(data.attacks),
    }
    return data


# --- the layout of the charts ----------------------------------------------------------------

WIDTH = 640


def nice_max(value: float) -> int:
    """The smallest round number at least `value` (and at least 2) for the top of an axis; below
    ten an even one, so the middle tick is a whole number too."""
    value = max(value, 2)
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    steps = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if magnitude >= 10 else (1, 2, 4, 6, 8, 10)
    return next(int(step * magnitude) for step in steps if step * magnitude >= value)


def _r(value: float) -> float:
    return round(value, 1)


def status_chart(data: StatusByLine) -> dict:
    """Horizontal stacked bars: one per line, a segment per status."""
    label_width, right, row, gap, top = 150, 48, 24, 12, 8
    plot = WIDTH - label_width - right
    largest = max((r.total for r in data.rows), default=0) or 1
    rows = []
    for i, line in enumerate(data.rows):
        y = top + i * (row + gap)
        x, segments = label_width, []
        for status in ItemStatus:
            count = line.counts[status]
            if not count:
                continue
            width = plot * count / largest
            segments.append(
                {"x": _r(x), "width": _r(width), "status": status.value, "count": count}
            )
            x += width
        rows.append(
            {
                "name": line.name,
                "y": y,
                "text_y": y + row * 0.7,
                "height": row,
                "segments": segments,
                "total": line.total,
                "total_x": _r(x + 6),
            }
        )
    height = top + max(len(rows), 1) * (row + gap)
    return {"width": WIDTH, "height": height, "rows": rows, "label_x": label_width - 8}


def _plot_box(height: int) -> dict:
    left, right, top, bottom = 48, 28, 16, 40
    return {
        "left": left,
        "right": WIDTH - right,
        "top": top,
        "bottom": height - bottom,
        "width": WIDTH - left - right,
        "height": height - top - bottom,
    }


def _y_ticks(box: dict, y_max: int) -> list[dict]:
    ticks = []
    for fraction in (0, 0.5, 1):
        value = y_max * fraction
        ticks.append(
            {
                "value": int(value) if value == int(value) else value,
                "y": _r(box["bottom"] - box["height"] * fraction),
            }
        )
    return ticks


def _label_every(count: int) -> int:
    return 1 if count <= 12 else (count + 11) // 12


def progress_chart(points: list[ProgressPoint]) -> dict:
    """Two lines over the months: planned (cumulative due) and done (cumulative)."""
    height = 280
    box = _plot_box(height)
    y_max = nice_max(max((p.planned for p in points), default=0))
    y_max = max(y_max, nice_max(max((p.done or 0 for p in points), default=0)))
    n = len(points)
    step = box["width"] / (n - 1) if n > 1 else 0

    def x(i):
        return _r(box["left"] + (i * step if n > 1 else box["width"] / 2))

    def y(value):
        return _r(box["bottom"] - box["height"] * value / y_max)

    planned = [(x(i), y(p.planned)) for i, p in enumerate(points)]
    done = [(x(i), y(p.done)) for i, p in enumerate(points) if p.done is not None]
    every = _label_every(n)
    return {
        "width": WIDTH,
        "height": height,
        "box": box,
        "y_ticks": _y_ticks(box, y_max),
        "planned": " ".join(f"{a},{b}" for a, b in planned),
        "done": " ".join(f"{a},{b}" for a, b in done),
        "planned_points": planned,
        "done_points": done,
        "x_labels": [{"x": x(i), "month": p.month} for i, p in enumerate(points) if i % every == 0],
        "label_y": box["bottom"] + 20,
    }


def attacks_chart(data: AttackFigures) -> dict:
    """A bar per month, with the baseline's and the target's monthly average as lines."""
    height = 280
    box = _plot_box(height)
    largest = max((m.attacks or 0 for m in data.months), default=0)
    y_max = nice_max(max(largest, data.baseline_monthly) * 1.1)
    n = max(len(data.months), 1)
    band = box["width"] / n
    bar = band * 0.6

    def y(value):
        return _r(box["bottom"] - box["height"] * value / y_max)

    bars, labels = [], []
    every = _label_every(n)
    for i, month in enumerate(data.months):
        centre = box["left"] + band * (i + 0.5)
        if month.attacks is not None:
            top = y(month.attacks)
            bars.append(
                {
                    "x": _r(centre - bar / 2),
                    "y": top,
                    "width": _r(bar),
                    "height": _r(box["bottom"] - top),
                    "month": month.month,
                    "attacks": month.attacks,
                    "over_target": month.attacks > data.target_monthly,
                }
            )
        if i % every == 0:
            labels.append({"x": _r(centre), "month": month.month})
    return {
        "width": WIDTH,
        "height": height,
        "box": box,
        "y_ticks": _y_ticks(box, y_max),
        "bars": bars,
        "x_labels": labels,
        "label_y": box["bottom"] + 20,
        "baseline_y": y(data.baseline_monthly),
        "target_y": y(data.target_monthly),
    }
