"""Test set-up: an app per run on SQLite or PostgreSQL (`--db`), a clean database per test,
personas, and helpers to log in and count queries.

No app context is held while the test client makes requests: each request gets its own, as in
production. Use `with app.app_context():` (or the `db_ctx` helper) to look at the database.
"""

import os
import re
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from neig_workspace import create_app
from neig_workspace.extensions import db, limiter
from tests.personas import PERSONAS, create_personas

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("NEIG_TEST_DB", "sqlite"),
        help="database to run the suite on",
    )


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


def _postgres_database(worker: str):
    """Create a throw-away database; under CI a missing server is a failure, not a skip."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    name = f"neig_test_{worker}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if IN_CI:
            pytest.exit(
                f"PostgreSQL is required under CI=true but does not answer: {error}", returncode=3
            )
        pytest.skip(f"PostgreSQL does not answer on {PG_ADMIN_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgresql":
        yield from _postgres_database(str(os.getpid()))
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'neig-test.sqlite3'}"


def _engine_options(database_url):
    """A throw-away test database need not wait for the disk at every commit."""
    options = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return options


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    outbox = tmp_path_factory.mktemp("outbox")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(database_url),
        MAIL_OUTBOX_DIR=str(outbox),
        NEIG_TEST_OUTBOX=str(outbox),
        BLOB_ROOT=str(tmp_path_factory.mktemp("blobs")),
    )
    with app.app_context():
        upgrade(revision="heads")  # the schema comes from the migrations, as in production
        db.engine.dispose()
    return app


def _tables():
    """Our tables, children before parents."""
    return [t.name for t in reversed(db.metadata.sorted_tables)]


def _empty_postgresql():
    """Delete the rows of the tables a test wrote to and restart the sequences it used.

    TRUNCATE of every table gives each table and index a new file on disk, and did so after every
    test: most of the PostgreSQL run went there. A test writes to a handful of tables; deleting
    their rows and rewinding the used sequences gives the next test the same empty start.
    """
    filled = set(
        db.session.execute(
            text(
                " UNION ALL ".join(
                    f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})"  # noqa: S608 - ours
                    for name in _tables()
                )
            )
        ).scalars()
    )
    for name in _tables():
        if name in filled:
            db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
    used = db.session.execute(
        text(
            "SELECT schemaname || '.' || sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
        )
    ).scalars()
    for sequence in used:
        db.session.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Every test starts with empty tables, fresh rate limits and an empty outbox."""
    # The limiter is one object for every app in the process and keeps the storage of the last
    # app created: a test that makes another app must not leave its counters to the next test.
    saved_limits = (limiter._storage, limiter._limiter)
    yield
    limiter._storage, limiter._limiter = saved_limits
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _empty_postgresql()
        else:
            for name in _tables():
                db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
        db.session.commit()
        limiter.reset()
    for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        path.unlink()
    shutil.rmtree(app.config["BLOB_ROOT"], ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def personas(app):
    """The named personas of STYLE.md, created fresh for the test."""
    with app.app_context():
        return create_personas()


@contextmanager
def db_ctx(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def outbox(app):
    from neig_workspace.mail import read_outbox

    return lambda: read_outbox(app.config["MAIL_OUTBOX_DIR"])


def csrf_token(client, path: str = "/inloggen") -> str:
    """The CSRF token a real browser would have from the form at `path`."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@contextmanager
def count_queries(app):
    """Count the SQL statements run inside the block (for pages that must not grow)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)


__all__ = ["PERSONAS", "count_queries", "csrf_token", "db_ctx"]
