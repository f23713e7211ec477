"""The results page counts the other kinds on a connection of its own while it finds the listed
kind (database.one_row_meanwhile), as production runs it: with PostgreSQL's engine and
committed rows. Every other test reads the counts in its own rolled-back transaction, which a
second connection could not see."""

import io
import threading

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from neig_workspace import database
from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from tests.actions.helpers import make_item, make_plan, plan_space
from tests.helpers import login_as

pytestmark = pytest.mark.postgresql_only("the counts use a second connection with PostgreSQL only")


def _plant(personas, word: str) -> None:
    """A document in a space the network may read and an action item, each holding `word`."""
    space = spaces.create_space(SpaceKind.SHARED, "Tegelijk", actor=None)
    spaces.add_grant(space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
    author = db.session.get(User, personas.member_a.id)
    upload = documents.Upload(io.BytesIO(b"inhoud\n"), "t.txt")
    documents.upload_document(space, upload, actor=author, description=word)
    plan = make_plan(plan_space(personas), actor=db.session.get(User, personas.secretariat.id))
    make_item(plan, personas, "T-01", description=word)
    db.session.commit()


@pytest.mark.commits("a second connection sees only what was committed")
def test_the_other_kinds_are_counted_meanwhile_and_a_failure_there_answers_503(
    app, personas, monkeypatch
):
    with app.app_context():
        _plant(personas, "tegelijkwoord")
        engine = db.engine
    counted_in = []

    def note_thread(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT (SELECT count(*)"):  # search.query.kind_counts
            counted_in.append(threading.get_ident())

    client = login_as(app, app.test_client(), personas.member_a, mfa_verified=True)
    event.listen(engine, "before_cursor_execute", note_thread)
    try:
        page = client.get("/zoeken?q=tegelijkwoord").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", note_thread)
    assert 'data-hit="documenten-' in page
    assert "Actiepunten</a> (1)" in page
    assert counted_in and threading.get_ident() not in counted_in

    def lost(*_args):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(database, "_one_row", lost)
    response = client.get("/zoeken?q=tegelijkwoord")
    assert response.status_code == 503
    assert "Retry-After" in response.headers
