"""Backup and restore (BIO 8.13): a consistent dump of the database, the blobs it
refers to, and a manifest to check a restore against.

A backup folder holds:

    manifest.json      the database's kind and migration revision, rows per table, the dump's
                       sha256, every blob's sha256 and size, the head of the audit chain, and a
                       fingerprint of the key that encrypts secrets at rest
    database.dump      PostgreSQL: pg_dump's custom format, or
    database.sqlite3   SQLite: a copy made by SQLite's online backup API
    blobs/ab/cd/<sha256>

The counts, the blob list and the audit head are read from the same snapshot as the dump (an
exported snapshot on PostgreSQL, the copy itself on SQLite), so they describe exactly what was
dumped while the application keeps running. Blobs are immutable and only removed by a purge, so
copying them after the dump finds every one the dump refers to. The store is the configured one
(the filesystem or S3, documents/stores.py); the backup's own blobs are always files.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump and pg_restore, with argument lists and no shell
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection

from . import database
from .accounts.mfa import derive_key
from .audit.models import AuditEvent
from .audit.service import verify_chain
from .documents.models import DocumentVersion, ScanStatus
from .documents.storage import CHUNK, BlobState, LocalBlobStore
from .documents.stores import blob_store
from .extensions import db
from .timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why."""


@dataclass
class Snapshot:
    """What one consistent view of the database holds, as the manifest records it."""

    tables: dict[str, int]
    revision: str | None
    audit: dict
    blobs: list[str] = field(default_factory=list)


# --- backup -----------------------------------------------------------------------------------


def create_backup(directory: Path) -> dict:
    """Write a backup into `directory` (new or empty) and return its manifest. Blobs that are
    missing or damaged in the store are listed under `missing_blobs` (the caller fails then)."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: a backup goes into a new folder.")
    directory.mkdir(parents=True, exist_ok=True)
    kind = _kind()
    dump = directory / DUMPS[kind]
    snapshot = _dump_postgresql(dump) if kind == "postgresql" else _dump_sqlite(dump)
    blobs, missing = _copy_blobs(snapshot.blobs, _store(), LocalBlobStore(directory / "blobs"))
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds") + "Z",
        "database": {
            "kind": kind,
            "file": dump.name,
            "sha256": _sha256_of(dump),
            "revision": snapshot.revision,
            "tables": snapshot.tables,
        },
        "audit": snapshot.audit,
        "blobs": blobs,
        "missing_blobs": missing,
        "key_fingerprint": key_fingerprint(),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _dump_postgresql(target: Path) -> Snapshot:
    """pg_dump from a snapshot exported by a transaction that then reads the counts itself."""
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), database.without_timeouts(connection):
            snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
                + [f"--snapshot={snapshot_id}", f"--file={target}", f"--dbname={_conninfo()}"]
            )
            return _read_snapshot(connection)


def _dump_sqlite(target: Path) -> Snapshot:
    """SQLite's online backup API: a consistent copy while the application keeps writing (WAL);
    the manifest is read from the copy."""
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _read_snapshot(connection)
    finally:
        engine.dispose()


def _read_snapshot(connection: Connection) -> Snapshot:
    tables = {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }
    last = connection.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return Snapshot(
        tables=tables,
        revision=_revision(connection),
        audit={"events": tables[AuditEvent.__tablename__], "last_hash": last},
        blobs=referenced_blobs(connection),
    )


def referenced_blobs(connection: Connection) -> list[str]:
    """The sha256 of every blob a stored row needs (an infected version's blob was removed)."""
    query = (
        select(DocumentVersion.sha256)
        .where(DocumentVersion.scan_status != ScanStatus.INFECTED)
        .distinct()
        .order_by(DocumentVersion.sha256)
    )
    return list(connection.execute(query).scalars())


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    heads = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(heads)) or None


def _copy_blobs(hashes: list[str], source, target) -> tuple[dict[str, int], list[str]]:
    """Copy each blob, checking its content against its name; return {sha256: size} of those
    copied and the hashes that were missing or damaged."""
    copied, missing = {}, []
    for sha256 in hashes:
        try:
            with source.open(sha256) as stream:
                staged = target.stage(stream, max_size=2**63)
        except FileNotFoundError:
            missing.append(sha256)
            continue
        if staged.sha256 != sha256:
            target.discard(staged)
            missing.append(sha256)
            continue
        target.commit(staged)
        copied[sha256] = staged.size
    return copied, missing


# --- restore ----------------------------------------------------------------------------------


def restore_backup(directory: Path) -> dict:
    """Restore a backup into an empty database and an empty blob store; return its manifest.
    Everything in the backup is checked before anything is written."""
    manifest = read_manifest(directory)
    problems = check_backup_files(directory, manifest)
    if problems:
        raise BackupError("The backup is damaged: " + "; ".join(problems))
    kind = manifest["database"]["kind"]
    if kind != _kind():
        raise BackupError(f"The backup is of {kind}, the database configured is {_kind()}.")
    _refuse_non_empty_target()
    store = _store()
    copied, _ = _copy_blobs(list(manifest["blobs"]), LocalBlobStore(directory / "blobs"), store)
    dump = directory / manifest["database"]["file"]
    try:
        _restore_postgresql(dump) if kind == "postgresql" else _restore_sqlite(dump)
    except BaseException:
        for sha256 in copied:  # it was empty: leave it so for a retry
            store.delete(sha256)
        raise
    return manifest


