"""Real parts for the job tests: Redis database 11 on loopback (a queue of its own per test run,
so the SQLite and PostgreSQL runs may share it), a worker process (`flask neig worker`), and an
SMTP server on loopback (aiosmtpd) that refuses as many deliveries as a test asks.

Under CI=true a Redis that does not answer fails the tests; elsewhere they are skipped."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.clamd import clamd  # noqa: F401 - the real clamd, for the scan after an upload
from tests.conftest import redis_or_skip
from tests.jobs import targets

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("NEIG_TEST_JOB_QUEUE_URL", "redis://127.0.0.1:6379/11")
#: Seconds between attempts in the tests: short, but a real wait through RQ's scheduler.
RETRY_INTERVALS = "1,1,1"

targets.register()


def wait_for(condition, what: str, log: Path | None = None, timeout: float = 45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    detail = f"\n--- worker log ---\n{_log_tail(log)}" if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}{detail}")


def _log_tail(log: Path) -> str:
    """The worker's own lines, without the tracebacks of the failures a test makes on purpose."""
    lines = [line for line in log.read_text().splitlines() if line[:1].isdigit()]
    return "\n".join(lines[-60:])


@pytest.fixture(scope="session")
def redis_url():
    return redis_or_skip(REDIS_URL)


@pytest.fixture(scope="session")
def queue_name():
    return f"neig-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def queued(app, monkeypatch, redis_url, queue_name):
    """The test's app hands its jobs to the test queue (emptied before and after)."""
    for key, value in {
        "JOB_QUEUE_URL": redis_url,
        "JOB_QUEUE_NAME": queue_name,
        "MAIL_RETRY_INTERVALS": RETRY_INTERVALS,
        "SCAN_RETRY_INTERVALS": RETRY_INTERVALS,
        "TEST_RETRY_INTERVALS": RETRY_INTERVALS,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, "neig_jobs", {})  # a Redis client of this test's
    from neig_workspace.jobs.queue import rq_queue

    with app.app_context():
        queue = rq_queue()
    _empty(queue)
    yield queue
    _empty(queue)
    queue.delete(delete_jobs=True)  # off RQ's list of queues too


def _empty(queue) -> None:
    queue.empty()
    for registry in (
        queue.failed_job_registry,
        queue.scheduled_job_registry,
        queue.finished_job_registry,
    ):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


class WorkerProcess:
    """`flask neig worker` in a process of its own, on the test run's database and blob store."""

    def __init__(self, app, queue_name: str, log: Path, **env: str):
        environment = {
            **os.environ,
            "NEIG_LIVE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "NEIG_LIVE_BLOB_ROOT": app.config["BLOB_ROOT"],
            "NEIG_LIVE_OUTBOX": app.config["MAIL_OUTBOX_DIR"],
            "NEIG_LIVE_QUEUE_URL": REDIS_URL,
            "NEIG_LIVE_QUEUE_NAME": queue_name,
            "NEIG_LIVE_RETRY_INTERVALS": RETRY_INTERVALS,
            **env,
        }
        command = [sys.executable, "-m", "flask", "--app", "tests.jobs.live_app:app"]
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [*command, "neig", "worker"],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its group: RQ's scheduler process stops with it
            )
        self.log = log

    def stop(self) -> None:
        group = os.getpgid(self.process.pid)
        self.process.send_signal(signal.SIGTERM)  # warm shutdown: the worker stops its scheduler
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def start_worker(app, queued, queue_name, tmp_path):
    started = []

    def start(**env: str) -> WorkerProcess:
        worker = WorkerProcess(app, queue_name, tmp_path / f"worker-{len(started)}.log", **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


class FlakySmtp:
    """An aiosmtpd handler that answers 451 (try again later) to the first `refusals`
    deliveries and accepts the rest."""

    def __init__(self):
        self.refusals = 0
        self.attempts = 0
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.attempts += 1
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Tijdelijk niet beschikbaar, probeer het later"
        self.accepted.append(envelope.content)
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = FlakySmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()
