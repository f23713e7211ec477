"""Test set-up: an app per run on SQLite or PostgreSQL (`--db`), a transaction per test that is
rolled back (tests/transactions.py), personas, and helpers to log in and count queries.

No app context is held while the test client makes requests: each request gets its own, as in
production. Use `with app.app_context():` (or the `db_ctx` helper) to look at the database.
"""

import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from neig_workspace import create_app
from neig_workspace.extensions import db, limiter
from tests.personas import PERSONAS, create_personas
from tests.transactions import BlobFiles, TestDatabase

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("NEIG_TEST_DB", "sqlite"),
        help="database to run the suite on",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "personas_once: set by conftest: the module plants the personas once"
    )
    config.addinivalue_line(
        "markers",
        "postgresql_only(why): what the test checks is PostgreSQL's own (its planner, psycopg,"
        " arrays); deselected in the SQLite run, run in the PostgreSQL one",
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
    options = {"pool_pre_ping": True, "query_cache_size": 5000}
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
        AUDIT_CHECKPOINT_FILE=str(tmp_path_factory.mktemp("audit") / "checkpoints.log"),
    )
    with app.app_context():
        upgrade(revision="heads")  # the schema comes from the migrations, as in production
        db.engine.dispose()
    return app


@pytest.fixture(scope="session")
def test_db(app):
    """The test connection and its transactions (tests/transactions.py)."""
    return TestDatabase(app)


@pytest.fixture(autouse=True)
def _isolated(request, app, test_db):
    """Every test runs in a transaction that is rolled back, with fresh rate limits, an empty
    outbox and none of its own files left in the blob store. A test marked `commits` really
    commits (threads, a live server) and has the tables emptied afterwards instead."""
    # The limiter is one object for every app in the process and keeps the storage of the last
    # app created: a test that makes another app must not leave its counters to the next test.
    saved_limits = (limiter._storage, limiter._limiter)
    if request.node.get_closest_marker("personas_once"):
        request.getfixturevalue("module_personas")
    if request.node.get_closest_marker("commits"):
        assert not test_db.active, "a test that commits cannot run inside planted objects"
        blobs = BlobFiles(app.config["BLOB_ROOT"])
        yield
        test_db.clean_committed()
        blobs.remove_new()
    else:
        with test_db.rolled_back():
            yield
    limiter._storage, limiter._limiter = saved_limits
    with app.app_context():
        limiter.reset()
    for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        path.unlink()


def redis_or_skip(url: str) -> str:
    """`url` when its Redis answers; otherwise skipped, and under CI=true a failure."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisDown as error:
        if IN_CI:
            pytest.fail(f"Redis is required under CI=true: {error}")
        pytest.skip(f"Redis does not answer on {url}: {error}")
    return url


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def personas(app, test_db):
    """The named personas of STYLE.md: planted once for the module where every test uses them
    (see pytest_collection_modifyitems), else created in the test's own transaction."""
    if test_db.personas is not None:
        return test_db.personas
    with app.app_context():
        return create_personas()


@pytest.fixture(scope="module")
def module_personas(app, test_db):
    """The personas, planted once for the module; each of its tests rolls back to them."""
    with test_db.rolled_back():
        with app.app_context():
            test_db.personas = create_personas()
        try:
            yield test_db.personas
        finally:
            test_db.personas = None


@pytest.hookimpl(trylast=True)  # after the folders' own conftests have added their markers
def pytest_collection_modifyitems(config, items):
    """A module whose every test uses the personas, and none commits, plants them once. Tests
    marked `one_database` run on SQLite only: what they check (pure functions, rendering, an
    accessibility scan) does not depend on the database. Tests marked `postgresql_only` run on
    PostgreSQL only: deselected, not skipped, so a skip always means something is missing."""
    modules = {}
    for item in items:
        modules.setdefault(item.module, []).append(item)
    for tests in modules.values():
        if all(
            "personas" in getattr(item, "fixturenames", ())
            and not item.get_closest_marker("commits")
            for item in tests
        ):
            for item in tests:
                item.add_marker(pytest.mark.personas_once)
    other = "one_database" if config.getoption("--db") != "sqlite" else "postgresql_only"
    left_out = [item for item in items if item.get_closest_marker(other)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


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


# The S3-protocol server of tests/s3_server.py (session-scoped) and the app on a bucket of it.
from tests.s3_server import s3_app, s3_server  # noqa: E402, F401 - fixtures, found by pytest
