"""Virus scanning of uploads against a real clamd (tests/clamd.py): infected files are refused
and audited, an unreachable scanner refuses or quarantines, quarantined versions cannot be
opened until `flask neig scan-pending` has scanned them, and nothing is ever silently accepted."""

import html
import re
import socket
import tracemalloc

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.audit.service import verify_chain
from neig_workspace.documents.models import DocumentVersion, ScanStatus
from neig_workspace.documents.scanning import ClamdClient, ScannerUnavailable
from tests.clamd import eicar
from tests.conftest import db_ctx
from tests.documents.doc_helpers import (
    add_version,
    assert_only_garbage_left,
    blob_files,
    org_space,
    pdf,
    row_counts,
    upload,
    uploaded_id,
    versions,
)
from tests.helpers import login_as

INFECTED = "eicar.txt bevat een virus (Eicar-Signature) en is geweigerd."
UNREACHABLE = "De virusscanner is niet bereikbaar; probeer het later opnieuw."
PENDING_PAGE = "is nog niet op virussen gecontroleerd"
INFECTED_PAGE = "is een virus gevonden"


@pytest.fixture
def space_id(app, personas, client):
    login_as(app, client, personas.member_a)
    return org_space(app, personas)


@pytest.fixture
def scan_with(app, monkeypatch):
    """Point the app at a scanner for one test; the config is restored afterwards."""

    def configure(socket_path="", host="", port=3310, unavailable="refuse", timeout=10):
        for key, value in {
            "CLAMAV_SOCKET": socket_path,
            "CLAMAV_HOST": host,
            "CLAMAV_PORT": port,
            "CLAMAV_UNAVAILABLE": unavailable,
            "CLAMAV_TIMEOUT": timeout,
        }.items():
            monkeypatch.setitem(app.config, key, value)

    return configure


@pytest.fixture
def unreachable(tmp_path) -> str:
    """A unix socket path nobody listens on."""
    return str(tmp_path / "no-clamd.sock")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def files_error(response) -> str:
    """The error shown next to the files field (not only in the summary above the form)."""
    match = re.search(r'id="files-error">(.*?)</div>', text_of(response), re.S)
    assert match, "no error next to the files field"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def events(app, action: str) -> list[tuple[str, str | None, int | None, dict]]:
    """(result, target_type, space_id, details) of every audit event with `action`."""
    with db_ctx(app) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [(e.result, e.target_type, e.space_id, dict(e.details or {})) for e in rows]


def scan_status(app, document_id: int, number: int = 1) -> ScanStatus:
    return next(v.scan_status for v in versions(app, document_id) if v.number == number)


def download(client, document_id: int, number: int = 1):
    return client.get(f"/documenten/{document_id}/versies/{number}/download")


def scan_pending(app):
    return app.test_cli_runner().invoke(args=["neig", "scan-pending"])


# --- the client against the daemon -----------------------------------------------------------


def test_the_client_talks_instream_to_clamd_on_both_sockets(clamd, tmp_path):
    infected, clean = tmp_path / "eicar.txt", tmp_path / "clean.pdf"
    infected.write_bytes(b"voor " + eicar() + b" na")  # found inside other content too
    clean.write_bytes(pdf("schoon"))
    for client in (
        ClamdClient(socket_path=clamd.socket_path),
        ClamdClient(host=clamd.host, port=clamd.port),
    ):
        assert client.ping()
        verdict = client.scan_file(infected)
        assert (verdict.infected, verdict.signature) == (True, "Eicar-Signature.UNOFFICIAL")
        assert verdict.signature_label == "Eicar-Signature"
        assert not client.scan_file(clean).infected


def test_a_scanner_that_accepts_but_never_answers_times_out(tmp_path):
    path = str(tmp_path / "silent.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.bind(path)
        silent.listen(1)  # the kernel accepts the connection; nobody ever reads or answers
        (tmp_path / "a.txt").write_bytes(b"hallo\n")
        with pytest.raises(ScannerUnavailable, match="did not answer"):
            ClamdClient(socket_path=path, timeout=0.5).scan_file(tmp_path / "a.txt")


# --- scanning on -----------------------------------------------------------------------------


def test_a_clean_pdf_passes_and_can_be_downloaded(app, client, clamd, scan_with, space_id):
    scan_with(socket_path=clamd.socket_path)
    content = pdf("schoon")
    document_id = uploaded_id(client, space_id, content, "verslag.pdf")
    assert scan_status(app, document_id) == ScanStatus.CLEAN
    response = download(client, document_id)
    assert response.status_code == 200
    assert response.data == content
    [(_, _, _, details)] = events(app, "document.uploaded")
    assert details["scan"] == "clean"


def test_eicar_in_a_text_file_is_refused_audited_and_leaves_nothing(
    app, client, clamd, scan_with, space_id, personas
):
    scan_with(socket_path=clamd.socket_path)
    response = upload(client, space_id, [(eicar(), "eicar.txt")])
    assert response.status_code == 422
    assert files_error(response) == INFECTED
    assert row_counts(app) == (0, 0)
    assert blob_files(app) == [], "the infected file (or its temporary file) was left on disk"
    # Audited although the upload was rolled back.
    assert events(app, "document.infected") == [
        (
            "failure",
            "space",
            space_id,
            {
                "filename": "eicar.txt",
                "signature": "Eicar-Signature.UNOFFICIAL",
                "space": space_id,
            },
        )
    ]
    with db_ctx(app) as session:
        actor = session.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.action == "document.infected")
        ).one()
    assert actor == personas.member_a.id
    with app.app_context():
        assert verify_chain().ok


