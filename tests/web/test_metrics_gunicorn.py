"""The metrics and logs as production runs them: gunicorn with deploy/gunicorn.conf.py and two
workers, PROMETHEUS_MULTIPROC_DIR and LOG_FORMAT=json. A scrape answered by either worker counts
the requests of both, also of a worker killed since; every line written is one JSON object."""

import json
import os
import signal
import socket
import time
from pathlib import Path

from tests.documents.test_faults import Gunicorn
from tests.web.test_observability import TOKEN, sample

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def get(server: Gunicorn, path: str, headers=None):
    connection = server.connection()
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def scrape(server: Gunicorn) -> str:
    status, headers, body = get(server, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and "Set-Cookie" not in headers
    return body.decode()


def health_count(text: str) -> float:
    series = {"endpoint": "web.health", "method": "GET", "status": "200"}
    return sample(text, "neig_http_requests_total", **series) or 0


def log_lines(server: Gunicorn) -> list[dict]:
    """Every line gunicorn and the app wrote; json.loads fails on any that is not JSON."""
    return [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]


def health_pids(lines: list[dict]) -> list[int]:
    """The worker that answered each /health, from the app's access lines."""
    return [
        line["process"]
        for line in lines
        if line["logger"] == "neig_workspace.access" and line.get("endpoint") == "web.health"
    ]


def one_request_per_worker(server: Gunicorn) -> None:
    """A sync worker serves one connection at a time: while one waits for the rest of a request,
    the next request is the other worker's."""
    held = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        held.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.3)  # a worker has accepted it and waits for the blank line
        assert get(server, "/health")[0] == 200
        held.sendall(b"Connection: close\r\n\r\n")
        assert held.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        held.close()


def test_two_workers_count_into_one_scrape_and_log_json(app, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")
    server = Gunicorn(
        app,
        tmp_path / "gunicorn.log",
        GUNICORN_CONFIG,
        workers=2,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
    )
    try:
        pids = server.worker_pids()
        assert not (metrics_dir / "counter_1.db").exists()  # on_starting emptied the folder
        one_request_per_worker(server)
        served = health_pids(log_lines(server))
        assert set(served) == set(pids)  # both workers answered /health
        assert health_count(scrape(server)) == len(served)
        assert {f"counter_{pid}.db" for pid in pids} <= {p.name for p in metrics_dir.iterdir()}

        status, headers, _ = get(server, "/metrics", {"Authorization": "Bearer wrong"})
        assert status == 404
        assert len(headers["X-Request-ID"]) == 32

        # A worker killed (and replaced) leaves its counts in the sum.
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while set(server.worker_pids()) & {pids[0]}:
            assert time.monotonic() < deadline, "gunicorn did not replace the worker"
            time.sleep(0.1)
        assert health_count(scrape(server)) >= len(served)
    finally:
        server.stop()
    lines = log_lines(server)
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own, as JSON
    metrics_lines = [line for line in lines if line.get("endpoint") == "web.metrics"]
    assert {line["status"] for line in metrics_lines} == {200, 404}
    assert all(line["request_id"] for line in metrics_lines)