def _refuse_non_empty_target() -> None:
    db.session.remove()
    db.engine.dispose()
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise BackupError(
            f"The database holds {len(tables)} table(s): restore only into an empty database."
        )
    if not _store().is_empty():
        raise BackupError("The blob store holds files: restore only into an empty one.")


def _restore_postgresql(dump: Path) -> None:
    db.engine.dispose()
    _run(
        [_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner"]
        + ["--no-privileges", f"--dbname={_conninfo()}", str(dump)]
    )


def _restore_sqlite(dump: Path) -> None:
    db.engine.dispose()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path())
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# --- verify -----------------------------------------------------------------------------------


def verify_restore(directory: Path) -> list[str]:
    """Compare the configured database and blob store with a backup's manifest, and verify the
    audit chain: the problems found (none means the restore is complete and intact)."""
    manifest = read_manifest(directory)
    problems = check_backup_files(directory, manifest)
    with database.reading_only(), db.engine.connect() as connection:
        with database.without_timeouts(connection):
            snapshot = _read_snapshot(connection)
    expected = manifest["database"]
    for table, count in sorted(expected["tables"].items()):
        found = snapshot.tables.get(table)
        if found != count:
            problems.append(f"table {table}: {found} row(s), the backup has {count}")
    if snapshot.revision != expected["revision"]:
        problems.append(f"migration {snapshot.revision}, the backup has {expected['revision']}")
    problems += _check_blobs(_store(), manifest["blobs"], "blob store")
    unlisted = set(snapshot.blobs) - set(manifest["blobs"]) - set(manifest["missing_blobs"])
    problems += [
        f"blob {sha256} is referenced but not in the backup" for sha256 in sorted(unlisted)
    ]
    problems += _check_audit(manifest["audit"])
    if manifest["key_fingerprint"] != key_fingerprint():
        problems.append(
            "the key (MFA_ENCRYPTION_KEY, or SECRET_KEY) differs from the backup's: TOTP secrets,"
            " SSO client secrets and case addresses cannot be read"
        )
    return problems


def _check_audit(expected: dict) -> list[str]:
    with database.reading_only():
        report = verify_chain()
        db.session.rollback()
    problems = []
    if not report.ok:
        problems.append(f"audit chain broken at event {report.broken_at}: {report.reason}")
    if report.checked != expected["events"]:
        problems.append(
            f"audit chain of {report.checked} events, the backup has {expected['events']}"
        )
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    db.session.rollback()
    if last != expected["last_hash"]:
        problems.append("the audit chain ends elsewhere than the backup's")
    return problems


# --- the backup's own files -------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: is this a backup folder?")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def check_backup_files(directory: Path, manifest: dict) -> list[str]:
    """The dump and every blob of the backup still match the manifest's hashes."""
    dump = directory / manifest["database"]["file"]
    problems = []
    if not dump.is_file():
        problems.append(f"{dump.name} is missing from the backup")
    elif _sha256_of(dump) != manifest["database"]["sha256"]:
        problems.append(f"{dump.name} does not match its sha256 in the manifest")
    problems += _check_blobs(LocalBlobStore(directory / "blobs"), manifest["blobs"], "backup")
    return problems


def _check_blobs(store, blobs: dict[str, int], where: str) -> list[str]:
    problems = []
    for sha256, size in sorted(blobs.items()):
        state = store.check(sha256, size, rehash=True)
        if state == BlobState.MISSING:
            problems.append(f"blob {sha256} is missing from the {where}")
        elif state != BlobState.OK:
            problems.append(f"blob {sha256} in the {where} does not match its hash")
    return problems


# --- helpers ----------------------------------------------------------------------------------


def key_fingerprint() -> str:
    """A one-way mark of the key that encrypts secrets at rest (not the key, nor a way to it):
    a restore whose mark differs cannot read what the backup's installation encrypted."""
    return derive_key(b"neig-backup-key-fingerprint").hex()[:16]


def _kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DUMPS:
        raise BackupError(f"Backups of {kind} databases are not supported.")
    if kind == "sqlite" and not _sqlite_path():
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return kind


def _store():
    return blob_store(current_app.config)


def _sqlite_path() -> str | None:
    name = db.engine.url.database
    return None if name in (None, "", ":memory:") else name


def _conninfo() -> str:
    """The database as a libpq URL for pg_dump and pg_restore; the password goes in the
    environment (_run), never on a command line others can read."""
    url = db.engine.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools).")
    return path


def _run(arguments: list[str]) -> None:
    env = dict(os.environ)
    if db.engine.url.password:
        env["PGPASSWORD"] = db.engine.url.password
    result = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)  # nosec B603 # noqa: S603 # fixed tools, argument list, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(arguments[0]).name} failed: {result.stderr.strip()}")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
