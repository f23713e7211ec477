"""Guessing ids never reveals anything (ASVS 4.2.1): another organisation's documents, versions,
folders and blobs, and documents narrowed to someone else, answer 404 on every route — also
through search, lists, the trash, the activity feed, the "N nieuw" counts and ETags. Spaces and
documents that need MFA stay shut to a session without it. Lists run a fixed number of queries.
"""

import io
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, DocumentVersion
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from tests.conftest import count_queries, db_ctx
from tests.helpers import form_token, login_as
from tests.security.route_table import db_snapshot

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def pdf(marker: str) -> io.BytesIO:
    """A PDF whose hash (and so ETag) is its own."""
    return io.BytesIO(PDF + f"% {marker}\n".encode())


@dataclass
class World:
    space_a: int
    space_b: int
    own: int  # member_a's document in A's space
    own_trashed: int
    narrowed: int  # in A's space, narrowed to the police
    narrowed_trashed: int
    doc_b: int  # in Amsterdam's space, two versions
    trashed_b: int
    folder_b: int
    trashed_folder_a: int
    etags: dict  # document key -> sha256 of its newest version


def _user(persona) -> User:
    return db.session.get(User, persona.id)


def _upload(space, name, persona, **kw):
    return documents.upload_document(
        space, documents.Upload(pdf(name), name), actor=_user(persona), tags="overlast", **kw
    )


def plant(app, personas) -> World:
    with app.app_context():
        org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
        org_b = db.session.get(Organisation, personas.orgs["gemeente_b"])
        police = personas.orgs["politie"]
        space_a = spaces.create_organisation_space(org_a, actor=None)
        space_b = spaces.create_organisation_space(org_b, actor=None)
        # An officer works in A's space on a document only the police may read.
        spaces.add_grant(
            space_a,
            PrincipalType.USER,
            SpaceRole.CONTRIBUTOR,
            user=_user(personas.police),
            actor=None,
        )
        own = _upload(space_a, "overlast-eigen.pdf", personas.member_a)
        own_trashed = _upload(space_a, "overlast-eigen-weg.pdf", personas.member_a)
        documents.trash_document(own_trashed, actor=_user(personas.member_a))
        narrowed = _upload(space_a, "overlast-politie.pdf", personas.police, narrowing=[police])
        documents.add_version(
            narrowed,
            documents.Upload(pdf("p2"), "overlast-politie.pdf"),
            actor=_user(personas.police),
        )
        narrowed_trashed = _upload(
            space_a, "overlast-politie-weg.pdf", personas.police, narrowing=[police]
        )
        documents.trash_document(narrowed_trashed, actor=_user(personas.police))
        trashed_folder_a = documents.create_folder(
            space_a, "Oud", None, actor=_user(personas.org_admin_a)
        )
        folder_b = documents.create_folder(
            space_b, "Amsterdam-map", None, actor=_user(personas.member_b)
        )
        doc_b = _upload(
            space_b,
            "overlast-amsterdam.pdf",
            personas.member_b,
            folder=folder_b,
            description="overlast",
        )
        documents.add_version(
            doc_b,
            documents.Upload(pdf("b2"), "overlast-amsterdam.pdf"),
            actor=_user(personas.member_b),
        )
        trashed_b = _upload(space_b, "overlast-amsterdam-weg.pdf", personas.member_b)
        documents.trash_document(trashed_b, actor=_user(personas.member_b))
        db.session.flush()
        documents.trash_folder(trashed_folder_a, actor=_user(personas.org_admin_a))
        db.session.commit()
        docs = {"own": own, "narrowed": narrowed, "doc_b": doc_b}
        etags = {key: d.latest.sha256 for key, d in docs.items()}
        return World(
            space_a.id,
            space_b.id,
            own.id,
            own_trashed.id,
            narrowed.id,
            narrowed_trashed.id,
            doc_b.id,
            trashed_b.id,
            folder_b.id,
            trashed_folder_a.id,
            etags,
        )


HIDDEN = ("narrowed", "narrowed_trashed", "doc_b", "trashed_b")


