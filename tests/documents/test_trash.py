"""The trash: delete, restore, purge (and the blobs a purge may remove), folders in the trash,
purging past the retention from the command line; plus copying and moving documents."""

import hashlib
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.service import verify_chain
from neig_workspace.documents.models import Document, DocumentVersion, Folder
from neig_workspace.extensions import db
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.documents.doc_helpers import (
    add_version,
    audit_events,
    blob_files,
    blobs_command,
    grant_user,
    org_space,
    pdf,
    post,
    upload,
    upload_url,
    uploaded_id,
    versions,
)
from tests.helpers import login_as

A, B = pdf("document a"), pdf("document b")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def space_id(app, personas):
    return org_space(app, personas)


@pytest.fixture
def as_member(app, client, personas):
    """member_a: a contributor in Rotterdam's own space."""
    return login_as(app, client, personas.member_a)


def client_for(app, persona):
    return login_as(app, app.test_client(), persona)


def listed(client, space_id: int, folder_id: int | None = None) -> tuple[list[str], list[str]]:
    """(subfolder names, document titles) in a folder's list, flash messages left out."""
    page = text(client.get(list_page(space_id, folder_id)))
    folders = re.findall(
        r'<li class="utrecht-unordered-list__item"><a [^>]*map=\d+">([^<]+)</a>', page
    )
    return folders, re.findall(r'href="/documenten/\d+">([^<]+)</a>', page)


def in_trash(client, space_id: int) -> list[str]:
    page = text(client.get(trash_page(space_id)))
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", page, re.S).group(1)
    return re.findall(r'<td class="utrecht-table__cell">([^<]+\.pdf)</td>', body)


def trash_page(space_id: int) -> str:
    return f"/werkruimtes/{space_id}/prullenbak"


def list_page(space_id: int, folder_id: int | None = None) -> str:
    suffix = f"?map={folder_id}" if folder_id else ""
    return f"/werkruimtes/{space_id}/documenten{suffix}"


def delete(client, document_id: int):
    return post(
        client,
        f"/documenten/{document_id}/verwijderen",
        token_from=f"/documenten/{document_id}",
    )


def restore(client, document_id: int, space_id: int):
    return post(client, f"/documenten/{document_id}/herstellen", token_from=trash_page(space_id))


def purge(client, document_id: int, space_id: int):
    return post(
        client, f"/documenten/{document_id}/definitief-verwijderen", token_from=trash_page(space_id)
    )


def deleted_at(app, document_id: int):
    with db_ctx(app) as session:
        return session.get(Document, document_id).deleted_at


# --- delete and restore ----------------------------------------------------------------------


def test_delete_moves_to_the_trash(app, client, personas, space_id, as_member):
    document_id = uploaded_id(client, space_id, A, "weg.pdf")
    response = delete(client, document_id)
    assert response.status_code == 302
    assert deleted_at(app, document_id) is not None
    assert listed(client, space_id) == ([], [])
    assert in_trash(client, space_id) == ["weg.pdf"]
    assert client.get(f"/documenten/{document_id}").status_code == 404
    assert client.get(f"/documenten/{document_id}/versies/1/download").status_code == 404
    assert len(blob_files(app)) == 1  # the trash keeps the content
    [event] = audit_events(app, "document.deleted", document_id)
    assert event[:3] == (personas.member_a.id, str(document_id), space_id)


def test_a_contributor_restores_their_own(app, client, personas, space_id, as_member):
    document_id = uploaded_id(client, space_id, A, "terug.pdf")
    delete(client, document_id)
    response = restore(client, document_id, space_id)
    assert response.status_code == 302
    assert deleted_at(app, document_id) is None
    assert listed(client, space_id) == ([], ["terug.pdf"])
    assert in_trash(client, space_id) == []
    assert client.get(f"/documenten/{document_id}/versies/1/download").data == A
    assert len(audit_events(app, "document.restored", document_id)) == 1


def test_a_contributor_cannot_restore_someone_elses(app, client, personas, space_id, as_member):
    admin = client_for(app, personas.org_admin_a)
    document_id = uploaded_id(admin, space_id, A, "van-de-beheerder.pdf")
    delete(admin, document_id)
    assert in_trash(client, space_id) == ["van-de-beheerder.pdf"]
    assert restore(client, document_id, space_id).status_code == 403
    assert deleted_at(app, document_id) is not None


def test_an_editor_restores_any(app, client, personas, space_id, as_member):
    document_id = uploaded_id(client, space_id, A, "van-member.pdf")
    delete(client, document_id)
    grant_user(app, space_id, personas.police, SpaceRole.EDITOR)
    editor = client_for(app, personas.police)
    assert restore(editor, document_id, space_id).status_code == 302
    assert deleted_at(app, document_id) is None


