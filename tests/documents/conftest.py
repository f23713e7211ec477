"""Fixtures for the document tests: the real clamd of tests/clamd.py (session-scoped)."""

from tests.clamd import clamd  # noqa: F401 - a fixture, found by pytest through this import
