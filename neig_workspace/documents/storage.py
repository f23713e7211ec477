"""The content-addressed blob store behind documents.

An upload is streamed to a temporary file in the store's own folder while it is hashed, fsynced,
and renamed into place with os.replace: it never sits whole in memory, an interrupted upload
leaves only a temporary file, and a blob is never overwritten (same content, same name).

Identical content is one blob shared by every row that has it, so no request ever deletes a
blob: a request that rolls back cannot know whether another, still running, reuses it. Only the
garbage collector (`flask neig blobs gc`, documents/blobs.py) removes a blob, once no row points
at it and its modification time is older than a grace period longer than any request. A request
that reuses a blob refreshes that time (`touch`). `S3BlobStore` (s3_storage.py) has the same
interface and the same local staging; `stores.blob_store` picks one from the configuration.
"""

import enum
import errno
import hashlib
import io
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
#: A spool hashes writes of this size or more in a thread beside the write (`Spool.write`).
HASH_ASIDE = 128 * 1024
BLOB_MODE = 0o640

#: What a full disk (or an exhausted quota) raises while writing.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_storage_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in FULL_ERRNOS


class TooLarge(Exception):
    """The stream went over the allowed size; nothing was kept."""


class BlobState(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class StagedBlob:
    """A stream written to a temporary file: hashed and measured, not yet in the store."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredBlob:
    """A blob as the garbage collector sees it: its name, size and last use (epoch seconds)."""

    sha256: str
    size: int
    mtime: float


class LocalStaging:
    """What every store does on the local disk: temporary files in root/tmp (request bodies on
    their way in, staged uploads, blobs being collected), so the request body's spool is
    adopted without a copy and clamd scans the staged file, whatever the store behind it."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def spool(self) -> "Spool":
        """A named temporary file for a file part of a request body, hashed while it is written:
        `stage` adopts it as it is (no second copy); removed when closed otherwise, and swept by
        the garbage collector when a killed process could not close it."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="request-")
        return Spool(fd, Path(name), self.tmp)

    def stage(self, stream: BinaryIO, max_size: int) -> StagedBlob:
        """Hash, measure and fsync `stream` into a temporary file. A spool of this store that
        the request body was written to is adopted: one write of an upload, one fsync."""
        if isinstance(stream, Spool) and stream.adoptable(self.tmp):
            return stream.adopt(max_size)
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_size:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return StagedBlob(Path(name), digest.hexdigest(), size)

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def stale_temp_files(self, used_before: float) -> Iterator[tuple[str, int]]:
        """Temporary files last written before `used_before` (left by a killed process)."""
        if not self.tmp.is_dir():
            return
        for entry in os.scandir(self.tmp):
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue
            if entry.is_file() and stat.st_mtime < used_before and not _is_aside(entry.name):
                yield entry.name, stat.st_size

    def remove_temp_file(self, name: str, used_before: float) -> bool:
        path = self.tmp / Path(name).name
        try:
            if path.stat().st_mtime >= used_before:  # written to again since it was listed
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def probe(self) -> None:
        """Raise OSError unless uploads can be staged: a byte written to the temporary folder
        (an unnamed file, gone when closed)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.tmp, prefix="ready-") as probe:
            probe.write(b"0")
            probe.flush()


