"""One transaction per test, rolled back (SQLAlchemy 2's "joining a session into an external
transaction", on SQLite and PostgreSQL alike).

Every session the app opens (one per app context, so one per request of the test client) joins a
single test connection with a SAVEPOINT of its own (`join_transaction_mode="create_savepoint"`):
`db.session.commit()` in a view releases that savepoint, and the test's outer transaction is
rolled back at the end. What the migrations seeded (the legal bases) survives every test, and
nothing needs deleting afterwards.

The levels nest: a module may plant its objects once (`TestDatabase.rolled_back()` in a
module-scoped fixture) and each of its tests then runs in a savepoint inside that, rolled back
per test. Tests marked `commits` opt out: they see the real engine (threads, a live server, a
second process), and `clean_committed()` empties the tables afterwards while restoring the rows
the migrations seeded.
"""

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert, select, text

from neig_workspace.extensions import db


class TestDatabase:
    """The app's database seen through one connection while a test transaction is open."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.engine = db.engine
            # What the migrations put in, restored by the cleanup of committing tests.
            self.seeded = {
                table: [row._mapping for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables
            }
            self.seeded = {table: rows for table, rows in self.seeded.items() if rows}
        db.session.session_factory.configure(join_transaction_mode="create_savepoint")
        self.connection = None
        #: The personas, while a module has them planted (conftest: module_personas).
        self.personas = None

    @property
    def active(self) -> bool:
        return self.connection is not None

    def vacuum(self) -> None:
        """Clear the dead rows that every rolled-back test leaves, and refresh the planner's
        statistics (PostgreSQL; autovacuum may be off on a test server, and then a run's
        thousands of dead rows make a query that scans a small table per row slow). On a
        connection of its own: VACUUM cannot run inside the test's transaction."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
            own.exec_driver_sql("VACUUM ANALYZE")

    @contextmanager
    def rolled_back(self):
        """Run the block in a transaction that is rolled back: the outermost level opens the
        test connection and hands it to every session of the app; inner levels are savepoints.
        The blob files written inside the block are removed with it."""
        blobs = BlobFiles(self.app.config["BLOB_ROOT"])  # files go with the rows
        try:
            with self._transaction() as connection:
                yield connection
        finally:
            blobs.remove_new()

    @contextmanager
    def _transaction(self):
        if self.connection is not None:
            savepoint = self.connection.begin_nested()
            try:
                yield self.connection
            finally:
                if savepoint.is_active:
                    savepoint.rollback()
            return
        connection = self.engine.connect()
        transaction = connection.begin()
        engines = db._app_engines[self.app]
        engines[None] = connection  # Flask-SQLAlchemy's get_bind returns it to every session
        self.connection = connection
        try:
            yield connection
        finally:
            engines[None] = self.engine
            self.connection = None
            transaction.rollback()
            connection.close()

    @contextmanager
    def shared_with(self, other_app):
        """Another app on the same database (production settings, a small upload limit) joins
        the test's transaction: its sessions see what the test planted."""
        engines = db._app_engines[other_app]
        own = engines[None]
        if self.connection is not None:
            engines[None] = self.connection
        try:
            yield other_app
        finally:
            engines[None] = own

    def clean_committed(self) -> None:
        """After a test that really committed: empty every table, then put back what the
        migrations seeded (a plain DELETE of everything lost the legal bases of migration 0009)."""
        from neig_workspace.audit.service import retention_gate

        with self.app.app_context():
            with retention_gate():  # audit rows too, past the append-only trigger
                for table in reversed(db.metadata.sorted_tables):
                    db.session.execute(table.delete())
                for table, rows in self.seeded.items():
                    db.session.execute(insert(table), [dict(row) for row in rows])
                if db.engine.dialect.name == "postgresql":
                    _rewind_sequences(self.seeded)
            db.session.commit()


def _rewind_sequences(seeded) -> None:
    """Sequences the seeded rows used stay past them; the others start again at 1."""
    used = db.session.execute(
        text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
    ).scalars()
    for sequence in used:
        table = sequence.removesuffix("_id_seq")
        top = max(
            (row["id"] for t, rows in seeded.items() if t.name == table for row in rows), default=0
        )
        db.session.execute(
            text("SELECT setval(:sequence, :value, :called)"),
            {"sequence": sequence, "value": max(top, 1), "called": top > 0},
        )


class BlobFiles:
    """The files a test added under BLOB_ROOT, removed after it (planted ones stay)."""

    def __init__(self, root: str):
        self.root = Path(root)
        self.before = self._files()

    def _files(self) -> set[Path]:
        if not self.root.exists():
            return set()
        return {path for path in self.root.rglob("*") if path.is_file()}

    def remove_new(self) -> None:
        for path in self._files() - self.before:
            path.unlink(missing_ok=True)
