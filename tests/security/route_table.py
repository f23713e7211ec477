# ruff: noqa: E501 - the table stays one line per route, wider than the usual 100 columns
"""The route matrix: every route of `app.url_map` × persona → the answer it must give.

Columns: anonymous, member (member_a), org_admin (org_admin_a), secretariat, platform_admin, and
for routes with an object id `other` — member_b (Gemeente Amsterdam) on Rotterdam's object, which
must be 404 so another organisation's objects do not even show that they exist.

Every object in a URL belongs to Gemeente Rotterdam ("A"), the organisation of member_a and
org_admin_a; the secretariat and the platform admin are members of other organisations.

Answers: an HTTP status; LOGIN, a refusal that sends you to log in (302 to /inloggen); or OUT,
a success that ends on the login page (logout, a new password). A 302 is a redirect anywhere but
the login page. POST rows are sent with a valid CSRF token and the form data in `data`, so they
test authorisation, not CSRF; their answer is the real outcome (302 after a success, 422 when
the service refuses, …). Every new route needs a row here.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pyotp
from sqlalchemy import select

from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import Invitation, PasswordReset, User, UserSession
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.accounts.tokens import new_token
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.personas import PASSWORD

LOGIN = "login"  # refused: 302 to /inloggen, and nothing changed
OUT = "out"  # done, then 302 to /inloggen
COLUMNS = ("anonymous", "member", "org_admin", "secretariat", "platform_admin")
#: matrix column -> persona key (tests/personas.py); `other` is the other organisation's member.
PERSONA_OF = {
    "member": "member_a",
    "org_admin": "org_admin_a",
    "secretariat": "secretariat",
    "platform_admin": "platform_admin",
    "other": "member_b",
}
NEW_PASSWORD = "oranje-kikker-trampoline-87"  # noqa: S105 - strong enough for zxcvbn


@dataclass(frozen=True)
class Row:
    url: str  # a template filled from the context: "/organisaties/{c.org_a}"
    expect: dict  # column -> answer
    other: int | None = None  # member_b on A's object (routes with an object id only)
    data: Callable | None = None  # ctx -> form data of a POST
    before: str | None = None  # a URL template to GET first in the same session

    def path(self, ctx) -> str:
        return self.url.format(c=ctx)


def R(url, anonymous, member, org_admin, secretariat, platform_admin, other=None, **kw) -> Row:
    """One row, in column order, so the table reads like the matrix it is."""
    answers = (anonymous, member, org_admin, secretariat, platform_admin)
    return Row(url=url, expect=dict(zip(COLUMNS, answers, strict=True)), other=other, **kw)


# Form data (ctx -> dict); ctx.viewer is the persona key of whoever posts.
def _login(c):
    return {"email": "member.a@example.nl", "password": PASSWORD}


def _email(c):
    return {"password": PASSWORD, "email": f"nieuw.{c.viewer}@example.nl"}


def _enrol(c):
    return {"password": PASSWORD, "code": c.enrol_code()}


def _reauth(c):
    return {"password": PASSWORD, "code": c.totp()}


def _language(c):
    return {"locale": "en", "next": "/account"}


def _code(c):
    return {"code": "123456"}


def _nobody(c):
    return {"email": "niemand@example.nl"}


def _reset(c):
    return {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}


def _profile(c):
    return {"name": "Nieuwe Naam", "locale": "nl"}


def _password(c):
    return {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }


def _roles(c):
    return {"secretariat": "y"}


def _join(c):
    return {"organisation_id": c.org_police, "role": "member"}


def _invite(c):
    return {"email": "nieuw.lid@example.nl", "role": "member"}


def _role(c):
    return {"role": "org_admin"}


def _invite_any(c):
    return {"email": "uitgenodigd@example.nl", "organisation": c.org_a, "role": "member"}


def _new_org(c):
    return {"name": "Gemeente Delft", "type": "municipality", "cbs_code": "GM0503"}


def _edit_org(c):
    return {"name": "Gemeente Rotterdam (nieuw)", "type": "municipality", "cbs_code": "GM0599"}


def _new_space(c):
    return {"kind": "restricted", "name": "Werkgroep Nazorg", "classification": "intern"}


def _edit_space(c):
    return {
        "name": "Gemeente Rotterdam (werkruimte)",
        "description": "",
        "classification": "intern",
    }


def _grant(c):
    return {"principal": f"org:{c.org_police}", "email": "", "role": "10"}


def _pdf(c):
    return {"files": (io.BytesIO(PDF), "verslag.pdf")}


def _upload(c):
    return {"folder": "0", "classification": "intern", **_pdf(c)}


def _folder(c):
    return {"name": "Nieuwe map", "parent": "0"}


def _metadata(c):
    return {"title": "Verslag (nieuw)", "classification": "intern", "status": "concept"}


def _move(c):
    return {"folder": c.folder}


def _copy(c):
    return {"space": c.space_target}


# URL templates, filled from the context (see Context): "{c.org_a}" is Gemeente Rotterdam's id.
USER = "/beheer/gebruikers/{c.target_user}"
ORG = "/organisaties/{c.org_a}"
ADMIN_ORG = "/beheer/organisaties/{c.org_a}"
MEMBER = "/organisaties/{c.org_a}/leden/{c.target_membership}"
ENROL = "/account/tweestapsverificatie/instellen"
SPACE = "/werkruimtes/{c.space}"
DOC = "/documenten/{c.document}"
TRASHED = "/documenten/{c.trashed}"

# fmt: off
ROUTES: dict[tuple[str, str], Row] = {
    # (endpoint, method)                          url                                            anon   member org_ad secr   p.adm
    ("web.index", "GET"):                       R("/",                                           200,   200,   200,   200,   200),
    ("web.health", "GET"):                      R("/health",                                     200,   200,   200,   200,   200),
    ("web.set_language", "POST"):               R("/taal",                                       302,   302,   302,   302,   302, data=_language),
    # Logged in, the login page sends you home.
    ("accounts.login", "GET"):                  R("/inloggen",                                   200,   302,   302,   302,   302),
    ("accounts.login", "POST"):                 R("/inloggen",                                   302,   302,   302,   302,   302, data=_login),
    # Without a pending first step the second one sends everyone back to the login page.
    ("accounts.login_mfa", "GET"):              R("/inloggen/verificatie",                       LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("accounts.login_mfa", "POST"):             R("/inloggen/verificatie",                       LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, data=_code),
    ("accounts.logout", "POST"):                R("/uitloggen",                                  LOGIN, OUT,   OUT,   OUT,   OUT),
    ("accounts.forgot_password", "GET"):        R("/wachtwoord-vergeten",                        200,   200,   200,   200,   200),
    # Same answer whether the address exists or not.
    ("accounts.forgot_password", "POST"):       R("/wachtwoord-vergeten",                        200,   200,   200,   200,   200, data=_nobody),
    # Token routes: the e-mailed token is the authority (a reset for a user of A without MFA).
    ("accounts.reset_password", "GET"):         R("/wachtwoord-herstellen/{c.reset_token}",      200,   200,   200,   200,   200),
    ("accounts.reset_password", "POST"):        R("/wachtwoord-herstellen/{c.reset_token}",      OUT,   OUT,   OUT,   OUT,   OUT, data=_reset),
    # An invitation to A for the secretariat's existing account: only that account may take it.
    ("accounts.accept_invitation", "GET"):      R("/uitnodiging/{c.invitation_token}",           LOGIN, 403,   403,   200,   403),
    ("accounts.accept_invitation", "POST"):     R("/uitnodiging/{c.invitation_token}",           LOGIN, 403,   403,   302,   403),
    ("accounts.profile", "GET"):                R("/account",                                    LOGIN, 200,   200,   200,   200),
    ("accounts.profile", "POST"):               R("/account",                                    LOGIN, 302,   302,   302,   302, data=_profile),
    ("accounts.change_password", "GET"):        R("/account/wachtwoord",                         LOGIN, 200,   200,   200,   200),
    ("accounts.change_password", "POST"):       R("/account/wachtwoord",                         LOGIN, 302,   302,   302,   302, data=_password),
    ("accounts.change_email", "GET"):           R("/account/e-mailadres",                        LOGIN, 200,   200,   200,   200),
    ("accounts.change_email", "POST"):          R("/account/e-mailadres",                        LOGIN, 302,   302,   302,   302, data=_email),
    # The platform admin has MFA already: enrolling again sends them to their account page.
    ("accounts.mfa_enrol", "GET"):              R(ENROL,                                         LOGIN, 200,   200,   200,   302),
    # Success shows the recovery codes (200); the GET first starts the enrolment.
    ("accounts.mfa_enrol", "POST"):             R(ENROL,                                         LOGIN, 200,   200,   200,   302, data=_enrol, before=ENROL),
    # Only accounts with MFA can turn it off, and a platform admin must keep it (422).
    ("accounts.mfa_disable", "GET"):            R("/account/tweestapsverificatie/uitschakelen",  LOGIN, 302,   302,   302,   200),
    ("accounts.mfa_disable", "POST"):           R("/account/tweestapsverificatie/uitschakelen",  LOGIN, 302,   302,   302,   422, data=_reauth),
    ("accounts.recovery_codes", "GET"):         R("/account/tweestapsverificatie/herstelcodes",  LOGIN, 302,   302,   302,   200),
    # Success shows the new codes (200).
    ("accounts.recovery_codes", "POST"):        R("/account/tweestapsverificatie/herstelcodes",  LOGIN, 302,   302,   302,   200, data=_reauth),
    ("accounts.sessions_list", "GET"):          R("/account/sessies",                            LOGIN, 200,   200,   200,   200),
    # Another login of member_a: only member_a may end it, nobody else learns it exists.
    ("accounts.end_session", "POST"):           R("/account/sessies/{c.member_session}/beeindigen", LOGIN, 302, 404,   404,   404, other=404),
    ("accounts.end_other_sessions", "POST"):    R("/account/sessies/andere-beeindigen",          LOGIN, 302,   302,   302,   302),

    # User administration: platform admins only. An org admin sees their members (403), others 404.
    ("users.index", "GET"):                     R("/beheer/gebruikers",                          LOGIN, 403,   403,   403,   200),
    ("users.invite", "GET"):                    R("/beheer/gebruikers/uitnodigen",               LOGIN, 403,   403,   403,   200),
    ("users.invite", "POST"):                   R("/beheer/gebruikers/uitnodigen",               LOGIN, 403,   403,   403,   302, data=_invite_any),
    ("users.show", "GET"):                      R(USER,                                          LOGIN, 404,   403,   404,   200, other=404),
    ("users.update_roles", "POST"):             R(USER + "/rollen",                              LOGIN, 404,   403,   404,   302, other=404, data=_roles),
    ("users.deactivate", "POST"):               R(USER + "/deactiveren",                         LOGIN, 404,   403,   404,   302, other=404),
    ("users.reactivate", "POST"):               R(USER + "/activeren",                           LOGIN, 404,   403,   404,   302, other=404),
    ("users.end_sessions", "POST"):             R(USER + "/sessies-beeindigen",                  LOGIN, 404,   403,   404,   302, other=404),
    ("users.add_membership", "POST"):           R(USER + "/lidmaatschappen",                     LOGIN, 404,   403,   404,   302, other=404, data=_join),

    # Organisations: members see their own (403 for what they may not do there); others get 404.
    ("organisations.index", "GET"):             R("/beheer/organisaties",                        LOGIN, 403,   403,   403,   200),
    ("organisations.create", "GET"):            R("/beheer/organisaties/nieuw",                  LOGIN, 403,   403,   403,   200),
    ("organisations.create", "POST"):           R("/beheer/organisaties/nieuw",                  LOGIN, 403,   403,   403,   302, data=_new_org),
    ("organisations.show", "GET"):              R(ORG,                                           LOGIN, 200,   200,   404,   200, other=404),
    ("organisations.edit", "GET"):              R(ADMIN_ORG + "/bewerken",                       LOGIN, 403,   403,   404,   200, other=404),
    ("organisations.edit", "POST"):             R(ADMIN_ORG + "/bewerken",                       LOGIN, 403,   403,   404,   302, other=404, data=_edit_org),
    ("organisations.deactivate", "POST"):       R(ADMIN_ORG + "/deactiveren",                    LOGIN, 403,   403,   404,   302, other=404),
    ("organisations.reactivate", "POST"):       R(ADMIN_ORG + "/activeren",                      LOGIN, 403,   403,   404,   302, other=404),
    ("organisations.invite", "GET"):            R(ORG + "/uitnodigen",                           LOGIN, 403,   200,   404,   200, other=404),
    ("organisations.invite", "POST"):           R(ORG + "/uitnodigen",                           LOGIN, 403,   302,   404,   302, other=404, data=_invite),
    ("organisations.change_role", "POST"):      R(MEMBER + "/rol",                               LOGIN, 403,   302,   404,   302, other=404, data=_role),
    ("organisations.remove_member", "POST"):    R(MEMBER + "/verwijderen",                       LOGIN, 403,   302,   404,   302, other=404),
    # Invitations are seen by those who manage the members only: a plain member gets 404.
    ("organisations.revoke_invitation", "POST"): R(ORG + "/uitnodigingen/{c.invitation}/intrekken", LOGIN, 404, 302, 404,   302, other=404),

    ("audit.index", "GET"):                     R("/beheer/audit",                               LOGIN, 403,   403,   403,   200),

    # Spaces: A's own space (A contributes, A's admins manage). A platform admin sees every space
    # and manages its metadata and grants, but reads no content without a grant (403); the
    # secretariat has no grant there, so the space does not exist for them (404).
    ("spaces.index", "GET"):                    R("/werkruimtes",                                LOGIN, 200,   200,   200,   200),
    ("spaces.show", "GET"):                     R(SPACE,                                         LOGIN, 200,   200,   404,   403, other=404),
    ("spaces.activity", "GET"):                 R(SPACE + "/activiteit",                         LOGIN, 200,   200,   404,   403, other=404),
    ("spaces.members", "GET"):                  R(SPACE + "/leden",                              LOGIN, 200,   200,   404,   200, other=404),
    ("spaces.add_grant", "POST"):               R(SPACE + "/leden",                              LOGIN, 403,   302,   404,   302, other=404, data=_grant),
    ("spaces.remove_grant", "POST"):            R(SPACE + "/leden/{c.grant}/verwijderen",        LOGIN, 403,   302,   404,   302, other=404),
    ("spaces.edit", "GET"):                     R(SPACE + "/instellingen",                       LOGIN, 403,   200,   404,   200, other=404),
    ("spaces.edit", "POST"):                    R(SPACE + "/instellingen",                       LOGIN, 403,   302,   404,   302, other=404, data=_edit_space),
    ("spaces.admin_index", "GET"):              R("/beheer/werkruimtes",                         LOGIN, 403,   403,   403,   200),
    ("spaces.create", "GET"):                   R("/beheer/werkruimtes/nieuw",                   LOGIN, 403,   403,   403,   200),
    ("spaces.create", "POST"):                  R("/beheer/werkruimtes/nieuw",                   LOGIN, 403,   403,   403,   302, data=_new_space),

    # Documents in A's space, uploaded by another member of A: member_a (contributor) reads and
    # adds, but edits only their own; org_admin_a (manager) does everything. A platform admin
    # gets 403 on the space's pages and 404 on a document: without a grant it is content they
    # may not even know of. Search runs for everyone and finds only what they may read.
    ("documents.index", "GET"):                 R(SPACE + "/documenten",                         LOGIN, 200,   200,   404,   403, other=404),
    ("documents.upload", "GET"):                R(SPACE + "/documenten/uploaden",                LOGIN, 200,   200,   404,   403, other=404),
    ("documents.upload", "POST"):               R(SPACE + "/documenten/uploaden",                LOGIN, 302,   302,   404,   403, other=404, data=_upload),
    ("documents.create_folder", "POST"):        R(SPACE + "/mappen",                             LOGIN, 302,   302,   404,   403, other=404, data=_folder),
    ("documents.trash_folder", "POST"):         R(SPACE + "/mappen/{c.folder}/verwijderen",      LOGIN, 403,   302,   404,   403, other=404),
    ("documents.trash", "GET"):                 R(SPACE + "/prullenbak",                         LOGIN, 200,   200,   404,   403, other=404),
    ("documents.search", "GET"):                R("/zoeken?q=verslag",                           LOGIN, 200,   200,   200,   200),
    ("documents.show", "GET"):                  R(DOC,                                           LOGIN, 200,   200,   404,   404, other=404),
    ("documents.edit", "GET"):                  R(DOC + "/bewerken",                             LOGIN, 403,   200,   404,   404, other=404),
    ("documents.edit", "POST"):                 R(DOC + "/bewerken",                             LOGIN, 403,   302,   404,   404, other=404, data=_metadata),
    ("documents.add_version", "POST"):          R(DOC + "/versies",                              LOGIN, 403,   302,   404,   404, other=404, data=_pdf),
    ("documents.download", "GET"):              R(DOC + "/versies/1/download",                   LOGIN, 200,   200,   404,   404, other=404),
    ("documents.preview", "GET"):               R(DOC + "/versies/1/voorbeeld",                  LOGIN, 200,   200,   404,   404, other=404),
    ("documents.restore_version", "POST"):      R(DOC + "/versies/1/terugzetten",                LOGIN, 403,   302,   404,   404, other=404),
    ("documents.move", "GET"):                  R(DOC + "/verplaatsen",                          LOGIN, 403,   200,   404,   404, other=404),
    ("documents.move", "POST"):                 R(DOC + "/verplaatsen",                          LOGIN, 403,   302,   404,   404, other=404, data=_move),
    # Reading is enough to copy, to a space where one may upload (A's working group).
    ("documents.copy", "GET"):                  R(DOC + "/kopieren",                             LOGIN, 200,   200,   404,   404, other=404),
    ("documents.copy", "POST"):                 R(DOC + "/kopieren",                             LOGIN, 302,   302,   404,   404, other=404, data=_copy),
    ("documents.delete", "POST"):               R(DOC + "/verwijderen",                          LOGIN, 403,   302,   404,   404, other=404),
    # In the trash: a contributor restores only their own, only a manager purges.
    ("documents.restore", "POST"):              R(TRASHED + "/herstellen",                       LOGIN, 403,   302,   404,   404, other=404),
    ("documents.purge", "POST"):                R(TRASHED + "/definitief-verwijderen",           LOGIN, 403,   302,   404,   404, other=404),
}
# fmt: on


# --- the objects the URLs point at, fresh for every test --------------------------------------


@dataclass
class Context:
    """Ids and tokens of the objects a row's URL and data refer to."""

    app: object
    personas: object
    viewer: str | None = None  # persona key of the client, None when anonymous
    ids: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["ids"][name]
        except KeyError as error:
            raise AttributeError(name) from error

    def totp(self) -> str:
        """The viewer's current code, or a wrong one for a viewer without MFA."""
        persona = self.personas.get(self.viewer)
        return persona.totp() if persona and persona.totp_secret else "000000"

    def enrol_code(self) -> str:
        """A code for the secret the enrolment page has just stored (as the app would show)."""
        if self.viewer is None:
            return "000000"
        with self.app.app_context():
            secret = mfa.decrypt_secret(
                db.session.get(User, self.personas[self.viewer].id).totp_secret_encrypted or ""
            )
        return pyotp.TOTP(secret).now() if secret else "000000"


