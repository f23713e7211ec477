"""How dates, times, sizes and counts read: one style per context, through Babel.

- ``date_long``: prose, "3 december 2026";
- ``date_short``: tables and lists, "03-12-2026";
- ``datetime_short``: "03-12-2026 14:05";
- ``iso_utc``: the machine-readable ``datetime`` attribute of ``<time>`` ("…Z").

Times are stored as naive UTC and shown in Europe/Amsterdam (Flask-Babel's timezone); a bare
date (a due date, a period) has no time zone and is shown as it is. Every template uses these
filters, never ``strftime`` or ``isoformat`` (tests/web/test_formatting.py greps for them).
"""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, ngettext

from .timeutil import local

LONG_DATE = "d MMMM yyyy"
SHORT_DATE = "dd-MM-yyyy"
SHORT_DATETIME = "dd-MM-yyyy HH:mm"
#: 1000-based units, as file managers show them ("36,7 kB").
_UNITS = ("kB", "MB", "GB", "TB")


def _local_date(value: date | datetime) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def date_long(value: date | datetime | None) -> str:
    """ "3 december 2026"; a moment by its Dutch local date."""
    return "" if value is None else format_date(_local_date(value), LONG_DATE)


def date_short(value: date | datetime | None) -> str:
    """ "03-12-2026"; a moment by its Dutch local date."""
    return "" if value is None else format_date(_local_date(value), SHORT_DATE)


def datetime_short(value: datetime | None) -> str:
    """ "03-12-2026 14:05" in Dutch local time."""
    return "" if value is None else format_datetime(value, SHORT_DATETIME)


def time_short(value: datetime | None) -> str:
    """ "14:05" in Dutch local time."""
    return "" if value is None else format_datetime(value, "HH:mm")


def month_long(value: date | None) -> str:
    """ "december 2026": a month of a chart or a report."""
    return "" if value is None else format_date(value, "MMMM yyyy")


def month_short(value: date | None) -> str:
    """ "dec. 26": a chart's axis."""
    return "" if value is None else format_date(value, "MMM yy")


def iso_utc(value: date | datetime | None) -> str:
    """The ``datetime`` attribute of ``<time>``: a date as it is, a moment in UTC ("…Z")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def file_size(size: int | None) -> str:
    """ "36,7 kB", "1 byte", "512 bytes", in the reader's language."""
    if size is None:
        return ""
    if size < 1000:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    value = float(size)
    for unit in _UNITS:
        value /= 1000
        if value < 1000 or unit == _UNITS[-1]:
            return f"{format_decimal(round(value, 1), format='#,##0.#')} {unit}"
    raise AssertionError("unreachable")


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        date_long=date_long,
        date_short=date_short,
        datetime_short=datetime_short,
        time_short=time_short,
        month_long=month_long,
        month_short=month_short,
        iso_utc=iso_utc,
        file_size=file_size,
    )
