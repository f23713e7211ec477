"""The blob store's contract, held by both backends (issue 19): the filesystem store and the S3
store against a real S3-protocol server on loopback (tests/s3_server.py). Stage, commit,
dedupe, touch, check and rehash, delete, open, the collector's grace period and its race with a
request that reuses a blob, stale temporary files; and a large commit to S3 in bounded memory."""

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from neig_workspace.documents.s3_storage import PART, S3BlobStore
from neig_workspace.documents.storage import (
    CHUNK,
    BlobState,
    LocalBlobStore,
    StagedBlob,
    TooLarge,
)

#: S3 gives LastModified in whole seconds: a moment is "after" another one second later.
TICK = 1.1


class LocalBackend:
    def __init__(self, root: Path):
        self.store = LocalBlobStore(root)

    def names(self) -> list[str]:
        return sorted(p.relative_to(self.store.root).as_posix() for p in self._files())

    def _files(self):
        return [p for p in self.store.root.rglob("*") if p.is_file() and p.parent != self.store.tmp]

    def damage(self, sha256: str, content: bytes) -> None:
        self.store.path(sha256).write_bytes(content)

    def set_aside(self, sha256: str) -> None:
        """What a collector killed between its rename and its second look leaves."""
        self.store.tmp.mkdir(parents=True, exist_ok=True)
        os.replace(self.store.path(sha256), self.store.tmp / f"collect-{sha256}-dead")


