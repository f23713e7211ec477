"""Versions: a new upload is a new version, every earlier one is kept, an old one is restored as a
new newest version, and who may add versions."""

import hashlib
import html
import re

import pytest

from neig_workspace.access.roles import SpaceRole
from tests.documents.doc_helpers import (
    add_version,
    audit_events,
    blob_files,
    grant_user,
    org_space,
    pdf,
    post,
    upload_url,
    uploaded_id,
    versions,
)
from tests.helpers import login_as

V1, V2 = pdf("versie een"), pdf("versie twee, iets langer dan de eerste")


@pytest.fixture
def space_id(app, personas):
    return org_space(app, personas)


@pytest.fixture
def document_id(app, client, personas, space_id):
    """A document with two versions, both by member_a."""
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, V1, "notulen.pdf")
    response = add_version(
        client, document_id, V2, "notulen-v2.pdf", token_from=upload_url(space_id)
    )
    assert response.status_code == 302
    return document_id


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def history_rows(client, document_id: int) -> list[str]:
    page = html.unescape(client.get(f"/documenten/{document_id}").get_data(as_text=True))
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", page, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in body.split("</tr>")[:-1]]


def test_a_new_version_keeps_every_earlier_one(app, client, personas, document_id):
    rows = versions(app, document_id)
    assert [(v.number, v.filename, v.sha256, v.size) for v in rows] == [
        (1, "notulen.pdf", sha(V1), len(V1)),
        (2, "notulen-v2.pdf", sha(V2), len(V2)),
    ]
    assert len(blob_files(app)) == 2
    for number, content in ((1, V1), (2, V2)):
        response = client.get(f"/documenten/{document_id}/versies/{number}/download")
        assert response.status_code == 200
        assert response.data == content


def test_the_history_lists_who_when_and_size_and_the_hash_behind_a_toggle(
    app, client, personas, document_id
):
    rows = history_rows(client, document_id)
    assert len(rows) == 2
    for row, (number, name, content) in zip(
        rows, [(2, "notulen-v2.pdf", V2), (1, "notulen.pdf", V1)], strict=True
    ):
        assert row.strip().startswith(str(number))
        assert name in row
        assert personas.member_a.name in row
        assert re.search(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4},? \d{1,2}:\d{2}", row), row
        assert f"{len(content)} bytes" in row
        assert sha(content) not in row  # only behind the toggle
    page = client.get(f"/documenten/{document_id}").get_data(as_text=True)
    technical = page.split("<summary>Technische details</summary>", 1)[1].split("</details>")[0]
    assert sha(V1) in technical and sha(V2) in technical


def test_restoring_version_1_makes_version_3_and_overwrites_nothing(
    app, client, personas, space_id, document_id
):
    response = post(
        client,
        f"/documenten/{document_id}/versies/1/terugzetten",
        token_from=f"/documenten/{document_id}",
    )
    assert response.status_code == 302
    rows = versions(app, document_id)
    assert [(v.number, v.sha256, v.restored_from) for v in rows] == [
        (1, sha(V1), None),
        (2, sha(V2), None),
        (3, sha(V1), 1),
    ]
    assert rows[2].filename == "notulen.pdf"
    assert len(blob_files(app)) == 2  # the same content is stored once
    assert client.get(f"/documenten/{document_id}/versies/3/download").data == V1
    assert client.get(f"/documenten/{document_id}/versies/2/download").data == V2
    assert "teruggezet van 1" in history_rows(client, document_id)[0]


def test_versions_are_audited(app, client, personas, space_id, document_id):
    post(
        client,
        f"/documenten/{document_id}/versies/1/terugzetten",
        token_from=f"/documenten/{document_id}",
    )
    actor = personas.member_a.id
    target = str(document_id)
    [uploaded] = audit_events(app, "document.uploaded", document_id)
    assert uploaded[:3] == (actor, target, space_id)
    assert uploaded[3]["sha256"] == sha(V1) and uploaded[3]["version"] == 1
    [added] = audit_events(app, "document.version_added", document_id)
    assert added[:3] == (actor, target, space_id)
    assert added[3] == {"version": 2, "sha256": sha(V2), "size": len(V2), "scan": "not_scanned"}
    [restored] = audit_events(app, "document.version_restored", document_id)
    assert restored == (actor, target, space_id, {"from": 1, "version": 3})


