"""Checkpoints of the audit chain, kept outside the database.

The hash chain shows any change or removal in the middle of the log, but not a cut tail: drop
the newest rows and what is left is still a valid chain. So every AUDIT_CHECKPOINT_EVERY events
(at the commit that passes such a number) and at least hourly (`flask neig audit checkpoint`,
from cron), the newest event's id and hash are written as one signed line to syslog and to an
append-only file. `flask neig audit verify` checks the chain against those lines.

A line reads
    neig-audit-checkpoint v1 at=2026-12-04T17:16:29Z head=134 hash=<64 hex> first=1
    base=<64 hex> mac=<64 hex>
(on one line): the newest event (head, hash), the oldest one left (first) and the hash it
follows (base: zeros, unless old events were removed by `prune`), signed with HMAC-SHA256
under AUDIT_CHECKPOINT_KEY (by default a key derived from SECRET_KEY, never in the database).
"""

import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import SysLogHandler
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..accounts.mfa import derive_key
from ..extensions import db
from .models import AuditEvent

log = logging.getLogger(__name__)

PREFIX = "neig-audit-checkpoint v1"
_LINE = re.compile(
    rf"^{PREFIX} at=(?P<at>\S+) head=(?P<head>\d+) hash=(?P<hash>[0-9a-f]{{64}}) "
    r"first=(?P<first>\d+) base=(?P<base>[0-9a-f]{64}) mac=(?P<mac>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Checkpoint:
    """The chain at one moment: its newest event, and where it starts."""

    at: str
    head: int
    hash: str
    first: int
    base: str

    @property
    def body(self) -> str:
        return (
            f"{PREFIX} at={self.at} head={self.head} hash={self.hash} "
            f"first={self.first} base={self.base}"
        )

    def line(self) -> str:
        return f"{self.body} mac={_mac(self.body)}"


def _key() -> bytes:
    """The signing key, derived (HKDF) from AUDIT_CHECKPOINT_KEY or else SECRET_KEY: never in
    the database, so whoever can write the database cannot sign a checkpoint."""
    secret = current_app.config.get("AUDIT_CHECKPOINT_KEY") or current_app.config["SECRET_KEY"]
    return derive_key(b"neig-audit-checkpoint", secret)


def _mac(body: str, key: bytes | None = None) -> str:
    return hmac.new(key or _key(), body.encode("ascii"), hashlib.sha256).hexdigest()


def checkpoint_path() -> Path:
    configured = current_app.config.get("AUDIT_CHECKPOINT_FILE")
    return Path(configured or Path(current_app.instance_path) / "audit-checkpoints.log")


def current(session=None) -> Checkpoint | None:
    """The chain as the current transaction sees it (None while it is empty)."""
    session = session or db.session
    head = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is None:
        return None
    first = session.execute(
        select(AuditEvent.id, AuditEvent.prev_hash).order_by(AuditEvent.id).limit(1)
    ).one()
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Checkpoint(at, head.id, head.hash, first.id, first.prev_hash)


# --- writing -----------------------------------------------------------------------------------


class _StrictSysLogHandler(SysLogHandler):
    """Report a failed send to the caller instead of printing it."""

    def handleError(self, record):
        raise  # the error emit() is handling


def _syslog_address(value: str):
    """A unix socket ("/dev/log"), or "host:port" (UDP; the port defaults to 514)."""
    if value.startswith("/"):
        return value
    host, _sep, port = value.partition(":")
    return (host or "localhost", int(port or 514))


def _to_syslog(line: str, address: str) -> None:
    handler = _StrictSysLogHandler(
        address=_syslog_address(address), facility=SysLogHandler.LOG_AUTH
    )
    handler.ident = "neig-audit: "
    try:
        record = {"msg": line, "levelno": logging.INFO, "levelname": "INFO"}
        handler.emit(logging.makeLogRecord(record))
    finally:
        handler.close()


def _to_file(line: str, path: Path) -> None:
    """Append and fsync: the line is on disk before the command says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="ascii") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class Destinations:
    """Where a checkpoint goes, read from the config while the app is at hand."""

    path: Path
    syslog: str

    @classmethod
    def from_config(cls) -> "Destinations":
        return cls(checkpoint_path(), current_app.config.get("AUDIT_CHECKPOINT_SYSLOG") or "")


def write(line: str, destinations: Destinations) -> list[str]:
    """Write the line to the file and to syslog; return what failed (each is tried)."""
    failures = []
    try:
        _to_file(line, destinations.path)
    except OSError as error:
        failures.append(f"file {destinations.path}: {error}")
    if destinations.syslog:
        try:
            _to_syslog(line, destinations.syslog)
        except (OSError, ValueError) as error:
            failures.append(f"syslog {destinations.syslog}: {error}")
    for failure in failures:
        log.error("audit checkpoint not written to %s", failure)
    return failures


def write_now() -> tuple[Checkpoint | None, list[str]]:
    """`flask neig audit checkpoint` (cron, hourly): the newest committed event, signed, to the
    file and syslog. Returns the checkpoint (None for an empty chain) and what failed."""
    taken = current()
    if taken is None:
        return None, []
    return taken, write(taken.line(), Destinations.from_config())


def due(previous_id: int, new_id: int) -> bool:
    """Did the chain just pass a multiple of AUDIT_CHECKPOINT_EVERY (0: never)? Ids may skip
    numbers (a rolled-back insert), so this asks whether one was passed, not hit."""
    every = current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 0
    return every > 0 and new_id // every > previous_id // every


# --- reading and checking ----------------------------------------------------------------------


@dataclass
class Report:
    """What the checkpoints say about the chain: problems fail `verify`; notes do not."""

    problems: list[str]
    notes: list[str]
    newest: Checkpoint | None = None


def read(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The lines with a valid signature, and a problem for every other line."""
    if not path.exists():
        return [], []
    found, problems, key = [], [], _key()
    with path.open(encoding="ascii", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\n")
            if not text.strip():
                continue
            match = _LINE.match(text)
            body = text.rsplit(" mac=", 1)[0]
            if match is None or not hmac.compare_digest(match["mac"], _mac(body, key)):
                problems.append(f"checkpoint line {number} of {path} is FORGED or damaged")
                continue
            found.append(
                Checkpoint(
                    match["at"],
                    int(match["head"]),
                    match["hash"],
                    int(match["first"]),
                    match["base"],
                )
            )
    return found, problems


def check() -> Report:
    """Compare the chain with the checkpoint file: every checkpointed event since the newest
    checkpoint's start must still be there with the same hash (a cut tail, or a tail cut and
    written again, shows), the chain must reach the newest checkpoint, and start where it says."""
    path = checkpoint_path()
    checkpoints, problems = read(path)
    if not checkpoints:
        note = f"no valid checkpoint in {path}: a removed tail of the chain cannot be detected"
        return Report(problems, [note])
    newest = max(checkpoints, key=lambda c: c.head)
    problems += _start_problems(newest)
    problems += _head_problems(newest, [c for c in checkpoints if c.head >= newest.first])
    return Report(problems, [], newest)


def _start_problems(newest: Checkpoint) -> list[str]:
    first = db.session.execute(
        select(AuditEvent.id, AuditEvent.prev_hash).order_by(AuditEvent.id).limit(1)
    ).first()
    if first is None or first.id < newest.first:
        return []  # an empty chain is reported by the head check; an older start is in the chain
    if first.id > newest.first or first.prev_hash != newest.base:
        return [
            f"chain CUT at its start: it begins at event {first.id}, the checkpoint of "
            f"{newest.at} says event {newest.first}"
        ]
    return []


def _head_problems(newest: Checkpoint, checkpoints: list[Checkpoint]) -> list[str]:
    problems = []
    last = db.session.scalar(select(func.max(AuditEvent.id)))
    if last is None or last < newest.head:
        problems.append(
            f"chain CUT: it ends at event {last or 0}, shorter than the checkpoint of "
            f"{newest.at} says (event {newest.head})"
        )
    wanted = {c.head: c for c in checkpoints}
    found = {}
    heads = sorted(wanted)
    for start in range(0, len(heads), 500):  # one query per 500 checkpoints
        chunk = heads[start : start + 500]
        found.update(
            db.session.execute(
                select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(chunk))
            ).all()
        )
    for head in heads:
        checkpoint = wanted[head]
        if head not in found:
            problems.append(f"chain CUT: event {head}, checkpointed at {checkpoint.at}, is missing")
        elif found[head] != checkpoint.hash:
            problems.append(
                f"chain CHANGED: event {head} differs from its checkpoint of {checkpoint.at}"
            )
    return problems
