"""Documents on the S3 blob store (issue 19), against the real S3-protocol server on loopback
(tests/s3_server.py): an upload through the app lands in the bucket and leaves no local file;
a download passes the same checks and audit, then is a 302 to a short-lived presigned URL
(followed with a real HTTP GET to the server, ranges included; moto checks no signature, so
the URL's expiry is asserted, not tried) or streamed by the app with
ETag, 304, ranges and 416 as the filesystem store answers them; a preview is always streamed,
sandboxed; a missing blob is refused and audited; `blobs gc` and `blobs verify` work on it."""

import hashlib
import os
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.documents.doc_helpers import (
    PNG,
    audit_events,
    blob_files,
    blobs_command,
    org_space,
    pdf,
    row_counts,
    upload,
    uploaded_id,
)
from tests.helpers import login_as

CONTENT = pdf("op s3") + os.urandom(600 * 1024)  # past the in-memory limit: spooled
NAME = "Één verslag.pdf"
SHA256 = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def bucket(s3_app, s3_server):
    """(client, bucket name) of the app's bucket on the loopback server."""
    return s3_server.client(), s3_app.config["S3_BUCKET"]


@pytest.fixture
def space_id(s3_app, personas, client):
    login_as(s3_app, client, personas.member_a)
    return org_space(s3_app, personas)


@pytest.fixture
def document_id(client, space_id):
    return uploaded_id(client, space_id, CONTENT, NAME)


def url(document_id: int, kind: str = "download") -> str:
    return f"/documenten/{document_id}/versies/1/{kind}"


def keys(bucket) -> list[str]:
    client, name = bucket
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", []))


def test_an_upload_lands_in_the_bucket_and_leaves_no_local_file(s3_app, bucket, document_id):
    assert f"blobs/{SHA256[:2]}/{SHA256[2:4]}/{SHA256}" in keys(bucket)
    assert blob_files(s3_app) == []  # neither a blob nor a temporary file under BLOB_ROOT