@pytest.mark.parametrize("role", [SpaceRole.CONTRIBUTOR, SpaceRole.EDITOR])
def test_only_a_manager_purges(app, client, personas, space_id, as_member, role):
    document_id = uploaded_id(client, space_id, A, "blijft.pdf")
    delete(client, document_id)
    assert purge(client, document_id, space_id).status_code == 403  # member_a, its uploader
    grant_user(app, space_id, personas.police, role)
    assert purge(client_for(app, personas.police), document_id, space_id).status_code == 403
    assert deleted_at(app, document_id) is not None
    assert len(blob_files(app)) == 1
    manager = client_for(app, personas.org_admin_a)
    assert purge(manager, document_id, space_id).status_code == 302
    with db_ctx(app) as session:
        assert session.get(Document, document_id) is None
        assert session.scalars(select(DocumentVersion)).all() == []
    # The request leaves the blob (it cannot know that no other request is reusing it); the
    # collector removes it once unused past its grace period.
    assert len(blob_files(app)) == 1
    assert blobs_command(app, "gc").exit_code == 0
    assert blob_files(app) == []
    [event] = audit_events(app, "document.purged", document_id)
    assert event[0] == personas.org_admin_a.id
    assert event[3] == {"title": "blijft.pdf", "versions": 1}


def test_a_document_outside_the_trash_cannot_be_purged_or_restored(
    app, client, personas, space_id, as_member
):
    document_id = uploaded_id(client, space_id, A, "levend.pdf")
    manager = client_for(app, personas.org_admin_a)
    assert purge(manager, document_id, space_id).status_code == 404
    assert restore(manager, document_id, space_id).status_code == 404
    assert len(blob_files(app)) == 1


# --- purge and shared blobs ------------------------------------------------------------------


@pytest.fixture
def kennisbank(app, personas):
    """A shared space: the whole network contributes."""
    with app.app_context():
        space = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
        spaces.add_grant(space, PrincipalType.NETWORK, SpaceRole.CONTRIBUTOR, actor=None)
        db.session.commit()
        return space.id


def copy_to(client, document_id: int, target_space_id: int):
    path = f"/documenten/{document_id}/kopieren"
    return post(client, path, {"space": str(target_space_id)}, token_from=path)


def test_purge_keeps_a_blob_that_a_copy_still_uses(
    app, client, personas, space_id, kennisbank, as_member
):
    document_id = uploaded_id(client, space_id, A, "gedeeld.pdf")
    response = copy_to(client, document_id, kennisbank)
    assert response.status_code == 302
    copy_id = int(response.location.rsplit("/", 1)[1])
    [blob] = blob_files(app)
    manager = client_for(app, personas.org_admin_a)
    delete(client, document_id)
    assert purge(manager, document_id, space_id).status_code == 302
    assert blob_files(app) == [blob]  # the copy still points at it
    assert client.get(f"/documenten/{copy_id}/versies/1/download").data == A


def test_purge_keeps_a_blob_another_document_uses_and_removes_its_own(
    app, client, personas, space_id, as_member
):
    keep = uploaded_id(client, space_id, A, "houden.pdf")
    gone = uploaded_id(client, space_id, A, "zelfde-inhoud.pdf")
    add_version(client, gone, B, "eigen.pdf", token_from=upload_url(space_id))
    assert len(blob_files(app)) == 2
    delete(client, gone)
    manager = client_for(app, personas.org_admin_a)
    assert purge(manager, gone, space_id).status_code == 302
    assert len(blob_files(app)) == 2  # B is garbage now: the collector's to remove
    assert blobs_command(app, "gc").exit_code == 0
    digest = hashlib.sha256(A).hexdigest()
    assert [p.name for p in blob_files(app)] == [digest]
    assert client.get(f"/documenten/{keep}/versies/1/download").data == A


# --- folders in the trash --------------------------------------------------------------------


def make_folder(client, space_id: int, name: str, parent: int = 0) -> int:
    response = post(
        client,
        f"/werkruimtes/{space_id}/mappen",
        {"name": name, "parent": str(parent)},
        token_from=list_page(space_id),
    )
    assert response.status_code == 302
    return int(response.location.rsplit("map=", 1)[1])


def trash_folder(client, space_id: int, folder_id: int):
    return post(
        client,
        f"/werkruimtes/{space_id}/mappen/{folder_id}/verwijderen",
        token_from=list_page(space_id),
    )


@pytest.fixture
def folder_tree(app, personas, space_id):
    """Rotterdam's space with a folder, a subfolder and a document in each (by org_admin_a)."""
    manager = client_for(app, personas.org_admin_a)
    top = make_folder(manager, space_id, "Overleg")
    sub = make_folder(manager, space_id, "2024", parent=top)
    top_doc = uploaded_id(manager, space_id, A, "agenda.pdf", folder=str(top))
    sub_doc = uploaded_id(manager, space_id, B, "notulen.pdf", folder=str(sub))
    return manager, top, sub, top_doc, sub_doc


