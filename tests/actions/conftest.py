import pytest

from tests.actions.helpers import world as make_world
from tests.helpers import login_as


@pytest.fixture
def world(app, personas):
    """The standard plan of tests/actions/helpers.py (the network reads the space)."""
    return make_world(app, personas)


@pytest.fixture
def client_for(app, personas):
    """A logged-in test client per persona key."""

    def make(key: str):
        return login_as(app, app.test_client(), personas[key])

    return make
