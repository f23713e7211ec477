"""The 342 Dutch municipalities (CBS, 1 January 2023), shipped with the project."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"


@dataclass(frozen=True)
class Municipality:
    cbs_code: str
    name: str
    province: str
    safety_region_code: str
    safety_region: str


@cache
def municipalities() -> tuple[Municipality, ...]:
    with DATA.open(encoding="utf-8") as handle:
        rows = [Municipality(**row) for row in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda m: m.name.lower()))


@cache
def by_code() -> dict[str, Municipality]:
    return {m.cbs_code: m for m in municipalities()}
