"""Blobs in an S3-compatible object store (MinIO, Ceph RGW, a cloud store), through boto3.

The interface is LocalBlobStore's (storage.py), and so is the staging: a request body is still
spooled to BLOB_ROOT/tmp and adopted without a copy, and clamd still scans the staged file.
`commit` then streams the staged file to the bucket (one PUT up to 8 MB, else a multipart
upload of 8 MB parts, each read from the file as it is sent, so memory stays small whatever
the size) and removes it.

Keys, under S3_PREFIX:
    <prefix>/ab/cd/<sha256>        the blob
    <prefix>/used/ab/cd/<sha256>   an empty marker: its LastModified is the blob's last reuse
    <prefix>/collect/<sha256>-<r>  a blob a collector has set aside (r: random, per collection)

S3 has no atomic rename and no way to set an object's time, so the two moves the local store
makes with os.replace and os.utime are made of plain requests here, ordered so that a blob is
never taken from under a request:

    touch (a request reuses content):  1. PUT the marker   2. HEAD the blob: there or not
    remove_if_idle (the collector):    a. blob and marker both older than the grace period?
                                       b. COPY blob -> collect/   c. DELETE blob
                                       d. HEAD the marker again: refreshed since a., then
                                          COPY it back and keep it; else DELETE collect/ copy
A request whose HEAD (2) came before c. has PUT its marker (1) before d., so the collector
puts the blob back; a request whose HEAD came after c. finds no blob and uploads its own copy
(identical content under the same key, so the collector's copy back overwrites nothing that
differs). Read-after-write consistency (AWS, MinIO and Ceph RGW have it) is assumed.

What remains, as with the local store's rename: between c. and d. (milliseconds) a download of
a row that a reusing request committed in that instant finds no blob and is refused with 503;
and a collector killed between c. and d. leaves the blob under collect/, missing from its place
until a `blobs gc` an hour or more later, which first puts such a blob back
(`recover_collections`).
"""

import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from .storage import CHUNK, BlobState, LocalStaging, StagedBlob, StoredBlob, blob_key, is_digest

#: Size of one part of a multipart upload (S3 wants at least 5 MB but for the last part).
PART = 8 * 1024 * 1024
#: How a multipart upload left by a killed process is named among the temporary files.
MULTIPART = "s3-multipart "


class StoreUnavailable(OSError):
    """The object store did not answer, or refused (credentials, bucket)."""


