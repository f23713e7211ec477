"""Virus scanning of uploads by a ClamAV daemon (clamd), over its unix or TCP socket.

The content is sent with clamd's INSTREAM command: "zINSTREAM\\0", then chunks each preceded by
their length as 4 bytes big-endian, then a zero-length chunk; clamd answers "stream: OK" or
"stream: <signature> FOUND". The content is read in chunks (a file, or a blob opened from the
store), never whole into memory.

Scanning is on when CLAMAV_SOCKET (a unix socket path) or CLAMAV_HOST is set. clamd's own limits
(StreamMaxLength, MaxFileSize, MaxScanSize) must be at least MAX_UPLOAD_SIZE: over
StreamMaxLength clamd answers an error (treated as "scanner unavailable"), and over MaxFileSize
it says OK without scanning unless AlertExceedsMax is on.
"""

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..audit import service as audit
from ..extensions import db
from .audit_privacy import audit_details
from .models import Document, DocumentVersion, ScanStatus
from .stores import blob_store

CHUNK = 256 * 1024
#: Suffix clamd gives signatures from a database that is not ClamAV's signed one.
_UNOFFICIAL = ".UNOFFICIAL"


class ScannerUnavailable(Exception):
    """clamd could not be reached, timed out, or answered something other than a verdict."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str | None = None

    @property
    def signature_label(self) -> str:
        """The signature's name as shown to people (without clamd's ".UNOFFICIAL" marker)."""
        name = self.signature or ""
        return name[: -len(_UNOFFICIAL)] if name.endswith(_UNOFFICIAL) else name


class ClamdClient:
    """One connection per command, as clamd expects for the z-prefixed commands."""

    def __init__(
        self,
        *,
        socket_path: str | None = None,
        host: str | None = None,
        port: int = 3310,
        timeout: float = 60.0,
    ):
        if not socket_path and not host:
            raise ValueError("a unix socket path or a host is needed")
        self.socket_path, self.host, self.port, self.timeout = socket_path, host, port, timeout

    def _connect(self) -> socket.socket:
        try:
            if self.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(self.socket_path)
                return sock
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise ScannerUnavailable(f"cannot connect to clamd: {error}") from error

    def _command(self, command: bytes, send_body=None) -> str:
        with self._connect() as sock:
            try:
                sock.sendall(b"z" + command + b"\0")
                if send_body is not None:
                    send_body(sock)
                return _read_reply(sock)
            except OSError as error:  # timeouts are OSErrors too
                raise ScannerUnavailable(f"clamd did not answer: {error}") from error

    def ping(self) -> bool:
        return self._command(b"PING") == "PONG"

    def scan_file(self, path: Path) -> Verdict:
        """Stream the file at `path` to clamd and return its verdict."""
        with Path(path).open("rb") as handle:
            return self.scan_stream(handle)

    def scan_stream(self, stream: BinaryIO) -> Verdict:
        """Stream what `stream` reads, chunk by chunk, to clamd and return its verdict: a blob
        from any store (one with no local path, too), never whole in memory."""

        def send(sock: socket.socket) -> None:
            while chunk := stream.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))

        return _verdict(self._command(b"INSTREAM", send))


def _read_reply(sock: socket.socket) -> str:
    """Read up to the terminating NUL byte (z-commands end their reply with one)."""
    reply = b""
    while not reply.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        reply += part
        if len(reply) > 64 * 1024:
            raise ScannerUnavailable("clamd's reply is unreasonably long")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def _verdict(reply: str) -> Verdict:
    # "stream: OK", "stream: Eicar-Signature FOUND", or "... ERROR" (e.g. a size limit).
    body = reply.split(": ", 1)[1] if ": " in reply else reply
    if body == "OK":
        return Verdict(infected=False)
    if body.endswith(" FOUND"):
        return Verdict(infected=True, signature=body[: -len(" FOUND")].strip())
    raise ScannerUnavailable(f"clamd could not scan the file: {reply!r}")


def client_from_config(config) -> ClamdClient | None:
    """The configured client, or None when scanning is off."""
    socket_path = config.get("CLAMAV_SOCKET") or None
    host = config.get("CLAMAV_HOST") or None
    if not socket_path and not host:
        return None
    return ClamdClient(
        socket_path=socket_path,
        host=host,
        port=int(config.get("CLAMAV_PORT") or 3310),
        timeout=float(config.get("CLAMAV_TIMEOUT") or 60),
    )


def quarantine_when_unavailable(config) -> bool:
    """Anything but an explicit "quarantine" refuses: an unknown value must not let files in."""
    return str(config.get("CLAMAV_UNAVAILABLE", "refuse")).strip().lower() == "quarantine"


@dataclass
class PendingReport:
    clean: int = 0
    infected: int = 0
    missing: int = 0


def scan_pending(client: ClamdClient) -> PendingReport:
    """Scan the content of every version held in quarantine, one blob at a time, committing
    after each (scan_blob). ScannerUnavailable stops the run, keeping what was done so far."""
    report = PendingReport()
    pending = select(DocumentVersion.sha256).where(
        DocumentVersion.scan_status == ScanStatus.PENDING
    )
    for sha256 in sorted(set(db.session.scalars(pending))):
        outcome = scan_blob(client, sha256, found_by="scan-pending")
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def scan_job(sha256: str) -> None:
    """The "documents.scan" job, queued after an upload held in quarantine for it. clamd
    unreachable raises, so the queue tries again; after the last try the version stays in
    quarantine for the scan-pending sweep, and the job is on the dead-letter list."""
    client = client_from_config(current_app.config)
    if client is None:
        raise ScannerUnavailable("virus scanning is off: set CLAMAV_SOCKET or CLAMAV_HOST")
    scan_blob(client, sha256, found_by="scan-job")


def scan_blob(client: ClamdClient, sha256: str, *, found_by: str) -> str:
    """Scan one blob, read from the store as a stream, and mark every pending version with that
    content: "clean" (they become openable), "infected" (marked, audited, and the blob removed
    after the commit), or "missing" (left pending, logged). Nothing pending: "clean", unread."""
    store = _store()
    versions = db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.sha256 == sha256)
    ).all()
    if not any(v.scan_status == ScanStatus.PENDING for v in versions):
        return "clean"  # scanned already (the sweep and a job may meet)
    if not store.exists(sha256):
        current_app.logger.warning("Pending blob %s is missing; left pending", sha256)
        return "missing"
    with store.open(sha256) as stream:
        verdict = client.scan_stream(stream)
    if verdict.infected:
        _mark_infected(versions, verdict, found_by)
        db.session.commit()
        # Infected content goes at once, not after the collector's grace period: every
        # version with it is marked infected now, and no one may ever open it.
        store.delete(sha256)
        return "infected"
    cleaned = _mark_clean(versions)
    db.session.flush()
    queue_extraction(cleaned)
    db.session.commit()
    return "clean"


def _store():
    return blob_store(current_app.config)


def _mark_infected(versions, verdict: Verdict, found_by: str) -> None:
    for version in versions:  # identical content is infected whatever it was marked before
        version.scan_status = ScanStatus.INFECTED
        space_id = _space_id(version)
        audit.record(
            "document.infected",
            result="failure",
            target_type="document",
            target_id=version.document_id,
            space_id=space_id,
            # no file name of a case document in the audit log
            details=audit_details(
                space_id,
                {
                    "version": version.number,
                    "filename": version.filename,
                    "signature": verdict.signature,
                    "space": space_id,
                    "found_by": found_by,
                },
            ),
        )


def _mark_clean(versions) -> list:
    """The versions that were pending, now clean."""
    cleaned = []
    for version in versions:
        if version.scan_status != ScanStatus.PENDING:
            continue
        version.scan_status = ScanStatus.CLEAN
        cleaned.append(version)
        audit.record(
            "document.scanned",
            target_type="document",
            target_id=version.document_id,
            space_id=_space_id(version),
            details={"version": version.number, "scan": ScanStatus.CLEAN.value},
        )
    return cleaned


def queue_extraction(versions) -> None:
    """With a queue, the text of versions that may be opened is read for search by a job once
    the transaction commits. Without one nothing waits on a parser in the request: cron runs
    `flask neig extract-text` (docs/deployment.md)."""
    if not jobs.queue_configured():
        return
    for version in versions:
        jobs.enqueue("documents.extract", summary=f"versie {version.id}", version_id=version.id)


def _space_id(version) -> int:
    return db.session.get(Document, version.document_id).space_id
