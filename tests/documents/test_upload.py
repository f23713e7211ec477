"""Uploading through HTTP: one or several files, the JSON answer for the drop zone, and every
kind of bad upload refused with a clear Dutch message, leaving no row and no blob behind."""

import hashlib
import html
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from neig_workspace import create_app
from neig_workspace.accounts.models import User
from neig_workspace.documents import service
from neig_workspace.documents.models import Document, DocumentVersion
from neig_workspace.extensions import db, limiter
from neig_workspace.spaces.models import Space
from tests.conftest import db_ctx
from tests.documents.doc_helpers import (
    PNG,
    assert_only_garbage_left,
    blob_files,
    docx,
    org_space,
    pdf,
    row_counts,
    upload,
)
from tests.helpers import login_as

NOT_ALLOWED = "is geen toegestaan bestandstype"
MISMATCH = "past niet bij de inhoud"


@pytest.fixture
def space_id(app, personas, client):
    login_as(app, client, personas.member_a)
    return org_space(app, personas)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def assert_nothing_stored(app):
    assert row_counts(app) == (0, 0)
    assert blob_files(app) == [], "a blob or temporary file was left behind"


# --- good uploads ----------------------------------------------------------------------------


def test_one_file_is_stored_by_its_hash_and_the_hash_is_shown(app, client, space_id):
    content = pdf("een")
    response = upload(client, space_id, [(content, "Verslag overleg.pdf")])
    assert response.status_code == 302
    assert response.location.endswith(f"/werkruimtes/{space_id}/documenten")
    digest = hashlib.sha256(content).hexdigest()
    root = Path(app.config["BLOB_ROOT"])
    assert blob_files(app) == [root / digest[:2] / digest[2:4] / digest]
    assert (root / digest[:2] / digest[2:4] / digest).read_bytes() == content
    with db_ctx(app) as session:
        document = session.scalars(select(Document)).one()
        version = session.scalars(select(DocumentVersion)).one()
        assert (document.space_id, document.title, document.latest_number) == (
            space_id,
            "Verslag overleg.pdf",
            1,
        )
        assert (version.filename, version.sha256, version.size, version.mimetype) == (
            "Verslag overleg.pdf",
            digest,
            len(content),
            "application/pdf",
        )
        document_id = document.id
    page = client.get(f"/documenten/{document_id}")
    assert page.status_code == 200
    assert digest in page.get_data(as_text=True)


