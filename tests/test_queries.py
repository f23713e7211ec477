"""The LIKE pattern every search and list filter uses."""

import pytest
from sqlalchemy import literal, select

from neig_workspace.extensions import db
from neig_workspace.queries import LIKE_ESCAPE, escape_like, like_pattern


def test_wildcards_and_the_escape_character_are_escaped():
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
    assert like_pattern("plain") == "%plain%"


@pytest.mark.parametrize(
    ("value", "typed", "found"),
    [
        ("korting 50% op", "50%", True),
        ("korting 50 op", "50%", False),  # % is no wildcard
        ("a_b", "a_b", True),
        ("axb", "a_b", False),  # nor is _
        ("c:\\map", "c:\\m", True),
        ("c:map", "c:\\m", False),
    ],
)
def test_the_database_finds_only_what_was_typed(app, value, typed, found):
    with app.app_context():
        query = select(literal(value).like(like_pattern(typed), escape=LIKE_ESCAPE))
        assert db.session.scalar(query) is found