class S3Backend:
    def __init__(self, root: Path, server):
        self.bucket = server.new_bucket()
        self.client = server.client()
        self.store = S3BlobStore(root, self.client, self.bucket, "blobs")

    def names(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(
            item["Key"].removeprefix("blobs/")
            for item in listing.get("Contents", [])
            if "/used/" not in item["Key"]  # the reuse markers
        )

    def damage(self, sha256: str, content: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.store.key(sha256), Body=content)

    def set_aside(self, sha256: str) -> None:
        key = self.store.key(sha256)
        aside = f"blobs/collect/{sha256}-dead"
        self.client.copy_object(
            Bucket=self.bucket, Key=aside, CopySource={"Bucket": self.bucket, "Key": key}
        )
        self.client.delete_object(Bucket=self.bucket, Key=key)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalBackend(tmp_path / "blobs")
    return S3Backend(tmp_path / "blobs", request.getfixturevalue("s3_server"))


def stored(store, content: bytes) -> str:
    staged = store.stage(io.BytesIO(content), max_size=len(content))
    store.commit(staged)
    return staged.sha256


def key_of(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def tmp_files(store) -> list[str]:
    return sorted(p.name for p in store.tmp.iterdir()) if store.tmp.exists() else []


pytestmark = pytest.mark.one_database("the blob store has no database")


def test_stage_hashes_into_the_local_temporary_folder(backend):
    store, content = backend.store, b"hallo werkruimte\n" * 1000
    staged = store.stage(io.BytesIO(content), max_size=len(content))
    assert (staged.sha256, staged.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert staged.path.parent == store.tmp and staged.path.read_bytes() == content
    assert not store.exists(staged.sha256)
    store.discard(staged)
    assert tmp_files(store) == []


def test_too_large_leaves_nothing(backend):
    with pytest.raises(TooLarge):
        backend.store.stage(io.BytesIO(b"x" * (2 * CHUNK + 1)), max_size=2 * CHUNK)
    assert tmp_files(backend.store) == [] and backend.names() == []


@pytest.mark.parametrize("size", [17, PART + 3 * CHUNK + 5], ids=["one-put", "multipart"])
def test_commit_stores_it_under_its_hash_and_removes_the_temporary_file(backend, size):
    store, content = backend.store, os.urandom(size)
    sha256 = stored(store, content)
    assert backend.names() == [key_of(sha256)]
    assert tmp_files(store) == []
    with store.open(sha256) as handle:
        assert handle.read() == content
    assert store.check(sha256, size, rehash=True) == BlobState.OK
    assert [(b.sha256, b.size) for b in store.blobs()] == [(sha256, size)]


def test_the_same_content_is_stored_once_and_marked_as_used(backend):
    store = backend.store
    sha256 = stored(store, b"zelfde")
    time.sleep(TICK)
    cutoff = time.time()
    time.sleep(TICK)
    assert stored(store, b"zelfde") == sha256  # reused: its last use is now after the cutoff
    assert backend.names() == [key_of(sha256)]
    assert tmp_files(store) == []
    assert store.remove_if_idle(sha256, cutoff) is False
    assert store.exists(sha256)


def test_touch_says_whether_the_blob_is_there(backend):
    sha256 = stored(backend.store, b"aanwezig")
    assert backend.store.touch(sha256) is True
    assert backend.store.touch(hashlib.sha256(b"nooit opgeslagen").hexdigest()) is False


def test_check_finds_a_missing_and_a_damaged_blob(backend):
    store = backend.store
    whole, damaged = stored(store, b"heel blob"), stored(store, b"kapot blob")
    backend.damage(damaged, b"KAPOT blob")  # same size, other bytes: only the rehash sees it
    assert store.check(damaged, 10, rehash=False) == BlobState.OK
    assert store.check(damaged, 10, rehash=True) == BlobState.CORRUPT
    assert store.check(whole, 8, rehash=False) == BlobState.CORRUPT  # another size
    store.delete(whole)
    assert store.check(whole, 9, rehash=True) == BlobState.MISSING
    store.delete(whole)  # twice is harmless
    assert backend.names() == [key_of(damaged)]


def test_open_reads_ranges_and_refuses_a_missing_blob_or_a_bad_name(backend):
    store = backend.store
    sha256 = stored(store, bytes(range(256)) * 8)
    with store.open(sha256) as handle:
        assert handle.read(10) == bytes(range(10))
    if isinstance(store, S3BlobStore):
        with store.open(sha256, 250, 260) as handle:
            assert handle.read() == bytes(range(250, 256)) + bytes(range(4))
    with pytest.raises(FileNotFoundError):
        store.open(hashlib.sha256(b"weg").hexdigest())
    for name in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError):
            store.open(name)


def test_remove_if_idle_keeps_a_blob_used_since_and_removes_an_idle_one(backend):
    store = backend.store
    sha256 = stored(store, b"gedeeld")
    time.sleep(TICK)
    cutoff = time.time()
    assert store.remove_if_idle(sha256, cutoff) is True
    assert backend.names() == [] and not store.exists(sha256)
    assert store.touch(sha256) is False  # the next request stores its own copy
    time.sleep(TICK)
    stored(store, b"gedeeld")
    assert backend.names() == [key_of(sha256)]
    assert store.remove_if_idle(sha256, cutoff) is False  # stored after the cutoff
    assert tmp_files(store) == []


@pytest.mark.parametrize("late", [False, True], ids=["before-the-delete", "after-the-delete"])
def test_s3_a_request_reusing_a_blob_while_it_is_collected_never_loses_it(
    s3_server, tmp_path, late
):
    """The collector copies the blob aside, deletes it, then reads the marker again: a request
    that reused it (marker, then HEAD) just before the delete gets it back in place; one that
    comes after the delete finds it gone and uploads its own copy."""
    backend = S3Backend(tmp_path, s3_server)
    store = backend.store
    sha256 = stored(store, b"gedeeld")
    time.sleep(TICK)
    cutoff = time.time()
    time.sleep(TICK)
    delete_object, seen = backend.client.delete_object, []

    def interleaved(Bucket, Key):  # noqa: N803 - boto3's names
        if Key != store.key(sha256) or seen:
            return delete_object(Bucket=Bucket, Key=Key)
        if not late:
            seen.append(store.touch(sha256))  # reused just before the delete
        delete_object(Bucket=Bucket, Key=Key)
        if late:
            seen.append(store.touch(sha256))  # reused just after it
            if not seen[-1]:
                stored(store, b"gedeeld")  # so it uploads its own copy
        return {}

    backend.client.delete_object = interleaved
    try:
        assert store.remove_if_idle(sha256, cutoff) is False
    finally:
        del backend.client.delete_object
    assert seen == [not late]
    assert store.check(sha256, 7, rehash=True) == BlobState.OK
    assert backend.names() == [key_of(sha256)]  # and nothing left under collect/


def test_a_collection_interrupted_after_setting_aside_is_put_back(backend):
    store = backend.store
    sha256 = stored(store, b"bijna weg")
    backend.set_aside(sha256)
    assert not store.exists(sha256)
    assert store.recover_collections(time.time() - 3600) == 0  # perhaps a collector at work
    assert store.recover_collections(time.time() + 5) == 1
    assert store.check(sha256, 9, rehash=True) == BlobState.OK
    assert backend.names() == [key_of(sha256)]
    assert store.recover_collections(time.time() + 5) == 0


def test_stale_temporary_files_and_unfinished_uploads_are_swept(backend):
    store = backend.store
    store.tmp.mkdir(parents=True, exist_ok=True)
    (store.tmp / "upload-killed").write_bytes(b"half")
    expected = ["upload-killed"]
    if isinstance(store, S3BlobStore):
        backend.client.create_multipart_upload(Bucket=backend.bucket, Key=store.key("b" * 64))
        expected.append("s3-multipart")
    time.sleep(TICK)
    cutoff = time.time()
    # A file's time comes from the kernel's coarser clock, which can lag time.time() by a few
    # milliseconds: the body still arriving is written a tick after the cutoff.
    time.sleep(TICK)
    (store.tmp / "request-running").write_bytes(b"still arriving")
    stale = list(store.stale_temp_files(cutoff))
    assert sorted(name.split(" ")[0] for name, _ in stale) == sorted(expected)
    for name, _ in stale:
        assert store.remove_temp_file(name, cutoff) is True
    assert tmp_files(store) == ["request-running"]
    assert list(store.stale_temp_files(cutoff)) == []


def test_probe_answers_for_a_working_store(backend):
    backend.store.probe()


def test_s3_probe_fails_for_a_missing_bucket(s3_server, tmp_path):
    store = S3BlobStore(tmp_path, s3_server.client(), "no-such-bucket-here", "blobs")
    with pytest.raises(OSError, match="head_bucket"):
        store.probe()


def vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def test_s3_a_large_commit_is_streamed_in_bounded_memory(s3_server, tmp_path):
    """64 MB committed to S3 as 8 MB parts read from the staged file while they are sent: the
    process's peak resident memory grows by less than 10 MB."""
    backend = S3Backend(tmp_path, s3_server)
    store, size = backend.store, 64 * 1024 * 1024
    store.tmp.mkdir(parents=True)
    source = store.tmp / "upload-large"
    digest, block = hashlib.sha256(), os.urandom(CHUNK)
    with source.open("wb") as out:
        for n in range(size // CHUNK):
            piece = n.to_bytes(8, "big") + block[8:]
            digest.update(piece)
            out.write(piece)
    staged = StagedBlob(source, digest.hexdigest(), size)
    store.exists(staged.sha256)  # the client and its connection are made before the peak
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    before = vm_kb("VmRSS")
    store.commit(staged)
    growth_mb = (vm_kb("VmHWM") - before) / 1024
    assert growth_mb < 10, f"peak memory grew by {growth_mb:.1f} MB"
    assert not source.exists()
    head = backend.client.head_object(Bucket=backend.bucket, Key=store.key(staged.sha256))
    assert head["ContentLength"] == size and head["ETag"].endswith('-8"')  # 8 parts
    assert store.check(staged.sha256, size, rehash=True) == BlobState.OK


def test_s3_two_collectors_at_once_never_lose_a_blob_a_request_stored(s3_server, tmp_path):
    """Each app server may run `blobs gc`. The first collector has set the blob aside; the
    second removes it whole; a request then finds it gone and uploads it again. The first
    collector, going on, deletes that upload, but sees the request's marker and puts its own
    copy back: the blob is there, and neither collector fails."""
    backend = S3Backend(tmp_path, s3_server)
    store = backend.store
    sha256 = stored(store, b"twee tegelijk")
    time.sleep(TICK)
    cutoff = time.time()
    time.sleep(TICK)
    other = S3BlobStore(tmp_path, backend.client, backend.bucket, "blobs")
    copy_object, steps = backend.client.copy_object, []

    def interleaved(Bucket, Key, CopySource):  # noqa: N803 - boto3's names
        answer = copy_object(Bucket=Bucket, Key=Key, CopySource=CopySource)
        if "/collect/" in Key and not steps:
            steps.append("first set it aside")
            steps.append(other.remove_if_idle(sha256, cutoff))  # the second collector
            steps.append(store.touch(sha256))  # a request that reuses the content
            stored(store, b"twee tegelijk")  # so it uploads its own copy
        return answer

    backend.client.copy_object = interleaved
    try:
        first = store.remove_if_idle(sha256, cutoff)
    finally:
        del backend.client.copy_object
    assert steps == ["first set it aside", True, False] and first is False
    assert store.check(sha256, 13, rehash=True) == BlobState.OK
    assert backend.names() == [key_of(sha256)]