def test_several_files_at_once_become_several_documents(app, client, space_id):
    files = [(pdf("a"), "a.pdf"), (PNG, "b.png"), (docx(), "c.docx"), (b"x;y\n1;2\n", "d.csv")]
    response = upload(client, space_id, files, tags="nazorg, Woning")
    assert response.status_code == 302
    with db_ctx(app) as session:
        rows = session.execute(
            select(Document.title, Document.tags, DocumentVersion.mimetype)
            .join(DocumentVersion, DocumentVersion.document_id == Document.id)
            .order_by(Document.title)
        ).all()
    assert [(t, m) for t, _, m in rows] == [
        ("a.pdf", "application/pdf"),
        ("b.png", "image/png"),
        ("c.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("d.csv", "text/csv"),
    ]
    assert {tags for _, tags, _ in rows} == {"|nazorg|woning|"}
    assert len(blob_files(app)) == 4
    listing = client.get(f"/werkruimtes/{space_id}/documenten").get_data(as_text=True)
    for _, name in files:
        assert name in listing


def test_a_name_the_folder_has_asks_new_version_or_keep_both(app, client, space_id):
    """Not a second document silently: the upload asks, uploads nothing yet, and does as told."""
    first = upload(client, space_id, [(pdf("een"), "Verslag overleg.pdf")])
    assert "‘Verslag overleg.pdf’ is geüpload." in text_of(client.get(first.location))
    asked = upload(client, space_id, [(pdf("twee"), "verslag overleg.pdf")])
    assert asked.status_code == 409
    page = text_of(asked)
    assert "In deze map staat al een document met dezelfde naam: ‘Verslag overleg.pdf’" in page
    assert "Als nieuwe versie toevoegen" in page and "Beide houden" in page
    assert row_counts(app) == (1, 1)
    as_json = upload(client, space_id, [(pdf("twee"), "Verslag overleg.pdf")], json=True)
    assert as_json.status_code == 409 and as_json.get_json()["same_name"] is True
    assert [c["value"] for c in as_json.get_json()["choices"]] == ["version", "both"]

    version = upload(client, space_id, [(pdf("twee"), "Verslag overleg.pdf")], same_name="version")
    assert version.status_code == 302
    assert row_counts(app) == (1, 2)  # one document, two versions
    both = upload(client, space_id, [(pdf("drie"), "Verslag overleg.pdf")], same_name="both")
    assert both.status_code == 302
    assert row_counts(app) == (2, 3)


def test_the_drop_zone_gets_json(app, client, space_id):
    response = upload(client, space_id, [(pdf("json"), "json.pdf")], json=True)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["ok"] is True
    [document] = answer["documents"]
    assert document["title"] == "json.pdf"
    assert document["url"] == f"/documenten/{document['id']}"
    assert client.get(document["url"]).status_code == 200


def test_the_drop_zone_gets_json_errors(app, client, space_id):
    response = upload(client, space_id, [(b"MZ\x90\x00" + b"\x00" * 60, "setup.pdf")], json=True)
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["ok"] is False
    assert len(answer["errors"]) == 1 and NOT_ALLOWED in answer["errors"][0]
    assert_nothing_stored(app)


def test_a_form_without_files_asks_for_one(app, client, space_id):
    response = upload(client, space_id, [])
    assert response.status_code == 422
    assert "Kies minstens één bestand." in text_of(response)
    assert_nothing_stored(app)


# --- bad uploads -----------------------------------------------------------------------------


def zip_bomb() -> bytes:
    """An Office-looking archive that would inflate to over 500 MB; it is only a few hundred kB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(520):
                member.write(block)
    return buffer.getvalue()


def many_entries() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(5001):
            archive.writestr(f"word/{i}.xml", "")
    return buffer.getvalue()


BAD_UPLOADS = {
    "empty": (b"", "leeg.pdf", "leeg.pdf is leeg."),
    "renamed executable": (b"MZ\x90\x00\x03" + b"\x00" * 200, "factuur.pdf", NOT_ALLOWED),
    "ELF named as text": (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "notes.txt", NOT_ALLOWED),
    "HTML as png": (b"<!DOCTYPE html><html><script>alert(1)</script>", "foto.png", NOT_ALLOWED),
    "SVG as png": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "foto.png",
        NOT_ALLOWED,
    ),
    "XML-declared SVG as png": (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "logo.png",
        NOT_ALLOWED,
    ),
    "shell script": (b"#!/bin/sh\nrm -rf /\n", "script.txt", NOT_ALLOWED),
    "double extension": (pdf("dubbel"), "x.pdf.exe", "De naam van x.pdf.exe " + MISMATCH),
    "png content named pdf": (PNG, "scan.pdf", MISMATCH),
    "NUL hides an .exe": (pdf("nul"), "rapport.pdf\x00.exe", "rapport.pdf.exe " + MISMATCH),
    "plain zip": (None, "archief.docx", NOT_ALLOWED),
    "many zip entries": (many_entries, "veel.docx", "uitgepakt te groot"),
}


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_and_leave_nothing(app, client, space_id, case):
    content, name, message = BAD_UPLOADS[case]
    content = plain_zip() if content is None else content() if callable(content) else content
    response = upload(client, space_id, [(content, name)])
    assert response.status_code == 422
    assert message in text_of(response)
    assert_nothing_stored(app)


def test_an_office_zip_bomb_is_refused_without_inflating_it(app, client, space_id):
    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire, 520 MB when unpacked
    response = upload(client, space_id, [(bomb, "begroting.docx")])
    assert response.status_code == 422
    assert "begroting.docx is een archief dat uitgepakt te groot wordt" in text_of(response)
    assert_nothing_stored(app)


def test_all_or_nothing_when_the_second_file_of_a_batch_is_bad(app, client, space_id):
    files = [(pdf("goed"), "goed.pdf"), (b"<html><body>x</body></html>", "slecht.png")]
    response = upload(client, space_id, files)
    assert response.status_code == 422
    assert "slecht.png " + NOT_ALLOWED in text_of(response)
    # goed.pdf was stored before slecht.png was refused: no row points at it, so it is garbage
    # for the collector (a request never deletes a blob, another may be reusing it).
    assert row_counts(app) == (0, 0)
    assert_only_garbage_left(app)
    json_response = upload(client, space_id, files, json=True)
    assert json_response.status_code == 422
    assert json_response.get_json()["ok"] is False
    assert row_counts(app) == (0, 0)
    assert_only_garbage_left(app)


def test_a_good_file_already_stored_survives_a_failed_batch(app, client, space_id):
    """A rollback removes only blobs it placed itself, never one an earlier upload owns."""
    shared = pdf("gedeeld")
    assert upload(client, space_id, [(shared, "eerst.pdf")]).status_code == 302
    [blob] = blob_files(app)
    response = upload(client, space_id, [(shared, "weer.pdf"), (b"", "leeg.pdf")])
    assert response.status_code == 422
    assert blob_files(app) == [blob]
    assert row_counts(app) == (1, 1)


def test_a_path_traversal_name_is_only_a_name(app, client, space_id):
    root = Path(app.config["BLOB_ROOT"])
    content = pdf("traversal")
    response = upload(client, space_id, [(content, "../../etc/passwd.pdf")])
    assert response.status_code == 302
    with db_ctx(app) as session:
        version = session.scalars(select(DocumentVersion)).one()
        assert version.filename == "passwd.pdf"
        assert session.scalars(select(Document.title)).one() == "passwd.pdf"
    digest = hashlib.sha256(content).hexdigest()
    assert blob_files(app) == [root / digest[:2] / digest[2:4] / digest]
    # Nothing by that name anywhere around the store (the test run's temp folder) or in /etc.
    assert not list(root.parent.rglob("passwd.pdf"))
    assert not Path("/etc/passwd.pdf").exists()


def test_path_parts_and_control_characters_are_cleaned(app, client, space_id):
    response = upload(client, space_id, [(pdf("ctl"), "/var/www/ver\x00sl\x1bag\x7f\t.pdf")])
    assert response.status_code == 302
    with db_ctx(app) as session:
        assert session.scalars(select(DocumentVersion.filename)).one() == "verslag.pdf"


# --- the size limit --------------------------------------------------------------------------


@pytest.fixture
def small_app(app, test_db, tmp_path):
    """A second app in the test's transaction with a 1 kB limit; rate limits stay the test's
    own."""
    storage = limiter._storage
    small = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
        BLOB_ROOT=str(tmp_path / "blobs"),
        MAX_UPLOAD_SIZE=1024,
    )
    with test_db.shared_with(small):
        yield small
    with small.app_context():
        db.engine.dispose()
    limiter._storage = storage


def test_a_file_over_the_limit_gets_413_and_a_clear_message(small_app, personas):
    client = small_app.test_client()
    login_as(small_app, client, personas.member_a)
    space_id = org_space(small_app, personas)
    response = upload(client, space_id, [(pdf("x") + b"0" * 2048, "groot.pdf")])
    assert response.status_code == 413
    assert "groot.pdf is groter dan toegestaan: een bestand mag hoogstens 1 kB zijn." in text_of(
        response
    )
    json_response = upload(client, space_id, [(pdf("x") + b"0" * 2048, "groot.pdf")], json=True)
    assert json_response.status_code == 413
    assert "hoogstens 1 kB" in json_response.get_json()["errors"][0]
    assert_nothing_stored(small_app)
    # Just under the limit is fine.
    assert upload(client, space_id, [(pdf("x"), "klein.pdf")]).status_code == 302
    assert row_counts(small_app) == (1, 1)


# --- an interrupted upload -------------------------------------------------------------------


class BreakingStream:
    """A client that goes away: some bytes arrive, then the connection fails."""

    def __init__(self, good_bytes: int):
        self.remaining = good_bytes
        self.first = True

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            raise OSError("connection reset by peer")
        size = self.remaining if size < 0 else min(size, self.remaining)
        chunk = (b"%PDF-1.7\n" if self.first else b"") + b"0" * size
        self.first = False
        self.remaining -= size
        return chunk[:size] if len(chunk) > size else chunk


def test_an_interrupted_upload_leaves_no_row_no_blob_no_temp_file(app, personas):
    # Werkzeug parses the whole multipart body before the view runs, so a broken connection
    # there never reaches the store. The store sees a broken stream when the service reads one:
    # call the service with a stream that fails after 3 MB (three chunks in).
    space_id = org_space(app, personas)
    with app.test_request_context():
        space = db.session.get(Space, space_id)
        actor = db.session.get(User, personas.member_a.id)
        # A first, good file in the same unit of work: the failure must take it out too.
        service.upload_document(space, service.Upload(io.BytesIO(pdf("1")), "1.pdf"), actor=actor)
        assert len(blob_files(app)) == 1
        with pytest.raises(OSError, match="connection reset"):
            service.upload_document(
                space, service.Upload(BreakingStream(3 * 1024 * 1024 + 10), "2.pdf"), actor=actor
            )
        db.session.rollback()
    assert row_counts(app) == (0, 0)
    assert_only_garbage_left(app)  # 1.pdf's blob, and no temporary file of 2.pdf


# --- streaming -------------------------------------------------------------------------------

SIZE = 30 * 1024 * 1024


class GeneratedPDF(io.RawIOBase):
    """30 MB of PDF made up while it is read, so the test itself never holds it."""

    def __init__(self, size: int):
        self.size, self.position = size, 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.position)
        if n <= 0:
            return 0
        header = b"%PDF-1.7\n" if self.position == 0 else b""
        chunk = (header + b"%" * n)[:n]
        buffer[:n] = chunk
        self.digest.update(chunk)
        self.position += n
        return n


def test_a_30_mb_upload_is_streamed_not_held_in_memory(app, client, space_id):
    # Measured around the whole request: Werkzeug's test client spools the body it encodes to a
    # temporary file past 500 kB and its form parser writes file parts past 500 kB to temporary
    # files, so what stays in memory is chunks, ours included (storage reads 1 MB at a time).
    stream = io.BufferedReader(GeneratedPDF(SIZE), buffer_size=64 * 1024)
    tracemalloc.start()
    try:
        response = upload(client, space_id, [(stream, "groot.pdf")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {SIZE / 1e6:.0f} MB upload"
    with db_ctx(app) as session:
        version = session.scalars(select(DocumentVersion)).one()
        assert (version.size, version.sha256) == (SIZE, stream.raw.digest.hexdigest())


def test_a_large_upload_is_written_once_into_the_spool_the_store_adopts(
    app, client, space_id, monkeypatch
):
    """The CSRF check parses the body into a spool of the blob store, hashed as it is written;
    storing the file adopts that spool: no second file, no second fsync."""
    from neig_workspace.documents import storage

    made, fsyncs = [], []
    real_mkstemp, real_fsync = storage.tempfile.mkstemp, storage.os.fsync
    monkeypatch.setattr(
        storage.tempfile,
        "mkstemp",
        lambda **kw: made.append(kw["prefix"]) or real_mkstemp(**kw),
    )
    monkeypatch.setattr(storage.os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    content = pdf("eenmaal") + b"%" * (2 * 1024 * 1024)
    assert upload(client, space_id, [(content, "eenmaal.pdf")]).status_code == 302
    assert made == ["request-"]
    assert len(fsyncs) == 2  # the file, then its folder once it is renamed into place
    with db_ctx(app) as session:
        version = session.scalars(select(DocumentVersion)).one()
        assert (version.size, version.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert [p.name for p in blob_files(app)] == [version.sha256]


@pytest.mark.parametrize("json", [False, True], ids=["form", "drop zone"])
@pytest.mark.parametrize("token", ["", "vervalst"], ids=["no token", "a wrong token"])
def test_a_large_upload_without_a_valid_csrf_token_is_refused_and_leaves_no_file(
    app, client, space_id, json, token
):
    """The body is parsed into a spool before the token is checked: refused, nothing stays."""
    from tests.documents.doc_helpers import upload_url

    content = pdf("zonder token") + b"%" * (2 * 1024 * 1024)
    data = {"folder": "0", "classification": "intern", "files": [(io.BytesIO(content), "x.pdf")]}
    if token:
        data["csrf_token"] = token
    headers = {"Accept": "application/json"} if json else {}
    response = client.post(
        upload_url(space_id), data=data, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert row_counts(app) == (0, 0)
    assert blob_files(app) == []


@pytest.mark.one_database("the spool's own bookkeeping, no database")
def test_a_spool_is_adopted_as_written_or_copied_when_written_out_of_order(tmp_path):
    from neig_workspace.documents.storage import LocalBlobStore, TooLarge

    store = LocalBlobStore(tmp_path)
    content = b"abc" * 100_000
    spool = store.spool()
    spool.write(content[:1000])
    spool.write(content[1000:])
    spool.seek(0)
    staged = store.stage(spool, len(content))
    assert staged.path == spool.path  # adopted: no second file
    assert (staged.sha256, staged.size) == (hashlib.sha256(content).hexdigest(), len(content))
    spool.close()  # the request's end does not remove what the store now owns
    assert staged.path.read_bytes() == content
    store.discard(staged)

    spool = store.spool()
    spool.write(content)
    spool.seek(0)
    spool.write(b"x")  # written again: the running hash no longer describes the file
    spool.seek(0)
    staged = store.stage(spool, len(content))
    assert staged.path != spool.path  # a copy, hashed anew
    assert staged.sha256 == hashlib.sha256(b"x" + content[1:]).hexdigest()
    spool.close()
    assert not spool.path.exists()
    store.discard(staged)

    spool = store.spool()
    spool.write(content)
    spool.seek(0)
    with pytest.raises(TooLarge):
        store.stage(spool, len(content) - 1)
    assert not spool.path.exists()
    assert list((tmp_path / "tmp").iterdir()) == []


# --- the list the uploads land in ------------------------------------------------------------


def test_the_document_list_runs_as_many_queries_for_30_documents_as_for_3(
    app, client, personas, space_id
):
    """No query per row (bench/documents.py measures the time at 10,000)."""
    from tests.conftest import count_queries

    def queries_for_list() -> int:
        with count_queries(app) as statements:
            assert client.get(f"/werkruimtes/{space_id}/documenten").status_code == 200
        return len(statements)

    for i in range(3):
        assert upload(client, space_id, [(pdf(str(i)), f"doc-{i}.pdf")]).status_code == 302
    client.get(f"/werkruimtes/{space_id}/documenten")  # the flash message is shown once
    few = queries_for_list()
    files = [(pdf(str(i)), f"doc-{i}.pdf") for i in range(3, 30)]
    assert upload(client, space_id, files).status_code == 302
    client.get(f"/werkruimtes/{space_id}/documenten")
    assert queries_for_list() == few


@pytest.mark.one_database("the spool's own thread, no database")
def test_a_spool_hashes_a_large_write_in_a_thread_it_stops_once_the_part_is_written(tmp_path):
    import threading

    from neig_workspace.documents.storage import HASH_ASIDE, LocalBlobStore

    def hashers() -> int:
        return sum(t.name.startswith("spool-sha256") for t in threading.enumerate())

    store = LocalBlobStore(tmp_path)
    content = bytearray(b"%PDF-1.7\n" + b"\x01" * (3 * HASH_ASIDE))
    spool = store.spool()
    spool.write(memoryview(content)[:10])  # small: hashed in the caller's thread
    spool.write(memoryview(content)[10:])  # large: beside the write
    assert hashers() == 1
    content[20:30] = b"x" * 10  # the caller may reuse its buffer once write has returned
    spool.seek(0)  # the form parser rewinds the part: the thread is done
    assert hashers() == 0
    staged = store.stage(spool, len(content))
    assert staged.path == spool.path
    assert staged.sha256 == hashlib.sha256(staged.path.read_bytes()).hexdigest()
    assert staged.path.read_bytes()[20:30] == b"\x01" * 10
    store.discard(staged)
