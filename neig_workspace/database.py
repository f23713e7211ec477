"""The database connection: timeouts so that an outage answers within seconds instead of hanging
a worker, SQLite as a real embedded database, and what counts as an outage.

- PostgreSQL: a connect timeout, a statement and a lock timeout set on every connection, and a
  deadline on the client's side for a server that stops answering altogether (a hung host, a
  network that swallows packets), where the server's own timeouts never fire. JIT compilation
  is off unless DATABASE_JIT: the app's queries are short, and compiling a plan whose estimated
  cost passes jit_above_cost (a search counting thousands of hits) took ~100 ms, more than
  running it. The pages do not rely on it: at national scale none of their statements is costed
  above the default jit_above_cost (`python -m bench.profile_pages --plans`), and `make
  bench-scale` measures them with the server's JIT on.
- SQLite: WAL (concurrent readers), a busy timeout, and `BEGIN IMMEDIATE` for the app's units of
  work, so two requests never both read and then both try to write: in WAL mode the second
  would fail at once with "database is locked", whatever the busy timeout.
"""

import contextvars
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import click
import psycopg
from flask import has_request_context
from psycopg.errors import _WaitTimeout  # psycopg's own signal that `wait(timeout=)` expired
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, make_url

#: Seconds the client waits beyond the server's statement timeout before it gives up on it.
CLIENT_GRACE_SECONDS = 1.0

#: psycopg parses a statement's text once (its placeholders) and keeps the result for the next
#: execution, but only for a text up to 4 kB (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH). The
#: ORM's statements of the lists, the search and the notification centre are longer (the access
#: filters, the columns of several tables) and were parsed again on every execution, a third
#: of a millisecond each; they are the same text every time. psycopg keeps 128 of them at most.
KEPT_STATEMENT_LENGTH = 64 * 1024

_reading_only = contextvars.ContextVar("neig_reading_only", default=False)


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the timeouts of the configuration added."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    connect_args = dict(options.get("connect_args") or {})
    backend = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend == "postgresql":
        connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT"])
        settings = (
            f"-c statement_timeout={config['DATABASE_STATEMENT_TIMEOUT_MS']}"
            f" -c lock_timeout={config['DATABASE_LOCK_TIMEOUT_MS']}"
            f"{'' if config.get('DATABASE_JIT') else ' -c jit=off'}"
            # psycopg prepares a statement run five times on a connection (and forgets it at
            # the next rollback: a job that commits, or a request that runs one statement many
            # times, gets there); PostgreSQL would then switch to a plan made without the
            # parameters' values once it guessed that plan no dearer. For the access filters'
            # arrays of space ids and the search's words that guess is wrong: counting search
            # hits took 220 ms instead of 16.
            " -c plan_cache_mode=force_custom_plan"
        )
        connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), settings]))
    elif backend == "sqlite":
        # How long a unit of work waits for its turn to write (sqlite3_busy_timeout).
        connect_args.setdefault("timeout", config["DATABASE_LOCK_TIMEOUT_MS"] / 1000)
    options["connect_args"] = connect_args
    return options


def watch_engine(engine: Engine, config) -> None:
    """Give PostgreSQL connections a client-side deadline of the statement timeout plus a grace,
    and let psycopg keep the parsing of the app's long statements."""
    statement_ms = config["DATABASE_STATEMENT_TIMEOUT_MS"]
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    keep_long_statements()
    deadline = statement_ms / 1000 + CLIENT_GRACE_SECONDS if statement_ms else None

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.deadline = deadline
        return connection


