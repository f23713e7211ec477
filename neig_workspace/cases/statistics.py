"""Statistics for the network: attacks per month, municipality, target and explosive type.

Counted from `CaseStatistic` only (no personal data; destroyed cases still count), and never
filtered by who looks: every network member sees the same figures, so no figure may single out
an attack.

The small-cell rule. Every published figure (each cell and each total) under 5, zero included,
shows as "< 5": a reader cannot tell no attack from one. Hiding a cell alone is not enough, as
sums give figures away; so the figures are protected as one set of sums:

    municipality x month, municipality x target type, municipality x explosive type,
    with the municipality totals, the national totals per month / type and the grand total.

In a sum ("line": a total and its parts) the shown total minus the shown parts is the sum of
the hidden ones, and a reader knows "< 5" is 0 to 4 and "x" is at least 5 (else it would read
"< 5"). So every figure gets the range a reader can narrow it to: a shown figure its value,
"< 5" [0, 4], "x" [5, no limit]; per line a hidden figure lies between the total's range minus
the others' and (for a total) the sum of the parts' ranges. These ranges are narrowed line by
line, across all lines, until nothing changes. While a hidden figure is pinned to a number of
attacks (pinned to 0 tells of none), one more figure of the line that pins it is hidden (the
smallest non-zero part shown, else the total; when only several lines together pin it, of one
of its lines; it shows as "x"), and the ranges are worked out again.

The page without a municipality shows the national totals and the municipality totals; the
page of one municipality shows its row of each grid. Both come from the same protected set, so
putting the pages side by side does not give a hidden figure away either; the action plan's
monthly figures are taken from it as well.

Zeros show as "< 5" too: were they shown, a total of 4 over four "< 5" parts would give each
part away as 1. What a reader can still learn is a small sum over several hidden figures (12
shown, 10 shown: 2 attacks in the other months, not which); the rule guards against subtraction and range reasoning along the published
sums; it is the usual primary/secondary suppression, not a proof against every combination of
equations.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from math import inf

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..actions.kpi import register_attack_source
from ..extensions import db
from ..organisations.models import Organisation
from ..timeutil import utcnow
from .models import CaseStatistic, ExplosiveType, TargetType

SMALL = "< 5"
HIDDEN = "x"
MONTHS = tuple(range(1, 13))


@dataclass
class Protected:
    """The figures of one year, each as the text that may be published."""

    year: int
    #: key -> "< 5", "x" or the count as text. Keys: ("all",), ("month", n), ("target", t),
    #: ("explosive", e), ("mun", id), ("m", id, n), ("t", id, t), ("e", id, e).
    cells: dict = field(default_factory=dict)
    municipality_ids: list[int] = field(default_factory=list)

    def get(self, key) -> str:
        return self.cells.get(key, "0")


def _grids(year: int) -> dict:
    """The raw counts of the year per municipality and month / target / explosive type."""
    in_year = (CaseStatistic.month >= date(year, 1, 1), CaseStatistic.month <= date(year, 12, 31))
    values: dict = defaultdict(int)
    for grid, column in (
        ("m", CaseStatistic.month),
        ("t", CaseStatistic.target_type),
        ("e", CaseStatistic.explosive_type),
    ):
        rows = db.session.execute(
            select(CaseStatistic.municipality_id, column, func.count())
            .where(*in_year)
            .group_by(CaseStatistic.municipality_id, column)
        )
        for municipality_id, value, count in rows:
            value = value.month if grid == "m" else value
            values[(grid, municipality_id, value)] += count
    return values


def _lines(municipality_ids: list[int]) -> list[list]:
    """Every sum among the published figures: [total, *parts]."""
    dimensions = {"m": MONTHS, "t": tuple(TargetType), "e": tuple(ExplosiveType)}
    margin = {"m": "month", "t": "target", "e": "explosive"}
    lines = []
    for grid, keys in dimensions.items():
        for mun in municipality_ids:
            lines.append([("mun", mun)] + [(grid, mun, k) for k in keys])
        for k in keys:
            lines.append([(margin[grid], k)] + [(grid, mun, k) for mun in municipality_ids])
        lines.append([("all",)] + [(margin[grid], k) for k in keys])
    lines.append([("all",)] + [("mun", mun) for mun in municipality_ids])
    return lines


def protect(values: dict, lines: list[list]) -> dict:
    """The published text of every figure under the small-cell rule (see the module's doc)."""
    state = {k: SMALL if v <= 4 else None for k, v in values.items()}
    while pick := _next_to_hide(values, lines, state):
        state[pick] = HIDDEN
    return {k: state.get(k) or str(v) for k, v in values.items()}


def _next_in_line(line: list, values: dict, state: dict):
    """The figure of a line to hide next: its smallest non-zero part still shown, else its
    total when shown and non-zero, else None."""
    total, *parts = line
    shown = [p for p in parts if not state.get(p) and values.get(p, 0) > 0]
    if not shown and not state.get(total) and values.get(total, 0) > 0:
        shown = [total]
    return min(shown, key=lambda k: (values[k], str(k))) if shown else None


def _next_to_hide(values: dict, lines: list[list], state: dict):
    """A figure whose hiding unpins a hidden figure, taken from a line that pins it; None when
    nothing is pinned (or only in lines with nothing left to hide, see the module's doc)."""
    for key, pinning in sorted(pinned(values, lines, state).items(), key=lambda kv: str(kv[0])):
        candidates = pinning or [i for i, line in enumerate(lines) if key in line]
        for index in candidates:
            pick = _next_in_line(lines[index], values, state)
            if pick:
                return pick
    return None


def pinned(values: dict, lines: list[list], state: dict) -> dict:
    """The hidden figures a reader can pin to one value from the published texts, each with
    the indexes of the lines that pin it (empty when only lines together do)."""
    published = {k: _reader_range(k, values, state) for k in set(values).union(*lines)}
    bounds = dict(published)
    pins = defaultdict(list)
    changed = True
    while changed:
        changed = False
        for index, line in enumerate(lines):
            for key, lo, hi in _implied(line, bounds):
                if not state.get(key):
                    continue
                if max(lo, published[key][0]) == min(hi, published[key][1]):
                    if index not in pins[key]:
                        pins[key].append(index)
                narrowed = (max(lo, bounds[key][0]), min(hi, bounds[key][1]))
                if narrowed != bounds[key]:
                    bounds[key] = narrowed
                    changed = True
    # Pinned to 0 tells of no attack: only a hidden figure pinned to a count of attacks matters.
    return {k: pins[k] for k, (lo, hi) in bounds.items() if state.get(k) and lo == hi and lo > 0}


def _reader_range(key, values: dict, state: dict) -> tuple:
    """What a reader knows of one figure from its text alone."""
    if state.get(key) == SMALL:
        return (0, 4)
    if state.get(key) == HIDDEN:
        return (5, inf)
    return (values.get(key, 0), values.get(key, 0))


def _implied(line: list, bounds: dict):
    """(figure, lo, hi): the range the other figures of a line leave each of its figures."""
    total, *parts = line
    lo_sum = sum(bounds[p][0] for p in parts)
    finite_hi = sum(bounds[p][1] for p in parts if bounds[p][1] != inf)
    open_ended = sum(1 for p in parts if bounds[p][1] == inf)
    yield total, lo_sum, (inf if open_ended else finite_hi)
    total_lo, total_hi = bounds[total]
    for p in parts:
        lo, hi = bounds[p]
        others_hi = inf if open_ended - (hi == inf) else finite_hi - (0 if hi == inf else hi)
        yield p, total_lo - others_hi, total_hi - (lo_sum - lo)


def protected_year(year: int) -> Protected:
    values = _grids(year)
    municipality_ids = sorted({key[1] for key in values})
    values = with_totals(values, municipality_ids)
    return Protected(year, protect(values, _lines(municipality_ids)), municipality_ids)


def with_totals(values: dict, municipality_ids: list[int]) -> dict:
    """The grid counts with every empty cell as 0 and every total of `_lines` added."""
    values = dict(values)
    margin = {"m": "month", "t": "target", "e": "explosive"}
    for grid, keys in (("m", MONTHS), ("t", tuple(TargetType)), ("e", tuple(ExplosiveType))):
        for k in keys:
            for mun in municipality_ids:
                values.setdefault((grid, mun, k), 0)
            values[(margin[grid], k)] = sum(values[(grid, mun, k)] for mun in municipality_ids)
    for mun in municipality_ids:
        values[("mun", mun)] = sum(values[("m", mun, n)] for n in MONTHS)
    values[("all",)] = sum(values[("mun", mun)] for mun in municipality_ids)
    return values


# --- what the page and the CSV show ------------------------------------------------------------


@dataclass
class Table:
    key: str
    caption: object
    rows: list[tuple[object, str]]
    total: str


def tables(year: int, municipality: Organisation | None, labels: dict) -> list[Table]:
    """The tables of the page: national (with a table per municipality), or one municipality's
    row of each grid. `labels` holds the month, target and explosive labels."""
    data = protected_year(year)
    if municipality is None:
        month = [(labels["month"][n], data.get(("month", n))) for n in MONTHS]
        target = [(labels["target"][t], data.get(("target", t))) for t in TargetType]
        explosive = [(labels["explosive"][e], data.get(("explosive", e))) for e in ExplosiveType]
        total = data.get(("all",))
    else:
        mun = municipality.id
        month = [(labels["month"][n], data.get(("m", mun, n))) for n in MONTHS]
        target = [(labels["target"][t], data.get(("t", mun, t))) for t in TargetType]
        explosive = [(labels["explosive"][e], data.get(("e", mun, e))) for e in ExplosiveType]
        total = data.get(("mun", mun))
    result = [
        Table("maand", _l("Aanslagen per maand"), month, total),
        Table("doelwit", _l("Aanslagen per soort doelwit"), target, total),
        Table("explosief", _l("Aanslagen per soort explosief"), explosive, total),
    ]
    if municipality is None:
        names = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(data.municipality_ids)
                )
            ).all()
        )
        rows = sorted(
            ((names.get(m, ""), data.get(("mun", m))) for m in data.municipality_ids),
            key=lambda row: row[0].casefold(),
        )
        result.insert(1, Table("gemeente", _l("Aanslagen per gemeente"), rows, total))
    return result


