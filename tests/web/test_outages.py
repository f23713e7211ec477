"""Outages (issue 16): error pages and static files that need no database; a Dutch 503 with
Retry-After (JSON to a JSON client) while the database is down or hangs, answered within the
timeouts and gone with the outage; readiness for load balancers; logins while Redis is down."""

import threading
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import event, exc, select
from sqlalchemy.engine import make_url

from neig_workspace import create_app
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db, limiter
from tests.conftest import db_ctx
from tests.faults import TcpProxy, unused_port
from tests.helpers import login_as, login_http

#: The limiter is one object for every app in the process: what another app changes is put back.
LIMITER_STATE = ("_storage", "_limiter", "_storage_dead", "_fallback_limiter", "_fallback_storage")


@pytest.fixture
def make_app(app, tmp_path):
    """Another app (testing settings plus `overrides`), disposed of afterwards."""
    saved = {name: getattr(limiter, name, None) for name in LIMITER_STATE}
    made = []

    def make(**overrides):
        settings = {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "BLOB_ROOT": str(tmp_path / "blobs"),
            "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
        }
        made.append(create_app("testing", **{**settings, **overrides}))
        return made[-1]

    yield make
    for name, value in saved.items():
        setattr(limiter, name, value)
    for other in made:
        with other.app_context():
            db.engine.dispose()


def _unreachable_database(app, folder) -> str:
    """A database of the run's kind that cannot be reached: nobody listens, or no such folder."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{unused_port()}/neig"
    return f"sqlite:///{folder / 'no-such-folder' / 'neig.sqlite3'}"


@pytest.fixture(scope="module")
def down(app, tmp_path_factory):
    """An app whose database is out, made once for the module (it keeps no state)."""
    saved = {name: getattr(limiter, name, None) for name in LIMITER_STATE}
    folder = tmp_path_factory.mktemp("down")
    yield create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_unreachable_database(app, folder),
        BLOB_ROOT=str(folder / "blobs"),
        MAIL_OUTBOX_DIR=str(folder / "outbox"),
    )
    for name, value in saved.items():
        setattr(limiter, name, value)


@pytest.fixture
def logged_in_without_database(down):
    """A client whose session cookie names a user, of an app whose database is out."""
    client = down.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = "a-session-the-database-would-know"
        session["_user_id"] = "1"
    return client


def test_static_files_never_touch_the_database(logged_in_without_database):
    response = logged_in_without_database.get("/static/css/app.css")
    assert response.status_code == 200


def test_a_logged_in_user_gets_a_dutch_503_while_the_database_is_out(logged_in_without_database):
    response = logged_in_without_database.get("/werkruimtes")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert '<html lang="nl"' in html and "De werkruimte is even niet bereikbaar" in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_json_client_gets_json_and_an_english_browser_english(logged_in_without_database):
    response = logged_in_without_database.get(
        "/werkruimtes", headers={"Accept": "application/json", "Accept-Language": "en"}
    )
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert response.json["status"] == "unavailable" and response.json["reason"] == "database"
    assert response.json["message"].startswith("The workspace is unavailable")


def test_liveness_needs_nothing_and_readiness_names_the_database(logged_in_without_database):
    assert logged_in_without_database.get("/health").status_code == 200
    response = logged_in_without_database.get("/ready")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"


def test_an_error_page_needs_no_query_even_to_audit_the_denial(app, client, personas, monkeypatch):
    """The database fails while the error page audits a refusal: the page is still the 403,
    rendered without a query (before, the handler and the menu of the layout queried)."""
    login_as(app, client, personas.member_a)
    with db_ctx(app):
        engine = db.engine

    def refuse(*args, **kwargs):
        raise exc.OperationalError("SELECT", {}, Exception("the database went away"))

    def failing_record(*args, **kwargs):
        event.listen(engine, "before_cursor_execute", refuse)  # from now on every query fails
        refuse()

    monkeypatch.setattr(audit, "record", failing_record)
    try:
        response = client.get("/beheer/gebruikers")
    finally:
        if event.contains(engine, "before_cursor_execute", refuse):
            event.remove(engine, "before_cursor_execute", refuse)
    assert response.status_code == 403
    assert "U heeft geen toegang tot deze pagina" in response.get_data(as_text=True)


def test_readiness_names_each_dependency(app, client, make_app, test_db, tmp_path):
    assert client.get("/ready").json == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "off", "blob_store": "ok", "clamav": "off"},
    }
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    broken = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{unused_port()}/0",
        BLOB_ROOT=str(not_a_folder),
        CLAMAV_HOST="127.0.0.1",
        CLAMAV_PORT=unused_port(),
    )
    with test_db.shared_with(broken):
        response = broken.test_client().get("/ready")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "redis": "unavailable",
        "blob_store": "unavailable",
        "clamav": "unavailable",
    }


# --- Redis down ---------------------------------------------------------------------------------


def _alerts(app) -> list[dict]:
    with db_ctx(app) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.alert"))
        return [event.details for event in events]


def test_logins_go_on_while_redis_is_down_and_the_admins_are_alerted(
    app, make_app, test_db, personas, outbox
):
    down = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{unused_port()}/0")
    member = personas.member_a
    with test_db.shared_with(down):
        for _ in range(2):
            response = login_http(down.test_client(), member.email, member.password)
            assert response.status_code == 302 and "/inloggen" not in response.location
    assert _alerts(app) == [{"kind": "rate_limit_storage_down"}]  # once, not per login
    [mail] = [m for m in outbox() if m["To"] == personas.platform_admin.email]
    assert "Redis" in mail.get_body().get_content()


def test_limits_still_count_per_process_while_redis_is_down(make_app, test_db, personas):
    down = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{unused_port()}/0",
        RATELIMIT_LOGIN_PER_IP="3 per minute",
    )
    client = down.test_client()
    with test_db.shared_with(down):
        codes = [login_http(client, f"iemand{i}@example.nl", "fout").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]


# --- a database behind a proxy: killed, paused, restored (PostgreSQL) ---------------------------


@pytest.fixture
def proxied(app, make_app):
    """An app whose database connections run through a proxy the test controls. It only reads
    (no session record matches its cookie), so it needs no rows of the test's transaction."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("a server behind a proxy: PostgreSQL only (SQLite is a file)")
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    through = make_app(
        SQLALCHEMY_DATABASE_URI=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        ),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        DATABASE_CONNECT_TIMEOUT=2,  # psycopg's least
        DATABASE_STATEMENT_TIMEOUT_MS=500,
        DATABASE_LOCK_TIMEOUT_MS=500,
    )
    with ExitStack() as stack:
        stack.callback(proxy.kill)
        yield proxy, through.test_client()


