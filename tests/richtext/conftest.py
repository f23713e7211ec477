from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.one_database("rich text is pure functions"))


@pytest.fixture(autouse=True)
def _isolated():
    """Rich text is pure functions (and templates rendered without a database): nothing is
    written, so there is no transaction to roll back, and most of these tests never need the
    app at all."""
    yield
