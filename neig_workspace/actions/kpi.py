"""Where a plan's attacks per month come from: a registry of sources.

Each source answers "how many (attempted) attacks were there per month between two dates".
Today there is one: the figures the secretariat enters per month (`AttackFigure`). When casework
keeps attacks in the workspace, it registers its own source, for example:

    from neig_workspace.actions.kpi import register_attack_source

    register_attack_source(
        "cases", _l("uit de casusregistratie"), lambda plan, start, end, user: {(2025, 1): 84}
    )

and the plan's settings can then choose it; the dashboard and the report always name the source.
A source gets the viewer too, so one that counts rows the viewer may or may not see can filter
them (a statistic that is safe to show everyone can ignore it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .models import ActionPlan, AttackFigure

#: (year, month) -> number of attacks
MonthCounts = dict[tuple[int, int], int]
CountFunction = Callable[[ActionPlan, date, date, object], MonthCounts]


@dataclass(frozen=True)
class AttackSource:
    key: str
    #: How the source is named on the dashboard and in the report ("ingevoerd door …").
    label: object
    counts: CountFunction


@dataclass(frozen=True)
class MonthlyCounts:
    """The attacks per month of one plan, and where they came from."""

    source: str
    label: str
    counts: MonthCounts
    #: False when the plan names a source that is not registered (any more).
    available: bool = True


ATTACK_SOURCES: dict[str, AttackSource] = {}


def register_attack_source(key: str, label, counts: CountFunction) -> None:
    """Offer a source of attacks per month; `counts(plan, start, end, user)` answers
    {(year, month): number} for the months between `start` and `end` (both included)."""
    ATTACK_SOURCES[key] = AttackSource(key, label, counts)


def source_choices() -> list[tuple[str, str]]:
    return [(key, str(source.label)) for key, source in ATTACK_SOURCES.items()]


def entered_counts(plan: ActionPlan, start: date, end: date, user=None) -> MonthCounts:
    """The figures the secretariat entered for the plan, one query."""
    rows = db.session.execute(
        select(AttackFigure.year, AttackFigure.month, AttackFigure.attacks).where(
            AttackFigure.plan_id == plan.id,
            AttackFigure.year * 100 + AttackFigure.month >= start.year * 100 + start.month,
            AttackFigure.year * 100 + AttackFigure.month <= end.year * 100 + end.month,
        )
    )
    return {(year, month): attacks for year, month, attacks in rows}


register_attack_source("secretariat", _l("ingevoerd door het secretariaat"), entered_counts)


def attacks_per_month(plan: ActionPlan, *, user, start: date, end: date) -> MonthlyCounts:
    """The attacks per month from the plan's source, with the source's name."""
    source = ATTACK_SOURCES.get(plan.attack_source)
    if source is None:
        return MonthlyCounts(plan.attack_source, _("bron niet beschikbaar"), {}, available=False)
    return MonthlyCounts(source.key, str(source.label), source.counts(plan, start, end, user))
