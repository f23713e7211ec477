import pytest


@pytest.fixture(autouse=True)
def _clean_database():
    """Rich text is pure functions (and templates rendered without a database): nothing is
    written, so nothing is cleaned, and most of these tests never need the app at all."""
    yield
