"""SQLite as a real embedded database (issue 16): a handful of people writing at once get no
"database is locked", and every audit event of theirs is there, in an intact chain.

In WAL mode a transaction that began by reading and then writes fails at once with "database is
locked" when another one wrote in between, whatever the busy timeout: the app's units of work
therefore take the write lock when they begin (`BEGIN IMMEDIATE`, neig_workspace/database.py).
"""

import threading

import pytest
from sqlalchemy import func, select

from neig_workspace import create_app
from neig_workspace.audit.models import AuditEvent
from neig_workspace.audit.service import verify_chain
from neig_workspace.extensions import db
from tests.personas import PASSWORD, create_personas

#: Personas that log in with a password alone and raise no alert of their own.
WRITERS = ("member_a", "org_admin_a", "member_b", "org_admin_b", "police", "om", "housing")
ROUNDS = 3


@pytest.mark.one_database("a SQLite file of its own, whatever the run's database")
def test_people_logging_in_and_out_at_once_on_sqlite_all_succeed_and_are_all_audited(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'neig.sqlite3'}",
        BLOB_ROOT=str(tmp_path / "blobs"),
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        WTF_CSRF_ENABLED=False,
        RATELIMIT_LOGIN_PER_IP="1000 per minute",
    )
    with app.app_context():
        db.create_all()
        personas = create_personas()
    start = threading.Barrier(len(WRITERS))
    answers = []

    def log_in_and_out(persona):
        client = app.test_client()
        start.wait()
        for _ in range(ROUNDS):
            form = {"email": persona.email, "password": PASSWORD}
            answers.append(client.post("/inloggen", data=form).status_code)
            answers.append(client.post("/uitloggen").status_code)

    threads = [threading.Thread(target=log_in_and_out, args=(personas[k],)) for k in WRITERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert answers == [302] * (2 * ROUNDS * len(WRITERS))  # no 500, no 503
        with app.app_context():
            audited = db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action.in_(("auth.login", "auth.logout"))
                )
            )
            assert audited == 2 * ROUNDS * len(WRITERS)
            assert verify_chain().ok
    finally:
        with app.app_context():
            db.engine.dispose()