def build_context(app, personas, viewer: str | None = None) -> Context:
    """Plant A's objects: a member, their membership, an invitation, a reset, a spare session,
    and A's space with its documents (see _plant_space_objects)."""
    org_a = personas.orgs["gemeente_a"]
    with app.app_context():
        target = User(
            email="doel.gebruiker@example.nl",
            name="Doel Gebruiker",
            password_hash=hash_password(PASSWORD),
        )
        membership = Membership(user=target, organisation_id=org_a, role=OrgRole.MEMBER)
        invitation_token, invitation_hash = new_token()
        invitation = Invitation(
            email=personas.secretariat.email,
            organisation_id=org_a,
            role=OrgRole.MEMBER,
            invited_by_id=personas.org_admin_a.id,
            token_hash=invitation_hash,
            expires_at=utcnow() + timedelta(days=1),
        )
        reset_token, reset_hash = new_token()
        reset = PasswordReset(
            user=target, token_hash=reset_hash, expires_at=utcnow() + timedelta(hours=1)
        )
        _, session_hash = new_token()
        spare = UserSession(
            token_hash=session_hash, user_id=personas.member_a.id, mfa_verified=False
        )
        db.session.add_all([target, membership, invitation, reset, spare])
        db.session.flush()
        ids = {
            **_plant_space_objects(personas, target),
            "org_a": org_a,
            "org_police": personas.orgs["politie"],
            "target_user": target.id,
            "target_membership": membership.id,
            "invitation": invitation.id,
            "invitation_token": invitation_token,
            "reset_token": reset_token,
            "member_session": spare.id,
        }
        db.session.commit()
    return Context(app=app, personas=personas, viewer=viewer, ids=ids)


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _plant_space_objects(personas, author: User) -> dict:
    """A's own space with a folder, a document and a trashed one (by `author`, a member of A
    who is no persona), a user grant to take away, and a working group A may upload to."""
    org = db.session.get(Organisation, personas.orgs["gemeente_a"])
    space = spaces.create_organisation_space(org, actor=None)
    grant = spaces.add_grant(space, PrincipalType.USER, SpaceRole.VIEWER, user=author, actor=None)
    target = spaces.create_space(SpaceKind.RESTRICTED, "Werkgroep A", actor=None)
    spaces.add_grant(
        target, PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR, organisation=org, actor=None
    )
    folder = documents.create_folder(space, "Verslagen", None, actor=author)
    document = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), "verslag.pdf"), actor=author
    )
    trashed = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), "oud.pdf"), actor=author
    )
    documents.trash_document(trashed, actor=author)
    return {
        "space": space.id,
        "space_target": target.id,
        "grant": grant.id,
        "folder": folder.id,
        "document": document.id,
        "trashed": trashed.id,
    }


