"""Downloads: an attachment with an RFC 6266 name, no sniffing, no caching, a strong ETag from the
hash, ranges; previews only for PDF and images and never able to run script; every download
audited, and a confidential document only in a session that passed a second factor."""

import hashlib
from urllib.parse import quote

import pytest

from tests.documents.doc_helpers import (
    PNG,
    audit_events,
    docx,
    org_space,
    pdf,
    uploaded_id,
)
from tests.helpers import login_as

CONTENT = pdf("download")
NAME = "Één verslag.pdf"


@pytest.fixture
def space_id(app, personas):
    return org_space(app, personas)


@pytest.fixture
def document_id(app, client, personas, space_id):
    login_as(app, client, personas.member_a)
    return uploaded_id(client, space_id, CONTENT, NAME)


def url(document_id: int, number: int = 1, kind: str = "download") -> str:
    return f"/documenten/{document_id}/versies/{number}/{kind}"


def test_a_download_is_an_attachment_with_an_rfc_6266_name(client, document_id):
    response = client.get(url(document_id))
    assert response.status_code == 200
    assert response.data == CONTENT
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    assert "%C3%89%C3%A9n%20verslag.pdf" in disposition
    # The plain filename= fallback is ASCII only.
    assert disposition.isascii()
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Accept-Ranges"] == "bytes"


def test_the_etag_is_the_strong_quoted_hash(client, document_id):
    response = client.get(url(document_id))
    assert response.headers["ETag"] == f'"{hashlib.sha256(CONTENT).hexdigest()}"'
    again = client.get(url(document_id), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(url(document_id), headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200 and other.data == CONTENT


def test_a_range_request_gets_206_and_only_those_bytes(client, document_id):
    response = client.get(url(document_id), headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.data == b"%PDF"
    assert response.headers["Content-Range"] == f"bytes 0-3/{len(CONTENT)}"
    tail = client.get(url(document_id), headers={"Range": "bytes=-6"})
    assert tail.status_code == 206 and tail.data == CONTENT[-6:]
    beyond = client.get(url(document_id), headers={"Range": f"bytes={len(CONTENT) + 10}-"})
    assert beyond.status_code == 416


def test_every_download_is_audited(app, client, personas, space_id, document_id):
    client.get(url(document_id))
    client.get(url(document_id), headers={"Range": "bytes=0-3"})
    events = audit_events(app, "document.downloaded", document_id)
    assert events == [(personas.member_a.id, str(document_id), space_id, {"version": 1})] * 2


# --- previews --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "mimetype"),
    [(CONTENT, "a.pdf", "application/pdf"), (PNG, "b.png", "image/png")],
)
def test_a_pdf_or_image_preview_is_inline_and_sandboxed(
    app, client, personas, space_id, content, name, mimetype
):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, content, name)
    response = client.get(url(document_id, kind="voorbeeld"))
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    assert not any("script-src" in d for d in csp)
    assert audit_events(app, "document.previewed", document_id) == [
        (personas.member_a.id, str(document_id), space_id, {"version": 1})
    ]


@pytest.mark.parametrize(
    ("content", "name"), [(docx(), "brief.docx"), (b"naam;adres\nA;B\n", "lijst.csv")]
)
def test_other_types_are_never_previewed(app, client, personas, space_id, content, name):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, content, name)
    assert client.get(url(document_id, kind="voorbeeld")).status_code == 404
    assert audit_events(app, "document.previewed") == []
    assert client.get(url(document_id)).status_code == 200  # a download is fine


# --- confidential documents ------------------------------------------------------------------


def test_a_confidential_download_needs_a_second_factor(app, client, personas, space_id):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(
        client, space_id, CONTENT, "geheim.pdf", classification="vertrouwelijk"
    )
    other = app.test_client()
    login_as(app, other, personas.member_a, mfa_verified=False)
    assert other.get(url(document_id)).status_code == 404
    assert other.get(f"/documenten/{document_id}").status_code == 404
    assert audit_events(app, "document.downloaded", document_id) == []
    response = client.get(url(document_id))
    assert response.status_code == 200 and response.data == CONTENT
    assert len(audit_events(app, "document.downloaded", document_id)) == 1


def test_someone_outside_the_space_gets_404_and_nothing_is_audited(app, personas, document_id):
    outsider = app.test_client()
    login_as(app, outsider, personas.member_b)
    assert outsider.get(url(document_id)).status_code == 404
    assert outsider.get(url(document_id, kind="voorbeeld")).status_code == 404
    assert audit_events(app, "document.downloaded", document_id) == []


def test_a_not_modified_answer_is_not_audited_as_a_download(app, client, document_id):
    from tests.documents.doc_helpers import audit_events

    etag = client.get(url(document_id)).headers["ETag"]
    before = len(audit_events(app, "document.downloaded"))
    assert client.get(url(document_id), headers={"If-None-Match": etag}).status_code == 304
    assert len(audit_events(app, "document.downloaded")) == before


# --- nginx serves the bytes (DOWNLOAD_ACCEL_PREFIX) -------------------------------------------


@pytest.fixture
def accel(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOWNLOAD_ACCEL_PREFIX", "/_protected/blobs/")


def test_with_an_accel_prefix_nginx_sends_the_blob_and_the_app_audits(
    app, client, document_id, accel
):
    digest = hashlib.sha256(CONTENT).hexdigest()
    response = client.get(url(document_id))
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Accel-Redirect"] == (
        f"/_protected/blobs/{digest[:2]}/{digest[2:4]}/{digest}"
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    assert disposition.isascii()
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{digest}"'
    assert [details for *_, details in audit_events(app, "document.downloaded")] == [{"version": 1}]
    again = client.get(url(document_id), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert "X-Accel-Redirect" not in again.headers
    assert len(audit_events(app, "document.downloaded")) == 1


def test_with_an_accel_prefix_a_preview_stays_inline_and_sandboxed(
    app, client, personas, space_id, accel
):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, CONTENT, "voorbeeld.pdf")
    response = client.get(url(document_id, kind="voorbeeld"))
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"].startswith("/_protected/blobs/")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_with_an_accel_prefix_outsiders_still_get_404(app, personas, document_id, accel):
    outsider = app.test_client()
    login_as(app, outsider, personas.member_b)
    response = outsider.get(url(document_id))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response.headers