def _get(client, path: str):
    """GET with a session cookie naming a user: the app looks the session up (a query) and,
    finding no such record, forgets it; so it is set again before every request."""
    with client.session_transaction() as session:
        session[SESSION_KEY] = "no-such-session"
        session["_user_id"] = "1"
    return client.get(path)


def _timed_get(client, path: str, limit: float):
    """GET in a thread, waiting at most `limit` seconds: a hang fails the test, not the run."""
    result = {}

    def get():
        result["response"] = _get(client, path)

    started = time.monotonic()
    worker = threading.Thread(target=get, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"GET {path} still waiting after {limit} s"
    return result["response"], time.monotonic() - started


def test_a_killed_database_answers_503_and_the_next_request_after_it_works(proxied):
    proxy, client = proxied
    assert _get(client, "/werkruimtes").status_code == 302  # to the login page: the database read
    proxy.kill()
    response, _ = _timed_get(client, "/werkruimtes", 5)
    assert response.status_code == 503 and "niet bereikbaar" in response.get_data(as_text=True)
    proxy.restore()
    assert _get(client, "/werkruimtes").status_code == 302  # the same app, without a restart


def test_a_hanging_database_answers_503_within_the_timeouts(proxied):
    proxy, client = proxied
    assert _get(client, "/werkruimtes").status_code == 302  # a connection in the pool
    proxy.pause()
    # The pooled connection's ping gives up after the statement timeout plus a second's grace,
    # the new connection after the connect timeout of 2 s.
    response, seconds = _timed_get(client, "/werkruimtes", 8)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert seconds < 6
    proxy.restore()
    assert _get(client, "/werkruimtes").status_code == 302
