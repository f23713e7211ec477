"""Nothing lost (issue 16 D): a request never deletes a blob, only the garbage collector does
after its grace period; `blobs verify` finds a missing or damaged blob; a download of one is
refused (503) and audited as failed; two new versions at once both land, numbered in turn."""

import hashlib
import html
import io
import os
import threading
import time
from pathlib import Path

import pytest

from neig_workspace.documents.storage import LocalBlobStore
from tests.documents.doc_helpers import (
    add_version,
    audit_events,
    blob_files,
    blobs_command,
    org_space,
    pdf,
    upload,
    upload_url,
    uploaded_id,
    versions,
)
from tests.helpers import login_as

LONG_AGO = time.time() - 3 * 24 * 3600  # older than the default grace period of 24 h


def blob_path(app, content: bytes) -> Path:
    digest = hashlib.sha256(content).hexdigest()
    return Path(app.config["BLOB_ROOT"]) / digest[:2] / digest[2:4] / digest


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def space_id(app, personas, client):
    login_as(app, client, personas.member_a)
    return org_space(app, personas)


# --- the garbage collector -------------------------------------------------------------------


def test_gc_removes_only_unused_blobs_past_the_grace_period(app, client, space_id):
    used = uploaded_id(client, space_id, pdf("in gebruik"), "gebruikt.pdf")
    # A refused batch stored its first file: no row points at it.
    upload(client, space_id, [(pdf("oud weesje"), "oud.pdf"), (b"", "leeg.pdf")])
    upload(client, space_id, [(pdf("jong weesje"), "jong.pdf"), (b"", "leeg.pdf")])
    old, young = blob_path(app, pdf("oud weesje")), blob_path(app, pdf("jong weesje"))
    assert old.exists() and young.exists()
    for path in (old, blob_path(app, pdf("in gebruik"))):
        os.utime(path, (LONG_AGO, LONG_AGO))
    stale_temp = Path(app.config["BLOB_ROOT"]) / "tmp" / "upload-killed"
    stale_temp.write_bytes(b"half")
    os.utime(stale_temp, (LONG_AGO, LONG_AGO))
    fresh_temp = stale_temp.with_name("request-running")
    fresh_temp.write_bytes(b"still arriving")

    dry = blobs_command(app, "gc", "--dry-run", grace_hours=24)
    assert dry.exit_code == 0, dry.output
    assert "Would remove 1 unused blob(s)" in dry.output
    assert "1 temporary file(s)" in dry.output
    assert old.exists() and stale_temp.exists()

    result = blobs_command(app, "gc", grace_hours=24)
    assert result.exit_code == 0, result.output
    assert "Removed 1 unused blob(s)" in result.output
    assert not old.exists() and not stale_temp.exists()
    assert young.exists(), "an unused blob within the grace period may belong to a running request"
    assert fresh_temp.exists()
    assert client.get(f"/documenten/{used}/versies/1/download").data == pdf("in gebruik")
    fresh_temp.unlink()


def test_reusing_a_blob_refreshes_its_time_so_the_gc_keeps_it(app, client, space_id):
    """An upload of content stored long ago marks the blob as used now: a collector running
    before that upload's row commits must not take it."""
    content = pdf("hergebruikt")
    upload(client, space_id, [(content, "eerst.pdf"), (b"", "leeg.pdf")])  # garbage
    os.utime(blob_path(app, content), (LONG_AGO, LONG_AGO))
    uploaded_id(client, space_id, content, "weer.pdf")
    assert blob_path(app, content).stat().st_mtime > time.time() - 600


def test_a_blob_reused_while_being_collected_is_put_back(tmp_path):
    """The collector renames a blob aside before removing it and reads its time again: a
    request that touched it in the meantime keeps it; one that comes after the rename finds
    it gone and stores its own copy."""
    store = LocalBlobStore(tmp_path)
    staged = store.stage(open_bytes(b"gedeeld"), max_size=100)
    store.commit(staged)
    path = store.path(staged.sha256)
    os.utime(path, (LONG_AGO, LONG_AGO))
    cutoff = time.time() - 3600
    store.touch(staged.sha256)  # a request reuses it after the collector listed it as old
    assert store.remove_if_idle(staged.sha256, cutoff) is False
    assert path.read_bytes() == b"gedeeld"
    os.utime(path, (LONG_AGO, LONG_AGO))
    assert store.remove_if_idle(staged.sha256, cutoff) is True
    assert not path.exists()
    assert store.touch(staged.sha256) is False  # the next request stores its own copy
    again = store.stage(open_bytes(b"gedeeld"), max_size=100)
    store.commit(again)
    assert path.read_bytes() == b"gedeeld"
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == []


