"""A real S3-protocol server on loopback, in a process of its own: moto's server (`moto_server`,
from the `dev` extra), spoken to over HTTP by boto3 exactly as MinIO or Ceph RGW would be. It
keeps objects in its own memory and does not check signatures; what it serves is the S3 API
(multipart uploads, ranges, presigned URLs, listings). Skipped when it is not installed; under
CI=true that is a failure.

bench/uploads.py starts one too (`S3Server`)."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"

ACCESS_KEY = "neig-test-key"
SECRET_KEY = "neig-test-secret"  # noqa: S105 - the loopback test server's, checks nothing
REGION = "us-east-1"


def _binary() -> str | None:
    beside = Path(sys.executable).with_name("moto_server")
    return str(beside) if beside.exists() else shutil.which("moto_server")


class S3Server:
    def __init__(self, log: Path):
        binary = _binary()
        if binary is None:
            raise FileNotFoundError("moto_server")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - moto's server, our arguments
                [binary, "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
            )
        self.log = log
        deadline = time.monotonic() + 30
        while not self._answers():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"moto_server did not answer:\n{log.read_text()}"
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def client(self):
        from neig_workspace.documents.stores import s3_client

        return s3_client(self.url, REGION, ACCESS_KEY, SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"neig-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def config(self, bucket: str, **extra) -> dict:
        """The app's settings for this server and bucket."""
        return {
            "BLOB_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.url,
            "S3_BUCKET": bucket,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_PREFIX": "blobs",
            **extra,
        }

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    try:
        server = S3Server(tmp_path_factory.mktemp("s3") / "moto.log")
    except FileNotFoundError:
        if IN_CI:
            pytest.fail("moto_server is required under CI=true (pip install -e .[dev])")
        pytest.skip("moto_server is not installed (pip install -e .[dev])")
    yield server
    server.stop()


@pytest.fixture
def s3_app(app, s3_server, monkeypatch):
    """The session's app on a fresh bucket of the S3 server for this test."""
    bucket = s3_server.new_bucket()
    for name, value in s3_server.config(bucket).items():
        monkeypatch.setitem(app.config, name, value)
    return app