def hidden_requests(w: World, key: str):
    """(method, path, data) of every document route, on the hidden document `key`."""
    doc = f"/documenten/{getattr(w, key)}"
    gets = ["", "/bewerken", "/verplaatsen", "/kopieren"]
    gets += [f"/versies/{n}/{kind}" for n in (1, 2) for kind in ("download", "voorbeeld")]
    posts = {
        "/bewerken": {"title": "Gevonden", "classification": "intern", "status": "concept"},
        "/verplaatsen": {"folder": "0"},
        "/kopieren": {"space": str(w.space_a)},
        "/versies": {"files": (pdf("raden"), "raden.pdf")},
        "/versies/1/terugzetten": {},
        "/verwijderen": {},
        "/herstellen": {},
        "/definitief-verwijderen": {},
    }
    yield from (("GET", doc + path, None) for path in gets)
    yield from (("POST", doc + path, data) for path, data in posts.items())


def _links(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/documenten/(\d+)"', html)}


@pytest.mark.parametrize("viewer", ["member_a", "org_admin_a"])
def test_every_document_route_hides_what_is_not_yours(app, personas, viewer):
    """A member, and a manager of A's space (narrowing does not exempt managers)."""
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas[viewer])
    token = form_token(client, "/")
    before = db_snapshot(app, skip=("audit_events",))
    wrong = []
    for key in HIDDEN:
        for method, path, data in hidden_requests(w, key):
            if method == "GET":
                status = client.get(path).status_code
            else:
                status = client.post(path, data={"csrf_token": token, **data}).status_code
            if status != 404:
                wrong.append(f"{method} {path} ({key}): {status}")
    assert not wrong, wrong
    assert db_snapshot(app, skip=("audit_events",)) == before


@pytest.mark.parametrize(("viewer", "expected"), [("member_a", 403), ("org_admin_a", 404)])
def test_folders_of_another_space_are_not_found_through_your_own(app, personas, viewer, expected):
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas[viewer])
    token = form_token(client, "/")
    base = f"/werkruimtes/{w.space_a}"
    before = db_snapshot(app, skip=("audit_events",))
    for folder in (w.folder_b, w.trashed_folder_a):
        assert client.get(f"{base}/documenten?map={folder}").status_code == 404
        assert client.get(f"{base}/documenten/uploaden?map={folder}").status_code == 200
    # Only editors and managers may trash folders (403 first); for them B's folder is not there.
    response = client.post(f"{base}/mappen/{w.folder_b}/verwijderen", data={"csrf_token": token})
    assert response.status_code == expected
    # The forms offer only A's live folders and spaces one may upload to.
    for path, data in [
        (f"{base}/mappen", {"name": "Ingeschoven", "parent": str(w.folder_b)}),
        (
            f"{base}/documenten/uploaden",
            {
                "folder": str(w.folder_b),
                "classification": "intern",
                "files": (pdf("x"), "ingeschoven.pdf"),
            },
        ),
        (f"/documenten/{w.own}/verplaatsen", {"folder": str(w.folder_b)}),
        (f"/documenten/{w.own}/kopieren", {"space": str(w.space_b)}),
    ]:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code in (302, 404, 422), path  # refused, however it says so
    assert db_snapshot(app, skip=("audit_events",)) == before


def test_a_version_number_counts_only_for_its_own_document(app, personas):
    """The own document has one version; number 2 exists only on hidden ones."""
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    token = form_token(client, "/")
    own = f"/documenten/{w.own}/versies"
    assert client.get(f"{own}/1/download").status_code == 200
    assert client.get(f"{own}/2/download").status_code == 404
    assert client.get(f"{own}/2/voorbeeld").status_code == 404
    assert client.post(f"{own}/2/terugzetten", data={"csrf_token": token}).status_code == 404
    with db_ctx(app) as session:
        numbers = session.scalars(
            select(DocumentVersion.number).where(DocumentVersion.document_id == w.own)
        ).all()
    assert numbers == [1]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_etag_of_a_hidden_document_gets_404_not_304(app, personas, method):
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    own = client.open(
        f"/documenten/{w.own}/versies/1/download",
        method=method,
        headers={"If-None-Match": f'"{w.etags["own"]}"'},
    )
    assert own.status_code == 304  # the control: this is how a matching ETag is answered
    wrong = []
    for key in ("narrowed", "doc_b"):
        gets = [path for verb, path, _ in hidden_requests(w, key) if verb == "GET"]
        for path in gets:
            for tag in w.etags.values():
                response = client.open(path, method=method, headers={"If-None-Match": f'"{tag}"'})
                if response.status_code != 404:
                    wrong.append(f"{path} with {tag[:8]}: {response.status_code}")
    assert not wrong, wrong


