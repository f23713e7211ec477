"""Text read from uploaded files for search (documents/extraction.py): every kind of file,
uploaded for real and read by the real child process, is stored with the right status; hostile
files (entity and zip bombs), files past the time and memory limits, damaged files and images
say why they have no text; versions waiting for their scan or found infected are never read.

One child process per file is the cost of the isolation: the files are uploaded once for the
module and read by one run of `flask neig extract-text`; the tests look at what it stored.
"""

import io
import json
import os
import re
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from neig_workspace.documents import extraction
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import (
    Document,
    DocumentVersion,
    ScanStatus,
    TextStatus,
    VersionText,
)
from neig_workspace.documents.storage import LocalBlobStore
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.timeutil import utcnow
from tests.conftest import IN_CI, db_ctx
from tests.documents import extraction_files as files
from tests.documents.doc_helpers import PNG, docx, pdf, uploaded_id
from tests.helpers import login_as

#: name -> (file name, content, status, words its text must hold)
KINDS = {
    "docx": (
        "nota.docx",
        files.word("Een geïmproviseerd explosief bij de woning.", "Tweede alinea."),
        TextStatus.OK,
        ["geïmproviseerd", "woning", "handelingskader"],
    ),
    "xlsx": (
        "overzicht.xlsx",
        files.excel("aanslagen 2026", "GM0599"),
        TextStatus.OK,
        ["Overzicht", "aanslagen 2026", "GM0599", "20"],
    ),
    "pptx": (
        "presentatie.pptx",
        files.powerpoint("Explosies in Rotterdam", "Notities: nazorg bewoners"),
        TextStatus.OK,
        ["Explosies in Rotterdam", "nazorg bewoners"],
    ),
    "pdf": (
        "verslag.pdf",
        files.pdf("Een geïmproviseerd explosief (IED)", "bij de woningen aan de Coolsingel"),
        TextStatus.OK,
        ["geïmproviseerd explosief (IED)", "woningen aan de Coolsingel"],
    ),
    "odt": (
        "brief.odt",
        files.odt("Nazorg na de aanslag", "Regie bij de gemeente"),
        TextStatus.OK,
        ["Nazorg na de aanslag", "Regie bij de gemeente"],
    ),
    "ods": (
        "lijst.ods",
        files.ods("cel één", "NEIG-2026-0001"),
        TextStatus.OK,
        ["cel één", "NEIG-2026-0001"],
    ),
    "eml": (
        "melding.eml",
        files.email("Melding explosie", "De bewoners zijn geëvacueerd naar de sporthal."),
        TextStatus.OK,
        ["Melding explosie", "meldkamer@politie.example", "geëvacueerd naar de sporthal"],
    ),
    "txt": (
        "notitie.txt",
        b"Afspraken over de woningsluiting.\n",
        TextStatus.OK,
        ["Afspraken over de woningsluiting."],
    ),
    "md": (
        "concept.md",
        "# Handelingskader\n\nÉén aanpak.\n".encode(),
        TextStatus.OK,
        ["# Handelingskader\n\nÉén aanpak."],
    ),
    "csv": ("codes.csv", b"code,naam\nP-03,Politie\n", TextStatus.OK, ["P-03,Politie"]),
    "scanned": ("scan.pdf", files.scanned_pdf(), TextStatus.NO_TEXT, []),
    "broken_pdf": ("kapot.pdf", pdf("kapot"), TextStatus.UNREADABLE, []),
    "broken_docx": ("kapot.docx", docx(), TextStatus.UNREADABLE, []),
    "entity_bomb": ("bom.docx", files.word_with_entity_bomb(), TextStatus.UNREADABLE, []),
    "image": ("foto.png", PNG, TextStatus.UNSUPPORTED, []),
}


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """Every kind uploaded through the upload form, then one run of the command."""
    client = app.test_client()
    with test_db.rolled_back():
        login_as(app, client, module_personas.member_a)
        with app.app_context():
            org = db.session.get(Organisation, module_personas.orgs["gemeente_a"])
            space_id = spaces.create_organisation_space(org, actor=None).id
            db.session.commit()
        ids = {
            name: uploaded_id(client, space_id, content, filename)
            for name, (filename, content, _, _) in KINDS.items()
        }
        result = app.test_cli_runner().invoke(args=["neig", "extract-text"])
        yield {"space_id": space_id, "ids": ids, "cli": result, "client": client}


