"""XSS corpus (SECURITY.md, ASVS 5.3.3): every payload through every text field a user types that
is shown back, then every page where it shows. The raw markup never comes back, no page grows an
inline handler, a `javascript:` URL or a script of its own, and a template string stays text.

Each field also proves the value did land: its stored form appears, escaped, on the pages — so
a field that silently dropped the payload cannot pass for a safe one. A field may refuse a
payload (400 for a NUL, 413, 422); then the refusal page must be just as clean.

How the sweep is run, and why (the suite's time budget, README § Testing):
- One set-up per field (personas, logins), then every payload in a savepoint of its own that
  is rolled back: each payload starts from the same state, as it did with a test per payload.
- The whole corpus runs on SQLite. Escaping happens when a page is rendered, which the database
  does not touch; what it does touch is storing the value. So on PostgreSQL every field takes
  the payloads whose storage differs there (STORED_DIFFERENTLY: a NUL, which PostgreSQL cannot
  hold in text; the long value; characters outside ASCII) and a script, not the whole corpus.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape
from sqlalchemy import select

from neig_workspace import richtext
from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.accounts.tokens import new_token
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import LegalBasis
from neig_workspace.comments.models import Comment, CommentRound
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, DocumentVersion, Folder
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.privacy.models import PrivacyStatement
from neig_workspace.spaces.models import Space
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.documents.doc_helpers import grant_user, org_space, pdf, upload
from tests.helpers import form_token, login_as, post_form
from tests.personas import PASSWORD

#: What a template engine would make of "{{ 98765*3 }}": must never be on a page.
EVALUATED = "296295"

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "javascript_url": "javascript:alert(1)",
    "svg_breakout": '"><svg onload=alert(1)>',
    "single_quote": "' onmouseover='alert(1)' x='",
    "double_quote": '" autofocus onfocus="alert(1)',
    "anchor": '<a href="javascript:alert(1)">klik</a>',
    "textarea": "</textarea><script>alert(1)</script>",
    "template": "{{7*7}} {{ 98765*3 }} {% raw %}x{% endraw %} ${7*7}",
    # Two that are valid e-mail local parts too, so they get past the address check.
    "template_compact": "{{98765*3}}{%raw%}x{%endraw%}",
    "quote_breakout": "x'/onfocus='alert`1`'/autofocus='x",
    "rtl_override": "verslag\u202egnp.exe",
    "fullwidth": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "nul": "nul\x00<script>alert(1)</script>",
    "long": "<script>alert(1)</script>" * 400,
}

#: The payloads whose storage the database decides: these run on PostgreSQL too.
STORED_DIFFERENTLY = ("script", "nul", "long", "fullwidth", "rtl_override")

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "svg", "math"}


class _Markup(HTMLParser):
    """Collects what would run in a browser: handlers, script URLs, scripts and odd tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            squeezed = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        src = dict(attrs).get("src") or ""
        if tag == "script" and not src.startswith("/static/"):
            self.problems.append(f"<script> without a static src: {src!r}")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")


def assert_clean(html: str, payload: str, where: str) -> None:
    parser = _Markup()
    parser.feed(html)
    assert not parser.problems, f"{where}: {parser.problems}"
    assert EVALUATED not in html, f"{where}: a template string was evaluated"
    if any(ch in payload for ch in "<>\"'"):
        assert payload not in html, f"{where}: the raw payload came back unescaped"


# --- the world a field needs: personas, logged-in clients, A's space and a document ----------


