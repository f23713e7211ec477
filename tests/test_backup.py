"""Backup and restore (issue 16; BIO 8.13): a round trip on the run's database, from the test
database into an empty database and blob store of a second app, checked by `backup verify`; the
refusals of a non-empty target; a damaged restore named by `backup verify`."""

import hashlib
import io
import json
import secrets

import psycopg
import pytest
from sqlalchemy.engine import make_url

from neig_workspace import create_app
from neig_workspace.accounts.models import User
from neig_workspace.documents import service as documents
from neig_workspace.documents.storage import LocalBlobStore
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from tests.conftest import PG_ADMIN_URL
from tests.documents.doc_helpers import pdf
from tests.personas import create_personas


@pytest.fixture
def empty_database(app, tmp_path):
    """A database of the run's kind with nothing in it, dropped afterwards."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"neig_restore_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _plant(app) -> str:
    """Personas, a space and a document with its blob, all committed; the blob's sha256."""
    with app.app_context():
        personas = create_personas()
        organisation = db.session.get(Organisation, personas.orgs["gemeente_a"])
        member = db.session.get(User, personas.member_a.id)
        space = spaces.create_organisation_space(organisation, actor=member)
        content = pdf("backup")
        upload = documents.Upload(io.BytesIO(content), "verslag.pdf", "application/pdf")
        documents.upload_document(space, upload, actor=member)
        db.session.commit()
    return hashlib.sha256(content).hexdigest()


def _neig(app, *args):
    return app.test_cli_runner().invoke(args=["neig", *args])


@pytest.mark.commits("pg_dump and SQLite's backup API read what is committed, on their own")
def test_backup_restore_verify_round_trip(app, empty_database, tmp_path):
    sha256 = _plant(app)
    folder = tmp_path / "backup"
    made = _neig(app, "backup", str(folder))
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(manifest["blobs"]) == [sha256] and manifest["missing_blobs"] == []
    assert manifest["database"]["tables"]["documents"] == 1
    blobs = tmp_path / "restored-blobs"
    restored = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=empty_database,
        BLOB_ROOT=str(blobs),
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    try:
        # A blob store that holds a file is refused, and nothing is restored.
        (blobs / "ab").mkdir(parents=True)
        (blobs / "ab" / "someone-elses-file").write_bytes(b"x")
        refused = _neig(restored, "restore", str(folder))
        assert refused.exit_code == 1 and "holds files" in refused.output
        with restored.app_context():
            assert not db.inspect(db.engine).get_table_names()
        (blobs / "ab" / "someone-elses-file").unlink()

        result = _neig(restored, "restore", str(folder))
        assert result.exit_code == 0, result.output
        verified = _neig(restored, "backup", "verify", str(folder))
        assert verified.exit_code == 0 and "audit chain intact" in verified.output

        # A second restore finds the database in use.
        again = _neig(restored, "restore", str(folder))
        assert again.exit_code == 1 and "only into an empty database" in again.output
        # A damaged blob in the restored store is named.
        LocalBlobStore(blobs).path(sha256).write_bytes(b"damaged")
        damaged = _neig(restored, "backup", "verify", str(folder))
        assert damaged.exit_code == 1 and f"blob {sha256} in the blob store" in damaged.output
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_a_backup_goes_into_a_new_or_empty_folder(app, tmp_path):
    (tmp_path / "something").write_text("")
    result = _neig(app, "backup", str(tmp_path))
    assert result.exit_code == 1 and "not empty" in result.output


@pytest.mark.commits("pg_dump and SQLite's backup API read what is committed, on their own")
def test_backup_and_restore_with_blobs_in_s3(s3_app, s3_server, empty_database, tmp_path):
    """From one bucket into the backup folder, and from there into an empty bucket of the
    restored installation; a non-empty bucket is refused; a damaged object is named."""
    sha256 = _plant(s3_app)
    folder = tmp_path / "backup"
    made = _neig(s3_app, "backup", str(folder))
    assert made.exit_code == 0, made.output
    assert LocalBlobStore(folder / "blobs").path(sha256).read_bytes() == pdf("backup")
    bucket = s3_server.new_bucket()
    restored = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=empty_database,
        BLOB_ROOT=str(tmp_path / "staging"),
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        **s3_server.config(bucket),
    )
    s3 = s3_server.client()
    try:
        s3.put_object(Bucket=bucket, Key="blobs/someone-elses-object", Body=b"x")
        refused = _neig(restored, "restore", str(folder))
        assert refused.exit_code == 1 and "holds files" in refused.output
        s3.delete_object(Bucket=bucket, Key="blobs/someone-elses-object")

        result = _neig(restored, "restore", str(folder))
        assert result.exit_code == 0, result.output
        key = f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == pdf("backup")
        verified = _neig(restored, "backup", "verify", str(folder))
        assert verified.exit_code == 0 and "audit chain intact" in verified.output

        s3.put_object(Bucket=bucket, Key=key, Body=b"damaged")
        damaged = _neig(restored, "backup", "verify", str(folder))
        assert damaged.exit_code == 1 and f"blob {sha256} in the blob store" in damaged.output
    finally:
        with restored.app_context():
            db.engine.dispose()
