"""One date style, sizes and counts in the reader's language (neig_workspace/formatting.py)."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from neig_workspace.formatting import (
    date_long,
    date_short,
    datetime_short,
    file_size,
    iso_utc,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
pytestmark = pytest.mark.one_database("pure formatting and a look at the templates")


def test_no_template_formats_a_date_by_hand():
    """Every date goes through the filters: no strftime, isoformat or Babel pattern of its own."""
    ad_hoc = re.compile(r"strftime|isoformat|\|datetimeformat|\|dateformat|\|filesizeformat")
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in [*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ad_hoc.search(line)
    ]
    assert not found, found


def test_dates_in_dutch_local_time(app):
    winter, summer = datetime(2026, 12, 3, 13, 5), datetime(2026, 6, 30, 22, 30)
    with app.test_request_context(), force_locale("nl"):
        assert date_long(date(2026, 12, 3)) == "3 december 2026"
        assert date_short(date(2026, 12, 3)) == "03-12-2026"
        assert datetime_short(winter) == "03-12-2026 14:05"
        # 22:30 UTC in summer is already the next day in Amsterdam
        assert datetime_short(summer) == "01-07-2026 00:30"
        assert date_long(summer) == "1 juli 2026"
        assert iso_utc(winter) == "2026-12-03T13:05:00Z"
        assert iso_utc(date(2026, 12, 3)) == "2026-12-03"
    with app.test_request_context(), force_locale("en"):
        assert date_long(date(2026, 12, 3)) == "3 December 2026"


def test_sizes_and_counts_in_the_readers_language(app):
    with app.test_request_context(), force_locale("nl"):
        assert file_size(36_700) == "36,7 kB"
        assert file_size(2_000_000) == "2 MB"
        assert file_size(1) == "1 byte"
        assert file_size(512) == "512 bytes"
    with app.test_request_context(), force_locale("en"):
        assert file_size(36_700) == "36.7 kB"


# The filters write the numeric patterns out and take the month names and the decimal sign from
# Babel once per language; Babel's own formatting of the same patterns must read the same.
MOMENTS = [
    datetime(2026, 3, 29, 0, 59),  # the hour before summer time
    datetime(2026, 3, 29, 1, 0),  # summer time from 02:00 (CET) to 03:00 (CEST)
    datetime(2026, 10, 25, 0, 59),
    datetime(2026, 10, 25, 1, 0),  # back to winter time
    datetime(2026, 12, 31, 23, 30),  # already next year in Amsterdam
    datetime(1999, 1, 1, 0, 0),
    datetime(2031, 7, 4, 9, 5, 59, 999_999),
    *(datetime(2027, month, 1 + month, month, 4 * month) for month in range(1, 13)),
]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_filters_read_as_babels_own_patterns(app, locale):
    from flask_babel import format_date, format_datetime, format_decimal

    from neig_workspace.formatting import (
        LONG_DATE,
        SHORT_DATE,
        SHORT_DATETIME,
        month_long,
        month_short,
        time_short,
    )
    from neig_workspace.timeutil import local

    with app.test_request_context(), force_locale(locale):
        for moment in MOMENTS:
            day = local(moment).date()
            assert datetime_short(moment) == format_datetime(moment, SHORT_DATETIME), moment
            assert time_short(moment) == format_datetime(moment, "HH:mm"), moment
            assert date_short(moment) == format_date(day, SHORT_DATE), moment
            assert date_long(moment) == format_date(day, LONG_DATE), moment
            assert date_long(day) == format_date(day, LONG_DATE), moment
            assert month_long(day) == format_date(day, "MMMM yyyy"), moment
            assert month_short(day) == format_date(day, "MMM yy"), moment
        sizes = [1000, 1049, 1050, 1051, 36_700, 99_950, 999_940, 999_950, 1_000_000, 12_345_678]
        sizes += [10**12 * 999, 10**12 * 1234, 10**15 * 5]
        for size in sizes:
            value = float(size)
            for unit in ("kB", "MB", "GB", "TB"):
                value /= 1000
                if value < 1000 or unit == "TB":
                    break
            expected = f"{format_decimal(round(value, 1), format='#,##0.#')} {unit}"
            assert file_size(size) == expected, size
