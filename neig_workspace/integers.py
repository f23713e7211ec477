"""Whole numbers from URLs, query strings and forms: within range, or refused, never a 500.

Every id and number column is an INTEGER: 32 bits on PostgreSQL, where a larger value makes the
query fail ("integer out of range"); past 64 bits SQLite fails too. A number from a request is
therefore checked against that range before any query sees it:
- in a URL, `<int:…>` is `IdConverter`: a value out of range matches no route (404);
- in a query string or form read by hand, `query_int` / `form_int`: a bad request (400);
- in a WTForms field, `coerce_int` (raises, so the field is invalid: 422) or `int_or_none`
  (a choice that may be empty: a bad value counts as none).
"""

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column on PostgreSQL.
MAX_INT = 2**31 - 1
#: An optional minus and at most ten ASCII digits: no "+", "_", spaces or other scripts' digits.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,10}")


def parse_int(value, *, minimum: int = -MAX_INT, maximum: int = MAX_INT) -> int | None:
    """`value` as a whole number within the bounds, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, int):
        text = value.strip() if isinstance(value, str) else ""
        if not _WHOLE_NUMBER.fullmatch(text):
            return None
        value = int(text)
    return value if minimum <= value <= maximum else None


def _from(source, name: str, default, minimum: int, maximum: int):
    raw = source.get(name)
    if raw is None or not raw.strip():
        return default
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    if value is None:
        abort(400)
    return value


def query_int(name: str, default=None, *, minimum: int = 0, maximum: int = MAX_INT):
    """A whole number from the query string; absent or empty gives `default`, anything else
    that is not a number within the bounds is a bad request (400)."""
    return _from(request.args, name, default, minimum, maximum)


def form_int(name: str, default=None, *, minimum: int = 0, maximum: int = MAX_INT):
    """A whole number from the posted form, as `query_int`."""
    return _from(request.form, name, default, minimum, maximum)


def coerce_int(value) -> int:
    """WTForms `coerce` for a required number or id: a bad value makes the field invalid."""
    number = parse_int(value)
    if number is None:
        raise ValueError(value)
    return number


def int_or_none(value) -> int | None:
    """WTForms `coerce` for a choice that may be empty: a bad value counts as none (a filter
    ignores it; a service names what is missing)."""
    return parse_int(value)


def digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0 to `limit`: shorter numbers, then per
    digit a lower one followed by any digits, then `limit` itself."""
    digits = str(limit)
    parts = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            parts.append(f"{digits[:i]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every URL: 0 to MAX_INT, else no route matches (404). The range is in the
    regular expression, not only in `to_python`: Werkzeug checks the method before it converts,
    so a POST to a GET page's URL with an id out of range would otherwise answer 405."""

    regex = digits_up_to(MAX_INT)

    def __init__(self, url_map, fixed_digits=0, min=0, max=MAX_INT, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
