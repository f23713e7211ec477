"""The space matrix: for each kind of space and each way of being (or not being) in it, what a
user may do — through HTTP, every answer and its effect on the database.

The subject is the police persona (no organisation grant anywhere unless a scenario gives one).
Readers also comment; editors open comment rounds and set a document's status (issue #4).
In every space lie a document of member_a ("others'") and one of the subject ("own"), two more
to delete and two in the trash. Shared spaces let the whole network read (network → viewer),
so there even "no grant" means viewer; restricted spaces name Gemeente A only.
"""

import io
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.comments.models import Comment
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, DocumentStatus
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from tests.conftest import db_ctx
from tests.helpers import form_token, login_as

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
VIEWER, CONTRIBUTOR, EDITOR, MANAGER = (
    SpaceRole.VIEWER,
    SpaceRole.CONTRIBUTOR,
    SpaceRole.EDITOR,
    SpaceRole.MANAGER,
)
LOGIN = "login"
NEW_TITLE = "Titel aangepast"


@dataclass(frozen=True)
class Scenario:
    """How the subject stands towards the space: `role` per kind (None: no role at all)."""

    name: str
    role: dict  # SpaceKind -> SpaceRole | None
    persona: str = "police"
    grant: SpaceRole | None = None  # a user grant for the subject
    org_grant: SpaceRole | None = None  # a grant for the subject's organisation
    narrowed_out: bool = False  # every document is narrowed to Gemeente Amsterdam
    deactivate_user: bool = False
    deactivate_org: bool = False
    sees_every_space: bool = False  # platform admin: metadata and grants, no content

    def role_in(self, kind):
        return self.role[kind]


def _same(role):
    return dict.fromkeys(SpaceKind, role)


#: Without a grant of their own, anybody in the network still reads a shared space.
NETWORK_ONLY = {SpaceKind.ORGANISATION: None, SpaceKind.SHARED: VIEWER, SpaceKind.RESTRICTED: None}

SCENARIOS = [
    *(Scenario(r.name.lower(), _same(r), grant=r) for r in SpaceRole),
    Scenario("no_grant", NETWORK_ONLY),
    Scenario("narrowed_out_manager", _same(MANAGER), grant=MANAGER, narrowed_out=True),
    Scenario("deactivated_user", _same(None), grant=MANAGER, deactivate_user=True),
    # Its organisation's grant stops working, and so does the network's (no active organisation).
    Scenario("member_of_deactivated_org", _same(None), org_grant=EDITOR, deactivate_org=True),
    Scenario("platform_admin", NETWORK_ONLY, persona="platform_admin", sees_every_space=True),
]
KINDS = [SpaceKind.ORGANISATION, SpaceKind.SHARED, SpaceKind.RESTRICTED]


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    url: str  # filled from the planted ids: "{space}", "{own}", …
    minimum: SpaceRole | None  # the least role that may; None: only whoever manages grants
    on_document: str | None = None  # the planted document it acts on (visibility decides 404)
    data: dict | None = None


ACTIONS = [
    Action("view", "GET", "/werkruimtes/{space}", VIEWER),
    Action("list", "GET", "/werkruimtes/{space}/documenten", VIEWER),
    Action("download", "GET", "/documenten/{others}/versies/1/download", VIEWER, "others"),
    Action("upload", "POST", "/werkruimtes/{space}/documenten/uploaden", CONTRIBUTOR),
    Action("edit_own", "POST", "/documenten/{own}/bewerken", CONTRIBUTOR, "own"),
    Action("edit_others", "POST", "/documenten/{others}/bewerken", EDITOR, "others"),
    Action("delete_own", "POST", "/documenten/{own_delete}/verwijderen", CONTRIBUTOR, "own_delete"),
    Action(
        "delete_others", "POST", "/documenten/{others_delete}/verwijderen", EDITOR, "others_delete"
    ),
    Action(
        "restore_own", "POST", "/documenten/{own_trashed}/herstellen", CONTRIBUTOR, "own_trashed"
    ),
    Action(
        "restore_others",
        "POST",
        "/documenten/{others_trashed}/herstellen",
        EDITOR,
        "others_trashed",
    ),
    Action(
        "purge",
        "POST",
        "/documenten/{others_trashed_2}/definitief-verwijderen",
        MANAGER,
        "others_trashed_2",
    ),
    Action("manage_grants", "POST", "/werkruimtes/{space}/leden", MANAGER),
    # drafts and comments (issue #4): readers comment, editors run rounds and set the status.
    Action("comment", "POST", "/documenten/{others}/reacties", VIEWER, "others"),
    Action("open_round", "GET", "/documenten/{others}/commentaarronde", EDITOR, "others"),
    Action("set_status", "POST", "/documenten/{others}/status", EDITOR, "others"),
]