def stored(app, document_id: int) -> VersionText | None:
    with db_ctx(app) as session:
        row = session.scalar(
            select(VersionText)
            .join(DocumentVersion, DocumentVersion.id == VersionText.version_id)
            .where(DocumentVersion.document_id == document_id)
            .order_by(DocumentVersion.number.desc())
        )
        if row is not None:
            row.text  # noqa: B018 - load the deferred column before the session goes
            session.expunge(row)
        return row


def latest_version_id(app, document_id: int) -> int:
    with db_ctx(app) as session:
        return session.scalar(
            select(DocumentVersion.id)
            .where(DocumentVersion.document_id == document_id)
            .order_by(DocumentVersion.number.desc())
        )


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_is_stored_with_its_status_and_text(app, world, kind):
    _, _, status, words = KINDS[kind]
    row = stored(app, world["ids"][kind])
    assert row is not None, f"{kind}: no text stored"
    assert row.status == status, f"{kind}: {row.status}"
    for word in words:
        assert word in row.text, f"{kind}: {word!r} not in {row.text!r}"
    if status != TextStatus.OK:
        assert row.text == ""
    assert not row.truncated
    assert bool(row.extractor) == (status != TextStatus.UNSUPPORTED)  # no parser for an image


def test_the_command_reports_each_status_and_a_second_run_has_nothing_to_do(app, world):
    result = world["cli"]
    assert result.exit_code == 0, result.output
    assert "Reading text" in result.output  # the progress bar
    assert f"Read {len(KINDS)} version(s)" in result.output
    assert "10 ok" in result.output and "3 unreadable" in result.output
    assert "1 no_text" in result.output and "1 unsupported" in result.output
    again = app.test_cli_runner().invoke(args=["neig", "extract-text"])
    assert again.exit_code == 0, again.output
    assert "Read 0 version(s): nothing to do." in again.output


def test_the_document_page_says_whether_text_was_found(app, world):
    client = world["client"]
    for kind, label in [
        ("pdf", "tekst gevonden"),
        ("scanned", "geen tekst gevonden"),
        ("broken_pdf", "niet leesbaar"),
        ("image", "bestandstype zonder tekst"),
    ]:
        page = client.get(f"/documenten/{world['ids'][kind]}").get_data(as_text=True)
        cells = re.findall(r'<td class="utrecht-table__cell">([^<]*)</td>', page)
        assert label in cells, f"{kind}: {label!r} not on the page"


def test_a_version_not_read_yet_says_so(app, world):
    document_id = uploaded_id(world["client"], world["space_id"], b"nog te lezen\n", "nieuw.txt")
    page = world["client"].get(f"/documenten/{document_id}").get_data(as_text=True)
    assert "nog niet gelezen" in page


@pytest.mark.parametrize("status", [ScanStatus.PENDING, ScanStatus.INFECTED])
def test_a_version_waiting_for_its_scan_or_infected_is_never_read(app, world, status):
    document_id = uploaded_id(
        world["client"], world["space_id"], files.pdf("geheime inhoud"), "wacht.pdf"
    )
    version_id = latest_version_id(app, document_id)
    with db_ctx(app) as session:
        session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == version_id)
            .values(scan_status=status)
        )
        session.commit()
        assert version_id not in extraction.versions_to_extract()
        assert extraction.extract_version(version_id) is None
        assert extraction.extract_version(version_id, again=True) is None
    result = app.test_cli_runner().invoke(args=["neig", "extract-text"])
    assert "Read 0 version(s)" in result.output
    assert stored(app, document_id) is None


def test_a_file_past_the_time_limit_is_stopped(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "EXTRACT_TIMEOUT_SECONDS", 0.02)
    document_id = uploaded_id(world["client"], world["space_id"], files.pdf("traag"), "traag.pdf")
    with app.app_context():
        row = extraction.extract_version(latest_version_id(app, document_id))
        assert row.status == TextStatus.TIMEOUT
        assert row.text == ""


