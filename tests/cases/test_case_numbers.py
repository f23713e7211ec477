"""Case references are numbered per year (NEIG-2026-0001): two cases opened at the same moment
get consecutive numbers, never the same one and never a failure on the unique key."""

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import select, text

from neig_workspace.cases import service
from neig_workspace.cases.models import Case, ExplosiveType, TargetType
from neig_workspace.extensions import db
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import basis_id, org, user


def _create_case(personas):
    return service.create_case(
        actor=user(personas.member_a),
        municipality=org(personas.orgs["gemeente_a"]),
        occurred_at=datetime(2025, 3, 14, 2, 30),
        target_type=TargetType.WONING,
        explosive_type=ExplosiveType.ZWAAR_VUURWERK,
        legal_basis_id=basis_id(),
        purpose="Aanpak",
    )


def _wait_until_a_transaction_waits_for_a_lock(app, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with app.app_context():
            waiting = db.session.scalar(query)
            db.session.rollback()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


@pytest.mark.commits("two transactions at once, each in a thread on its own connection")
def test_two_cases_opened_at_once_get_consecutive_numbers(app, personas, test_db):
    """The first case is written but not committed when the second is opened; the second must
    wait for it (not take the same number) and then take the next one. The order is forced:
    the first commits only once the second is seen waiting for a lock."""
    if test_db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite lets one writer in at a time: the second transaction cannot even start to "
            "write while the first is open"
        )
    first_written, first_may_commit = threading.Event(), threading.Event()
    failures = []

    def open_first():
        with app.app_context():
            _create_case(personas)
            first_written.set()
            first_may_commit.wait(30)
            db.session.commit()

    def open_second():
        with app.app_context():
            try:
                _create_case(personas)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)

    first = threading.Thread(target=open_first)
    first.start()
    assert first_written.wait(30)
    second = threading.Thread(target=open_second)
    second.start()
    try:
        _wait_until_a_transaction_waits_for_a_lock(app)
    finally:
        first_may_commit.set()
        first.join(30)
        second.join(30)
    assert failures == []
    with app.app_context():
        cases = db.session.execute(select(Case.number, Case.reference).order_by(Case.id)).all()
    year = utcnow().year
    assert cases == [(1, f"NEIG-{year}-0001"), (2, f"NEIG-{year}-0002")]