# --- set-up --------------------------------------------------------------------------------


def _space(kind: SpaceKind, personas) -> Space:
    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    if kind == SpaceKind.ORGANISATION:
        return spaces.create_organisation_space(org_a, actor=None)
    space = spaces.create_space(kind, f"Werkruimte {kind.value}", actor=None)
    admin_a = db.session.get(User, personas.org_admin_a.id)
    spaces.add_grant(space, PrincipalType.USER, MANAGER, user=admin_a, actor=None)
    if kind == SpaceKind.SHARED:
        spaces.add_grant(space, PrincipalType.NETWORK, VIEWER, actor=None)
    else:
        spaces.add_grant(
            space, PrincipalType.ORGANISATION, CONTRIBUTOR, organisation=org_a, actor=None
        )
    return space


def _document(space, author, name, narrowing, *, trashed=False) -> int:
    document = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), name), narrowing=narrowing, actor=author
    )
    if trashed:
        documents.trash_document(document, actor=author)
    return document.id


def plant(app, personas, kind: SpaceKind, scenario: Scenario) -> dict:
    persona = personas[scenario.persona]
    with app.app_context():
        space = _space(kind, personas)
        subject = db.session.get(User, persona.id)
        other = db.session.get(User, personas.member_a.id)
        if scenario.grant is not None:
            spaces.add_grant(space, PrincipalType.USER, scenario.grant, user=subject, actor=None)
        own_org = db.session.get(Organisation, persona.org_id)
        if scenario.org_grant is not None:
            spaces.add_grant(
                space,
                PrincipalType.ORGANISATION,
                scenario.org_grant,
                organisation=own_org,
                actor=None,
            )
        narrowing = [personas.orgs["gemeente_b"]] if scenario.narrowed_out else None
        ids = {"space": space.id}
        for key, author, trashed in [
            ("own", subject, False),
            ("others", other, False),
            ("own_delete", subject, False),
            ("others_delete", other, False),
            ("own_trashed", subject, True),
            ("others_trashed", other, True),
            ("others_trashed_2", other, True),
        ]:
            ids[key] = _document(space, author, f"{key}.pdf", narrowing, trashed=trashed)
        db.session.commit()
    return ids


def _deactivate(app, personas, scenario: Scenario) -> None:
    # Straight on the rows, as if done elsewhere meanwhile: the open session must not help.
    with app.app_context():
        if scenario.deactivate_user:
            db.session.get(User, personas[scenario.persona].id).active = False
        if scenario.deactivate_org:
            db.session.get(Organisation, personas[scenario.persona].org_id).active = False
        db.session.commit()


# --- what must happen ------------------------------------------------------------------------


def expected(action: Action, kind: SpaceKind, scenario: Scenario):
    """The answer: 200/302 when allowed; else 403 where the thing is seen, 404 where not."""
    if scenario.deactivate_user:
        return LOGIN
    role = scenario.role_in(kind)
    if action.minimum is None or action.name == "manage_grants":
        allowed = scenario.sees_every_space or (role is not None and role >= MANAGER)
    else:
        hidden = action.on_document is not None and scenario.narrowed_out
        allowed = role is not None and role >= action.minimum and not hidden
    if allowed:
        return 200 if action.method == "GET" else 302
    if action.on_document is not None:
        return 403 if role is not None and not scenario.narrowed_out else 404
    return 403 if role is not None or scenario.sees_every_space else 404


