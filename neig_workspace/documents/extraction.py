"""Reading the text out of uploaded files, for search.

`extract_version(version_id)` reads one version's file and stores what it found in
`version_texts`: the text (capped at EXTRACT_MAX_CHARS) and a status, so that a file whose
text could not be read is searched by its metadata and says why ("geen tekst gevonden" for a
scanned PDF). The job queue calls it once the virus scan has passed; `flask neig extract-text`
reads the versions that have no text yet.

Every file is parsed in a child process (extract_child.py) started with an empty environment
and limits of its own: address space (EXTRACT_MEMORY_MB), CPU time, and a wall-clock timeout
(EXTRACT_TIMEOUT_SECONDS) after which it is killed. A hostile file can cost that much and no
more. The child shuts itself in with Landlock before it reads the file: a parser the file
subverts can open no file of the app's, write nothing and connect nowhere. A kernel without
Landlock (before Linux 5.13, or switched off) gets a warning in the log, once per process.

Only versions that may be opened are read: clean ones, and those stored while scanning was off
(the same rule as a download); never a version waiting for its scan or found infected. Content
already read for another version (identical files share a blob) is copied, not read again.
"""

import json
import math
import os
import signal
import subprocess  # nosec B404 # the parser runs in a child process on purpose; no shell
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from .filetypes import TYPES
from .models import DocumentVersion, ScanStatus, TextStatus, VersionText
from .service import store
from .storage import CHUNK

CHILD = Path(__file__).with_name("extract_child.py")

#: What a version's scan must have said before its file is parsed.
EXTRACTABLE = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)

#: The parser for each stored type (by the mimetype the upload's content decided).
KINDS = {
    TYPES["pdf"].mimetype: "pdf",
    TYPES["docx"].mimetype: "docx",
    TYPES["xlsx"].mimetype: "xlsx",
    TYPES["pptx"].mimetype: "pptx",
    TYPES["odt"].mimetype: "odf",
    TYPES["ods"].mimetype: "odf",
    TYPES["odp"].mimetype: "odf",
    TYPES["txt"].mimetype: "text",
    TYPES["csv"].mimetype: "text",
}

#: As the document page shows them, in the version's row.
TEXT_STATUS_LABELS = {
    TextStatus.OK: _l("tekst gevonden"),
    TextStatus.NO_TEXT: _l("geen tekst gevonden"),
    TextStatus.UNREADABLE: _l("niet leesbaar"),
    TextStatus.TOO_LARGE: _l("te groot om te lezen"),
    TextStatus.TIMEOUT: _l("lezen duurde te lang"),
    TextStatus.UNSUPPORTED: _l("bestandstype zonder tekst"),
}

#: Past RLIMIT_CPU's soft limit the kernel sends SIGXCPU, past the hard one SIGKILL.
_KILLED_FOR_TIME = (-signal.SIGXCPU, -signal.SIGKILL)


@dataclass(frozen=True)
class Limits:
    timeout: float
    memory_mb: int
    max_chars: int

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(
            timeout=float(config["EXTRACT_TIMEOUT_SECONDS"]),
            memory_mb=int(config["EXTRACT_MEMORY_MB"]),
            max_chars=int(config["EXTRACT_MAX_CHARS"]),
        )


@dataclass(frozen=True)
class Extracted:
    status: TextStatus
    text: str = ""
    truncated: bool = False
    extractor: str = ""


def kind_of(filename: str, mimetype: str) -> str | None:
    """Which parser reads the file; None when no text is read from its type. An e-mail is
    stored as plain text (its content decides the type), so its name says it is one."""
    kind = KINDS.get(mimetype)
    if kind == "text" and filename.lower().endswith(".eml"):
        return "eml"
    return kind


# --- one version -----------------------------------------------------------------------------


def extract_version(
    version_id: int, *, again: bool = False, started: datetime | None = None
) -> VersionText | None:
    """Read the version's text and store it; commits. None when the version is gone, may not
    be opened (pending, infected) or its blob is missing (it is tried again on a later run).

    A version that has its text already is left as it is unless `again`. Identical content
    read for another version is copied (with `again`, only if read since `started`).

    It ends the caller's transaction before parsing, so no transaction stays open while a
    file is read for up to EXTRACT_TIMEOUT_SECONDS: a job runs it on its own.
    """
    version = db.session.get(DocumentVersion, version_id)
    if version is None or version.scan_status not in EXTRACTABLE:
        return None
    if not again and version.extracted is not None:
        return version.extracted
    result = _read_before(version, again=again, started=started)
    sha256, kind = version.sha256, kind_of(version.filename, version.mimetype)
    db.session.commit()
    if result is None:
        result = extract_blob(sha256, kind, Limits.from_config(current_app.config))
        if result is None:
            return None
    return _save(version_id, result)


def _read_before(version, *, again: bool, started: datetime | None) -> Extracted | None:
    """The text of identical content another version has (not a timeout: that depends on
    how busy the machine was)."""
    query = (
        select(VersionText)
        .join(DocumentVersion, DocumentVersion.id == VersionText.version_id)
        .where(
            DocumentVersion.sha256 == version.sha256,
            DocumentVersion.id != version.id,
            VersionText.status != TextStatus.TIMEOUT,
        )
        .limit(1)
    )
    if again:
        if started is None:
            return None
        query = query.where(VersionText.extracted_at >= started)
    done = db.session.scalars(query).first()
    if done is None:
        return None
    return Extracted(done.status, done.text, done.truncated, done.extractor)


