"""What someone with the database owner's rights can do to the audit log: switch its
append-only trigger off and change or remove rows. DDL is transactional on both databases, so
the test's rollback undoes it even when a test fails halfway."""

import importlib.util
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

_VERSIONS = Path(__file__).resolve().parents[2] / "migrations/versions"
#: the migration that made the DELETE trigger, and the one that last made the UPDATE trigger
_MIGRATION = _VERSIONS / "0016_audit_append_only.py"
_UPDATE_MIGRATION = _VERSIONS / "0022_privacy_rights.py"


def _migration(path=_MIGRATION):
    spec = importlib.util.spec_from_file_location(path.stem, path)
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
        session.execute(text(_migration(_UPDATE_MIGRATION).SQLITE_UPDATE_TRIGGER))
        session.execute(text(_migration().SQLITE_DELETE_TRIGGER))