@dataclass
class World:
    app: object
    personas: object
    value: str = ""  # what was typed into the field
    clients: dict = field(default_factory=dict)

    def client(self, key: str):
        if key not in self.clients:
            client = self.app.test_client()
            anonymous = key == "anonymous"
            self.clients[key] = (
                client if anonymous else login_as(self.app, client, self.personas[key])
            )
        return self.clients[key]

    @property
    def org_a(self) -> int:
        return self.personas.orgs["gemeente_a"]

    @cached_property
    def space(self) -> int:
        return org_space(self.app, self.personas)

    @cached_property
    def document(self) -> int:
        """member_a's own document in A's space (a contributor edits only their own)."""
        space_id = self.space
        with self.app.app_context():
            document = documents.upload_document(
                db.session.get(Space, space_id),
                documents.Upload(io.BytesIO(pdf("kenmerk")), "kenmerk.pdf"),
                actor=db.session.get(User, self.personas.member_a.id),
            )
            db.session.commit()
            return document.id

    def scalar(self, query):
        with db_ctx(self.app) as session:
            return session.scalar(query)

    def scalars(self, query) -> list:
        with db_ctx(self.app) as session:
            return list(session.scalars(query))


def _post(world: World, who: str, path: str, data: dict, token_from: str | None = None):
    return post_form(world.client(who), path, data, token_from=token_from, follow_redirects=True)


def _get(world: World, who: str, path: str, **params):
    return world.client(who).get(f"{path}?{urlencode(params)}" if params else path)


# --- the fields: how to submit a value, where it shows, what was stored -----------------------


@dataclass(frozen=True)
class Field:
    submit: Callable  # (world, value) -> response (redirects followed)
    pages: Callable  # world -> [(persona key, path)]; a ("POST", key, path) entry posts it
    stored: Callable  # world -> [strings that must show, escaped, on the pages]
    value: Callable = lambda payload: payload  # the payload as this field takes it