def test_the_drop_zone_gets_the_refusal_as_json(app, client, clamd, scan_with, space_id):
    scan_with(host=clamd.host, port=clamd.port)  # over TCP this time
    response = upload(client, space_id, [(eicar(), "eicar.txt")], json=True)
    assert response.status_code == 422
    assert response.get_json() == {"ok": False, "errors": [INFECTED]}
    assert row_counts(app) == (0, 0)
    assert len(events(app, "document.infected")) == 1


def test_one_infected_file_in_a_batch_refuses_the_whole_batch(
    app, client, clamd, scan_with, space_id
):
    scan_with(socket_path=clamd.socket_path)
    response = upload(client, space_id, [(pdf("eerst"), "eerst.pdf"), (eicar(), "eicar.txt")])
    assert response.status_code == 422
    assert INFECTED in files_error(response)
    assert row_counts(app) == (0, 0)
    # The clean file was stored before the infected one was found: garbage, no longer kept.
    assert_only_garbage_left(app)
    assert events(app, "document.uploaded") == []
    assert len(events(app, "document.infected")) == 1


def test_a_new_version_with_eicar_is_refused_and_the_old_version_stays(
    app, client, clamd, scan_with, space_id
):
    scan_with(socket_path=clamd.socket_path)
    original = pdf("versie 1")
    document_id = uploaded_id(client, space_id, original, "notitie.pdf")
    before = blob_files(app)
    response = add_version(
        client, document_id, eicar(), "eicar.txt", token_from=f"/documenten/{document_id}"
    )
    assert response.status_code == 303
    page = text_of(client.get(response.location))
    assert INFECTED in page
    assert [v.number for v in versions(app, document_id)] == [1]
    assert blob_files(app) == before
    assert download(client, document_id).data == original
    [(result, _, space, details)] = events(app, "document.infected")
    assert (result, space, details["signature"]) == (
        "failure",
        space_id,
        "Eicar-Signature.UNOFFICIAL",
    )


# --- scanner unreachable ---------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_unreachable_scanner_in_refuse_mode_refuses_with_a_message(
    app, client, scan_with, unreachable, space_id, transport
):
    if transport == "unix":
        scan_with(socket_path=unreachable)
    else:
        with socket.socket() as probe:  # a loopback port that was free a moment ago
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        scan_with(host="127.0.0.1", port=port)
    response = upload(client, space_id, [(pdf("wacht"), "wacht.pdf")])
    assert response.status_code == 422
    assert files_error(response) == UNREACHABLE
    assert row_counts(app) == (0, 0)
    assert blob_files(app) == []
    assert events(app, "document.scan_unavailable") == [
        ("failure", "space", space_id, {"filename": "wacht.pdf", "space": space_id})
    ]


def test_an_unknown_unavailable_mode_refuses_too(app, client, scan_with, unreachable, space_id):
    scan_with(socket_path=unreachable, unavailable="accept")
    response = upload(client, space_id, [(pdf("x"), "x.pdf")])
    assert response.status_code == 422
    assert row_counts(app) == (0, 0)


def test_a_new_version_is_refused_while_the_scanner_is_unreachable(
    app, client, scan_with, unreachable, space_id
):
    document_id = uploaded_id(client, space_id, pdf("v1"), "v.pdf")  # scanning off
    scan_with(socket_path=unreachable)
    response = add_version(
        client, document_id, pdf("v2"), "v.pdf", token_from=f"/documenten/{document_id}"
    )
    assert UNREACHABLE in text_of(client.get(response.location))
    assert [v.number for v in versions(app, document_id)] == [1]
    assert len(events(app, "document.scan_unavailable")) == 1


# --- quarantine ------------------------------------------------------------------------------


