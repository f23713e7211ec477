"""No open redirects (ASVS 4.0.3 5.1.5), and the production self-check and start-up refusal
(SECURITY.md § Headers: "refuses to pass with a debug flag, a default secret or insecure
cookies")."""

import socket
import tempfile

import pytest

from config import DEFAULT_SECRET_KEY, TestingConfig
from neig_workspace import create_app
from neig_workspace.web import safe_next
from neig_workspace.web.deploy import deploy_problems
from tests.conftest import redis_or_skip
from tests.helpers import form_token
from tests.personas import PASSWORD

SECRET = "k3Jv9QpX2mLr8TzW5nYb7HcF4sDg6Ae1Uo0iPqRx"  # 40 characters, none of them a default
POSTGRES = "postgresql+psycopg://neig@db.example.nl:5432/neig"  # a URL only: nothing connects
METRICS_TOKEN = "Pr0metheus-scrapes-with-this-token-4fX9q"  # noqa: S105 - 40 characters
#: This run's Redis database (tests/README: each part of issue 19 has its own number).
REDIS_URL = "redis://127.0.0.1:6379/12"


# --- safe_next ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "HTTPS://evil.example/account",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http:/evil.example",
        "http:evil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines: this is //evil.example
        "/\n/evil.example",
        "/x\r\nSet-Cookie:a=b",  # issue 15, finding 7: a header of its own (and a 500)
        "/x\x00y",
        "/account x",
        " //evil.example",
        "account",  # relative: where it lands depends on the current page
        "",
        None,
    ],
)
def test_safe_next_refuses_anything_but_a_local_path(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize(
    "target",
    [
        "/account",
        "/organisaties/3?pagina=2&q=gemeente+rotterdam",
        "/beheer/audit?actie=auth.&van=2024-01-01",
        "/",
    ],
)
def test_safe_next_keeps_local_paths_with_their_query(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def test_language_switch_does_not_redirect_off_site(app, client):
    token = form_token(client, "/inloggen")
    response = client.post(
        "/taal", data={"csrf_token": token, "locale": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.location == "/"
    response = client.post(
        "/taal", data={"csrf_token": token, "locale": "nl", "next": "/wachtwoord-vergeten?x=1"}
    )
    assert response.location == "/wachtwoord-vergeten?x=1"


def test_language_switch_refuses_a_next_with_control_characters(app, client):
    """Issue 15, finding 7: CR and LF in `next` gave a 500 (Werkzeug refuses such a header)."""
    token = form_token(client, "/inloggen")
    for target in ("/x\r\nSet-Cookie:a=b", "/x\ty", "/x\x7fy"):
        response = client.post("/taal", data={"csrf_token": token, "locale": "en", "next": target})
        assert (response.status_code, response.location) == (302, "/"), target
        assert all("a=b" not in h for h in response.headers.getlist("Set-Cookie"))


def test_login_does_not_redirect_off_site(app, client, personas):
    token = form_token(
        client, "/inloggen?next=https://evil.example/"
    )  # the form carries next along
    response = client.post(
        "/inloggen?next=https://evil.example/",
        data={
            "csrf_token": token,
            "email": personas.member_a.email,
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302 and response.location == "/"


def test_login_with_mfa_does_not_redirect_off_site(app, client, personas):
    token = form_token(client, "/inloggen")
    data = {
        "csrf_token": token,
        "email": personas.platform_admin.email,
        "password": PASSWORD,
        "next": "//evil.example",
    }
    assert client.post("/inloggen", data=data).location == "/inloggen/verificatie"
    token = form_token(client, "/inloggen/verificatie")
    response = client.post(
        "/inloggen/verificatie", data={"csrf_token": token, "code": personas.platform_admin.totp()}
    )
    assert response.status_code == 302 and response.location == "/"


def test_login_keeps_a_local_next(app, client, personas):
    assert client.get("/account/sessies").location == "/inloggen?next=%2Faccount%2Fsessies"
    token = form_token(client, "/inloggen")
    data = {
        "csrf_token": token,
        "email": personas.member_a.email,
        "password": PASSWORD,
        "next": "/account/sessies",
    }
    assert client.post("/inloggen", data=data).location == "/account/sessies"


# --- the deploy check ------------------------------------------------------------------------


def production(app, **overrides):
    settings = {
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": POSTGRES,
        "MAIL_SERVER": "smtp.example.nl",
        "EXTERNAL_URL": "https://localhost",  # the host the test client talks to
        "MFA_REQUIRED_FOR": "all",  # the production default, unless the environment says otherwise
        "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": tempfile.gettempdir(),  # a folder this user can write
    }
    return create_app("production", **{**settings, **overrides})


SHARED = {}


@pytest.fixture(autouse=True)
def _shared_database(test_db):
    """check-deploy reads the database too: a production app reads the test's."""
    SHARED["test_db"] = test_db


def check_deploy(app):
    with SHARED["test_db"].shared_with(app):
        result = app.test_cli_runner().invoke(args=["neig", "check-deploy"])
    return result.exit_code, result.output


def test_check_deploy_fails_on_the_testing_app_and_names_each_problem(app):
    code, output = check_deploy(app)
    assert code == 1
    problems = [line for line in output.splitlines() if line.startswith("FAIL: ")]
    expected = [
        "SECRET_KEY is a default",
        "SESSION_COOKIE_SECURE",
        "__Host-",
        "HSTS",
        "MFA_REQUIRED_FOR",
        "MAIL_SERVER",
        "EXTERNAL_URL",  # http://127.0.0.1:5000, not the site's https:// address
        "LOG_FORMAT",  # text, outside production
        "METRICS_TOKEN",
        "PROMETHEUS_MULTIPROC_DIR",
    ]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):  # run with --db=sqlite
        expected.append("SQLite")
    for words in expected:
        assert sum(words in line for line in problems) == 1, words
    assert len(problems) == len(expected)
    assert "DEBUG" not in output  # the testing app does not run in debug mode


def test_check_deploy_passes_on_a_proper_production_app(app):
    assert check_deploy(production(app)) == (0, "Deployment check passed.\n")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
        ({"SESSION_COOKIE_HTTPONLY": False}, "HTTPONLY"),
        ({"SESSION_COOKIE_NAME": "neig_session"}, "__Host-"),
        ({"SESSION_COOKIE_SAMESITE": None}, "SAMESITE"),
        ({"HSTS": False}, "HSTS"),
        ({"MFA_REQUIRED_FOR": "admins"}, "MFA_REQUIRED_FOR"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///neig.sqlite3"}, "SQLite"),
        ({"MAIL_SERVER": None}, "MAIL_SERVER"),
        ({"SECRET_KEY": "x" * 40}, "does not look random"),
        ({"EXTERNAL_URL": "http://localhost"}, "EXTERNAL_URL"),
        ({"TRUSTED_HOSTS": []}, "TRUSTED_HOSTS"),
        ({"LOG_FORMAT": "text"}, "LOG_FORMAT"),
        ({"METRICS_TOKEN": ""}, "METRICS_TOKEN is not set"),
        ({"METRICS_TOKEN": METRICS_TOKEN[:31]}, "METRICS_TOKEN is shorter"),
        ({"METRICS_TOKEN": "ab" * 20}, "METRICS_TOKEN is shorter than 32 characters or does not"),
        ({"PROMETHEUS_MULTIPROC_DIR": ""}, "PROMETHEUS_MULTIPROC_DIR is not set"),
        ({"PROMETHEUS_MULTIPROC_DIR": __file__}, "not a folder this user can write"),
        ({"PROMETHEUS_MULTIPROC_DIR": f"{__file__}/metrics"}, "not a folder this user can write"),
        ({"BLOB_BACKEND": "s3"}, "BLOB_BACKEND is s3"),
        (
            {"BLOB_BACKEND": "s3", "S3_ACCESS_KEY_ID": "neig", "S3_SECRET_ACCESS_KEY": "geheim"},
            "S3_BUCKET is not set",
        ),
        ({"BLOB_BACKEND": "s3", "S3_BUCKET": "neig"}, "S3_SECRET_ACCESS_KEY are not both set"),
        (
            {"BLOB_BACKEND": "s3", "S3_BUCKET": "neig", "S3_ACCESS_KEY_ID": "neig"},
            "S3_SECRET_ACCESS_KEY are not both set",
        ),
        ({"BLOB_BACKEND": "ftp"}, "it must be local or s3"),
        ({"JOB_QUEUE_URL": "kafka://127.0.0.1:9092"}, "not a URL the check understands"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_check_deploy_names_each_single_problem(app, overrides, problem):
    code, output = check_deploy(production(app, **overrides))
    assert code == 1
    assert [line for line in output.splitlines() if line.startswith("FAIL: ")] == [
        line for line in output.splitlines() if problem in line
    ]
    assert problem in output


def test_metrics_switched_off_need_no_token_nor_folder(app):
    settings = {"METRICS_ENABLED": False, "METRICS_TOKEN": "", "PROMETHEUS_MULTIPROC_DIR": ""}
    assert check_deploy(production(app, **settings)) == (0, "Deployment check passed.\n")


def test_a_metrics_folder_gunicorn_will_make_passes(app, tmp_path):
    folder = tmp_path / "run" / "metrics"  # made by deploy/gunicorn.conf.py at start
    assert check_deploy(production(app, PROMETHEUS_MULTIPROC_DIR=str(folder)))[0] == 0


def test_an_s3_blob_store_with_bucket_and_keys_passes(app):
    settings = {
        "BLOB_BACKEND": "s3",
        "S3_BUCKET": "neig-blobs",
        "S3_ACCESS_KEY_ID": "neig",
        "S3_SECRET_ACCESS_KEY": "geheim-sleutel",
    }
    assert check_deploy(production(app, **settings))[0] == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_check_deploy_names_a_job_queue_that_does_not_answer_without_its_password(app, scheme):
    url = f"{scheme}://neig:queue-secret@127.0.0.1:{_closed_port()}/12"
    code, output = check_deploy(production(app, JOB_QUEUE_URL=url))
    assert code == 1
    [problem] = [line for line in output.splitlines() if line.startswith("FAIL: ")]
    assert f"JOB_QUEUE_URL {scheme}://neig:***@127.0.0.1:" in problem
    assert "does not answer: ConnectionRefusedError" in problem or "ConnectionError" in problem
    assert "queue-secret" not in output


def test_a_job_queue_that_answers_passes(app):
    url = redis_or_skip(REDIS_URL)
    assert check_deploy(production(app, JOB_QUEUE_URL=url))[0] == 0


def test_check_deploy_sees_debug_switched_on_by_the_environment(app, monkeypatch):
    # The flask command sets the debug flag from FLASK_DEBUG, as the operator's shell would.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    code, output = check_deploy(production(app))
    assert code == 1 and "FAIL: DEBUG is on." in output.splitlines()


def test_deploy_problems_sees_debug_in_the_configuration(app):
    assert deploy_problems(production(app, DEBUG=True)) == ["DEBUG is on."]


def test_sqlite_in_production_passes_only_when_allowed_explicitly(app):
    assert (
        check_deploy(
            production(
                app, SQLALCHEMY_DATABASE_URI="sqlite:///x.sqlite3", ALLOW_SQLITE_IN_PRODUCTION=True
            )
        )[0]
        == 0
    )


# --- refusing to start -------------------------------------------------------------------------


def test_production_refuses_to_start_with_the_default_secret(app):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")  # no SECRET_KEY in the environment: the default


@pytest.mark.parametrize(
    "secret",
    [DEFAULT_SECRET_KEY, TestingConfig.SECRET_KEY, "", SECRET[:31]],
    ids=["default", "testing", "empty", "short"],
)
def test_production_refuses_to_start_with_a_known_or_short_secret(app, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(app, SECRET_KEY=secret)


def test_production_refuses_to_start_without_external_url(app):
    """Issue 15, finding 3: the links in e-mails have no other base."""
    with pytest.raises(RuntimeError, match="EXTERNAL_URL"):
        production(app, EXTERNAL_URL="")


def test_check_deploy_names_a_missing_external_url(app):
    prod = production(app)
    prod.config["EXTERNAL_URL"] = ""
    assert "EXTERNAL_URL is not set" in " ".join(deploy_problems(prod))


def test_production_starts_and_serves_with_a_real_secret(app, personas):
    prod = production(app, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        assert prod.test_client().get("/health", base_url="https://localhost").status_code == 200
    finally:
        with prod.app_context():
            from neig_workspace.extensions import db

            db.engine.dispose()


def test_check_deploy_names_platform_admins_who_still_hold_content(app, personas):
    """Data from before the separation-of-duties rule: the persona admin is a member of the VNG;
    a second admin holds a grant to the user. Both are named, and the check fails."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db
    from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind

    with app.app_context():
        other = User(email="tweede.beheerder@example.nl", name="Tweede", is_platform_admin=True)
        space = Space(kind=SpaceKind.RESTRICTED, name="Werkgroep")
        db.session.add_all([other, space])
        db.session.flush()
        db.session.add(
            SpaceGrant(
                space=space, principal_type=PrincipalType.USER, role=SpaceRole.VIEWER, user=other
            )
        )
        db.session.commit()
    code, output = check_deploy(production(app))
    assert code == 1
    problems = [line for line in output.splitlines() if line.startswith("FAIL: ")]
    assert problems == [
        "FAIL: Platform admin platform.admin@example.nl holds 1 membership(s) and 0 grant(s) to "
        "the user: a platform-admin account holds no content (separation of duties). Remove "
        "them, or take the admin role away; partner work is done with a second account.",
        "FAIL: Platform admin tweede.beheerder@example.nl holds 0 membership(s) and 1 grant(s) "
        "to the user: a platform-admin account holds no content (separation of duties). Remove "
        "them, or take the admin role away; partner work is done with a second account.",
    ]