def test_a_download_redirects_to_a_short_lived_presigned_url(
    s3_app, client, personas, space_id, document_id
):
    response = client.get(url(document_id))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(s3_app.config["S3_ENDPOINT_URL"] + "/")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "no-store" in response.headers["Cache-Control"]  # the redirect is never cached
    assert response.headers["ETag"] == f'"{SHA256}"'
    assert audit_events(s3_app, "document.downloaded", document_id) == [
        (personas.member_a.id, str(document_id), space_id, {"version": 1})
    ]

    fetched = requests.get(location, timeout=10)  # what the browser does next
    assert fetched.status_code == 200 and fetched.content == CONTENT
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C3%89%C3%A9n%20verslag.pdf" in fetched.headers["Content-Disposition"]
    assert fetched.headers["Cache-Control"] == "private, no-store"
    ranged = requests.get(location, headers={"Range": "bytes=0-3"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == b"%PDF"


def test_a_matching_etag_gets_304_without_a_url_or_an_audit_event(s3_app, client, document_id):
    response = client.get(url(document_id), headers={"If-None-Match": f'"{SHA256}"'})
    assert response.status_code == 304 and "Location" not in response.headers
    assert audit_events(s3_app, "document.downloaded") == []


@pytest.fixture
def streamed(s3_app, monkeypatch):
    monkeypatch.setitem(s3_app.config, "S3_DOWNLOAD", "stream")


def test_streamed_the_app_sends_the_object_with_its_headers(s3_app, client, document_id, streamed):
    response = client.get(url(document_id))
    assert response.status_code == 200 and response.data == CONTENT
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] == f'"{SHA256}"'
    assert len(audit_events(s3_app, "document.downloaded", document_id)) == 1


def test_streamed_ranges_and_conditions_are_answered_as_by_the_filesystem_store(
    client, document_id, streamed
):
    size = len(CONTENT)
    head = client.get(url(document_id), headers={"Range": "bytes=0-3"})
    assert head.status_code == 206 and head.data == b"%PDF"
    assert head.headers["Content-Range"] == f"bytes 0-3/{size}"
    tail = client.get(url(document_id), headers={"Range": "bytes=-6"})
    assert tail.status_code == 206 and tail.data == CONTENT[-6:]
    middle = client.get(url(document_id), headers={"Range": "bytes=300000-300009"})
    assert middle.data == CONTENT[300000:300010]
    beyond = client.get(url(document_id), headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    stale = client.get(url(document_id), headers={"Range": "bytes=0-3", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == CONTENT  # another version: all of it
    fresh = client.get(url(document_id), headers={"Range": "bytes=0-3", "If-Range": f'"{SHA256}"'})
    assert fresh.status_code == 206
    same = client.get(url(document_id), headers={"If-None-Match": f'"{SHA256}"'})
    assert same.status_code == 304 and same.data == b""


def test_a_preview_is_streamed_and_sandboxed_even_in_redirect_mode(s3_app, client, space_id):
    document_id = uploaded_id(client, space_id, PNG, "kaart.png")
    response = client.get(url(document_id, "voorbeeld"))
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Location" not in response.headers


def test_the_accel_prefix_is_for_the_filesystem_store_only(
    s3_app, client, document_id, monkeypatch
):
    monkeypatch.setitem(s3_app.config, "DOWNLOAD_ACCEL_PREFIX", "/_protected/blobs/")
    response = client.get(url(document_id))
    assert response.status_code == 302 and "X-Accel-Redirect" not in response.headers


def test_a_missing_blob_is_refused_and_audited_as_failed(s3_app, bucket, client, document_id):
    client_s3, name = bucket
    client_s3.delete_object(Bucket=name, Key=f"blobs/{SHA256[:2]}/{SHA256[2:4]}/{SHA256}")
    response = client.get(url(document_id))
    assert response.status_code == 503 and "Location" not in response.headers
    assert audit_events(s3_app, "document.downloaded") == []
    failed = [details for *_, details in audit_events(s3_app, "document.download_failed")]
    assert failed == [{"version": 1, "reason": "missing", "preview": False}]
    result = blobs_command(s3_app, "verify")
    assert result.exit_code == 1 and f"MISSING: blob {SHA256}" in result.output


def test_gc_and_verify_on_the_bucket(s3_app, bucket, client, space_id, document_id):
    upload(client, space_id, [(pdf("weesje"), "weesje.pdf"), (b"", "leeg.pdf")])  # garbage
    orphan = hashlib.sha256(pdf("weesje")).hexdigest()
    assert f"blobs/{orphan[:2]}/{orphan[2:4]}/{orphan}" in keys(bucket)
    kept = blobs_command(s3_app, "gc", grace_hours=1)
    assert kept.exit_code == 0 and "Removed 0 unused blob(s)" in kept.output
    time.sleep(1.1)  # S3 keeps LastModified in whole seconds
    result = blobs_command(s3_app, "gc", grace_hours=0)
    assert result.exit_code == 0, result.output
    assert "Removed 1 unused blob(s)" in result.output
    assert [k for k in keys(bucket) if "/used/" not in k] == [
        f"blobs/{SHA256[:2]}/{SHA256[2:4]}/{SHA256}"
    ]
    verified = blobs_command(s3_app, "verify")
    assert verified.exit_code == 0 and "All 1 blob(s) present and intact." in verified.output


def test_readiness_heads_the_bucket(s3_app, client, monkeypatch):
    assert client.get("/ready").get_json()["checks"]["blob_store"] == "ok"
    monkeypatch.setitem(s3_app.config, "S3_BUCKET", "no-such-bucket-here")
    answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["blob_store"] == "unavailable"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


def test_an_unreachable_store_refuses_with_503_and_keeps_nothing(
    s3_app, client, space_id, document_id, monkeypatch
):
    monkeypatch.setitem(s3_app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    before = row_counts(s3_app)
    response = upload(client, space_id, [(pdf("nergens"), "nergens.pdf")])
    assert response.status_code == 503
    assert "De opslag is even niet bereikbaar: er is niets opgeslagen." in response.get_data(
        as_text=True
    )
    assert row_counts(s3_app) == before and blob_files(s3_app) == []
    refused = client.get(url(document_id))
    assert refused.status_code == 503 and "Location" not in refused.headers
    failed = [details for *_, details in audit_events(s3_app, "document.download_failed")]
    assert failed == [{"version": 1, "reason": "unavailable", "preview": False}]


def test_a_text_draft_is_read_back_from_the_bucket(s3_app, client, space_id):
    from tests.helpers import post_form

    response = post_form(
        client,
        f"/werkruimtes/{space_id}/concepten/nieuw",
        {"title": "Plan", "text": "Eerste alinea uit de bucket.", "folder": "0"}
        | {"classification": "intern"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location)
    assert page.status_code == 200 and "Eerste alinea uit de bucket." in page.get_data(as_text=True)