def open_bytes(content: bytes):
    return io.BytesIO(content)


# --- verify, and a download whose blob is gone -------------------------------------------------


def test_verify_finds_a_missing_and_a_damaged_blob(app, client, space_id):
    for name in ("heel", "kwijt", "kapot"):
        uploaded_id(client, space_id, pdf(name), f"{name}.pdf")
    clean = blobs_command(app, "verify")
    assert clean.exit_code == 0, clean.output
    assert "All 3 blob(s) present and intact." in clean.output
    blob_path(app, pdf("kwijt")).unlink()
    path = blob_path(app, pdf("kapot"))
    path.write_bytes(path.read_bytes().replace(b"kapot", b"KAPOT"))  # same size, other bytes
    result = blobs_command(app, "verify")
    assert result.exit_code == 1
    assert f"MISSING: blob {hashlib.sha256(pdf('kwijt')).hexdigest()}" in result.output
    assert f"CORRUPT: blob {hashlib.sha256(pdf('kapot')).hexdigest()}" in result.output
    assert "2 of 3 blob(s) missing or corrupt." in result.output


@pytest.mark.parametrize("accel_prefix", ["", "/_protected/blobs/"], ids=["app", "nginx"])
@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_download_of_a_missing_blob_is_refused_and_audited_as_failed(
    app, client, space_id, damage, accel_prefix, monkeypatch
):
    # Sent by the app or by nginx (X-Accel-Redirect): the app checks the blob first.
    monkeypatch.setitem(app.config, "DOWNLOAD_ACCEL_PREFIX", accel_prefix)
    document_id = uploaded_id(client, space_id, pdf("verdwenen"), "verdwenen.pdf")
    path = blob_path(app, pdf("verdwenen"))
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:10])
    for kind in ("download", "voorbeeld"):
        response = client.get(f"/documenten/{document_id}/versies/1/{kind}")
        assert response.status_code == 503
        page = text_of(response)
        assert "Versie 1 van verdwenen.pdf kan nu niet worden geopend" in page
        assert "Content-Disposition" not in response.headers
        assert "X-Accel-Redirect" not in response.headers
    assert audit_events(app, "document.downloaded") == []
    assert audit_events(app, "document.previewed") == []
    failed = [details for *_, details in audit_events(app, "document.download_failed")]
    reason = "missing" if damage == "missing" else "corrupt"
    assert failed == [
        {"version": 1, "reason": reason, "preview": False},
        {"version": 1, "reason": reason, "preview": True},
    ]


def test_a_text_draft_whose_blob_is_gone_gets_the_same_page(app, client, space_id):
    from tests.helpers import post_form

    response = post_form(
        client,
        f"/werkruimtes/{space_id}/concepten/nieuw",
        {"title": "Plan", "text": "Eerste alinea.", "folder": "0", "classification": "intern"},
    )
    assert response.status_code == 302, text_of(response)
    document_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    [version] = versions(app, document_id)
    Path(app.config["BLOB_ROOT"], version.sha256[:2], version.sha256[2:4], version.sha256).unlink()
    response = client.get(f"/documenten/{document_id}")
    assert response.status_code == 503
    assert "kan nu niet worden geopend" in text_of(response)


# --- races between requests ----------------------------------------------------------------


class FailsAfterPlacing(Exception):
    """Request A fails once its blob is in place (the next file of its batch refused, say)."""


