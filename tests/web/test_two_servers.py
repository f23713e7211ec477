"""Two app servers behind one balancer: nginx with the documented locations in front of two
gunicorn instances, round robin, on the same database, blob store, Redis and job queue. Nothing
a request needs may live in one process: a session made on one server holds on the other, a
rate limit counts the attempts on both, and a file uploaded through one is scanned by a job
worker (a process of its own) and then downloaded through the other.
"""

import json
import os
import re
import secrets
import time

import pytest
import requests

from tests.conftest import redis_or_skip
from tests.documents.doc_helpers import org_space, pdf
from tests.documents.test_faults import Gunicorn
from tests.jobs.conftest import WorkerProcess
from tests.web.test_nginx import ACCEL_PREFIX, GUNICORN_CONFIG, Nginx, nginx_path

# A Redis database of its own per suite run: the SQLite and PostgreSQL runs may run at once.
REDIS_URL = "redis://127.0.0.1:6379/" + (
    "12" if os.environ.get("NEIG_TEST_DB") == "postgresql" else "13"
)
WRONG_PASSWORD = "dit-is-niet-het-wachtwoord-99"  # noqa: S105


def redis_url() -> str:
    return redis_or_skip(REDIS_URL)


@pytest.fixture(scope="module")
def queue_name():
    """The job queue of this module's servers and worker, emptied at the end."""
    from redis import Redis
    from rq import Queue

    name = f"two-servers-{os.getpid()}-{secrets.token_hex(3)}"
    yield name
    Queue(name, connection=Redis.from_url(redis_url())).delete(delete_jobs=True)


@pytest.fixture(scope="module")
def balanced(app, tmp_path_factory, clamd, queue_name):
    """nginx on a free port, two gunicorn servers "a" and "b" behind it, started once for the
    module: they keep nothing of their own between requests, which is the point."""
    nginx_binary, redis = nginx_path(), redis_url()
    tmp_path = tmp_path_factory.mktemp("two-servers")
    prefix = f"two-servers-{secrets.token_hex(4)}"
    servers = [
        Gunicorn(
            app,
            tmp_path / f"gunicorn-{name}.log",
            GUNICORN_CONFIG,
            NEIG_LIVE_ACCEL_PREFIX=ACCEL_PREFIX,
            NEIG_LIVE_RATELIMIT_URI=redis,
            NEIG_LIVE_RATELIMIT_PREFIX=prefix,
            NEIG_LIVE_PROXY_HOPS="1",
            NEIG_LIVE_SERVER_NAME=name,
            NEIG_LIVE_CONFIG=json.dumps(
                {
                    "JOB_QUEUE_URL": redis,
                    "JOB_QUEUE_NAME": queue_name,
                    "CLAMAV_SOCKET": clamd.socket_path,
                }
            ),
        )
        for name in ("a", "b")
    ]
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    proxy = None
    try:
        for server in servers:
            server.worker()
        proxy = Nginx(nginx_binary, workdir, [s.port for s in servers], app.config["BLOB_ROOT"])
        yield proxy
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()


class Browser:
    """A person's browser against the balancer: one cookie jar, redirects not followed."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.served_by: list[str] = []

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(
            method, self.base + path, allow_redirects=False, timeout=20, **kwargs
        )
        self.served_by.append(response.headers.get("X-Served-By", "?"))
        return response

    def csrf(self, path: str) -> str:
        html = self.request("GET", path).text
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.request("POST", path, data={"csrf_token": self.csrf(path), **data}, **kwargs)

    def log_in(self, persona) -> None:
        response = self.post_form(
            "/inloggen", {"email": persona.email, "password": persona.password}
        )
        assert response.status_code == 302, response.text[:500]
        if "/inloggen/verificatie" in response.headers["Location"]:
            response = self.post_form("/inloggen/verificatie", {"code": persona.totp()})
            assert response.status_code == 302


def servers_seen(browser: Browser) -> set[str]:
    return set(browser.served_by)


@pytest.mark.commits("two servers in other processes share the test database")
def test_a_session_made_on_one_server_holds_on_the_other(app, balanced, personas):
    browser = Browser(balanced.port)
    browser.log_in(personas.member_a)
    pages = [browser.request("GET", "/account") for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert all(personas.member_a.email in p.text for p in pages)
    assert servers_seen(browser) == {"a", "b"}

    browser.post_form("/uitloggen", {})
    after = [browser.request("GET", "/account") for _ in range(2)]
    assert [p.status_code for p in after] == [302, 302]  # logged out on both


@pytest.mark.commits("two servers in other processes share the test database")
def test_a_rate_limit_counts_the_attempts_on_both_servers(app, balanced, personas):
    limit = int(app.config["RATELIMIT_LOGIN_PER_ACCOUNT"].split()[0])  # "5 per minute;…"
    browser = Browser(balanced.port)
    answers = [
        browser.post_form(
            "/inloggen", {"email": personas.member_b.email, "password": WRONG_PASSWORD}
        ).status_code
        for _ in range(limit + 1)
    ]
    # Round robin sends the attempts to both servers in turn; each saw about half, so only a
    # count kept in Redis reaches the limit.
    assert servers_seen(browser) == {"a", "b"}
    assert answers[:limit] == [422] * limit
    assert answers[limit] == 429


@pytest.mark.commits("two servers and a worker in other processes share the test database")
def test_a_file_uploaded_through_one_server_is_scanned_by_the_worker_and_downloaded_through_the_other(  # noqa: E501
    app,
    balanced,
    personas,
    clamd,
    queue_name,
    tmp_path,
):
    space_id = org_space(app, personas)
    browser = Browser(balanced.port)
    browser.log_in(personas.member_a)
    content = pdf("over twee servers") + b"%" + secrets.token_bytes(200_000) + b"\n"
    upload_path = f"/werkruimtes/{space_id}/documenten/uploaden"
    response = browser.request(
        "POST",
        upload_path,
        data={"csrf_token": browser.csrf(upload_path), "folder": "0", "classification": "intern"},
        files={"files": ("verslag.pdf", content, "application/pdf")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text[:500]
    uploaded_on = browser.served_by[-1]
    download = f"/documenten/{response.json()['documents'][0]['id']}/versies/1/download"
    # Queued for the scan, held in quarantine until a worker has run it.
    assert browser.request("GET", download).status_code == 409

    worker = WorkerProcess(
        app,
        queue_name,
        tmp_path / "worker.log",
        NEIG_LIVE_QUEUE_URL=redis_url(),
        NEIG_LIVE_CLAMAV_SOCKET=clamd.socket_path,
    )
    try:
        deadline = time.monotonic() + 45
        while (answer := browser.request("GET", download)).status_code == 409:
            assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.stop()
    assert (answer.status_code, answer.content) == (200, content)
    if browser.served_by[-1] == uploaded_on:  # round robin: the next one is the other server
        answer = browser.request("GET", download)
        assert (answer.status_code, answer.content) == (200, content)
    assert browser.served_by[-1] != uploaded_on
