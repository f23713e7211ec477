"""The tail of the audit chain (issue 15, finding 8): signed checkpoints outside the database show
removed newest events and forged checkpoint lines; the database refuses UPDATE and DELETE of
audit rows; only the audited retention removes old events, and the chain still verifies."""

import socket
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from neig_workspace.accounts.models import User
from neig_workspace.audit import checkpoint
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from tests.audit.tampering import as_table_owner
from tests.audit.test_audit import event_ids, produce_events
from tests.conftest import db_ctx


@pytest.fixture
def checkpoint_file(app, tmp_path, monkeypatch):
    """A checkpoint file of the test's own (the suite's is shared by rolled-back tests)."""
    path = tmp_path / "audit-checkpoints.log"
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_FILE", str(path))
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["neig", *args])


def lines_of(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def events(app, persona, n: int) -> None:
    """n events, each committed on its own (as n requests would)."""
    for i in range(n):
        with db_ctx(app) as session:
            audit.record("test.event", actor=session.get(User, persona.id), details={"i": i})
            session.commit()


def remove_newest(app, n: int) -> list[int]:
    gone = event_ids(app)[-n:]
    with db_ctx(app) as session:
        with as_table_owner(session):
            session.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": gone[0]})
        session.commit()
    return gone


def test_verify_reports_the_newest_events_removed(app, personas, checkpoint_file):
    produce_events(app, personas)
    written = run(app, "audit", "checkpoint")
    assert written.exit_code == 0, written.output
    [line] = lines_of(checkpoint_file)
    assert f"head={event_ids(app)[-1]} " in line
    assert run(app, "audit", "verify").exit_code == 0

    gone = remove_newest(app, 2)

    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "Audit chain intact" in result.output  # what is left is a valid chain...
    assert f"event {gone[-1]}, checkpointed at" in result.output  # ...but shorter than signed
    assert "chain CUT" in result.output


def test_a_tail_removed_and_checkpointed_again_still_shows(app, personas, checkpoint_file):
    """Cutting the tail, adding new events and waiting for the next checkpoint hides nothing:
    every checkpoint line is checked, not only the newest."""
    produce_events(app, personas)
    assert run(app, "audit", "checkpoint").exit_code == 0
    remove_newest(app, 3)
    events(app, personas.member_a, 4)
    assert run(app, "audit", "checkpoint").exit_code == 0
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "chain CUT" in result.output or "chain CHANGED" in result.output


def test_removing_the_oldest_events_shows_too(app, personas, checkpoint_file):
    produce_events(app, personas)
    assert run(app, "audit", "checkpoint").exit_code == 0
    first = event_ids(app)[0]
    with db_ctx(app) as session:
        with as_table_owner(session):
            session.execute(text("DELETE FROM audit_events WHERE id <= :id"), {"id": first + 1})
        session.commit()
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "chain CUT at its start" in result.output


def test_a_forged_checkpoint_line_is_reported(app, personas, checkpoint_file):
    produce_events(app, personas)
    assert run(app, "audit", "checkpoint").exit_code == 0
    [line] = lines_of(checkpoint_file)
    # Someone who can write the file but not sign: claim a shorter chain, keep the old mac.
    head = event_ids(app)[-1]
    forged = line.replace(f"head={head} ", f"head={head - 1} ")
    with checkpoint_file.open("a") as handle:
        handle.write(forged + "\n")
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "checkpoint line 2" in result.output and "FORGED" in result.output


def test_a_line_signed_with_another_key_is_forged(app, personas, checkpoint_file, monkeypatch):
    produce_events(app, personas)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_KEY", "a-key-the-attacker-chose-himself")
    assert run(app, "audit", "checkpoint").exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_KEY", "")
    result = run(app, "audit", "verify")
    assert result.exit_code == 1 and "FORGED" in result.output


def test_a_checkpoint_is_written_every_n_events(app, personas, checkpoint_file, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", 5)
    start = (event_ids(app) or [0])[-1]
    events(app, personas.member_a, 12)
    new = [start] + [i for i in event_ids(app) if i > start]
    # Ids may skip numbers (PostgreSQL's sequence): a checkpoint follows each multiple passed.
    crossings = [i for previous, i in zip(new, new[1:], strict=False) if i // 5 > previous // 5]
    lines = lines_of(checkpoint_file)
    assert len(lines) == len(crossings) >= 2
    with app.app_context():
        found, problems = checkpoint.read(checkpoint_file)
    assert problems == []
    assert [c.head for c in found] == crossings
    assert run(app, "audit", "verify").exit_code == 0


def test_a_rolled_back_event_is_never_checkpointed(app, personas, checkpoint_file, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", 1)
    with db_ctx(app) as session:
        audit.record("test.event", actor=session.get(User, personas.member_a.id))
        session.rollback()
    assert lines_of(checkpoint_file) == []
    events(app, personas.member_a, 1)
    assert len(lines_of(checkpoint_file)) == 1


def test_checkpoints_go_to_syslog(app, personas, checkpoint_file, monkeypatch):
    """Syslog over UDP to a socket the test listens on: no syslog daemon needed."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    host, port = receiver.getsockname()
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_SYSLOG", f"{host}:{port}")
    produce_events(app, personas)
    try:
        assert run(app, "audit", "checkpoint").exit_code == 0
        message = receiver.recv(4096).decode()
    finally:
        receiver.close()
    [line] = lines_of(checkpoint_file)
    assert "neig-audit: " in message and message.rstrip("\x00").endswith(line)


def test_a_checkpoint_that_cannot_be_written_fails_the_command(
    app, personas, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_FILE", str(tmp_path))  # a folder
    produce_events(app, personas)
    result = run(app, "audit", "checkpoint")
    assert result.exit_code == 1 and "NOT written" in result.output


# --- the database ---------------------------------------------------------------------------------


def test_the_database_refuses_update_and_delete_of_audit_rows(app, personas, test_db):
    produce_events(app, personas)
    first = event_ids(app)[0]
    statements = [
        "UPDATE audit_events SET action = 'auth.nothing' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ]
    if test_db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    for statement in statements:
        with db_ctx(app) as session:
            savepoint = session.begin_nested()  # a refused statement aborts the transaction
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(statement), {"id": first})
            savepoint.rollback()
    assert event_ids(app)[0] == first
    assert run(app, "audit", "verify").exit_code == 0


def test_retention_removes_old_events_past_the_trigger_audited_and_checkpointed(
    app, personas, checkpoint_file, monkeypatch
):
    with monkeypatch.context() as patched:
        patched.setattr(audit, "utcnow", lambda: datetime(2015, 6, 1, 12, 0))
        events(app, personas.member_a, 3)
    old = event_ids(app)
    events(app, personas.member_b, 2)
    assert run(app, "audit", "checkpoint").exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_YEARS", 5)

    dry = run(app, "retention", "--dry-run")
    assert f"{len(old)} audit event(s) older than 5 years would go" in dry.output
    result = run(app, "retention")
    assert result.exit_code == 0, result.output
    assert f"Removed {len(old)} audit event(s)" in result.output

    left = event_ids(app)
    assert not set(old) & set(left)
    with db_ctx(app) as session:
        pruned = session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.pruned"))
        assert pruned.details["events"] == len(old) and pruned.details["through"] == old[-1]
    with app.app_context():
        found, problems = checkpoint.read(checkpoint_file)
    assert problems == [] and found[-1].first == left[0] and found[-1].head == left[-1]
    result = run(app, "audit", "verify")
    assert result.exit_code == 0, result.output


def test_retention_keeps_the_audit_log_unless_configured(app, personas, checkpoint_file):
    produce_events(app, personas)
    before = event_ids(app)
    assert app.config["AUDIT_RETENTION_YEARS"] == 0
    result = run(app, "retention")
    assert result.exit_code == 0, result.output
    assert event_ids(app)[: len(before)] == before
    assert "audit event" not in result.output