def years() -> list[int]:
    """The years the page offers: from the first recorded attack to this year."""
    first = db.session.scalar(select(func.min(CaseStatistic.month)))
    this_year = utcnow().year
    start = min(first.year, this_year) if first else this_year
    return list(range(this_year, start - 1, -1))


# --- the action plan's source of attacks per month -------------------------------------------


def _month_keys(start: date, end: date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def kpi_counts(plan, start: date, end: date, user) -> dict[tuple[int, int], int]:
    """National attacks per month for an action plan, from the case statistics.

    Our choice: the dashboard gets the network's monthly totals as numbers (they are
    aggregates over all municipalities, about a hundred a month, not small cells), taken from
    the same protected figures as the statistics page. A month whose national total is hidden
    there ("< 5" or "x") is left out, so the dashboard counts it as not reported instead of
    giving away a figure the page hides. Only months that are over are given: the running
    month and later ones have no figure yet. The viewer does not matter: everyone gets the same.
    """
    today = utcnow().date()
    per_year: dict[int, Protected] = {}
    counts = {}
    for year, month in _month_keys(start, end):
        if (year, month) >= (today.year, today.month):
            break
        data = per_year.get(year) or per_year.setdefault(year, protected_year(year))
        text = data.get(("month", month))
        if text.isdigit():
            counts[(year, month)] = int(text)
    return counts


def register_kpi_source() -> None:
    register_attack_source("cases", _l("uit de casusregistratie"), kpi_counts)


register_kpi_source()