def test_a_bad_new_version_is_refused_and_leaves_the_old_ones(app, client, document_id, space_id):
    response = add_version(
        client,
        document_id,
        b"<html><script>x</script>",
        "notulen.pdf",
        token_from=upload_url(space_id),
    )
    assert response.status_code == 303
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert "notulen.pdf is geen toegestaan bestandstype" in page
    assert [v.number for v in versions(app, document_id)] == [1, 2]
    assert len(blob_files(app)) == 2
    assert audit_events(app, "document.version_added", document_id)[1:] == []


def test_an_unknown_version_is_404(app, client, document_id):
    assert client.get(f"/documenten/{document_id}/versies/9/download").status_code == 404


# --- who may add a version -------------------------------------------------------------------


@pytest.fixture
def admins_document(app, personas, space_id):
    """A document uploaded by org_admin_a (a manager) in Rotterdam's space."""
    client = app.test_client()
    login_as(app, client, personas.org_admin_a)
    return uploaded_id(client, space_id, V1, "beleid.pdf")


def test_a_contributor_cannot_add_a_version_to_someone_elses_document(
    app, client, personas, space_id, admins_document
):
    login_as(app, client, personas.member_a)  # contributor through Rotterdam's grant
    assert client.get(f"/documenten/{admins_document}").status_code == 200
    response = add_version(
        client, admins_document, V2, "beleid.pdf", token_from=upload_url(space_id)
    )
    assert response.status_code == 403
    restore = post(
        client,
        f"/documenten/{admins_document}/versies/1/terugzetten",
        token_from=upload_url(space_id),
    )
    assert restore.status_code == 403
    assert [v.number for v in versions(app, admins_document)] == [1]
    assert len(blob_files(app)) == 1


def test_an_editor_may_add_a_version_to_any_document(
    app, client, personas, space_id, admins_document
):
    grant_user(app, space_id, personas.police, SpaceRole.EDITOR)
    login_as(app, client, personas.police)
    response = add_version(
        client, admins_document, V2, "beleid.pdf", token_from=upload_url(space_id)
    )
    assert response.status_code == 302
    rows = versions(app, admins_document)
    assert [(v.number, v.created_by_id) for v in rows] == [
        (1, personas.org_admin_a.id),
        (2, personas.police.id),
    ]


def test_a_viewer_cannot_add_a_version(app, client, personas, space_id, admins_document):
    grant_user(app, space_id, personas.police, SpaceRole.VIEWER)
    login_as(app, client, personas.police)
    token_page = f"/documenten/{admins_document}"
    response = add_version(client, admins_document, V2, "beleid.pdf", token_from=token_page)
    assert response.status_code == 403
    assert [v.number for v in versions(app, admins_document)] == [1]


def test_the_document_history_names_each_event_in_its_own_words(app, client, personas, document_id):
    """The 'Geschiedenis' list: one line per event, each in the words of its own kind (only
    that line is translated), newest first."""
    post(
        client,
        f"/documenten/{document_id}/versies/1/terugzetten",
        token_from=f"/documenten/{document_id}",
    )
    page = html.unescape(client.get(f"/documenten/{document_id}").get_data(as_text=True))
    history = page.split('class="utrecht-unordered-list document-history"', 1)[1]
    lines = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
        for item in history.split("</ul>", 1)[0].split("</li>")[:-1]
    ]
    assert [line.split(" · ")[-1] for line in lines] == [
        "versie 1 teruggezet als versie 3",
        "versie 2 toegevoegd",
        "versie 1 geüpload",
    ]
    assert all(personas.member_a.name in line for line in lines)