class S3BlobStore(LocalStaging):
    kind = "s3"

    def __init__(self, root: str | Path, client, bucket: str, prefix: str = ""):
        super().__init__(root)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    # --- keys --------------------------------------------------------------------------------

    def _base(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def key(self, sha256: str) -> str:
        return self._base() + blob_key(sha256)

    def _marker(self, sha256: str) -> str:
        return self._base() + "used/" + blob_key(sha256)

    def _aside(self, sha256: str) -> str:
        """A name of its own per collection: two collectors at once never share a copy."""
        return f"{self._base()}collect/{sha256}-{secrets.token_hex(4)}"

    # --- storing -----------------------------------------------------------------------------

    def commit(self, staged: StagedBlob) -> None:
        """Upload the staged file (unless the same content is there: then it is marked as used
        now) and remove the temporary file, whatever happens."""
        try:
            if not self.touch(staged.sha256):
                self._upload(staged.path, self.key(staged.sha256), staged.size)
        finally:
            staged.path.unlink(missing_ok=True)

    def _upload(self, path: Path, key: str, size: int) -> None:
        with path.open("rb") as handle:
            if size <= PART:
                self._call(
                    "put_object",
                    Bucket=self.bucket,
                    Key=key,
                    Body=FileSlice(handle, 0, size),
                    ContentLength=size,
                    ContentType="application/octet-stream",
                )
                return
            started = self._call("create_multipart_upload", Bucket=self.bucket, Key=key)
            upload_id = started["UploadId"]
            try:
                parts = [
                    self._upload_part(key, upload_id, number, FileSlice(handle, offset, size))
                    for number, offset in enumerate(range(0, size, PART), start=1)
                ]
                self._call(
                    "complete_multipart_upload",
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
            except BaseException:
                with suppress(StoreUnavailable):  # else the GC aborts it (stale_temp_files)
                    self._call(
                        "abort_multipart_upload", Bucket=self.bucket, Key=key, UploadId=upload_id
                    )
                raise

    def _upload_part(self, key: str, upload_id: str, number: int, part: "FileSlice") -> dict:
        answer = self._call(
            "upload_part",
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=part,
            ContentLength=len(part),
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    def touch(self, sha256: str) -> bool:
        """Mark the blob as used now (the marker first, see the module's docstring); False when
        it is not there, and the caller uploads its own copy."""
        self._call("put_object", Bucket=self.bucket, Key=self._marker(sha256), Body=b"")
        return self._head(self.key(sha256)) is not None

    def delete(self, sha256: str) -> None:
        """Remove at once: only for content found infected; anything else is the collector's."""
        for key in (self.key(sha256), self._marker(sha256)):
            self._call("delete_object", Bucket=self.bucket, Key=key)

    # --- reading -----------------------------------------------------------------------------

    def open(self, sha256: str, start: int | None = None, stop: int | None = None) -> BinaryIO:
        """A streaming reader of the blob (or of bytes start..stop-1); FileNotFoundError when it
        is not there. Close it (or use `with`) to give the connection back."""
        extra = {}
        if start is not None:
            extra["Range"] = f"bytes={start}-{'' if stop is None else stop - 1}"
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256), **extra)
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(sha256) from error
            raise StoreUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StoreUnavailable(str(error)) from error
        return io.BufferedReader(ObjectReader(answer["Body"]), CHUNK)

    def exists(self, sha256: str) -> bool:
        return self._head(self.key(sha256)) is not None

    def check(self, sha256: str, size: int, *, rehash: bool) -> BlobState:
        head = self._head(self.key(sha256))
        if head is None:
            return BlobState.MISSING
        if head["ContentLength"] != size:
            return BlobState.CORRUPT
        if rehash:
            digest = hashlib.sha256()
            try:
                with self.open(sha256) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
            except FileNotFoundError:
                return BlobState.MISSING
            if digest.hexdigest() != sha256:
                return BlobState.CORRUPT
        return BlobState.OK

    def presigned_url(self, sha256: str, *, expires: int, disposition: str, mimetype: str) -> str:
        """A GET of the blob that the object store answers for `expires` seconds, with these
        headers (signed locally: no request is made)."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(sha256),
                "ResponseContentDisposition": disposition,
                "ResponseContentType": mimetype,
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=expires,
        )

    # --- the garbage collector ----------------------------------------------------------------

    def blobs(self) -> Iterator[StoredBlob]:
        """Every blob, with its own LastModified (a reuse since is in its marker, which
        remove_if_idle reads: listing shows candidates, it decides)."""
        for item in self._list(self._base()):
            sha256 = self._blob_name(item["Key"])
            if sha256:
                yield StoredBlob(sha256, item["Size"], item["LastModified"].timestamp())

    def _blob_name(self, key: str) -> str | None:
        parts = key[len(self._base()) :].split("/")
        if len(parts) != 3 or not is_digest(parts[2]):
            return None
        return parts[2] if parts[:2] == [parts[2][:2], parts[2][2:4]] else None

    def remove_if_idle(self, sha256: str, used_before: float) -> bool:
        """Remove a blob nobody has used since `used_before` (steps a. to d. of the module's
        docstring)."""
        head = self._head(self.key(sha256))
        if head is None or self._last_use(sha256, head) >= used_before:
            return False
        aside = self._aside(sha256)
        try:
            self._copy(self.key(sha256), aside)
        except FileNotFoundError:
            return False  # another collector, run at the same time, took it first
        self._call("delete_object", Bucket=self.bucket, Key=self.key(sha256))
        marker = self._head(self._marker(sha256))
        if marker is not None and _epoch(marker["LastModified"]) >= used_before:
            with suppress(FileNotFoundError):  # another collector put it back already
                self._copy(aside, self.key(sha256))  # reused a moment ago: it goes back
            self._call("delete_object", Bucket=self.bucket, Key=aside)
            return False
        self._call("delete_object", Bucket=self.bucket, Key=aside)
        self._call("delete_object", Bucket=self.bucket, Key=self._marker(sha256))
        return True

    def _last_use(self, sha256: str, head: dict) -> float:
        marker = self._head(self._marker(sha256))
        times = [_epoch(head["LastModified"])]
        if marker is not None:
            times.append(_epoch(marker["LastModified"]))
        return max(times)

    def recover_collections(self, set_aside_before: float) -> int:
        """Put back every blob a killed collector set aside before `set_aside_before`; the run
        then judges them again. Returns how many. A more recent copy may belong to a collector
        at work on another app server (a collection takes milliseconds): it is left to it."""
        recovered = 0
        for item in self._list(self._base() + "collect/"):
            sha256 = item["Key"].rsplit("/", 1)[-1][:64]
            if not is_digest(sha256) or _epoch(item["LastModified"]) >= set_aside_before:
                continue
            try:
                self._copy(item["Key"], self.key(sha256))
            except FileNotFoundError:
                continue  # a collector running now finished with it
            self._call("delete_object", Bucket=self.bucket, Key=item["Key"])
            recovered += 1
        return recovered

    def stale_temp_files(self, used_before: float) -> Iterator[tuple[str, int]]:
        """The local temporary files, and multipart uploads a killed process never finished
        (their parts are kept, and billed, until aborted)."""
        yield from super().stale_temp_files(used_before)
        paginator = self.client.get_paginator("list_multipart_uploads")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._base()):
                for upload in page.get("Uploads", []):
                    if _epoch(upload["Initiated"]) < used_before:
                        yield f"{MULTIPART}{upload['Key']} {upload['UploadId']}", 0
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(str(error)) from error

    def remove_temp_file(self, name: str, used_before: float) -> bool:
        if not name.startswith(MULTIPART):
            return super().remove_temp_file(name, used_before)
        key, upload_id = name[len(MULTIPART) :].rsplit(" ", 1)
        if not key.startswith(self._base()):
            return False
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if _not_found(error):
                return False
            raise StoreUnavailable(str(error)) from error
        return True

    def is_empty(self) -> bool:
        """No object at all under the prefix (a restore wants it so)."""
        return next(self._list(self._base()), None) is None

    # --- readiness ---------------------------------------------------------------------------

    def probe(self) -> None:
        """Raise OSError unless uploads can be staged and the bucket answers."""
        super().probe()
        self._call("head_bucket", Bucket=self.bucket)

    # --- helpers -----------------------------------------------------------------------------

    def _call(self, operation: str, **parameters) -> dict:
        try:
            return getattr(self.client, operation)(**parameters)
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"{operation}: {error}") from error

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _not_found(error):
                return None
            raise StoreUnavailable(f"head_object: {error}") from error
        except BotoCoreError as error:
            raise StoreUnavailable(f"head_object: {error}") from error

    def _copy(self, source: str, target: str) -> None:
        """Server-side copy (up to 5 GB in one request; MAX_UPLOAD_SIZE is far below);
        FileNotFoundError when the source is gone."""
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
            )
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(source) from error
            raise StoreUnavailable(f"copy_object: {error}") from error
        except BotoCoreError as error:
            raise StoreUnavailable(f"copy_object: {error}") from error

    def _list(self, prefix: str) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                yield from page.get("Contents", [])
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"list_objects_v2: {error}") from error


class FileSlice(io.RawIOBase):
    """`length` bytes of an open file from `offset`, as a seekable stream of its own: boto3
    reads a part from it while sending (and seeks back to retry), so no part is held whole in
    memory."""

    def __init__(self, handle: BinaryIO, offset: int, size: int):
        super().__init__()
        self._fd = handle.fileno()
        self._offset = offset
        self._length = min(PART, size - offset)
        self._position = 0

    def __len__(self) -> int:
        return self._length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = self._length - self._position
        if size is None or size < 0 or size > left:
            size = left
        data = os.pread(self._fd, size, self._offset + self._position)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def tell(self) -> int:
        return self._position


class ObjectReader(io.RawIOBase):
    """An object's body as a plain readable stream (what `open` of the local store gives)."""

    def __init__(self, body):
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as error:
            raise StoreUnavailable(f"get_object: {error}") from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _not_found(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


def _epoch(moment: datetime) -> float:
    return moment.timestamp()
