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
