"""What someone with the database owner's rights can do to the audit log: switch its
append-only trigger off and change or remove rows. DDL is transactional on both databases, so
the test's rollback undoes it even when a test fails halfway."""

import importlib.util
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

_MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0016_audit_append_only.py"


def _migration():
    spec = importlib.util.spec_from_file_location("audit_append_only", _MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def as_table_owner(session):
    """Run the block with the trigger off, in the session's transaction; on again after."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))
    yield
    if postgresql:
        session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    else:
        migration = _migration()
        session.execute(text(migration.SQLITE_UPDATE_TRIGGER))
        session.execute(text(migration.SQLITE_DELETE_TRIGGER))
