"""The real clamd for the tests of this folder that scan (tests/web/test_two_servers.py)."""

from tests.clamd import clamd  # noqa: F401 - a fixture, found by pytest