def test_deleting_a_folder_trashes_its_subfolders_and_documents(
    app, personas, space_id, folder_tree
):
    manager, top, sub, top_doc, sub_doc = folder_tree
    assert trash_folder(manager, space_id, top).status_code == 302
    with db_ctx(app) as session:
        folders = session.scalars(select(Folder).order_by(Folder.id)).all()
        docs = session.scalars(select(Document).order_by(Document.id)).all()
        assert all(f.deleted_at is not None for f in folders)
        assert all(d.deleted_at is not None for d in docs)
        assert len({f.trash_batch for f in folders} | {d.trash_batch for d in docs}) == 1
    assert listed(manager, space_id) == ([], [])
    assert manager.get(list_page(space_id, top)).status_code == 404
    assert sorted(in_trash(manager, space_id)) == ["agenda.pdf", "notulen.pdf"]


def test_a_contributor_cannot_delete_a_folder(app, client, personas, space_id, folder_tree):
    _, top, *_ = folder_tree
    login_as(app, client, personas.member_a)
    assert trash_folder(client, space_id, top).status_code == 403
    with db_ctx(app) as session:
        assert session.get(Folder, top).deleted_at is None


def test_restoring_a_document_from_a_trashed_folder_brings_it_back_where_it_was(
    app, personas, space_id, folder_tree
):
    manager, top, sub, top_doc, sub_doc = folder_tree
    trash_folder(manager, space_id, top)
    assert restore(manager, sub_doc, space_id).status_code == 302
    # The folders it lived in come back with it (only the folders: agenda.pdf stays in the trash);
    # otherwise the document would be in no list at all.
    assert listed(manager, space_id) == (["Overleg"], [])
    assert listed(manager, space_id, top) == (["2024"], [])
    assert listed(manager, space_id, sub) == ([], ["notulen.pdf"])
    assert in_trash(manager, space_id) == ["agenda.pdf"]
    assert [e[1] for e in audit_events(app, "folder.restored")] == [str(sub), str(top)]


# --- purging past the retention --------------------------------------------------------------


def age(app, document_id: int, days: int) -> None:
    with db_ctx(app) as session:
        session.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(deleted_at=utcnow() - timedelta(days=days))
        )
        session.commit()


@pytest.fixture
def trashed(app, client, personas, space_id, as_member):
    """Three documents: one long in the trash, one just deleted, one not deleted."""
    old = uploaded_id(client, space_id, A, "oud.pdf")
    recent = uploaded_id(client, space_id, B, "recent.pdf")
    alive = uploaded_id(client, space_id, pdf("levend"), "levend.pdf")
    delete(client, old)
    delete(client, recent)
    age(app, old, 31)
    age(app, recent, 29)
    return old, recent, alive