@pytest.mark.commits("request B commits on a connection of its own while request A is open")
def test_a_rolled_back_upload_never_removes_the_blob_a_committed_version_uses(
    app, personas, test_db, monkeypatch
):
    """Request A stores content X first; request B, in another organisation's space, uploads
    the same X (reusing A's blob) and commits; then A fails and rolls back. B's document must
    keep its file. The order is forced, not left to timing: B runs (and A waits) right after A
    has placed its blob, and A's next step fails once B has committed."""
    if test_db.engine.dialect.name == "sqlite":
        pytest.skip(
            "on SQLite every request begins IMMEDIATE and holds the write lock from its first "
            "statement: B cannot commit while A is open, so this interleaving cannot happen"
        )
    from neig_workspace.accounts.models import User
    from neig_workspace.audit import service as audit
    from neig_workspace.documents import service
    from neig_workspace.documents.models import Document
    from neig_workspace.extensions import db

    client_a, client_b = app.test_client(), app.test_client()
    login_as(app, client_a, personas.member_a)
    login_as(app, client_b, personas.member_b)
    space_a, space_b = org_space(app, personas), org_space(app, personas, "gemeente_b")
    document_a = uploaded_id(client_a, space_a, pdf("A versie 1"), "a.pdf")
    shared = pdf("dezelfde inhoud in twee werkruimtes")
    answers, b_done = [], threading.Event()
    original_commit, original_record = LocalBlobStore.commit, audit.record

    def place_then_let_b_in(store, staged):
        original_commit(store, staged)
        if threading.current_thread() is not threading.main_thread() or b_done.is_set():
            return  # B's own placement
        assert blob_path(app, shared).exists()  # A placed it first
        # B in a thread of its own only so that it gets its own app context (and so its own
        # session and connection); A waits for it to finish.
        thread = threading.Thread(
            target=lambda: answers.append(upload(client_b, space_b, [(shared, "b.pdf")], json=True))
        )
        thread.start()
        thread.join(30)
        b_done.set()

    def record_or_fail(*args, **kwargs):
        if b_done.is_set() and threading.current_thread() is threading.main_thread():
            raise FailsAfterPlacing  # A's next step fails: its transaction rolls back
        return original_record(*args, **kwargs)

    monkeypatch.setattr(LocalBlobStore, "commit", place_then_let_b_in)
    monkeypatch.setattr(audit, "record", record_or_fail)
    with app.test_request_context():
        document = db.session.get(Document, document_a)
        actor = db.session.get(User, personas.member_a.id)
        with pytest.raises(FailsAfterPlacing):
            service.add_version(document, service.Upload(open_bytes(shared), "a2.pdf"), actor=actor)
        db.session.rollback()
    monkeypatch.undo()
    [answer] = answers
    assert answer.status_code == 200, text_of(answer)
    document_b = answer.get_json()["documents"][0]["id"]
    response = client_b.get(f"/documenten/{document_b}/versies/1/download")
    assert (response.status_code, response.data) == (200, shared)
    assert [v.number for v in versions(app, document_a)] == [1]
    assert blobs_command(app, "verify").exit_code == 0


@pytest.mark.commits("two requests at once, each in a thread on its own connection")
def test_two_new_versions_at_once_both_land_numbered_in_turn(app, personas, test_db, monkeypatch):
    """Both requests have read the document (latest version 1) and staged their file before
    either writes: without a lock both would take number 2 and one would fail on the unique key.
    """
    if test_db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite lets one writer in at a time, and a transaction that read before another "
            "committed cannot write at all (SQLITE_BUSY_SNAPSHOT): simultaneous writes are the "
            "embedded database's own limit there, not a numbering question"
        )
    clients = [app.test_client(), app.test_client()]
    login_as(app, clients[0], personas.member_a)
    login_as(app, clients[1], personas.org_admin_a)
    space_id = org_space(app, personas)
    document_id = uploaded_id(clients[0], space_id, pdf("start"), "start.pdf")
    token_from = upload_url(space_id)

    both_staged = threading.Barrier(2, timeout=20)
    original_stage = LocalBlobStore.stage

    def stage_then_wait(store, stream, max_size):
        staged = original_stage(store, stream, max_size)
        if threading.current_thread().name.startswith("version-"):
            both_staged.wait()
        return staged

    monkeypatch.setattr(LocalBlobStore, "stage", stage_then_wait)
    contents = []
    for round_number in range(3):
        pair = [pdf(f"ronde {round_number} door {who}") for who in ("a", "b")]
        contents.extend(pair)
        answers = [None, None]

        def post_version(index, content, answers=answers):
            answers[index] = add_version(
                clients[index], document_id, content, f"v{index}.pdf", token_from=token_from
            )

        threads = [
            threading.Thread(target=post_version, args=(i, pair[i]), name=f"version-{i}")
            for i in (0, 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [a.status_code for a in answers] == [302, 302], [text_of(a) for a in answers]
    numbers = [v.number for v in versions(app, document_id)]
    assert numbers == list(range(1, 8))
    assert sorted(v.sha256 for v in versions(app, document_id)[1:]) == sorted(
        hashlib.sha256(c).hexdigest() for c in contents
    )
    assert all(blob_path(app, c).exists() for c in contents)
    assert blobs_command(app, "verify").exit_code == 0
    assert len(blob_files(app)) == 7
