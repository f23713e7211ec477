"""A real ClamAV daemon for the tests, with a signature database the tests build themselves.

No signature download is possible (or wanted): the database holds one signature, for the EICAR
test string, written as a ClamAV .ndb body signature (name:target:offset:hex, the hex being what
`sigtool --hex-dump` prints for the string). clamd answers on a unix socket and on a loopback TCP
port, both in a temporary directory of its own, and is stopped at the end of the session.

Skipped when clamd is not installed; under CI=true that is a failure (.ci/run installs it).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from neig_workspace.documents.scanning import ClamdClient, ScannerUnavailable

IN_CI = os.environ.get("CI", "").lower() == "true"

# Built from two halves so that no scanner on a developer's machine quarantines this file.
_EICAR_HEAD = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$"
_EICAR_TAIL = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Signature"
STARTUP_SECONDS = 60


def eicar() -> bytes:
    """The EICAR anti-virus test string: harmless, detected by every scanner by agreement."""
    return (_EICAR_HEAD + _EICAR_TAIL).encode("ascii")


@dataclass(frozen=True)
class Clamd:
    socket_path: str
    host: str
    port: int


def _clamd_binary() -> str | None:
    found = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_config(workdir: Path, port: int) -> Path:
    database = workdir / "db"
    database.mkdir()
    (database / "neig-test.ndb").write_text(f"{SIGNATURE}:0:*:{eicar().hex()}\n")
    config = workdir / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {workdir / 'clamd.sock'}",
                f"TCPSocket {port}",
                "TCPAddr 127.0.0.1",
                f"DatabaseDirectory {database}",
                f"PidFile {workdir / 'clamd.pid'}",
                f"TemporaryDirectory {workdir}",
                "Foreground yes",
                # Above the largest upload the tests send (MAX_UPLOAD_SIZE in production).
                "StreamMaxLength 150M",
                "MaxThreads 2",
                "SelfCheck 3600",
                "",
            ]
        )
    )
    return config


def _wait_until_answering(client: ClamdClient, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"clamd exited with {process.returncode}:\n{log.read_text()}")
        try:
            if client.ping():
                return
        except ScannerUnavailable:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"clamd did not answer PING in {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def clamd():
    binary = _clamd_binary()
    if binary is None:
        message = "clamd is not installed (Debian: apt-get install clamav-daemon clamav)"
        if IN_CI:
            pytest.fail(f"{message}; it is required under CI=true")
        pytest.skip(message)
    # A short path of its own: a unix socket path may be at most 107 bytes.
    workdir = Path(tempfile.mkdtemp(prefix="neig-clamd-"))
    port = _free_port()
    config = _write_config(workdir, port)
    log = workdir / "clamd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config-file={config}"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        server = Clamd(str(workdir / "clamd.sock"), "127.0.0.1", port)
        _wait_until_answering(ClamdClient(socket_path=server.socket_path), process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