def test_purge_trash_dry_run_says_what_it_would_do_and_does_nothing(app, trashed):
    old, recent, alive = trashed
    result = app.test_cli_runner().invoke(args=["neig", "purge-trash", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Would purge document {old} ('oud.pdf'" in result.output
    assert "recent.pdf" not in result.output
    assert "Would purge 1 document(s) older than 30 days." in result.output
    assert len(blob_files(app)) == 3
    with db_ctx(app) as session:
        assert session.get(Document, old) is not None
    assert audit_events(app, "document.purged") == []


def test_purge_trash_removes_what_is_past_the_retention(app, trashed):
    old, recent, alive = trashed
    result = app.test_cli_runner().invoke(args=["neig", "purge-trash"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 document(s) older than 30 days." in result.output
    with db_ctx(app) as session:
        assert session.get(Document, old) is None
        assert session.get(Document, recent) is not None
        assert session.get(Document, alive) is not None
        assert verify_chain().ok
    assert len(blob_files(app)) == 3  # the purged one's blob waits for the collector
    assert blobs_command(app, "gc").exit_code == 0
    assert sorted(p.name for p in blob_files(app)) == sorted(
        hashlib.sha256(c).hexdigest() for c in (B, pdf("levend"))
    )
    [event] = audit_events(app, "document.purged", old)
    assert event[0] is None  # the system, not a person
    # A shorter retention given on the command line reaches the recent one too.
    result = app.test_cli_runner().invoke(args=["neig", "purge-trash", "--days", "7"])
    assert "Purged 1 document(s) older than 7 days." in result.output
    with db_ctx(app) as session:
        assert session.get(Document, recent) is None
        assert verify_chain().ok


def test_purge_trash_removes_expired_empty_folders(app, personas, space_id, folder_tree):
    manager, top, sub, top_doc, sub_doc = folder_tree
    trash_folder(manager, space_id, top)
    with db_ctx(app) as session:
        past = utcnow() - timedelta(days=40)
        session.execute(update(Document).values(deleted_at=past))
        session.execute(update(Folder).values(deleted_at=past))
        session.commit()
    result = app.test_cli_runner().invoke(args=["neig", "purge-trash"])
    assert "Purged 2 document(s)" in result.output
    with db_ctx(app) as session:
        assert session.scalars(select(Folder)).all() == []
        assert session.scalars(select(Document)).all() == []
    assert blobs_command(app, "gc").exit_code == 0
    assert blob_files(app) == []


# --- copy and move ---------------------------------------------------------------------------


def test_copy_to_another_space_is_audited_on_both_sides(
    app, client, personas, space_id, kennisbank, as_member
):
    document_id = uploaded_id(client, space_id, A, "origineel.pdf", tags="nazorg")
    add_version(client, document_id, B, "origineel-v2.pdf", token_from=upload_url(space_id))
    response = copy_to(client, document_id, kennisbank)
    assert response.status_code == 302
    copy_id = int(response.location.rsplit("/", 1)[1])
    with db_ctx(app) as session:
        copy = session.get(Document, copy_id)
        assert (copy.space_id, copy.title, copy.tags, copy.latest_number) == (
            kennisbank,
            "origineel.pdf",
            "|nazorg|",
            1,
        )
    [only] = versions(app, copy_id)
    assert (only.number, only.sha256, only.filename, only.created_by_id) == (
        1,
        hashlib.sha256(B).hexdigest(),
        "origineel-v2.pdf",
        personas.member_a.id,
    )
    assert [v.number for v in versions(app, document_id)] == [1, 2]  # the original is untouched
    assert len(blob_files(app)) == 2  # no new blob: same content
    out = audit_events(app, "document.copied_out", document_id)
    into = audit_events(app, "document.copied_in", copy_id)
    assert out == [
        (
            personas.member_a.id,
            str(document_id),
            space_id,
            {"to_space": kennisbank, "copy": copy_id},
        )
    ]
    assert into == [
        (
            personas.member_a.id,
            str(copy_id),
            kennisbank,
            {"from_space": space_id, "original": document_id},
        )
    ]


def test_copy_only_to_a_space_the_user_may_upload_to(app, client, personas, space_id, as_member):
    document_id = uploaded_id(client, space_id, A, "blijft-hier.pdf")
    amsterdam = org_space(app, personas, "gemeente_b")
    response = copy_to(client, document_id, amsterdam)
    assert response.status_code == 422
    with db_ctx(app) as session:
        assert session.scalars(select(Document.id)).all() == [document_id]
    assert audit_events(app, "document.copied_out") == []


def move(client, document_id: int, folder_id):
    path = f"/documenten/{document_id}/verplaatsen"
    return post(client, path, {"folder": str(folder_id)}, token_from=path)


def test_move_between_folders_of_the_same_space(app, personas, space_id, folder_tree):
    manager, top, sub, top_doc, sub_doc = folder_tree
    assert move(manager, top_doc, sub).status_code == 302
    assert listed(manager, space_id, sub) == ([], ["agenda.pdf", "notulen.pdf"])
    assert listed(manager, space_id, top) == (["2024"], [])
    assert move(manager, top_doc, 0).status_code == 302
    assert listed(manager, space_id) == (["Overleg"], ["agenda.pdf"])
    events = audit_events(app, "document.moved", top_doc)
    assert [e[3] for e in events] == [
        {"from_folder": top, "to_folder": sub},
        {"from_folder": sub, "to_folder": None},
    ]


def test_move_to_another_spaces_folder_is_404(app, personas, space_id, folder_tree):
    manager, top, sub, top_doc, sub_doc = folder_tree
    amsterdam = org_space(app, personas, "gemeente_b")
    other_admin = client_for(app, personas.org_admin_b)
    foreign = make_folder(other_admin, amsterdam, "Amsterdam")
    for folder_id in (foreign, 999_999):
        assert move(manager, top_doc, folder_id).status_code == 404
    with db_ctx(app) as session:
        assert session.get(Document, top_doc).folder_id == top
    assert audit_events(app, "document.moved") == []


def test_uploading_into_another_spaces_folder_is_refused(
    app, client, personas, space_id, as_member
):
    amsterdam = org_space(app, personas, "gemeente_b")
    foreign = make_folder(client_for(app, personas.org_admin_b), amsterdam, "Amsterdam")
    response = upload(client, space_id, [(A, "a.pdf")], folder=str(foreign))
    assert response.status_code == 404  # a guessed id of another space answers 404, as everywhere
    assert blob_files(app) == []
    with db_ctx(app) as session:
        assert session.scalars(select(Document)).all() == []