def matrix_cases():
    """(endpoint, method, column) for every cell of the matrix, `other` where it applies."""
    for (endpoint, method), row in ROUTES.items():
        for column in COLUMNS:
            yield endpoint, method, column
        if row.other is not None:
            yield endpoint, method, "other"


def routes_in(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, except static files, HEAD and OPTIONS."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def run_cell(
    app,
    personas,
    endpoint: str,
    method: str,
    column: str,
    *,
    with_token: bool = True,
    skip: tuple[str, ...] = ("audit_events",),
):
    """One cell of the matrix on fresh objects: (response, expected answer, database before).

    POSTs carry the session's CSRF token (from a GET of "/", as any page has it) unless
    `with_token` is False. The snapshot of every table but `skip` is taken right before the
    request, so a test can prove that it changed nothing.
    """
    from tests.helpers import form_token, login_as

    row = ROUTES[(endpoint, method)]
    viewer = PERSONA_OF.get(column)
    ctx = build_context(app, personas, viewer)
    client = app.test_client()
    if viewer is not None:
        login_as(app, client, personas[viewer])
    expected = row.other if column == "other" else row.expect[column]
    url = row.path(ctx)
    if method == "GET":
        before = db_snapshot(app, skip)
        return client.get(url), expected, before
    if row.before is not None:
        client.get(row.before.format(c=ctx))
    token = {"csrf_token": form_token(client, "/")} if with_token else {}
    data = row.data(ctx) if row.data else {}
    before = db_snapshot(app, skip)
    return client.post(url, data={**token, **data}), expected, before


def db_snapshot(app, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but `skip`), to prove a request changed nothing."""
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
            if table.name not in skip
        }