def keep_long_statements() -> None:
    """Raise psycopg's length limit for the statements whose parsing it keeps (see
    KEPT_STATEMENT_LENGTH); tests/test_db_types.py fails when psycopg no longer has it."""
    queries = psycopg._queries  # noqa: SLF001 - the limit has no public setting
    limit = queries.MAX_CACHED_STATEMENT_LENGTH
    queries.MAX_CACHED_STATEMENT_LENGTH = max(limit, KEPT_STATEMENT_LENGTH)


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that stops waiting for a server that does not answer."""

    #: Seconds one round trip may take; None waits for ever (psycopg's own behaviour).
    deadline: float | None = None

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is not None or self.deadline is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.deadline)
        except _WaitTimeout as error:
            # Halfway through a round trip the connection's state is unknown: never reuse it.
            # A closed connection makes SQLAlchemy invalidate it and the pool drop it.
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.deadline:g} seconds"
            ) from error


@contextmanager
def without_timeouts(connection):
    """For long work that is no request (migrations): no statement or lock timeout, no deadline,
    for this transaction on this connection."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    raw = connection.connection.dbapi_connection
    saved = getattr(raw, "deadline", None)
    if saved is not None:
        raw.deadline = None
    try:
        yield
    finally:
        if saved is not None:
            raw.deadline = saved


@contextmanager
def reading_only():
    """A unit of work that only reads (verifying the audit chain, comparing a restore): on SQLite
    its transaction begins deferred, so it does not hold up writers while it reads."""
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def one_row_meanwhile(session, statement, params: dict) -> Callable[[], tuple]:
    """The one row of a SELECT that only reads, read on a connection of its own in a thread
    while the request goes on: a function that waits for it (and raises what the SELECT
    raised). With the app's PostgreSQL engine the row comes from another transaction; else
    it is read now, in `session`'s transaction (SQLite has one writer and little to gain, and
    a test's rolled-back transaction is seen through its own connection only). For a figure
    beside what the request acts on, never for what it acts on."""
    bind = session.get_bind()
    if not (isinstance(bind, Engine) and bind.dialect.name == "postgresql"):
        row = tuple(session.connection().execute(statement, params).one())
        return lambda: row
    return _readers().submit(_one_row, bind, statement, params).result


def _one_row(engine: Engine, statement, params: dict) -> tuple:
    with engine.connect() as connection:
        return tuple(connection.execute(statement, params).one())


_READERS: dict[int, ThreadPoolExecutor] = {}
_READERS_MADE = threading.Lock()


def _readers() -> ThreadPoolExecutor:
    """This process's threads for one_row_meanwhile, made in the process that uses them
    (gunicorn forks its workers, and threads do not survive a fork), once (a threaded server
    asks from several requests at a time)."""
    pid = os.getpid()
    with _READERS_MADE:
        if pid not in _READERS:
            _READERS.clear()
            _READERS[pid] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="meanwhile")
        return _READERS[pid]


def is_outage(error: BaseException) -> bool:
    """The database cannot serve now (down, hung, timed out, locked), as opposed to a bug."""
    if isinstance(error, exc.OperationalError | exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, WAL for concurrent readers; pysqlite's own transaction handling off;
    the function the audit log's append-only trigger asks (migration 0016)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    from .audit.service import REDACTION_FLAG, RETENTION_FLAG

    # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs and transactional DDL behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # Only audit.service.prune sets the flag; a connection without this function (the sqlite3
    # shell) cannot delete audit rows at all.
    info = connection_record.info if connection_record is not None else {}
    dbapi_connection.create_function(
        "neig_audit_retention", 0, lambda: 1 if info.get(RETENTION_FLAG) else 0
    )
    # Only audit.service.redact (the erasure of an account) sets this one (migration 0022).
    dbapi_connection.create_function(
        "neig_audit_redaction", 0, lambda: 1 if info.get(REDACTION_FLAG) else 0
    )


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """A request or a command takes SQLite's write lock when its transaction begins (waiting up
    to the busy timeout for its turn), so a write after a read never finds its snapshot stale.
    Other connections (a test's look from outside, `reading_only()`) begin deferred and read
    beside the writer. A SAVEPOINT inside a transaction is no begin and never gets here."""
    if conn.dialect.name != "sqlite":
        return
    immediate = (has_request_context() or _in_command()) and not _reading_only.get()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _in_command() -> bool:
    """A `flask …` command, except the interactive shell: a transaction left open at its prompt
    would hold the write lock, and every request would wait for it."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "shell"
