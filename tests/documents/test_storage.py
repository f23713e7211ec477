"""The local content-addressed blob store: stage, commit, discard, no duplicates, no leftovers."""

import hashlib
import io
import os

import pytest

from neig_workspace.documents.storage import CHUNK, LocalBlobStore, TooLarge


@pytest.fixture
def store(tmp_path):
    return LocalBlobStore(tmp_path / "blobs")


def files_under(store) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, f), store.root)
        for d, _, names in os.walk(store.root)
        for f in names
    )


def test_stage_hashes_and_measures_into_a_temporary_file(store):
    content = b"hallo werkruimte\n" * 1000
    staged = store.stage(io.BytesIO(content), max_size=len(content))
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged.size == len(content)
    assert staged.path.parent == store.tmp
    assert staged.path.read_bytes() == content
    assert not store.exists(staged.sha256)  # staged is not stored yet


def test_commit_moves_it_into_place_by_hash(store):
    content = os.urandom(3 * CHUNK + 17)  # more than one chunk
    staged = store.stage(io.BytesIO(content), max_size=10 * CHUNK)
    store.commit(staged)
    digest = hashlib.sha256(content).hexdigest()
    assert store.path(digest) == store.root / digest[:2] / digest[2:4] / digest
    assert store.exists(digest)
    with store.open(digest) as handle:
        assert handle.read() == content
    assert files_under(store) == [f"{digest[:2]}/{digest[2:4]}/{digest}"]


def test_discard_removes_the_temporary_file(store):
    staged = store.stage(io.BytesIO(b"weg ermee"), max_size=100)
    store.discard(staged)
    assert files_under(store) == []
    store.discard(staged)  # twice is harmless


def test_the_same_content_is_stored_once(store):
    first = store.stage(io.BytesIO(b"zelfde"), max_size=100)
    second = store.stage(io.BytesIO(b"zelfde"), max_size=100)
    assert first.path != second.path
    store.commit(first)
    blob = store.path(first.sha256)
    inode = blob.stat().st_ino
    os.utime(blob, (1000, 1000))  # stored long ago
    store.commit(second)
    assert files_under(store) == [os.path.relpath(blob, store.root)]
    assert blob.stat().st_ino == inode  # the blob already there was not replaced
    assert blob.stat().st_mtime > 1000  # but it is marked as used now, for the collector


def test_too_large_leaves_no_temporary_file(store):
    with pytest.raises(TooLarge):
        store.stage(io.BytesIO(b"x" * (2 * CHUNK + 1)), max_size=2 * CHUNK)
    assert files_under(store) == []


def test_exactly_the_limit_is_allowed(store):
    staged = store.stage(io.BytesIO(b"x" * 1000), max_size=1000)
    assert staged.size == 1000


class Broken(io.RawIOBase):
    def __init__(self):
        self.calls = 0

    def readable(self):
        return True

    def read(self, size=-1):
        self.calls += 1
        if self.calls > 2:
            raise OSError("verbinding verbroken")
        return b"y" * size


def test_a_stream_that_breaks_leaves_no_temporary_file(store):
    with pytest.raises(OSError, match="verbroken"):
        store.stage(Broken(), max_size=100 * CHUNK)
    assert files_under(store) == []


def test_delete_removes_a_blob_and_tolerates_a_missing_one(store):
    staged = store.stage(io.BytesIO(b"tijdelijk"), max_size=100)
    store.commit(staged)
    store.delete(staged.sha256)
    assert not store.exists(staged.sha256)
    store.delete(staged.sha256)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "A" * 64,  # upper case is not what hexdigest gives
        "g" * 64,
        "0" * 63,
        "0" * 65,
        "../" + "0" * 61,
        "",
    ],
)
def test_path_refuses_anything_but_a_hex_digest(store, name):
    with pytest.raises(ValueError):
        store.path(name)
    with pytest.raises(ValueError):
        store.open(name)