# --- lists, search, activity and counts -------------------------------------------------------


@pytest.mark.parametrize("q", ["overlast", "amsterdam", "politie", "overlast-amsterdam.pdf"])
def test_search_finds_only_what_you_may_read(app, personas, q):
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    found = _links(client.get("/zoeken", query_string={"q": q}).get_data(as_text=True))
    assert found == ({w.own} if q == "overlast" else set())
    # The control: the police officer does find the narrowed document.
    police = login_as(app, app.test_client(), personas.police)
    assert w.narrowed in _links(police.get("/zoeken?q=politie").get_data(as_text=True))


def test_lists_trash_and_activity_show_nothing_hidden(app, personas):
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    base = f"/werkruimtes/{w.space_a}"
    assert _links(client.get(f"{base}/documenten").get_data(as_text=True)) == {w.own}
    trash = client.get(f"{base}/prullenbak").get_data(as_text=True)
    assert "overlast-eigen-weg.pdf" in trash and "overlast-politie-weg" not in trash
    # Every event about the narrowed documents is the officer's; none may show.
    for page in (base, f"{base}/activiteit"):
        html = client.get(page).get_data(as_text=True)
        assert "Member A (" in html and "Police (" not in html, page
        assert "overlast-politie" not in html, page
    police = login_as(app, app.test_client(), personas.police)
    html = police.get(f"{base}/activiteit").get_data(as_text=True)
    assert "Police (Politie Eenheid Rotterdam) heeft ‘overlast-politie" in html


def test_news_counts_leave_out_what_you_may_not_see(app, personas):
    w = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    client.get(f"/werkruimtes/{w.space_a}")  # the last visit
    with app.app_context():
        space_a = db.session.get(Space, w.space_a)
        space_b = db.session.get(Space, w.space_b)
        police = personas.orgs["politie"]
        hidden = _upload(space_a, "nieuw-politie.pdf", personas.police, narrowing=[police])
        documents.add_version(
            hidden, documents.Upload(pdf("n2"), "nieuw-politie.pdf"), actor=_user(personas.police)
        )
        documents.trash_document(hidden, actor=_user(personas.police))
        _upload(space_b, "nieuw-amsterdam.pdf", personas.member_b)
        _upload(space_a, "nieuw-zichtbaar.pdf", personas.org_admin_a)
        db.session.commit()
    html = client.get("/werkruimtes").get_data(as_text=True)
    assert re.findall(r"(\d+) nieuw", html) == ["1"]
    assert f'href="/werkruimtes/{w.space_b}"' not in html


# --- MFA ----------------------------------------------------------------------------------------


def _mfa_space(app, personas, *, mfa_required, classification) -> tuple[int, int]:
    with app.app_context():
        org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
        space = spaces.create_space(
            SpaceKind.RESTRICTED,
            "Driehoek",
            mfa_required=mfa_required,
            classification=classification,
            actor=None,
        )
        spaces.add_grant(
            space, PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR, organisation=org_a, actor=None
        )
        doc = _upload(space, "overlast-driehoek.pdf", personas.org_admin_a)
        db.session.commit()
        return space.id, doc.id


@pytest.mark.parametrize(
    ("mfa_required", "classification"),
    [(True, Classification.INTERN), (False, Classification.VERTROUWELIJK)],
    ids=["mfa_required", "vertrouwelijk"],
)
@pytest.mark.parametrize("with_mfa", [False, True], ids=["without_mfa", "with_mfa"])
def test_a_space_that_needs_mfa_opens_only_after_a_second_factor(
    app, personas, mfa_required, classification, with_mfa
):
    space_id, doc_id = _mfa_space(
        app, personas, mfa_required=mfa_required, classification=classification
    )
    client = login_as(app, app.test_client(), personas.member_a, mfa_verified=with_mfa)
    space_pages = ("", "/documenten", "/activiteit", "/prullenbak", "/documenten/uploaden")
    for path in space_pages:
        expected = 200 if with_mfa else 403
        assert client.get(f"/werkruimtes/{space_id}{path}").status_code == expected, path
    # Its documents are not even there without MFA, as for anyone without access.
    for path in ("", "/versies/1/download", "/kopieren"):
        expected = 200 if with_mfa else 404
        assert client.get(f"/documenten/{doc_id}{path}").status_code == expected, path
    found = _links(client.get("/zoeken?q=driehoek").get_data(as_text=True))
    assert found == ({doc_id} if with_mfa else set())


