"""How dates, times, sizes and counts read: one style per context, through Babel.

- ``date_long``: prose, "3 december 2026";
- ``date_short``: tables and lists, "03-12-2026";
- ``datetime_short``: "03-12-2026 14:05";
- ``iso_utc``: the machine-readable ``datetime`` attribute of ``<time>`` ("…Z").

Times are stored as naive UTC and shown in Europe/Amsterdam (Flask-Babel's timezone); a bare
date (a due date, a period) has no time zone and is shown as it is. Every template uses these
filters, never ``strftime`` or ``isoformat`` (tests/web/test_formatting.py greps for them).

A list page formats a date and a size per row: the numeric patterns are written out here
(what Babel's pattern gives, tests/web/test_formatting.py compares them), the month names and
the decimal sign come from Babel once per language, and Babel itself formats only what these do
not cover (a size of a thousand TB, a language Babel has no names for).
"""

from datetime import UTC, date, datetime
from functools import cache

from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol
from flask import Flask
from flask_babel import format_decimal, get_locale, ngettext

from .timeutil import TIMEZONE, local

LONG_DATE = "d MMMM yyyy"
SHORT_DATE = "dd-MM-yyyy"
SHORT_DATETIME = "dd-MM-yyyy HH:mm"
#: 1000-based units, as file managers show them ("36,7 kB").
_UNITS = ("kB", "MB", "GB", "TB")


def _local_date(value: date | datetime) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def _wall_clock(value: datetime) -> datetime:
    """A moment as Dutch wall-clock time: naive is UTC (as stored), aware is converted."""
    if value.tzinfo is None:
        return local(value)
    return value.astimezone(UTC).astimezone(TIMEZONE).replace(tzinfo=None)


def _ymd(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"


@cache
def _month_names(locale: str, width: str) -> dict[int, str]:
    return dict(get_month_names(width, "format", locale))


def _locale() -> str:
    return str(get_locale() or "nl")


def date_long(value: date | datetime | None) -> str:
    """ "3 december 2026"; a moment by its Dutch local date."""
    if value is None:
        return ""
    day = _local_date(value)
    return f"{day.day} {_month_names(_locale(), 'wide')[day.month]} {day.year:04d}"


def date_short(value: date | datetime | None) -> str:
    """ "03-12-2026"; a moment by its Dutch local date."""
    return "" if value is None else _ymd(_local_date(value))


def datetime_short(value: datetime | None) -> str:
    """ "03-12-2026 14:05" in Dutch local time."""
    if value is None:
        return ""
    moment = _wall_clock(value)
    return f"{_ymd(moment)} {moment.hour:02d}:{moment.minute:02d}"


def time_short(value: datetime | None) -> str:
    """ "14:05" in Dutch local time."""
    if value is None:
        return ""
    moment = _wall_clock(value)
    return f"{moment.hour:02d}:{moment.minute:02d}"


def month_long(value: date | None) -> str:
    """ "december 2026": a month of a chart or a report."""
    if value is None:
        return ""
    return f"{_month_names(_locale(), 'wide')[value.month]} {value.year:04d}"


def month_short(value: date | None) -> str:
    """ "dec. 26": a chart's axis."""
    if value is None:
        return ""
    return f"{_month_names(_locale(), 'abbreviated')[value.month]} {value.year % 100:02d}"


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
            return f"{_one_decimal(round(value, 1))} {unit}"
    raise AssertionError("unreachable")


def _one_decimal(value: float) -> str:
    """Babel's '#,##0.#' of a number already rounded to one decimal: under 1,000 no group
    separator is needed, so it is the digits with the language's decimal sign (and none for a
    whole number)."""
    if value >= 1000:
        return format_decimal(value, format="#,##0.#")
    whole, _dot, tenth = repr(value).partition(".")
    return whole if tenth in ("", "0") else f"{whole}{_decimal_sign(_locale())}{tenth}"


@cache
def _decimal_sign(locale: str) -> str:
    return get_decimal_symbol(locale)


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
