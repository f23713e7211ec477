"""The blob store's lifecycle: the garbage collector and the check of every row's blob.

`collect_garbage` is the only code that removes a blob that is not infected: one that no
version points at and that nobody has used (stored or reused) for the grace period
(BLOB_GC_GRACE_HOURS), which is far longer than any request. It also sweeps the temporary files
a killed process left behind. `verify_blobs` checks that every version's blob is there with its
size and hash.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from flask import current_app
from sqlalchemy import distinct, func, select

from ..extensions import db
from .models import DocumentVersion, ScanStatus
from .service import store
from .storage import BlobState

#: Blobs looked up in the database at once.
BATCH = 500
#: Seconds after which a blob set aside by a collector counts as left by a killed one (a
#: collection takes milliseconds; another app server's collector may be at work right now).
RECOVER_AFTER = 3600

Progress = Callable[[str], None]


@dataclass
class GcReport:
    checked: int = 0
    removed: int = 0
    removed_bytes: int = 0
    temp_files: int = 0
    temp_bytes: int = 0
    recovered: int = 0


@dataclass
class VerifyReport:
    checked: int = 0
    #: (sha256, "missing" or "corrupt", ids of the versions that point at it)
    problems: list[tuple[str, str, list[int]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def grace_seconds(app=None) -> float:
    return float((app or current_app).config["BLOB_GC_GRACE_HOURS"]) * 3600


def collect_garbage(*, dry_run: bool, progress: Progress = lambda line: None) -> GcReport:
    """Remove unreferenced blobs and stale temporary files older than the grace period."""
    used_before = time.time() - grace_seconds()
    report = GcReport()
    blobs = store()
    if not dry_run:
        # A collector killed between setting a blob aside and its second look: back in place,
        # to be judged again below.
        report.recovered = blobs.recover_collections(time.time() - RECOVER_AFTER)
    for batch in _batches(b for b in blobs.blobs() if b.mtime < used_before):
        used = _referenced({b.sha256 for b in batch})
        for blob in batch:
            report.checked += 1
            if blob.sha256 in used:
                continue
            if dry_run or blobs.remove_if_idle(blob.sha256, used_before):
                report.removed += 1
                report.removed_bytes += blob.size
        progress(f"{report.checked} unused-looking blob(s) checked, {report.removed} to remove")
    for name, size in list(blobs.stale_temp_files(used_before)):
        if dry_run or blobs.remove_temp_file(name, used_before):
            report.temp_files += 1
            report.temp_bytes += size
    return report


def _referenced(hashes: set[str]) -> set[str]:
    """Which of `hashes` a version points at (committed rows: what a running request adds is
    protected by the grace period, its blob having been stored or touched by it)."""
    rows = db.session.scalars(
        select(DocumentVersion.sha256).where(DocumentVersion.sha256.in_(hashes)).distinct()
    )
    used = set(rows)
    db.session.rollback()  # no transaction held open while the files are handled
    return used


def verify_blobs(*, progress: Progress = lambda line: None) -> VerifyReport:
    """Check every version's blob: there, of its size, of its hash. Content removed because it
    was infected is not a problem: its versions are marked and never opened."""
    report = VerifyReport()
    blobs = store()
    total = _count_blobs()
    for batch in _batches(_versions_by_blob()):
        for sha256, size, version_ids, infected in batch:
            report.checked += 1
            state = blobs.check(sha256, size, rehash=True)
            if state == BlobState.MISSING and infected:
                continue
            if state != BlobState.OK:
                report.problems.append((sha256, state.value, version_ids))
        progress(f"{report.checked}/{total} blob(s) checked, {len(report.problems)} problem(s)")
    return report


def _count_blobs() -> int:
    return db.session.scalar(select(func.count(distinct(DocumentVersion.sha256))))


def _versions_by_blob() -> Iterator[tuple[str, int, list[int], bool]]:
    """(sha256, size, version ids, all infected) per blob, in hash order."""
    rows = db.session.execute(
        select(
            DocumentVersion.sha256,
            DocumentVersion.size,
            DocumentVersion.id,
            DocumentVersion.scan_status,
        )
        .order_by(DocumentVersion.sha256, DocumentVersion.id)
        .execution_options(yield_per=BATCH)  # streamed: every version of the network
    )
    current = None
    for sha256, size, version_id, status in rows:
        if current is not None and current[0] != sha256:
            yield current
            current = None
        if current is None:
            current = (sha256, size, [], True)
        current[2].append(version_id)
        if status != ScanStatus.INFECTED:
            current = (*current[:3], False)
    if current is not None:
        yield current


def _batches(items: Iterable) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch
