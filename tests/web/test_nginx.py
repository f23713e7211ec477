"""The documented configuration (deploy/nginx/neig-locations.conf, deploy/gunicorn.conf.py), run
for real: nginx in front of gunicorn on loopback. A download passes the app's checks and audit, then nginx sends
the bytes through X-Accel-Redirect (ranges too); the internal blob location answers no client;
an upload goes through nginx's buffering to the app. Skipped without nginx; under CI=true that
is a failure (.ci/run installs it)."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents.storage import blob_key
from tests.conftest import IN_CI, db_ctx
from tests.documents.doc_helpers import org_space, pdf, uploaded_id, versions
from tests.documents.test_faults import Gunicorn
from tests.helpers import login_as

ROOT = Path(__file__).resolve().parents[2]
LOCATIONS = ROOT / "deploy" / "nginx" / "neig-locations.conf"
S3_LOCATIONS = ROOT / "deploy" / "nginx" / "neig-s3-downloads.conf"
LOG_FORMAT = ROOT / "deploy" / "nginx" / "neig-log-format.conf"
METRICS_SERVER = ROOT / "deploy" / "nginx" / "neig-metrics.conf"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
ACCEL_PREFIX = "/_protected/blobs/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Nginx:
    """nginx in the foreground with a main configuration of its own around the documented
    locations, its log format and the metrics server, listening on free loopback ports, in
    front of one app server or several (round robin)."""

    def __init__(
        self,
        binary: str,
        workdir: Path,
        upstream: int | list[int],
        blob_root: str,
        s3_endpoint: str | None = None,
    ):
        self.port = _free_port()
        ports = upstream if isinstance(upstream, list) else [upstream]
        servers = "".join(f"server 127.0.0.1:{port}; " for port in ports)
        self.metrics_port = _free_port()
        locations = LOCATIONS.read_text()
        locations = locations.replace("@UPSTREAM@", "neig_app")
        locations = locations.replace("@BLOB_ROOT@", blob_root.rstrip("/") + "/")
        (workdir / "neig-locations.conf").write_text(locations)
        includes = f"include {workdir}/neig-locations.conf;"
        if s3_endpoint:
            s3_locations = S3_LOCATIONS.read_text().replace("@S3_ENDPOINT@", s3_endpoint)
            (workdir / "neig-s3-downloads.conf").write_text(s3_locations)
            includes += f" include {workdir}/neig-s3-downloads.conf;"
        metrics_server = METRICS_SERVER.read_text()
        for placeholder, value in {
            "@LISTEN@": f"127.0.0.1:{self.metrics_port}",
            "@PROMETHEUS@": "127.0.0.1",
            "@UPSTREAM@": "neig_app",
            "@SERVER_NAME@": "localhost",
            "/var/log/nginx/": f"{workdir}/",
        }.items():
            metrics_server = metrics_server.replace(placeholder, value)
        (workdir / "neig-metrics.conf").write_text(metrics_server)
        self.access_log = workdir / "access.log"
        (workdir / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
user root;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
events {{ worker_connections 64; }}
http {{
    include {LOG_FORMAT};
    access_log {workdir}/access.log neig_json;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    default_type application/octet-stream;
    upstream neig_app {{ {servers}}}
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
        {includes}
    }}
    include {workdir}/neig-metrics.conf;
}}
"""
        )
        command = [binary, "-p", str(workdir), "-c", str(workdir / "nginx.conf")]
        self.process = subprocess.Popen(  # noqa: S603 - the system's nginx, our arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        self.errors = workdir / "error.log"
        deadline = time.monotonic() + 10
        while self.request("GET", "/health")[0] == 0:
            assert self.process.poll() is None, self.errors.read_text()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.1)

    def request(self, method: str, path: str, body=None, headers=None, *, port=None):
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except OSError:
            return 0, {}, b""
        finally:
            connection.close()

    def header_values(self, path: str, name: str, headers=None) -> list[str]:
        """Every value of one response header (a header sent twice shows twice)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response.msg.get_all(name) or []
        finally:
            connection.close()

    def log_lines(self) -> list[dict]:
        """nginx's access log (neig-log-format.conf): one JSON object per line."""
        return [json.loads(line) for line in self.access_log.read_text().splitlines()]

    def logged(self, request_id: str) -> dict:
        """nginx's line of one request: written once the response is out, so maybe just after."""
        deadline = time.monotonic() + 5
        while True:
            lines = [line for line in self.log_lines() if line["request_id"] == request_id]
            if lines or time.monotonic() > deadline:
                [line] = lines
                return line
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def nginx_path() -> str:
    """The system's nginx; skipped without it, a failure under CI=true (.ci/run installs it)."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if binary is None:
        if IN_CI:
            pytest.fail("nginx is required under CI=true (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    return binary


@pytest.fixture
def nginx_binary():
    return nginx_path()


@pytest.mark.commits("servers in other processes read the uploaded document")
def test_behind_nginx_the_app_checks_and_audits_and_nginx_sends_the_bytes(
    app, client, personas, tmp_path, nginx_binary
):
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    content = pdf("door nginx verstuurd") + b"%" + b"x" * 300_000 + b"\n"
    document_id = uploaded_id(client, space_id, content, "verslag.pdf")
    [version] = versions(app, document_id)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = {"Cookie": f"{name}={client.get_cookie(name).value}"}

    server = Gunicorn(
        app, tmp_path / "gunicorn.log", GUNICORN_CONFIG, NEIG_LIVE_ACCEL_PREFIX=ACCEL_PREFIX
    )
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    try:
        server.worker()
        proxy = Nginx(nginx_binary, workdir, server.port, app.config["BLOB_ROOT"])
        try:
            path = f"/documenten/{document_id}/versies/{version.number}/download"
            status, headers, body = proxy.request("GET", path, headers=cookie)
            assert status == 200 and body == content
            assert "X-Accel-Redirect" not in headers  # nginx consumed it
            assert headers["Content-Disposition"].startswith("attachment")
            assert headers["X-Content-Type-Options"] == "nosniff"

            status, headers, body = proxy.request(
                "GET", path, headers={**cookie, "Range": "bytes=0-7"}
            )
            assert status == 206 and body == content[:8]

            # The blob location is internal: asked for directly, nginx answers 404.
            direct = ACCEL_PREFIX + blob_key(version.sha256)
            assert proxy.request("GET", direct, headers=cookie)[0] == 404
            # Without a session the app refuses before nginx sends anything.
            assert proxy.request("GET", path)[0] in (302, 401, 404)
        finally:
            proxy.stop()
    finally:
        server.stop()
    assert audited_downloads(app) == 2  # the whole file and the range, each through the app


@pytest.mark.commits("servers in other processes read the uploaded document")
def test_from_s3_nginx_fetches_the_presigned_url_and_sends_the_bytes(
    s3_app, s3_server, client, personas, tmp_path, nginx_binary
):
    """S3_DOWNLOAD=accel: the app checks and audits, then nginx fetches the object from the store
    (deploy/nginx/neig-s3-downloads.conf); the browser never sees the store, and the session
    cookie never reaches it."""
    app = s3_app
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    content = pdf("uit de bucket") + b"%" + b"y" * 400_000 + b"\n"
    document_id = uploaded_id(client, space_id, content, "notulen.pdf")
    [version] = versions(app, document_id)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = {"Cookie": f"{name}={client.get_cookie(name).value}"}
    settings = {key: app.config[key] for key in s3_server.config("-")}
    settings |= {"S3_BUCKET": app.config["S3_BUCKET"], "S3_DOWNLOAD": "accel"}

    server = Gunicorn(
        app, tmp_path / "gunicorn.log", GUNICORN_CONFIG, NEIG_LIVE_CONFIG=json.dumps(settings)
    )
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    try:
        server.worker()
        proxy = Nginx(nginx_binary, workdir, server.port, app.config["BLOB_ROOT"], s3_server.url)
        try:
            path = f"/documenten/{document_id}/versies/{version.number}/download"
            status, headers, body = proxy.request("GET", path, headers=cookie)
            assert status == 200 and body == content, proxy.errors.read_text()[-2000:]
            assert "X-Accel-Redirect" not in headers and "Location" not in headers
            assert headers["Content-Disposition"] == "attachment; filename=notulen.pdf"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert not any(h.lower().startswith("x-amz") for h in headers)
            assert "Access-Control-Allow-Origin" not in headers

            status, headers, body = proxy.request(
                "GET", path, headers={**cookie, "Range": "bytes=0-7"}
            )
            assert status == 206 and body == content[:8]
            # The internal location answers no client.
            assert proxy.request("GET", "/_protected/s3/x", headers=cookie)[0] == 404
        finally:
            proxy.stop()
    finally:
        server.stop()
    assert audited_downloads(app) == 2


def audited_downloads(app) -> int:
    with db_ctx(app) as session:
        downloads = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document.downloaded")
        )
        return len(downloads.all())


def test_the_production_server_block_includes_the_tested_locations():
    """The server block the docs install is the one around the locations this test runs."""
    production = (ROOT / "deploy" / "nginx" / "neig-werkruimte.conf").read_text()
    assert "include /etc/nginx/neig-locations.conf;" in production
    assert "ssl_certificate " in production and "return 301 https://" in production


# --- request ids, logs and the metrics behind nginx (issue 19) -------------------------------

METRICS_TOKEN = "nginx-test-metrics-token-0123456789abcdef"  # noqa: S105 - a test's own
RESET_TOKEN = "Q2xpZW50LXNlY3JldC1yZXNldC10b2tlbi0xMjM0NTY3"  # noqa: S105 - not a real one


def app_access_lines(server: Gunicorn) -> list[dict]:
    """The app's access lines in gunicorn's output (LOG_FORMAT=json)."""
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    return [line for line in lines if line["logger"] == "neig_workspace.access"]


def test_one_request_id_from_nginx_through_the_app_and_back(app, tmp_path, nginx_binary):
    server = Gunicorn(
        app,
        tmp_path / "gunicorn.log",
        GUNICORN_CONFIG,
        LOG_FORMAT="json",
        METRICS_TOKEN=METRICS_TOKEN,
    )
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    try:
        server.worker()
        proxy = Nginx(nginx_binary, workdir, server.port, app.config["BLOB_ROOT"])
        try:
            # nginx's id, not the one a client makes up; once, although the app sends it too.
            [request_id] = proxy.header_values(
                "/health", "X-Request-ID", {"X-Request-ID": "chosen-by-the-client"}
            )
            assert re.fullmatch(r"[0-9a-f]{32}", request_id)
            [app_line] = [
                line for line in app_access_lines(server) if line["request_id"] == request_id
            ]
            assert app_line["endpoint"] == "web.health" and app_line["status"] == 200
            nginx_line = proxy.logged(request_id)
            assert nginx_line["path"] == "/health" and nginx_line["status"] == 200

            # The token of a link reaches neither log, nor does the query string; also not when
            # the path is spelled with an escape or a double slash.
            for path in (
                f"/wachtwoord-herstellen/{RESET_TOKEN}?email=lek@example.nl",
                f"//wachtwoord%2Dherstellen/{RESET_TOKEN}",
            ):
                status, headers, _ = proxy.request("GET", path)
                assert status in (200, 404)
                line = proxy.logged(headers["X-Request-ID"])
                assert line["path"] == "/wachtwoord-herstellen/<token>"
            logs = proxy.access_log.read_text() + server.log.read_text()
            assert RESET_TOKEN not in logs and "lek@example.nl" not in logs

            # /metrics: the public server passes nothing on, token or not, however spelled.
            bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            for path in ("/metrics", "/%6Detrics", "//metrics", "/metrics?format=text"):
                assert proxy.request("GET", path, headers=bearer)[0] == 404, path
            assert not [
                line for line in app_access_lines(server) if line["endpoint"] == "web.metrics"
            ]

            # Prometheus's own server block passes /metrics, with the token, and nothing else.
            status, headers, body = proxy.request(
                "GET", "/metrics", headers=bearer, port=proxy.metrics_port
            )
            assert status == 200 and b"neig_http_requests_total" in body
            assert "Set-Cookie" not in headers
            assert proxy.request("GET", "/metrics", port=proxy.metrics_port)[0] == 404
            assert (
                proxy.request("GET", "/health", headers=bearer, port=proxy.metrics_port)[0] == 404
            )

            # gunicorn gone: nginx's own 502 still carries the id of its log line.
            server.stop()
            status, headers, _ = proxy.request("GET", "/health")
            assert status == 502
            assert proxy.logged(headers["X-Request-ID"])["status"] == 502
        finally:
            proxy.stop()
    finally:
        server.stop()
