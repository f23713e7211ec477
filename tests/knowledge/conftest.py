import pytest

from tests.helpers import login_as
from tests.knowledge.helpers import world as make_world


@pytest.fixture
def world(app, personas):
    """A knowledge space A writes in, the police reads and the secretariat manages, with one
    article by A."""
    return make_world(app, personas)


@pytest.fixture
def client_for(app, personas):
    """A logged-in test client per persona key."""

    def make(key: str):
        return login_as(app, app.test_client(), personas[key])

    return make