class LocalBlobStore(LocalStaging):
    """Blobs as files under root/ab/cd/<sha256>, outside the web root."""

    kind = "local"

    def path(self, sha256: str) -> Path:
        if not is_digest(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / blob_key(sha256)

    def commit(self, staged: StagedBlob) -> None:
        """Move the staged file into place; when the same content is there already, keep that
        one and refresh its time, so the garbage collector sees it is in use again."""
        try:
            if self.touch(staged.sha256):
                staged.path.unlink(missing_ok=True)
                return
            target = self.path(staged.sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Readable by the app's group too: nginx, in that group, sends the bytes of a
            # download (X-Accel-Redirect); a temporary file is created for the owner alone.
            os.chmod(staged.path, BLOB_MODE)
            os.replace(staged.path, target)
            _fsync_dir(target.parent)
        except BaseException:
            staged.path.unlink(missing_ok=True)  # a full disk leaves no temporary file behind
            raise

    def touch(self, sha256: str) -> bool:
        """Mark a blob as used now; False when it is not there (the collector may just have
        taken it: the caller then stores its own copy)."""
        now = time.time_ns()
        try:
            os.utime(self.path(sha256), ns=(now, now))
        except FileNotFoundError:
            return False
        return True

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def check(self, sha256: str, size: int, *, rehash: bool) -> BlobState:
        """Whether the blob is there with its size; with `rehash`, also with its hash (reads
        the whole file: for `blobs verify`, too slow for every download)."""
        path = self.path(sha256)
        try:
            if path.stat().st_size != size:
                return BlobState.CORRUPT
            if rehash and _sha256_of(path) != sha256:
                return BlobState.CORRUPT
        except FileNotFoundError:
            return BlobState.MISSING
        return BlobState.OK

    def delete(self, sha256: str) -> None:
        """Remove at once: only for content found infected; anything else is the collector's."""
        self.path(sha256).unlink(missing_ok=True)

    def blobs(self) -> Iterator[StoredBlob]:
        for directory, _, names in os.walk(self.root):
            if Path(directory) == self.tmp:
                continue
            for name in names:
                if not is_digest(name):
                    continue
                try:
                    stat = os.stat(os.path.join(directory, name))
                except FileNotFoundError:
                    continue
                yield StoredBlob(name, stat.st_size, stat.st_mtime)

    def remove_if_idle(self, sha256: str, used_before: float) -> bool:
        """Remove a blob nobody has used since `used_before`. It is first renamed aside and its
        time read again: a request that reused it a moment ago has refreshed the time (then
        it goes back), and one that comes after the rename finds it gone and stores its own
        copy, so a blob is never taken from under a request."""
        target = self.path(sha256)
        self.tmp.mkdir(parents=True, exist_ok=True)
        aside = self.tmp / f"{ASIDE}{sha256}-{secrets.token_hex(4)}"
        try:
            os.replace(target, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= used_before:
            os.replace(aside, target)  # identical content, should a request have stored it anew
            return False
        aside.unlink()
        return True

    def recover_collections(self, set_aside_before: float) -> int:
        """Put back the blobs a collector killed between its rename and its second look left
        aside before `set_aside_before` (a request may have reused one just before): the run
        judges them again. Returns how many were put back."""
        if not self.tmp.is_dir():
            return 0
        recovered = 0
        for entry in os.scandir(self.tmp):
            if not _is_aside(entry.name):
                continue
            try:
                if entry.stat().st_ctime >= set_aside_before:  # the rename set its ctime
                    continue
            except FileNotFoundError:
                continue
            target = self.path(entry.name[len(ASIDE) : len(ASIDE) + 64])
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(entry.path, target)  # identical content if a request stored it anew
            recovered += 1
        return recovered

    def is_empty(self) -> bool:
        """Nothing at all under the root, a stray file included (a restore wants it so)."""
        return not self.root.exists() or not any(p.is_file() for p in self.root.rglob("*"))


#: Name of a blob a collector set aside in tmp/ (followed by its sha256).
ASIDE = "collect-"


def _is_aside(name: str) -> bool:
    return name.startswith(ASIDE) and is_digest(name[len(ASIDE) : len(ASIDE) + 64])


class Spool(io.BufferedRandom):
    """A file part as the form parser writes it (appended, then rewound and read): the sha256
    and size are taken as the bytes go by, so the file can become the staged blob without being
    read or copied again. Closing removes the file unless it was adopted.

    A large write is hashed in a thread of the spool's own while it is written (hashlib and the
    file's write both release the GIL): on two cores the hash then costs no time of its own.
    `write` still returns only once both are done with the bytes, as a file's write does."""

    def __init__(self, fd: int, path: Path, folder: Path):
        super().__init__(io.FileIO(fd, "w+b"), buffer_size=64 * 1024)
        self.path = path
        self._folder = folder
        self._digest = hashlib.sha256()
        self._size = 0
        self._appending = True  # every write so far went to the end, in order
        self._adopted = False
        self._hasher: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        return str(self.path)

    def write(self, data) -> int:
        if not self._appending:  # written again after a seek: the running hash is no use
            self._digest = None
        elif self._digest is not None:
            size = memoryview(data).nbytes
            self._size += size
            if size >= HASH_ASIDE:
                if self._hasher is None:
                    self._hasher = ThreadPoolExecutor(1, thread_name_prefix="spool-sha256")
                hashed = self._hasher.submit(self._digest.update, data)
                try:
                    return super().write(data)
                finally:
                    hashed.result()  # the caller may reuse `data` once write returns
            self._digest.update(data)
        return super().write(data)

    def _stop_hasher(self) -> None:
        if self._hasher is not None:
            self._hasher.shutdown()
            self._hasher = None

    def seek(self, offset: int, whence: int = 0) -> int:
        self._appending = False
        self._stop_hasher()  # the parser rewinds a part it has written: no thread kept per part
        return super().seek(offset, whence)

    def adoptable(self, folder: Path) -> bool:
        """Written once, from the start, in this store's folder, and not read from yet."""
        return (
            not self.closed
            and self._digest is not None
            and self._folder == folder
            and self.tell() == 0
        )

    def adopt(self, max_size: int) -> StagedBlob:
        """The spool as the staged blob: flushed and fsynced once; the caller now owns the
        file (commit or discard removes it). Too large: removed at once."""
        try:
            if self._size > max_size:
                raise TooLarge
            self.flush()
            os.fsync(self.fileno())
        except BaseException:
            self.close()
            raise
        self._adopted = True
        self.close()
        return StagedBlob(self.path, self._digest.hexdigest(), self._size)

    def close(self) -> None:
        self._stop_hasher()
        if self.closed:
            return
        try:
            super().close()  # on a full disk the last buffered write fails here first
        finally:
            if not self._adopted:
                self.path.unlink(missing_ok=True)


def blob_key(sha256: str) -> str:
    """A blob's place under the store's root, "ab/cd/<sha256>" (for X-Accel-Redirect)."""
    if not is_digest(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_digest(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