def _save(version_id: int, result: Extracted) -> VersionText | None:
    """Store the result, unless the version went while its file was read (purged) or may no
    longer be opened (found infected meanwhile)."""
    version = db.session.get(DocumentVersion, version_id, populate_existing=True)
    if version is None or version.scan_status not in EXTRACTABLE:
        db.session.commit()
        return None
    row = db.session.get(VersionText, version_id) or VersionText(version_id=version_id)
    row.status, row.text, row.truncated = result.status, result.text, result.truncated
    row.extractor, row.extracted_at = result.extractor[:60], utcnow()
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # another run stored it in the meantime: theirs stands
        db.session.rollback()
        return db.session.get(VersionText, version_id)
    return row


# --- one blob, in a child process -------------------------------------------------------------


def extract_blob(sha256: str, kind: str | None, limits: Limits) -> Extracted | None:
    """Parse one blob in a child process; None when the blob is missing."""
    if kind is None:
        return Extracted(TextStatus.UNSUPPORTED)
    with _readable_file(sha256) as handle:
        if handle is None:
            current_app.logger.warning("Blob %s is missing; its text was not read", sha256)
            return None
        return _run_child(handle, kind, limits)


@contextmanager
def _readable_file(sha256: str):
    """The blob as a file the child can read as its standard input: the store's own file
    when it is one, else a copy in BLOB_ROOT/tmp (a store without local paths), removed
    afterwards; None when the blob is missing."""
    blobs = store()
    try:
        source = blobs.open(sha256)
    except FileNotFoundError:
        yield None
        return
    with source:
        if _is_local_file(source):
            yield source
            return
        blobs.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=blobs.tmp, prefix="extract-") as copy:
            while chunk := source.read(CHUNK):
                copy.write(chunk)
            copy.flush()
            copy.seek(0)
            yield copy


def _is_local_file(handle) -> bool:
    try:
        handle.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return handle.seekable()


def _run_child(handle, kind: str, limits: Limits) -> Extracted:
    handle.seek(0)
    command = [
        sys.executable,
        "-I",  # no user site, no PYTHON* variables, not the app's folder on the path
        str(CHILD),
        kind,
        str(limits.max_chars),
        str(limits.memory_mb * 1024 * 1024),
        str(max(1, math.ceil(limits.timeout))),
    ]
    try:
        finished = subprocess.run(  # nosec B603 # noqa: S603 # our interpreter and script, no shell
            command,
            stdin=handle,
            stdout=subprocess.PIPE,  # its answer, capped by the child at EXTRACT_MAX_CHARS
            stderr=subprocess.DEVNULL,  # a parser's warnings: unbounded, and may quote the file
            timeout=limits.timeout,
            env={"PATH": os.defpath},  # none of the app's settings or secrets
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        return Extracted(TextStatus.TIMEOUT, extractor=kind)
    return _result(finished, kind)


def _result(finished: subprocess.CompletedProcess, kind: str) -> Extracted:
    if finished.returncode in _KILLED_FOR_TIME:
        return Extracted(TextStatus.TIMEOUT, extractor=kind)
    try:
        answer = json.loads(finished.stdout)
        status = TextStatus(answer["status"])
    except (ValueError, KeyError, TypeError):
        # The parser crashed (a signal, or an abort in C code): what it read is not to be trusted.
        current_app.logger.warning("Text extraction (%s) ended with %s", kind, finished.returncode)
        return Extracted(TextStatus.UNREADABLE, extractor=kind)
    if answer.get("confined") is False:
        _warn_unconfined()
    if answer.get("error"):
        current_app.logger.info("Text extraction (%s): %s", kind, answer["error"])
    return Extracted(
        status,
        str(answer.get("text") or ""),
        bool(answer.get("truncated")),
        str(answer.get("extractor") or kind),
    )


_warned = []


def _warn_unconfined() -> None:
    if not _warned:
        _warned.append(True)
        current_app.logger.warning(
            "Text extraction runs without Landlock (this kernel has none): a parser that a"
            " hostile file subverts could read the app's files"
        )


# --- the command -----------------------------------------------------------------------------


def versions_to_extract(*, since: datetime | None = None, again: bool = False) -> list[int]:
    """Ids of the versions to read, oldest first: those that may be opened and have no text
    yet (with `again`, those that have one too), created since `since`."""
    query = select(DocumentVersion.id).where(DocumentVersion.scan_status.in_(EXTRACTABLE))
    if since is not None:
        query = query.where(DocumentVersion.created_at >= since)
    if not again:
        query = query.where(~exists().where(VersionText.version_id == DocumentVersion.id))
    ids = list(db.session.scalars(query.order_by(DocumentVersion.id)))
    db.session.commit()
    return ids


def extract_all(version_ids, *, again: bool = False) -> Counter:
    """Read each version in turn; the count of each status, and "skipped" for versions that
    went, may no longer be opened or whose blob is missing."""
    started = utcnow()
    counts: Counter = Counter()
    for version_id in version_ids:
        row = extract_version(version_id, again=again, started=started)
        counts[row.status.value if row is not None else "skipped"] += 1
    return counts
