import pytest

from neig_workspace.extensions import db
from tests.subject_rights import world as subject_world


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """The subject and the other person with their records (world.py), planted once for the
    module; each test rolls back to them."""
    with test_db.rolled_back():
        with app.app_context():
            planted = subject_world.plant(module_personas)
            db.session.commit()
        yield planted