def _post_data(action: Action, personas, app, ids: dict) -> dict:
    if action.name == "upload":
        return {
            "folder": "0",
            "classification": "intern",
            "files": (io.BytesIO(PDF), "nieuw.pdf"),
        }
    if action.name.startswith("edit"):
        with db_ctx(app) as session:  # the version the edit form would carry (editing.py)
            version = session.get(Document, ids[action.on_document]).version
        return {
            "title": NEW_TITLE,
            "classification": "intern",
            "status": "concept",
            "version": version,
        }
    if action.name == "manage_grants":
        return {"principal": f"org:{personas.orgs['om']}", "email": "", "role": "10"}
    if action.name == "comment":
        return {"body": "Een reactie.", "paragraph": "0", "location": ""}
    if action.name == "set_status":
        return {"status": "vastgesteld"}
    return {}


def effect(app, action: Action, ids: dict, personas) -> bool:
    """Did the action change what it acts on?"""
    with db_ctx(app) as session:
        if action.name == "upload":
            return (
                session.scalar(
                    select(Document.id).where(
                        Document.space_id == ids["space"], Document.title == "nieuw.pdf"
                    )
                )
                is not None
            )
        if action.name == "manage_grants":
            return (
                session.scalar(
                    select(SpaceGrant.id).where(
                        SpaceGrant.space_id == ids["space"],
                        SpaceGrant.organisation_id == personas.orgs["om"],
                    )
                )
                is not None
            )
        document = session.get(Document, ids[action.on_document])
        if action.name == "comment":
            found = session.scalar(select(Comment.id).where(Comment.document_id == document.id))
            return found is not None
        if action.name == "set_status":
            return document.status == DocumentStatus.VASTGESTELD
        if action.name == "purge":
            return document is None
        if action.name.startswith("edit"):
            return document.title == NEW_TITLE
        if action.name.startswith("delete"):
            return document.deleted_at is not None
        if action.name.startswith("restore"):
            return document.deleted_at is None
    raise AssertionError(action.name)


def _answer(response):
    if response.status_code == 302 and urlsplit(response.location).path == "/inloggen":
        return LOGIN
    return response.status_code


# --- the matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_space_matrix(app, personas, kind, scenario):
    ids = plant(app, personas, kind, scenario)
    client = login_as(app, app.test_client(), personas[scenario.persona])
    token = form_token(client, "/")
    _deactivate(app, personas, scenario)
    answers, wrong = {}, []
    for action in ACTIONS:
        url = action.url.format(**ids)
        if action.method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": token, **_post_data(action, personas, app, ids)}
            response = client.post(url, data=data)
        want = expected(action, kind, scenario)
        answers[action.name] = _answer(response)
        if answers[action.name] != want:
            wrong.append(f"{action.name}: {answers[action.name]}, expected {want}")
        elif action.method == "POST" and effect(app, action, ids, personas) != (want == 302):
            wrong.append(f"{action.name}: answered {want} but the effect says otherwise")
        if action.name == "list" and want == 200:
            listed = "others.pdf" in response.get_data(as_text=True)
            if listed == scenario.narrowed_out:
                wrong.append(f"list: the others' document listed={listed}")
    assert not wrong, wrong


def test_the_matrix_expects_every_answer_somewhere():
    """The expectations are not all the same: each role unlocks something the one below lacks."""
    for kind in KINDS:
        rows = {
            s.name: tuple(expected(a, kind, s) for a in ACTIONS)
            for s in SCENARIOS
            if s.grant and not (s.narrowed_out or s.deactivate_user)
        }
        assert len(set(rows.values())) == len(SpaceRole), kind