@pytest.mark.parametrize("with_mfa", [False, True], ids=["without_mfa", "with_mfa"])
def test_a_confidential_document_in_an_intern_space_needs_mfa(app, personas, with_mfa):
    w = plant(app, personas)
    with app.app_context():
        secret = _upload(
            db.session.get(Space, w.space_a),
            "overlast-vertrouwelijk.pdf",
            personas.org_admin_a,
            classification=Classification.VERTROUWELIJK,
        ).id
        db.session.commit()
    client = login_as(app, app.test_client(), personas.member_a, mfa_verified=with_mfa)
    listed = _links(client.get(f"/werkruimtes/{w.space_a}/documenten").get_data(as_text=True))
    found = _links(client.get("/zoeken?q=overlast").get_data(as_text=True))
    expected = {w.own, secret} if with_mfa else {w.own}
    assert listed == expected and found == expected
    assert client.get(f"/documenten/{secret}").status_code == (200 if with_mfa else 404)
    assert client.get(f"/werkruimtes/{w.space_a}").status_code == 200  # the space stays open


# --- a fixed number of queries -------------------------------------------------------------------


AUTHORS = ("member_a", "org_admin_a", "police")


def _fill(app, personas, space_ids, start, stop):
    """Documents by several authors, in several spaces, some narrowed, some with versions."""
    with app.app_context():
        org_a = personas.orgs["gemeente_a"]
        for i in range(start, stop):
            space = db.session.get(Space, space_ids[i % len(space_ids)])
            doc = _upload(
                space,
                f"overlast-{i}.pdf",
                personas[AUTHORS[i % len(AUTHORS)]],
                narrowing=[org_a] if i % 2 else None,
            )
            if i % 3 == 0:
                documents.add_version(
                    doc,
                    documents.Upload(pdf(f"v{i}"), f"overlast-{i}.pdf"),
                    actor=_user(personas.member_a),
                )
        db.session.commit()


def _trash_all(app, space_id, persona):
    with app.app_context():
        live = select(Document).where(Document.space_id == space_id, Document.deleted_at.is_(None))
        for document in db.session.scalars(live).all():
            documents.trash_document(document, actor=_user(persona))
        db.session.commit()


def _queries(app, client, path) -> int:
    with count_queries(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", ["list", "search", "trash"])
def test_pages_run_as_many_queries_for_3_documents_as_for_40(app, personas, page):
    with app.app_context():
        org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
        own = spaces.create_organisation_space(org_a, actor=None)
        shared = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
        spaces.add_grant(shared, PrincipalType.NETWORK, SpaceRole.CONTRIBUTOR, actor=None)
        spaces.add_grant(
            own, PrincipalType.USER, SpaceRole.CONTRIBUTOR, user=_user(personas.police), actor=None
        )
        db.session.commit()
        space_ids = [own.id] if page != "search" else [own.id, shared.id]
    path = {
        "list": f"/werkruimtes/{own.id}/documenten",
        "search": "/zoeken?q=overlast",
        "trash": f"/werkruimtes/{own.id}/prullenbak",
    }[page]
    client = login_as(app, app.test_client(), personas.org_admin_a)
    client.get("/")  # the session's first request may write (last seen); not what we count

    def add(start, stop):
        _fill(app, personas, space_ids, start, stop)
        if page == "trash":
            _trash_all(app, own.id, personas.org_admin_a)

    add(0, 3)
    few = _queries(app, client, path)
    add(3, 40)
    many = _queries(app, client, path)
    assert few == many, f"{page}: {few} queries for 3 documents, {many} for 40"
    assert many <= 15