def _accept_invitation(world, value):
    token, token_hash = new_token()
    with world.app.app_context():
        db.session.add(
            Invitation(
                email="nieuw.lid@example.nl",
                organisation_id=world.org_a,
                role=OrgRole.MEMBER,
                invited_by_id=world.personas.org_admin_a.id,
                token_hash=token_hash,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        db.session.commit()
    world.clients["invitee"] = world.app.test_client()
    data = {"name": value, "password": PASSWORD, "password_confirm": PASSWORD}
    return _post(world, "invitee", f"/uitnodiging/{token}", data)


def _invitee_id(world):
    return world.scalar(select(User.id).where(User.email == "nieuw.lid@example.nl"))


def _user_pages(world, user_id, own: str | None):
    pages = [] if own is None else [(own, "/account"), (own, "/")]
    pages += [("org_admin_a", f"/organisaties/{world.org_a}"), ("platform_admin", "/beheer/audit")]
    if user_id is not None:
        pages += [
            ("platform_admin", "/beheer/gebruikers"),
            ("platform_admin", f"/beheer/gebruikers/{user_id}"),
        ]
    return pages


def _name_of(user_id_of):
    return lambda w: w.scalars(select(User.name).where(User.id == user_id_of(w)))


def _profile(world, value):
    grant_user(world.app, world.space, world.personas.member_a, SpaceRole.VIEWER)
    return _post(world, "member_a", "/account", {"name": value, "locale": "nl"})


def _profile_pages(world):
    pages = _user_pages(world, world.personas.member_a.id, "member_a")
    return [*pages, ("org_admin_a", f"/werkruimtes/{world.space}/leden")]


def _new_org(world, value):
    data = {"name": value, "type": "police", "cbs_code": ""}
    return _post(world, "platform_admin", "/beheer/organisaties/nieuw", data)


def _new_org_id(world):
    known = set(world.personas.orgs.values())
    ids = world.scalars(select(Organisation.id).where(Organisation.id.not_in(known)))
    return ids[0] if ids else None


def _new_org_pages(world):
    pages = [
        ("platform_admin", "/beheer/organisaties"),
        ("platform_admin", "/beheer/gebruikers"),
        ("platform_admin", "/beheer/gebruikers/uitnodigen"),
        ("platform_admin", "/beheer/audit"),
        ("platform_admin", f"/werkruimtes/{world.space}/leden"),
    ]
    org_id = _new_org_id(world)
    if org_id is not None:
        pages += [
            ("platform_admin", f"/organisaties/{org_id}"),
            ("platform_admin", f"/beheer/organisaties/{org_id}/bewerken"),
        ]
    return pages


def _edit_org(world, value):
    world.space  # noqa: B018 - A's space exists first, so its pages show the name
    data = {"name": value, "type": "municipality", "cbs_code": "GM0599"}
    return _post(world, "platform_admin", f"/beheer/organisaties/{world.org_a}/bewerken", data)


def _edit_org_pages(world):
    space = f"/werkruimtes/{world.space}"
    return [
        ("member_a", "/"),
        ("member_a", f"/organisaties/{world.org_a}"),
        ("member_a", "/werkruimtes"),
        ("member_a", space),
        ("member_a", f"{space}/leden"),
        ("member_a", f"{space}/activiteit"),
        ("platform_admin", "/beheer/organisaties"),
        ("platform_admin", "/beheer/gebruikers"),
        ("platform_admin", "/beheer/audit"),
    ]


def _org_names(org_id_of):
    return lambda w: w.scalars(select(Organisation.name).where(Organisation.id == org_id_of(w)))


def _invite(world, value):
    data = {"email": value, "role": "member"}
    return _post(world, "org_admin_a", f"/organisaties/{world.org_a}/uitnodigen", data)


def _grant_email(world, value):
    data = {"principal": "user", "email": value, "role": "10"}
    path = f"/werkruimtes/{world.space}/leden"
    return _post(world, "org_admin_a", path, data)


def _edit_space(world, name, description):
    data = {"name": name, "description": description, "classification": "intern"}
    return _post(world, "org_admin_a", f"/werkruimtes/{world.space}/instellingen", data)


def _space_pages(world):
    space, doc = f"/werkruimtes/{world.space}", f"/documenten/{world.document}"
    return [
        ("member_a", "/werkruimtes"),
        ("member_a", space),
        ("member_a", f"{space}/activiteit"),
        ("member_a", f"{space}/leden"),
        ("member_a", f"{space}/documenten"),
        ("member_a", f"{space}/prullenbak"),
        ("member_a", "/zoeken?q=kenmerk"),
        ("member_a", doc),
        ("member_a", f"{doc}/kopieren"),
        ("platform_admin", "/beheer/werkruimtes"),
        ("platform_admin", "/beheer/audit"),
    ]


def _space_column(column):
    return lambda w: w.scalars(select(column).where(Space.id == w.space))


def _new_space(world, value):
    data = {"kind": "restricted", "name": value, "description": value, "classification": "intern"}
    return _post(world, "platform_admin", "/beheer/werkruimtes/nieuw", data)


def _new_space_pages(world):
    pages = [("platform_admin", "/beheer/werkruimtes"), ("platform_admin", "/beheer/audit")]
    for space_id in world.scalars(select(Space.id)):
        pages += [
            ("platform_admin", f"/werkruimtes/{space_id}/leden"),
            ("platform_admin", f"/werkruimtes/{space_id}/instellingen"),
        ]
    return pages


def _privacy(world, value):  # a space's privacy statement (issue 22)
    basis = world.scalars(select(LegalBasis.id).order_by(LegalBasis.id))[0]
    data = {"purpose": value, "data_categories": value, "retention": value[:200]}
    data |= {"contact": value[:300], "legal_basis_id": basis}
    return _post(world, "org_admin_a", f"/werkruimtes/{world.space}/privacy/bewerken", data)


def _privacy_pages(world):
    space = f"/werkruimtes/{world.space}/privacy"
    return [
        ("member_a", space),
        ("org_admin_a", f"{space}/bewerken"),
        ("org_admin_a", f"/organisaties/{world.org_a}/verwerkingsregister"),
        ("platform_admin", "/beheer/verwerkingsregister"),
    ]


def _edit_document(world, **fields):
    data = {"title": "Verslag", "description": "", "tags": "", "classification": "intern"}
    data |= {"status": "concept", **fields}
    return _post(world, "member_a", f"/documenten/{world.document}/bewerken", data)


def _document_pages(world, document_id):
    if document_id is None:
        return [("member_a", f"/werkruimtes/{world.space}/documenten")]
    space, doc = f"/werkruimtes/{world.space}", f"/documenten/{document_id}"
    return [
        ("member_a", f"{space}/documenten"),
        ("member_a", space),
        ("member_a", f"{space}/activiteit"),
        ("member_a", doc),
        ("member_a", f"{doc}/bewerken"),
        ("member_a", f"{doc}/verplaatsen"),
        ("member_a", f"{doc}/kopieren"),
        ("member_a", "/zoeken?q=kenmerk"),
        ("platform_admin", "/beheer/audit"),
        # In the trash it shows again, after a flash message with its title.
        ("POST", "member_a", f"{doc}/verwijderen"),
        ("member_a", f"{space}/prullenbak"),
    ]


def _uploaded(world, value, *, name="kenmerk.pdf", **fields):
    client = world.client("member_a")
    response = upload(client, world.space, [(pdf(value), name)], **fields)
    if response.status_code == 302:
        response = client.get(response.location)
    return response


def _newest_document(world):
    ids = world.scalars(select(Document.id).order_by(Document.id.desc()))
    return ids[0] if ids else None


def _document_column(column, document_id_of):
    return lambda w: w.scalars(select(column).where(Document.id == document_id_of(w)))


def _tags_shown(w):
    documents_ = w.scalars(select(Document).where(Document.id == _newest_document(w)))
    return [", ".join(d.tag_list) for d in documents_ if d.tag_list]


def _filenames(w):
    return w.scalars(
        select(DocumentVersion.filename).where(DocumentVersion.document_id == _newest_document(w))
    )


def _folder(world, value):
    world.document  # noqa: B018 - a document to move, so the move form lists the folders
    return _post(
        world,
        "member_a",
        f"/werkruimtes/{world.space}/mappen",
        {"name": value, "parent": "0"},
        token_from=f"/werkruimtes/{world.space}/documenten",
    )


def _folder_pages(world):
    space = f"/werkruimtes/{world.space}"
    pages = [
        ("member_a", f"{space}/documenten"),
        ("member_a", f"{space}/documenten/uploaden"),
        ("member_a", f"/documenten/{world.document}/verplaatsen"),
        ("platform_admin", "/beheer/audit"),
    ]
    for folder_id in world.scalars(select(Folder.id)):
        pages += [
            ("member_a", f"{space}/documenten?map={folder_id}"),
            ("POST", "org_admin_a", f"{space}/mappen/{folder_id}/verwijderen"),
            ("member_a", f"{space}/prullenbak"),
        ]
    return pages


def _audited_emails(world) -> list[str]:
    """The addresses of failed logins as the audit log's |tojson writes them."""
    details = world.scalars(select(AuditEvent.details).where(AuditEvent.action == "auth.login"))
    # htmlsafe_json_dumps gives Markup: matched as it is, not escaped again.
    return [htmlsafe_json_dumps(d["email"]) for d in details if d and d.get("email")]


def _echo(limit: int | None = None, lower: bool = False):
    """What a search form shows back of the query it was given."""

    def shown(world):
        text = world.value.strip()[:limit]
        return [text.lower() if lower else text]

    return shown


FIELDS: dict[str, Field] = {
    "invitation_name": Field(
        _accept_invitation,
        # Only an accepted invitation logs the invitee in.
        lambda w: _user_pages(w, _invitee_id(w), "invitee" if _invitee_id(w) else None),
        _name_of(_invitee_id),
    ),
    "profile_name": Field(_profile, _profile_pages, _name_of(lambda w: w.personas.member_a.id)),
    "organisation_name_new": Field(_new_org, _new_org_pages, _org_names(_new_org_id)),
    "organisation_name_edit": Field(_edit_org, _edit_org_pages, _org_names(lambda w: w.org_a)),
    "invitation_email": Field(
        _invite,
        lambda w: [
            ("org_admin_a", f"/organisaties/{w.org_a}"),
            ("platform_admin", "/beheer/audit"),
        ],
        lambda w: w.scalars(select(Invitation.email)),
        value=lambda payload: f"{payload}@example.nl",
    ),
    # The grant form looks the address up and shows it back with its message when it is unknown.
    "grant_email": Field(
        _grant_email,
        lambda w: [("org_admin_a", f"/werkruimtes/{w.space}/leden")],
        lambda w: [w.value],
        value=lambda payload: f"{payload}@example.nl",
    ),
    "space_name": Field(
        lambda w, v: _edit_space(w, v, ""), _space_pages, _space_column(Space.name)
    ),
    "space_description": Field(
        lambda w, v: _edit_space(w, "Werkruimte A", v),
        _space_pages,
        _space_column(Space.description),
    ),
    "space_name_new": Field(
        _new_space,
        _new_space_pages,
        lambda w: w.scalars(select(Space.name)),
    ),
    "privacy_statement": Field(
        _privacy, _privacy_pages, lambda w: w.scalars(select(PrivacyStatement.purpose))
    ),
    "document_title": Field(
        lambda w, v: _edit_document(w, title=v),
        lambda w: _document_pages(w, w.document),
        _document_column(Document.title, lambda w: w.document),
    ),
    "document_description": Field(
        lambda w, v: _edit_document(w, description=v),
        lambda w: _document_pages(w, w.document),
        _document_column(Document.description, lambda w: w.document),
    ),
    "upload_description": Field(
        lambda w, v: _uploaded(w, v, description=v),
        lambda w: _document_pages(w, _newest_document(w)),
        _document_column(Document.description, _newest_document),
    ),
    "upload_tags": Field(
        lambda w, v: _uploaded(w, v, tags=v),
        lambda w: _document_pages(w, _newest_document(w))[:5],
        _tags_shown,
    ),
    "upload_filename": Field(
        lambda w, v: _uploaded(w, v, name=f"{v}.pdf"),
        lambda w: _document_pages(w, _newest_document(w)),
        _filenames,
    ),
    "folder_name": Field(_folder, _folder_pages, lambda w: w.scalars(select(Folder.name))),
    "search_documents": Field(
        lambda w, v: _get(w, "member_a", "/zoeken", q=v), lambda w: [], _echo(200)
    ),
    "search_users": Field(
        lambda w, v: _get(w, "platform_admin", "/beheer/gebruikers", q=v),
        lambda w: [],
        _echo(),
    ),
    "search_organisations": Field(
        lambda w, v: _get(w, "platform_admin", "/beheer/organisaties", q=v),
        lambda w: [],
        _echo(),
    ),
    # Where to go after logging in: shown back in the login form's hidden field.
    "login_next": Field(
        lambda w, v: _get(w, "anonymous", "/inloggen", next=v), lambda w: [], _echo()
    ),
    # A failed login is audited with the typed address, shown in the audit log as JSON.
    "login_email": Field(
        lambda w, v: _post(w, "anonymous", "/inloggen", {"email": v, "password": "fout"}),
        lambda w: [("platform_admin", "/beheer/audit")],
        lambda w: [w.value, *_audited_emails(w)],
        value=lambda payload: f"{payload}@example.nl",
    ),
    "audit_filters": Field(
        lambda w, v: _get(
            w, "platform_admin", "/beheer/audit", actie=v, gebruiker=v, resultaat=v, van=v, tot=v
        ),
        lambda w: [],
        lambda w: [*_echo()(w), *_echo(lower=True)(w)],
    ),
}


# --- drafts and comments (issue #4): rich text shows rendered through the one sanitiser ------


def _rendered(text_of):
    """The stored Markdown as the page shows it: rendered and sanitised (Markup, as it is)."""
    return lambda w: [richtext.render(t) for t in text_of(w) if t]


def _comments(column):
    return lambda w: w.scalars(select(column).order_by(Comment.id))


def _comment_on_document(world, value, **fields):
    doc = f"/documenten/{world.document}"
    data = {"body": "Een reactie.", "paragraph": "0", "location": "", **fields}
    return _post(world, "member_a", f"{doc}/reacties", data, token_from=doc)


def _comment_pages(world):
    doc = f"/documenten/{world.document}"
    pages = [("member_a", doc), ("org_admin_a", doc)]
    for comment_id in world.scalars(select(Comment.id)):
        pages += [("org_admin_a", f"/reacties/{comment_id}/beantwoorden")]
        pages += [("member_a", f"/reacties/{comment_id}/bewerken")]
    return pages


def _response(world, value):
    _comment_on_document(world, "")
    comment_id = world.scalar(select(Comment.id))
    path = f"/reacties/{comment_id}/beantwoorden"
    return _post(world, "org_admin_a", path, {"response": value, "decision": "overgenomen"})


def _round_message(world, value):
    day = (utcnow() + timedelta(days=7)).date().isoformat()
    data = {"deadline": day, "organisations": [world.org_a], "message": value}
    return _post(world, "org_admin_a", f"/documenten/{world.document}/commentaarronde", data)


def _round_pages(world):
    doc = f"/documenten/{world.document}"
    pages = [("member_a", doc), ("member_a", "/meldingen")]
    pages += [
        ("org_admin_a", f"/commentaarrondes/{r}") for r in world.scalars(select(CommentRound.id))
    ]
    return pages


def _text_draft(world, *, title="Handreiking", text="Tekst."):
    path = f"/werkruimtes/{world.space}/concepten/nieuw"
    data = {"title": title, "text": text, "folder": "0", "classification": "intern"}
    return _post(world, "member_a", path, data)


def _draft_pages(world):
    document_id = _newest_document(world)
    if document_id is None:
        return [("member_a", f"/werkruimtes/{world.space}/documenten")]
    doc = f"/documenten/{document_id}"
    return [
        ("member_a", doc),
        ("member_a", f"{doc}/tekst"),
        ("member_a", f"/werkruimtes/{world.space}/documenten"),
        ("member_a", f"/werkruimtes/{world.space}/activiteit"),
    ]


def _draft_paragraphs(world):
    from neig_workspace.documents.drafts import read_text

    document_id = _newest_document(world)
    if document_id is None:
        return []
    with world.app.app_context():
        text = read_text(db.session.get(Document, document_id).latest)
    return [p.html for p in richtext.paragraphs(text)]


def _draft_preview(world, value):
    path = f"/werkruimtes/{world.space}/concepten/nieuw"
    data = {"title": "Voorbeeld", "text": value, "folder": "0", "classification": "intern"}
    return _post(world, "member_a", path, {**data, "voorbeeld": "1"})


FIELDS.update(
    {
        "comment_body": Field(
            lambda w, v: _comment_on_document(w, v, body=v),
            _comment_pages,
            _rendered(_comments(Comment.body)),
        ),
        "comment_location": Field(
            lambda w, v: _comment_on_document(w, v, location=v),
            _comment_pages,
            _comments(Comment.location),
        ),
        "comment_response": Field(
            _response, _comment_pages, _rendered(_comments(Comment.response))
        ),
        "round_message": Field(
            _round_message,
            _round_pages,
            _rendered(lambda w: w.scalars(select(CommentRound.message))),
        ),
        "draft_text": Field(lambda w, v: _text_draft(w, text=v), _draft_pages, _draft_paragraphs),
        "draft_title": Field(
            lambda w, v: _text_draft(w, title=v),
            _draft_pages,
            _document_column(Document.title, _newest_document),
        ),
        "draft_preview": Field(
            _draft_preview, lambda w: [], lambda w: [p.html for p in richtext.paragraphs(w.value)]
        ),
    }
)


# --- casework (issue #5): the case's fields, its items and the list of legal bases -------------


def _case(world) -> int:
    """A case of A opened by member_a (its manager; A reads the address)."""
    if "case" not in world.__dict__:
        from tests.cases.helpers import open_case

        world.__dict__["case"] = open_case(world.app, world.personas)
    return world.__dict__["case"]


def _case_edit(world, **fields):
    from neig_workspace.cases.models import Case

    case_id = _case(world)
    with db_ctx(world.app) as session:
        case = session.get(Case, case_id)
        data = {
            "occurred_date": "2025-03-14",
            "occurred_time": "02:30",
            "target_type": case.target_type.value,
            "explosive_type": case.explosive_type.value,
            "postcode4": case.postcode4,
            "neighbourhood": case.neighbourhood,
            "address": "",
            "damage": case.damage,
            "injured": "0",
            "description": case.description,
            "legal_basis_id": str(case.legal_basis_id),
            "purpose": case.purpose,
        }
    return _post(world, "member_a", f"/casussen/{case_id}/bewerken", {**data, **fields})


def _case_pages(world):
    case_id = _case(world)
    return [("member_a", f"/casussen/{case_id}"), ("member_a", "/casussen")]


def _case_column(column):
    from neig_workspace.cases.models import Case

    return lambda w: w.scalars(select(column).where(Case.id == _case(w)))


def _case_address(world):
    from neig_workspace.cases import service as cases
    from neig_workspace.cases.models import Case

    with db_ctx(world.app) as session:
        return [cases.decrypt_address(session.get(Case, _case(world)))]


def _case_item(path: str, data: dict, key: str):
    def submit(world, value):
        from tests.cases.helpers import basis_id

        with db_ctx(world.app):
            basis = basis_id()
        case_id = _case(world)
        form = {"legal_basis_id": str(basis), **data(world), key: value}
        return _post(world, "member_a", f"/casussen/{case_id}/{path}", form)

    return submit


def _measure_data(world):
    return {
        "type": "sluiting_174a",
        "responsible_organisation_id": str(world.org_a),
        "status": "actief",
        "start_date": "2025-03-20",
    }


def _task_data(world):
    return {"kind": "bewonersbrief", "organisation_id": str(world.org_a), "status": "open"}


def _entry_data(world):
    return {"occurred_at": "2025-03-15T09:30", "kind": "notitie"}


def _legal_basis(world, value):
    return _post(world, "platform_admin", "/beheer/grondslagen/nieuw", {"name": value})


def _case_rows(column):
    return lambda w: w.scalars(select(column))


def _legal_basis_pages(world):
    return [("platform_admin", "/beheer/grondslagen"), ("member_a", "/casussen/nieuw")]


def _register_case_fields():
    from neig_workspace.cases.models import AftercareTask, Case, LegalBasis, Measure, TimelineEntry

    FIELDS.update(
        {
            "case_description": Field(
                lambda w, v: _case_edit(w, description=v),
                _case_pages,
                _case_column(Case.description),
            ),
            "case_neighbourhood": Field(
                lambda w, v: _case_edit(w, neighbourhood=v),
                _case_pages,
                _case_column(Case.neighbourhood),
            ),
            "case_damage": Field(
                lambda w, v: _case_edit(w, damage=v), _case_pages, _case_column(Case.damage)
            ),
            "case_address": Field(
                lambda w, v: _case_edit(w, address=v),
                lambda w: [("member_a", f"/casussen/{_case(w)}/adres")],
                _case_address,
            ),
            "case_entry_text": Field(
                _case_item("tijdlijn/nieuw", _entry_data, "text"),
                _case_pages,
                _case_rows(TimelineEntry.text),
            ),
            "case_measure_description": Field(
                _case_item("maatregelen/nieuw", _measure_data, "description"),
                _case_pages,
                _case_rows(Measure.description),
            ),
            "case_task_description": Field(
                _case_item("nazorg/nieuw", _task_data, "description"),
                _case_pages,
                _case_rows(AftercareTask.description),
            ),
            "legal_basis_name": Field(
                _legal_basis, _legal_basis_pages, _case_rows(LegalBasis.name)
            ),
        }
    )


_register_case_fields()


# --- the knowledge base (issue #8): an article's fields, its body through the one sanitiser ----


def _knowledge_space(world) -> int:
    if "knowledge_space" not in world.__dict__:
        from tests.knowledge.helpers import make_space

        with db_ctx(world.app) as session:
            world.__dict__["knowledge_space"] = make_space(world.personas).id
            session.commit()
    return world.__dict__["knowledge_space"]


def _article(world, **fields):
    data = {
        "space": _knowledge_space(world),
        "organisation": world.org_a,
        "title": "Handelingskader",
        "summary": "Kort.",
        "body": "Tekst.",
        "kind": "best_practice",
        "themes": ["nazorg"],
        "audiences": ["municipality"],
        **fields,
    }
    return _post(world, "member_a", "/kennisbank/nieuw", data)


def _article_pages(world):
    from neig_workspace.knowledge.models import Article

    pages = [("member_a", "/kennisbank/"), ("member_a", "/kennisbank/?q=x")]
    for article_id in world.scalars(select(Article.id)):
        pages += [
            ("police", f"/kennisbank/{article_id}"),
            ("member_a", f"/kennisbank/{article_id}/bewerken"),
        ]
    return pages


def _register_knowledge_fields():
    from neig_workspace.knowledge.models import Article

    def article_rows(column):
        return lambda w: w.scalars(select(column))

    FIELDS.update(
        {
            "article_title": Field(
                lambda w, v: _article(w, title=v), _article_pages, article_rows(Article.title)
            ),
            "article_summary": Field(
                lambda w, v: _article(w, summary=v), _article_pages, article_rows(Article.summary)
            ),
            "article_body": Field(
                lambda w, v: _article(w, body=v),
                _article_pages,
                _rendered(article_rows(Article.body)),
            ),
            "article_search": Field(
                lambda w, v: _get(w, "member_a", "/kennisbank/", q=v), lambda w: [], _echo(100)
            ),
        }
    )


_register_knowledge_fields()


def _fetch(world: World, page) -> tuple[str, str]:
    if page[0] == "POST":
        _, who, path = page
        client = world.client(who)
        token = form_token(client, "/")
        response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
    else:
        who, path = page
        response = world.client(who).get(path)
    label = f"{page[0]} {path}" if page[0] == "POST" else f"GET {path} as {who}"
    assert response.status_code == 200, f"{label}: {response.status_code}"
    return label, response.get_data(as_text=True)


def _logged_in_clients(app, personas) -> dict:
    """Every persona logged in, and a visitor: outside the payloads' savepoints, so each payload
    starts with the same sessions."""
    clients = {key: login_as(app, app.test_client(), persona) for key, persona in personas.items()}
    return {**clients, "anonymous": app.test_client()}


def _corpus(app) -> dict[str, str]:
    """The whole corpus on SQLite; on PostgreSQL what it stores differently (see the top)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return PAYLOADS
    return {key: PAYLOADS[key] for key in STORED_DIFFERENTLY}


@pytest.mark.parametrize("field_key", list(FIELDS))
def test_payloads_never_come_back_as_markup(app, test_db, personas, subtests, field_key):
    """Every payload of the corpus through this field, each in a savepoint of its own."""
    spec = FIELDS[field_key]
    clients = _logged_in_clients(app, personas)
    for payload_key, payload in _corpus(app).items():
        with subtests.test(payload=payload_key), test_db.rolled_back():
            _assert_payload_never_comes_back(World(app, personas, clients=clients), spec, payload)


def _assert_payload_never_comes_back(world: World, spec: Field, payload: str):
    value = world.value = spec.value(payload)

    response = spec.submit(world, value)

    assert response.status_code in (200, 400, 413, 422), f"submit: {response.status_code}"
    # 400 only for a NUL, refused whole before any query (PostgreSQL cannot hold one).
    assert response.status_code != 400 or "\x00" in value
    html = {"submit": response.get_data(as_text=True)}
    assert_clean(html["submit"], value, "the answer to the submit")
    # Markup (the audit log's JSON) is matched as it is; plain text must show escaped.
    stored = [s for s in spec.stored(world) if s] if response.status_code != 400 else []
    for page in spec.pages(world):
        label, html[label] = _fetch(world, page)
        assert_clean(html[label], value, label)
    # The value landed (or was refused whole): what was stored shows, escaped, somewhere.
    everything = "\n".join(html.values())
    for text in stored:
        assert str(escape(text)) in everything, f"stored {text[:80]!r} is shown nowhere"
