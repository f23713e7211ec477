"""An upload as a server receives it (issue 18): the body parsed by documents/multipart.py, read
under gunicorn straight from the socket (request_body.GunicornBody), written once into the spool
the store adopts. What a browser's body holds must come out whole, and what is cut short or
too large must leave nothing behind."""

import hashlib
import os

import pytest

from neig_workspace.documents.models import DocumentVersion
from tests.conftest import db_ctx
from tests.documents.doc_helpers import blob_files, org_space, row_counts, upload_url
from tests.documents.test_faults import Gunicorn
from tests.helpers import csrf_token_of, login_as

MB = 1024 * 1024
BOUNDARY = "neig-served-7MA4YWxkTrZu0gW"


def multipart_body(fields_before, files, fields_after) -> bytes:
    def field(name, value):
        return (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()

    body = b"".join(field(n, v) for n, v in fields_before)
    for filename, content in files:
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        body += content + b"\r\n"
    body += b"".join(field(n, v) for n, v in fields_after)
    return body + f"--{BOUNDARY}--\r\n".encode()


def pdf_of(size: int, marker: bytes) -> bytes:
    """A PDF with random bytes, and somewhere in it what looks like the boundary."""
    head = b"%PDF-1.7\n% " + marker + b"\n"
    tricky = f"\r\n--{BOUNDARY}x\r\n--{BOUNDARY[:-1]}\r\n".encode()
    rest = size - len(head) - len(tricky)
    return head + os.urandom(rest // 2) + tricky + os.urandom(rest - rest // 2)


def stored(app) -> dict[str, tuple[int, str]]:
    with db_ctx(app) as session:
        return {v.filename: (v.size, v.sha256) for v in session.query(DocumentVersion).all()}


@pytest.mark.commits("a server in another process")
def test_gunicorn_reads_the_body_from_its_socket_whole_fields_before_and_after_two_files(
    app, client, personas, tmp_path
):
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    token = csrf_token_of(app, client)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={client.get_cookie(name).value}"
    large, small = pdf_of(3 * MB + 17, b"groot"), pdf_of(600 * 1024, b"klein")
    body = multipart_body(
        [("csrf_token", token)],
        [("groot.pdf", large), ("klein.pdf", small)],
        [("folder", "0"), ("classification", "intern")],
    )
    server = Gunicorn(app, tmp_path / "gunicorn.log")
    try:
        server.worker()
        connection = server.connection()
        connection.putrequest("POST", upload_url(space_id))
        connection.putheader("Cookie", cookie)
        connection.putheader("Accept", "application/json")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        # Uneven pieces: the first arrives with the headers (gunicorn reads it ahead), a
        # boundary falls between two.
        cuts = [0, 100, 1000, 70_001, len(body) // 2, len(body) - 40, len(body)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            connection.send(body[start:end])
        response = connection.getresponse()
        answer = response.read()
        connection.close()
    finally:
        server.stop()
    assert response.status == 200, answer[:2000]
    digest = {f: hashlib.sha256(c).hexdigest() for f, c in (("groot", large), ("klein", small))}
    versions = stored(app)
    assert {filename.removesuffix(".pdf"): v for filename, v in versions.items()} == {
        "groot": (len(large), digest["groot"]),
        "klein": (len(small), digest["klein"]),
    }
    blobs = {p.name: p for p in blob_files(app)}
    assert set(blobs) == set(digest.values())  # no spool left in tmp/, nothing else stored
    assert blobs[digest["groot"]].read_bytes() == large


@pytest.mark.commits("a server in another process")
def test_gunicorn_answers_413_to_a_body_over_max_content_length_before_reading_it(
    app, client, personas, tmp_path
):
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={client.get_cookie(name).value}"
    server = Gunicorn(
        app, tmp_path / "gunicorn.log", NEIG_LIVE_CONFIG='{"MAX_CONTENT_LENGTH": 4096}'
    )
    try:
        server.worker()
        connection = server.connection()
        connection.putrequest("POST", upload_url(space_id))
        connection.putheader("Cookie", cookie)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(10 * MB))
        connection.endheaders()
        connection.send(f"--{BOUNDARY}\r\n".encode())  # and nothing more: it is not read
        response = connection.getresponse()
        response.read()
        connection.close()
    finally:
        server.stop()
    assert response.status == 413
    assert blob_files(app) == []


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(-10, id="cut in the last delimiter"),
        pytest.param(-(MB // 2), id="cut inside the file"),
    ],
)
def test_a_truncated_body_is_refused_with_400_and_leaves_no_file(app, client, personas, cut):
    """The parse fails, the form is empty, so the CSRF check refuses it; the spool the file
    part was being written to is removed."""
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    body = multipart_body(
        [("csrf_token", csrf_token_of(app, client))],
        [("afgebroken.pdf", pdf_of(2 * MB, b"afgebroken"))],
        [("folder", "0"), ("classification", "intern")],
    )
    response = client.post(
        upload_url(space_id),
        data=body[:cut],
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400
    assert row_counts(app) == (0, 0)
    assert blob_files(app) == []