def test_a_file_past_the_memory_limit_is_too_large(app, world, monkeypatch):
    """At a limit a small text is read within, a large one runs out of memory in the child."""
    monkeypatch.setitem(app.config, "EXTRACT_MEMORY_MB", 32)
    monkeypatch.setitem(app.config, "EXTRACT_MAX_CHARS", 100_000_000)
    small = uploaded_id(world["client"], world["space_id"], b"klein bestand\n", "klein.txt")
    large = uploaded_id(world["client"], world["space_id"], b"woning " * 2_400_000, "groot.txt")
    with app.app_context():
        assert extraction.extract_version(latest_version_id(app, small)).status == TextStatus.OK
        row = extraction.extract_version(latest_version_id(app, large))
        assert row.status == TextStatus.TOO_LARGE


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, world, monkeypatch):
    """A .docx that would unpack past the memory limit; a normal one is read at that limit."""
    monkeypatch.setitem(app.config, "EXTRACT_MEMORY_MB", 80)
    bomb = uploaded_id(
        world["client"], world["space_id"], files.word_zip_bomb(90 * 1024 * 1024), "zipbom.docx"
    )
    normal = uploaded_id(world["client"], world["space_id"], files.word("gewoon"), "gewoon.docx")
    with app.app_context():
        assert extraction.extract_version(latest_version_id(app, bomb)).status == (
            TextStatus.TOO_LARGE
        )
        assert extraction.extract_version(latest_version_id(app, normal)).status == TextStatus.OK


def test_the_text_is_capped(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "EXTRACT_MAX_CHARS", 20)
    document_id = uploaded_id(world["client"], world["space_id"], b"explosie " * 100, "lang.txt")
    with app.app_context():
        row = extraction.extract_version(latest_version_id(app, document_id))
        assert row.status == TextStatus.OK
        assert row.text == "explosie explosie ex"
        assert row.truncated


def test_identical_content_is_copied_not_read_again(app, world, monkeypatch):
    """The same bytes as the module's PDF, uploaded as another document: with a time limit no
    child could meet, the text still comes, so it was not read again."""
    monkeypatch.setitem(app.config, "EXTRACT_TIMEOUT_SECONDS", 0.001)
    document_id = uploaded_id(world["client"], world["space_id"], KINDS["pdf"][1], "kopie.pdf")
    with app.app_context():
        row = extraction.extract_version(latest_version_id(app, document_id))
        assert row.status == TextStatus.OK
        assert "geïmproviseerd" in row.text


def test_since_and_again(app, world):
    """--since limits the run to versions uploaded on or after a day; --again reads versions
    that have their text already."""
    pdf_version = latest_version_id(app, world["ids"]["pdf"])
    with db_ctx(app) as session:
        session.execute(update(DocumentVersion).values(created_at=utcnow() - timedelta(days=400)))
        session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.id == pdf_version)
            .values(created_at=utcnow())
        )
        session.execute(
            update(VersionText)
            .where(VersionText.version_id == pdf_version)
            .values(status=TextStatus.TIMEOUT, text="")
        )
        session.commit()
    today = utcnow().strftime("%Y-%m-%d")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["neig", "extract-text", "--since", today])
    assert "Read 0 version(s)" in result.output
    result = runner.invoke(args=["neig", "extract-text", "--since", today, "--again"])
    assert "Read 1 version(s): 1 ok." in result.output, result.output
    assert "geïmproviseerd" in stored(app, world["ids"]["pdf"]).text
    result = runner.invoke(args=["neig", "extract-text", "--since", "2026-13-01"])
    assert result.exit_code != 0  # not a day


def test_a_purge_takes_the_text_along(app, world):
    document_id = world["ids"]["docx"]
    version_id = latest_version_id(app, document_id)
    with db_ctx(app) as session:
        documents.purge_document(session.get(Document, document_id), actor=None)
        session.commit()
        assert session.get(VersionText, version_id) is None


class _RemoteStore(LocalBlobStore):
    """A store whose blobs have no local path (as an S3 store's): open gives a stream only."""

    def open(self, sha256: str):
        return io.BytesIO(self.path(sha256).read_bytes())