def test_quarantined_upload_is_blocked_until_scan_pending_finds_it_clean(
    app, client, clamd, scan_with, unreachable, space_id
):
    scan_with(socket_path=unreachable, unavailable="quarantine")
    content = pdf("in quarantaine")
    document_id = uploaded_id(client, space_id, content, "quarantaine.pdf")
    assert scan_status(app, document_id) == ScanStatus.PENDING
    for path in ("download", "voorbeeld"):
        blocked = client.get(f"/documenten/{document_id}/versies/1/{path}")
        assert blocked.status_code == 409
        assert PENDING_PAGE in text_of(blocked)
        assert content not in blocked.data
    show = text_of(client.get(f"/documenten/{document_id}"))
    assert "Wacht op virusscan" in show
    assert f"/documenten/{document_id}/versies/1/download" not in show
    assert events(app, "document.downloaded") == []

    # The scanner still down: the command says so and leaves the version pending.
    failed = scan_pending(app)
    assert failed.exit_code == 1
    assert "unreachable" in failed.output
    assert scan_status(app, document_id) == ScanStatus.PENDING

    scan_with(socket_path=clamd.socket_path, unavailable="quarantine")
    result = scan_pending(app)
    assert result.exit_code == 0, result.output
    assert "1 clean, 0 infected" in result.output
    assert scan_status(app, document_id) == ScanStatus.CLEAN
    response = download(client, document_id)
    assert (response.status_code, response.data) == (200, content)
    [(result_, _, space, details)] = events(app, "document.scanned")
    assert (result_, space, details) == ("success", space_id, {"version": 1, "scan": "clean"})


def test_quarantined_eicar_is_removed_by_scan_pending(
    app, client, clamd, scan_with, unreachable, space_id
):
    scan_with(socket_path=unreachable, unavailable="quarantine")
    document_id = uploaded_id(client, space_id, pdf("goed"), "goed.pdf")
    response = add_version(
        client, document_id, eicar(), "eicar.txt", token_from=f"/documenten/{document_id}"
    )
    assert response.status_code == 302
    assert scan_status(app, document_id, 2) == ScanStatus.PENDING
    infected_blob = next(v.sha256 for v in versions(app, document_id) if v.number == 2)

    scan_with(socket_path=clamd.socket_path, unavailable="quarantine")
    result = scan_pending(app)
    assert result.exit_code == 0, result.output
    assert "1 clean, 1 infected" in result.output
    assert scan_status(app, document_id, 1) == ScanStatus.CLEAN
    assert scan_status(app, document_id, 2) == ScanStatus.INFECTED
    assert infected_blob not in {p.name for p in blob_files(app)}, "the infected blob is kept"
    blocked = download(client, document_id, 2)
    assert blocked.status_code == 409
    assert INFECTED_PAGE in text_of(blocked)
    assert download(client, document_id, 1).status_code == 200
    [(result_, target_type, space, details)] = events(app, "document.infected")
    assert (result_, target_type, space) == ("failure", "document", space_id)
    assert details["filename"] == "eicar.txt"
    assert details["signature"] == "Eicar-Signature.UNOFFICIAL"
    assert details["version"] == 2
    # Nothing left to do: a second run scans nothing.
    assert "0 clean, 0 infected" in scan_pending(app).output


def test_scan_pending_refuses_when_scanning_is_off(app):
    result = scan_pending(app)
    assert result.exit_code == 1
    assert "Virus scanning is off" in result.output


# --- scanning off ----------------------------------------------------------------------------


def test_with_scanning_off_uploads_work_as_before(app, client, space_id):
    assert not app.config["CLAMAV_SOCKET"] and not app.config["CLAMAV_HOST"]
    content = pdf("ongescand")
    document_id = uploaded_id(client, space_id, content, "ongescand.pdf")
    assert scan_status(app, document_id) == ScanStatus.NOT_SCANNED
    assert download(client, document_id).data == content


# --- streaming -------------------------------------------------------------------------------


def test_a_20_mb_upload_is_scanned_without_holding_it_in_memory(
    app, client, clamd, scan_with, space_id, tmp_path
):
    scan_with(socket_path=clamd.socket_path)
    size = 20 * 1024 * 1024
    big = tmp_path / "groot.pdf"
    with big.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(20):
            out.write(b"%" * (1024 * 1024))
        out.truncate(size)
    with big.open("rb") as stream:
        tracemalloc.start()
        try:
            response = upload(client, space_id, [(stream, "groot.pdf")])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert response.status_code == 302, text_of(response)
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a 20 MB upload"
    with db_ctx(app) as session:
        version = session.scalars(select(DocumentVersion)).one()
        assert (version.size, version.scan_status) == (size, ScanStatus.CLEAN)
