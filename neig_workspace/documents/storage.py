"""The content-addressed blob store behind documents.

An upload is streamed to a temporary file in the store's own folder while it is hashed, fsynced,
and renamed into place with os.replace: it never sits whole in memory, an interrupted upload
leaves only a temporary file that is removed, and a blob is never overwritten (same content,
same name). The interface leaves room for an S3-compatible store.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream went over the allowed size; nothing was kept."""


@dataclass(frozen=True)
class StagedBlob:
    """A stream written to a temporary file: hashed and measured, not yet in the store."""

    path: Path
    sha256: str
    size: int


class BlobStore(Protocol):
    def stage(self, stream: BinaryIO, max_size: int) -> StagedBlob: ...

    def commit(self, staged: StagedBlob) -> None: ...

    def discard(self, staged: StagedBlob) -> None: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def path(self, sha256: str) -> Path: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


class LocalBlobStore:
    """Blobs as files under root/ab/cd/<sha256>, outside the web root."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def stage(self, stream: BinaryIO, max_size: int) -> StagedBlob:
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

    def commit(self, staged: StagedBlob) -> None:
        target = self.path(staged.sha256)
        if target.exists():  # same content is stored already: keep the one we have
            staged.path.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
        _fsync_dir(target.parent)

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