def test_a_store_without_local_files_is_read_through_a_temporary_copy(app, world, monkeypatch):
    monkeypatch.setattr(extraction, "store", lambda: _RemoteStore(app.config["BLOB_ROOT"]))
    document_id = uploaded_id(
        world["client"], world["space_id"], files.odt("op afstand bewaard"), "ver.odt"
    )
    with app.app_context():
        row = extraction.extract_version(latest_version_id(app, document_id))
        assert row.status == TextStatus.OK and "op afstand bewaard" in row.text
    tmp = LocalBlobStore(app.config["BLOB_ROOT"]).tmp
    assert not [p for p in tmp.glob("extract-*")], "the temporary copy stayed"


def test_a_missing_blob_is_skipped_and_tried_again_later(app, world):
    content = b"dit bestand raakt zoek\n"
    document_id = uploaded_id(world["client"], world["space_id"], content, "zoek.txt")
    blobs = LocalBlobStore(app.config["BLOB_ROOT"])
    with db_ctx(app) as session:
        sha256 = session.get(DocumentVersion, latest_version_id(app, document_id)).sha256
    blobs.path(sha256).unlink()
    result = app.test_cli_runner().invoke(args=["neig", "extract-text"])
    assert "Read 1 version(s): 1 skipped." in result.output, result.output
    assert stored(app, document_id) is None
    blobs.commit(blobs.stage(io.BytesIO(content), 1000))  # back, e.g. from a backup
    result = app.test_cli_runner().invoke(args=["neig", "extract-text"])
    assert "Read 1 version(s): 1 ok." in result.output, result.output


def test_a_version_that_is_gone_is_skipped(app, world):
    with app.app_context():
        assert extraction.extract_version(10**9) is None


@pytest.mark.one_database("a pure function")
def test_an_email_is_read_as_one_only_by_its_name():
    assert extraction.kind_of("melding.eml", "text/plain") == "eml"
    assert extraction.kind_of("melding.EML", "text/csv") == "eml"
    assert extraction.kind_of("notitie.txt", "text/plain") == "text"
    assert extraction.kind_of("foto.png", "image/png") is None
    assert extraction.kind_of("oud.doc", "application/msword") is None


SANDBOX_PROBE = """
import importlib.util, json, socket, sys
spec = importlib.util.spec_from_file_location("extract_child", sys.argv[1])
child = importlib.util.module_from_spec(spec)
spec.loader.exec_module(child)
found = {"confined": child.confine()}
for name, path in (("secret", sys.argv[2]), ("blob", sys.argv[3])):
    try:
        open(path, "rb").read(1)
        found[name] = "read"
    except PermissionError:
        found[name] = "denied"
try:
    open(sys.argv[4], "wb").close()
    found["write"] = "written"
except PermissionError:
    found["write"] = "denied"
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[5])), timeout=5).close()
    found["connect"] = "connected"
except PermissionError:
    found["connect"] = "denied"
import encodings.idna  # a lazy import from the Python installation still works
print(json.dumps(found))
"""


@pytest.mark.one_database("the child process's sandbox, no database involved")
def test_the_child_can_open_no_file_of_the_apps_write_nothing_and_connect_nowhere(app, tmp_path):
    """What extract_child.confine() leaves a subverted parser: a file beside the app's (as its
    SQLite database or instance folder), a blob, a new file and a listening port on loopback
    are all refused, while the Python installation stays readable."""
    secret = tmp_path / "neig.sqlite3"
    secret.write_bytes(b"SQLite format 3\x00")
    blobs = LocalBlobStore(app.config["BLOB_ROOT"])
    blob = blobs.stage(io.BytesIO(b"inhoud van een ander document"), 1000)
    blobs.commit(blob)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        probe = subprocess.run(  # noqa: S603 - our interpreter and probe
            [
                sys.executable,
                "-I",
                "-c",
                SANDBOX_PROBE,
                str(extraction.CHILD),
                str(secret),
                str(blobs.path(blob.sha256)),
                str(tmp_path / "nieuw"),
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": os.defpath},
            check=False,
        )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    if not found["confined"]:
        if IN_CI:
            pytest.fail("this kernel has no Landlock: the extraction sandbox is not tested")
        pytest.skip("this kernel has no Landlock")
    assert found == {
        "confined": True,
        "secret": "denied",
        "blob": "denied",
        "write": "denied",
        "connect": "denied",
    }
    assert not (tmp_path / "nieuw").exists()
