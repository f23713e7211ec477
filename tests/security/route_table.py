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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pyotp
from sqlalchemy import select

from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import (
    EmailChange,
    Invitation,
    PasswordReset,
    User,
    UserSession,
)
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.accounts.tokens import new_token
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceGrant, SpaceKind
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
    return {"password": PASSWORD, "email": f"nieuw.{c.viewer}@example.nl", "code": c.totp()}


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
    return {
        "name": "Gemeente Rotterdam (nieuw)",
        "type": "municipality",
        "cbs_code": "GM0599",
        "version": c.version("organisations", c.org_a),
    }


def _new_space(c):
    return {"kind": "restricted", "name": "Werkgroep Nazorg", "classification": "intern"}


def _edit_space(c):
    return {
        "name": "Gemeente Rotterdam (werkruimte)",
        "description": "",
        "classification": "intern",
        "version": c.version("spaces", c.space),
    }


def _grant(c):
    return {"principal": f"org:{c.org_police}", "email": "", "role": "10"}


def _pdf(c):
    return {"files": (io.BytesIO(PDF), "verslag.pdf")}


def _upload(c):
    # A name the folder does not hold yet: "verslag.pdf" would be asked about (409) first.
    files = (io.BytesIO(PDF), "nieuw-verslag.pdf")
    return {"folder": "0", "classification": "intern", "files": files}


def _folder(c):
    return {"name": "Nieuwe map", "parent": "0"}


def _metadata(c):
    return {
        "title": "Verslag (nieuw)",
        "classification": "intern",
        "status": "concept",
        "version": c.version("documents", c.document),
    }


def _move(c):
    return {"folder": c.folder}


def _copy(c):
    return {"space": c.space_target}


# drafts and comments (issue #4)
def _text(c):
    return {
        "title": "Handreiking",
        "text": "Eerste alinea.",
        "folder": "0",
        "classification": "intern",
    }


def _new_text(c):
    return {"text": "Een nieuwe versie van de tekst.", "version": c.version("documents", c.draft)}


def _status(c):
    return {"status": "vastgesteld"}


def _comment(c):
    return {"body": "Graag toelichten.", "paragraph": "0", "location": ""}


def _reply(c):
    return {f"antwoord-{c.comment}-body": "Eens."}


def _comment_body(c):
    return {"body": "Aangepaste tekst."}


def _response(c):
    return {"response": "Verwerkt.", "decision": "overgenomen"}


def _round(c):
    return {
        "deadline": (utcnow() + timedelta(days=7)).date().isoformat(),
        "organisations": [c.org_a],
    }


def _extend(c):
    return {"deadline": (utcnow() + timedelta(days=30)).date().isoformat()}


def _sso(c):  # single sign-on (issue #7): a provider for Gemeente Rotterdam
    return {
        "enabled": "y",
        "issuer": "https://login.rotterdam.example",
        "client_id": "neig-werkruimte",
        "client_secret": "rotterdam-clientgeheim-0123456789",
        "domains": "rotterdam.example",
        "allow_password": "y",
    }


def _notification_email(c):  # notifications (issue #4)
    return {"notification_email": "daily"}


# action plans (issue #6)
def _new_plan(c):
    return {
        "name": "Actieplan Rotterdam",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "baseline_year": "2024",
        "baseline_count": "1100",
        "target_reduction_percent": "10",
        "attack_source": "secretariat",
    }


def _edit_plan(c):
    return {**_new_plan(c), "version": c.version("action_plans", c.plan)}


def _line(c):
    return {"name": "Handhaving"}


def _item(c):
    return {
        "code": "P-09",
        "title": "Nieuwe maatregel",
        "line": str(c.plan_line),
        "lead_organisation": str(c.org_a),
        "status": "op_schema",
    }


def _item_edit(c):
    return {**_item(c), "code": "P-01", "version": c.version("action_items", c.item)}


def _progress(c):
    return {"note": "Eerste bijeenkomst gehouden.", "status": "op_schema"}


def _milestone(c):
    return {"title": "Tweede stap"}


def _link(c):
    return {"document": str(c.free_document)}


def _figures(c):
    return {"year": "2025", "month_1": "91", "month_2": "84"}


def _import(c):
    csv = "code;titel;actielijn;trekker\r\nP-20;Voorlichting;Preventie;Gemeente Rotterdam\r\n"
    return {"file": (io.BytesIO(csv.encode()), "actiepunten.csv"), "stap": "controleren"}


def _hold(c):
    return {"reason": "Lopende juridische procedure"}


def _erase(c):
    return {"confirm": "doel.gebruiker@example.nl"}


# URL templates, filled from the context (see Context): "{c.org_a}" is Gemeente Rotterdam's id.
USER = "/beheer/gebruikers/{c.target_user}"
ORG = "/organisaties/{c.org_a}"
ADMIN_ORG = "/beheer/organisaties/{c.org_a}"
MEMBER = "/organisaties/{c.org_a}/leden/{c.target_membership}"
ENROL = "/account/tweestapsverificatie/instellen"
SPACE = "/werkruimtes/{c.space}"
DOC = "/documenten/{c.document}"
TRASHED = "/documenten/{c.trashed}"
DRAFT = "/documenten/{c.draft}"
COMMENT = "/reacties/{c.comment}"
ROUND = "/commentaarrondes/{c.round}"
PLAN = "/actieplannen/{c.plan}"  # action plans (issue #6)
ITEM = "/actiepunten/{c.item}"  # action plans (issue #6)

# fmt: off
ROUTES: dict[tuple[str, str], Row] = {
    # (endpoint, method)                          url                                            anon   member org_ad secr   p.adm
    ("web.index", "GET"):                       R("/",                                           200,   200,   200,   200,   200),
    ("web.health", "GET"):                      R("/health",                                     200,   200,   200,   200,   200),
    # In-app help (issue 21): the same text for every member; an unknown part is 404.
    ("help.index", "GET"):                      R("/hulp",                                       LOGIN, 200,   200,   200,   200),
    ("help.page", "GET"):                       R("/hulp/casussen",                              LOGIN, 200,   200,   200,   200),
    # Readiness for load balancers (issue 16): the same for everyone, names no data.
    ("web.ready", "GET"):                       R("/ready",                                      200,   200,   200,   200,   200),
    # Prometheus's scrape (issue 19): only with `Authorization: Bearer <METRICS_TOKEN>`, which
    # no persona has; to everyone else the 404 of a page that does not exist.
    ("web.metrics", "GET"):                     R("/metrics",                                    404,   404,   404,   404,   404),
    ("web.set_language", "POST"):               R("/taal",                                       302,   302,   302,   302,   302, data=_language),
    # Logged in, the login page sends you home.
    ("accounts.login", "GET"):                  R("/inloggen",                                   200,   302,   302,   302,   302),
    ("accounts.login", "POST"):                 R("/inloggen",                                   302,   302,   302,   302,   302, data=_login),
    # Without a pending first step the second one sends everyone back to the login page.
    # single sign-on (issue #7): the provider's way back; without a sign-in this browser started
    # it is refused (400), and a logged-in user is sent on to the overview.
    ("sso.callback", "GET"):                    R("/inloggen/sso/callback",                      400,   302,   302,   302,   302),
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
    # The link mailed to the new address (a change member_a asked for): only that account,
    # logged in, may open it; for anyone else it does not exist.
    ("accounts.confirm_email_change", "GET"):   R("/account/e-mailadres/bevestigen/{c.email_change_token}", LOGIN, 200, 404, 404, 404),
    ("accounts.confirm_email_change", "POST"):  R("/account/e-mailadres/bevestigen/{c.email_change_token}", LOGIN, 302, 404, 404, 404),
    ("accounts.cancel_email_change", "POST"):   R("/account/e-mailadres/intrekken",              LOGIN, 302,   302,   302,   302),
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
    # Data-subject requests (issue 22): the export (a zip, no content) and the erasure.
    ("users.subject_export", "POST"):           R(USER + "/inzage",                              LOGIN, 404,   403,   404,   200,   other=404),
    ("users.erase", "GET"):                     R(USER + "/wissen",                              LOGIN, 404,   403,   404,   200,   other=404),
    ("users.erase", "POST"):                    R(USER + "/wissen",                              LOGIN, 404,   403,   404,   302,   other=404, data=_erase),

    # Organisations: members see their own (403 for what they may not do there); others get 404.
    ("organisations.index", "GET"):             R("/beheer/organisaties",                        LOGIN, 403,   403,   403,   200),
    ("organisations.create", "GET"):            R("/beheer/organisaties/nieuw",                  LOGIN, 403,   403,   403,   200),
    ("organisations.create", "POST"):           R("/beheer/organisaties/nieuw",                  LOGIN, 403,   403,   403,   302, data=_new_org),
    ("organisations.show", "GET"):              R(ORG,                                           LOGIN, 200,   200,   404,   200, other=404),
    ("organisations.edit", "GET"):              R(ADMIN_ORG + "/bewerken",                       LOGIN, 403,   403,   404,   200, other=404),
    ("organisations.edit", "POST"):             R(ADMIN_ORG + "/bewerken",                       LOGIN, 403,   403,   404,   302, other=404, data=_edit_org),
    ("organisations.deactivate", "POST"):       R(ADMIN_ORG + "/deactiveren",                    LOGIN, 403,   403,   404,   302, other=404),
    ("organisations.reactivate", "POST"):       R(ADMIN_ORG + "/activeren",                      LOGIN, 403,   403,   404,   302, other=404),
    # single sign-on (issue #7): an organisation's identity provider, platform admins only.
    ("sso.settings", "GET"):                    R(ADMIN_ORG + "/sso",                            LOGIN, 403,   403,   404,   200, other=404),
    ("sso.settings", "POST"):                   R(ADMIN_ORG + "/sso",                            LOGIN, 403,   403,   404,   302, other=404, data=_sso),
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
    # The retention hold (issue 22): whoever manages the grants (the space's managers, a
    # platform admin); releasing a space that is not held is refused with a message (302).
    ("spaces.hold_retention", "POST"):          R(SPACE + "/bewaartermijn/blokkeren",            LOGIN, 403,   302,   404,   302, other=404, data=_hold),
    ("spaces.release_retention", "POST"):       R(SPACE + "/bewaartermijn/vrijgeven",            LOGIN, 403,   302,   404,   302, other=404),
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

    # drafts and comments (issue #4): a text draft in A's space by another member of A, in a
    # comment round, with that member's comment. Reading is enough to comment and reply; only
    # the author edits or deletes a comment; editors (org_admin_a manages the space) answer,
    # resolve, change the status and run rounds. Without a grant it is all 404.
    ("documents.new_text", "GET"):              R(SPACE + "/concepten/nieuw",                    LOGIN, 200,   200,   404,   403, other=404),
    ("documents.new_text", "POST"):             R(SPACE + "/concepten/nieuw",                    LOGIN, 302,   302,   404,   403, other=404, data=_text),
    ("documents.edit_text", "GET"):             R(DRAFT + "/tekst",                              LOGIN, 403,   200,   404,   404, other=404),
    ("documents.edit_text", "POST"):            R(DRAFT + "/tekst",                              LOGIN, 403,   302,   404,   404, other=404, data=_new_text),
    ("documents.compare", "GET"):               R(DRAFT + "/vergelijken?van=1&naar=2",           LOGIN, 200,   200,   404,   404, other=404),
    ("documents.change_status", "POST"):        R(DOC + "/status",                               LOGIN, 403,   302,   404,   404, other=404, data=_status),
    ("comments.create", "POST"):                R(DRAFT + "/reacties",                           LOGIN, 302,   302,   404,   404, other=404, data=_comment),
    ("comments.mentions", "GET"):               R(DRAFT + "/vermeldingen?q=me",                  LOGIN, 200,   200,   404,   404, other=404),
    ("comments.reply", "POST"):                 R(COMMENT + "/antwoorden",                       LOGIN, 302,   302,   404,   404, other=404, data=_reply),
    ("comments.edit", "GET"):                   R(COMMENT + "/bewerken",                         LOGIN, 403,   403,   404,   404, other=404),
    ("comments.edit", "POST"):                  R(COMMENT + "/bewerken",                         LOGIN, 403,   403,   404,   404, other=404, data=_comment_body),
    ("comments.delete", "POST"):                R(COMMENT + "/verwijderen",                      LOGIN, 403,   403,   404,   404, other=404),
    ("comments.resolve", "POST"):               R(COMMENT + "/afhandelen",                       LOGIN, 403,   302,   404,   404, other=404),
    ("comments.reopen", "POST"):                R(COMMENT + "/heropenen",                        LOGIN, 403,   302,   404,   404, other=404),
    ("comments.respond", "GET"):                R(COMMENT + "/beantwoorden",                     LOGIN, 403,   200,   404,   404, other=404),
    ("comments.respond", "POST"):               R(COMMENT + "/beantwoorden",                     LOGIN, 403,   302,   404,   404, other=404, data=_response),
    ("comments.start_round", "GET"):            R(DOC + "/commentaarronde",                      LOGIN, 403,   200,   404,   404, other=404),
    ("comments.start_round", "POST"):           R(DOC + "/commentaarronde",                      LOGIN, 403,   302,   404,   404, other=404, data=_round),
    ("comments.round_page", "GET"):             R(ROUND,                                         LOGIN, 200,   200,   404,   404, other=404),
    ("comments.extend_round", "POST"):          R(ROUND + "/verlengen",                          LOGIN, 403,   302,   404,   404, other=404, data=_extend),
    ("comments.close_round", "POST"):           R(ROUND + "/sluiten",                            LOGIN, 403,   302,   404,   404, other=404),
    ("comments.export_table", "GET"):           R(ROUND + "/commentaartabel?formaat=xlsx",       LOGIN, 403,   200,   404,   404, other=404),
    # On an action item (in A's plan space, which the secretariat's organisation also reads).
    ("comments.create_on_item", "POST"):        R(ITEM + "/reacties",                            LOGIN, 302,   302,   302,   404, other=404, data=_comment),
    ("comments.mentions_on_item", "GET"):       R(ITEM + "/vermeldingen?q=me",                   LOGIN, 200,   200,   200,   404, other=404),

    # notifications (issue #4): everyone has a centre; a notification of member_a (about A's
    # document) is member_a's alone: nobody else learns it exists.
    ("notifications.index", "GET"):             R("/meldingen",                                  LOGIN, 200,   200,   200,   200),
    ("notifications.open", "POST"):             R("/meldingen/{c.notification}/openen",          LOGIN, 302,   404,   404,   404, other=404),
    ("notifications.mark_all_read", "POST"):    R("/meldingen/alles-gelezen",                    LOGIN, 302,   302,   302,   302),
    ("notifications.settings", "GET"):          R("/meldingen/instellingen",                     LOGIN, 200,   200,   200,   200),
    ("notifications.settings", "POST"):         R("/meldingen/instellingen",                     LOGIN, 302,   302,   302,   302, data=_notification_email),

    # action plans (issue #6): a plan in a space A reads, A's admins edit and the secretariat's
    # organisation reads. The secretariat and space editors (org_admin_a) run the plan; A's
    # members read it and report progress on the item A leads. A platform admin without a grant
    # sees the space (403 to start a plan there) but not its content (404).
    ("actions.index", "GET"):                   R("/actieplannen",                               LOGIN, 200,   200,   200,   200),
    ("actions.create_plan", "GET"):             R("/werkruimtes/{c.plan_space}/actieplannen/nieuw", LOGIN, 403, 200,  200,   403, other=404),
    ("actions.create_plan", "POST"):            R("/werkruimtes/{c.plan_space}/actieplannen/nieuw", LOGIN, 403, 302,  302,   403, other=404, data=_new_plan),
    ("actions.plan", "GET"):                    R(PLAN,                                          LOGIN, 200,   200,   200,   404, other=404),
    ("actions.edit_plan", "GET"):               R(PLAN + "/instellingen",                        LOGIN, 403,   200,   200,   404, other=404),
    ("actions.edit_plan", "POST"):              R(PLAN + "/instellingen",                        LOGIN, 403,   302,   302,   404, other=404, data=_edit_plan),
    ("actions.add_line", "POST"):               R(PLAN + "/actielijnen",                         LOGIN, 403,   302,   302,   404, other=404, data=_line),
    ("actions.create_item", "GET"):             R(PLAN + "/actiepunten/nieuw",                   LOGIN, 403,   200,   200,   404, other=404),
    ("actions.create_item", "POST"):            R(PLAN + "/actiepunten/nieuw",                   LOGIN, 403,   302,   302,   404, other=404, data=_item),
    ("actions.dashboard", "GET"):               R(PLAN + "/dashboard",                           LOGIN, 200,   200,   200,   404, other=404),
    ("actions.report", "GET"):                  R(PLAN + "/rapportage",                          LOGIN, 200,   200,   200,   404, other=404),
    ("actions.export_csv", "GET"):              R(PLAN + "/export.csv",                          LOGIN, 200,   200,   200,   404, other=404),
    ("actions.export_xlsx", "GET"):             R(PLAN + "/export.xlsx?status=niet_gestart",     LOGIN, 200,   200,   200,   404, other=404),
    ("actions.figures", "GET"):                 R(PLAN + "/aanslagen",                           LOGIN, 403,   200,   200,   404, other=404),
    ("actions.figures", "POST"):                R(PLAN + "/aanslagen",                           LOGIN, 403,   302,   302,   404, other=404, data=_figures),
    ("actions.import_items", "GET"):            R(PLAN + "/importeren",                          LOGIN, 403,   200,   200,   404, other=404),
    # A dry run of a valid file answers 200 and saves nothing.
    ("actions.import_items", "POST"):           R(PLAN + "/importeren",                          LOGIN, 403,   200,   200,   404, other=404, data=_import),
    ("actions.item", "GET"):                    R(ITEM,                                          LOGIN, 200,   200,   200,   404, other=404),
    ("actions.edit_item", "GET"):               R(ITEM + "/bewerken",                            LOGIN, 403,   200,   200,   404, other=404),
    ("actions.edit_item", "POST"):              R(ITEM + "/bewerken",                            LOGIN, 403,   302,   302,   404, other=404, data=_item_edit),
    ("actions.report_progress", "POST"):        R(ITEM + "/voortgang",                           LOGIN, 302,   302,   302,   404, other=404, data=_progress),
    ("actions.archive_item", "POST"):           R(ITEM + "/archiveren",                          LOGIN, 403,   302,   302,   404, other=404),
    ("actions.unarchive_item", "POST"):         R(ITEM + "/terugzetten",                         LOGIN, 403,   302,   302,   404, other=404),
    ("actions.add_milestone", "POST"):          R(ITEM + "/mijlpalen",                           LOGIN, 403,   302,   302,   404, other=404, data=_milestone),
    ("actions.toggle_milestone", "POST"):       R(ITEM + "/mijlpalen/{c.milestone}/afvinken",    LOGIN, 302,   302,   302,   404, other=404),
    ("actions.remove_milestone", "POST"):       R(ITEM + "/mijlpalen/{c.milestone}/verwijderen", LOGIN, 403,   302,   302,   404, other=404),
    ("actions.link_document", "POST"):          R(ITEM + "/documenten",                          LOGIN, 302,   302,   302,   404, other=404, data=_link),
    ("actions.unlink_document", "POST"):        R(ITEM + "/documenten/{c.plan_document}/ontkoppelen", LOGIN, 302, 302, 302,   404, other=404),
}
# fmt: on

# casework (issue #5): the case routes, one table per part (see each module's docstring).
from tests.security import (  # noqa: E402 - they use R, LOGIN and the URL constants above
    routes_case_accountability,
    routes_case_core,
    routes_case_items,
    routes_case_stats,
)

for _part in (routes_case_core, routes_case_items, routes_case_accountability, routes_case_stats):
    ROUTES.update(_part.ROWS)

# the network (issue #8): applications, knowledge base, meetings, directory and dashboard
from tests.security import (  # noqa: E402 - they use R, LOGIN and the URL constants above
    routes_applications,
    routes_directory,
    routes_knowledge,
    routes_meetings,
)

NETWORK_PARTS = (routes_applications, routes_knowledge, routes_meetings, routes_directory)
for _part in NETWORK_PARTS:
    ROUTES.update(_part.ROWS)

# background jobs (issue 19): the dead-letter list for platform admins
from tests.security import routes_jobs  # noqa: E402 - it uses R and LOGIN above

ROUTES.update(routes_jobs.ROWS)

# access reviews, privacy pages and the processing register (issue 22)
from tests.security import routes_review  # noqa: E402 - it uses R and LOGIN above

ROUTES.update(routes_review.ROWS)

# separation of duties (issue 15): the routes that give access, tried by each persona for their
# own account; keyed (endpoint, method, what is tried), run by test_own_account_per_persona.
from tests.security import routes_self  # noqa: E402 - it uses R, Row and LOGIN above

SELF_ROUTES = routes_self.ROWS


# --- the objects the URLs point at, planted once per module --------------------------------------


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

    def version(self, table: str, object_id: int) -> str:
        """The version an edit form of the object carries (neig_workspace/editing.py)."""
        with self.app.app_context():
            rows = db.metadata.tables[table]
            found = db.session.scalar(select(rows.c.version).where(rows.c.id == object_id))
        return str(found)

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
    """Plant A's objects, once per module (each test rolls back to them): a member, their
    membership, an invitation, a reset, a spare session, A's space with its documents (see
    _plant_space_objects), A's drafts, action plan and cases, and the objects of the network's
    parts."""
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
        email_change_token, email_change_hash = new_token()
        email_change = EmailChange(
            user_id=personas.member_a.id,
            new_email="member.a.nieuw@example.nl",
            token_hash=email_change_hash,
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add_all([target, membership, invitation, reset, spare, email_change])
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
            "email_change_token": email_change_token,
            "member_session": spare.id,
        }
        ids["notification"] = _plant_notification(personas, target, ids["document"])  # issue #4
        ids.update(_plant_comment_objects(ids["space"], target))  # drafts and comments, issue #4
        ids.update(_plant_action_plan(personas, target))  # action plans, issue #6
        ids.update(plant_case(personas, target))  # casework, issue #5
        for part in NETWORK_PARTS:  # the network, issue #8
            ids.update(part.plant(personas, target))
        ids.update(routes_self.plant(personas, target))  # one's own account, issue 15
        ids.update(routes_jobs.plant(personas, target))  # the dead-letter list, issue 19
        ids.update(routes_review.plant(personas, target))  # access reviews, issue 22
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


def _plant_comment_objects(space_id: int, author: User) -> dict:
    """drafts and comments (issue #4): a text draft with two versions in A's space, in a
    comment round for A, and the author's comment on it."""
    from neig_workspace.comments import service as comments
    from neig_workspace.documents import drafts
    from neig_workspace.spaces.models import Space

    space = db.session.get(Space, space_id)
    draft = drafts.create_text_draft(space, title="Kader", text="Eerste alinea.", actor=author)
    drafts.save_text_version(draft, "Eerste alinea.\n\nTweede alinea.", actor=author)
    comment_round = comments.start_round(
        draft,
        deadline=utcnow() + timedelta(days=7),
        organisation_ids=[space.organisation_id],
        actor=author,
    )
    comment = comments.post_comment(draft, body="Een opmerking.", actor=author).comment
    return {"draft": draft.id, "round": comment_round.id, "comment": comment.id}


def _plant_action_plan(personas, author: User) -> dict:
    """action plans (issue #6): a restricted space that A reads, A's admins edit and the
    secretariat's organisation reads; its plan with an item led by A, a milestone, a linked
    document and a document to link."""
    from datetime import date

    from neig_workspace.actions import service as actions

    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    secretariat = db.session.get(Organisation, personas.orgs["secretariaat"])
    space = spaces.create_space(SpaceKind.RESTRICTED, "Actieplan A", actor=None)
    for principal, role, org in (
        (PrincipalType.ORGANISATION, SpaceRole.VIEWER, org_a),
        (PrincipalType.ORGANISATION_ADMINS, SpaceRole.EDITOR, org_a),
        (PrincipalType.ORGANISATION, SpaceRole.VIEWER, secretariat),
    ):
        spaces.add_grant(space, principal, role, organisation=org, actor=None)
    plan = actions.create_plan(
        space,
        actions.PlanData(
            name="Actieplan A", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
        ),
        actor=None,
    )
    item = actions.create_item(
        plan,
        actions.ItemData(
            code="P-01",
            title="Maatregel van A",
            line_id=plan.lines[0].id,
            lead_organisation_id=org_a.id,
        ),
        actor=None,
    )
    milestone = actions.add_milestone(item, title="Eerste stap", due_date=None, actor=None)
    linked, free = (
        documents.upload_document(space, documents.Upload(io.BytesIO(PDF), name), actor=author)
        for name in ("plan.pdf", "bijlage.pdf")
    )
    actions.link_document(item, linked, actor=None)
    return {
        "plan_space": space.id,
        "plan": plan.id,
        "plan_line": plan.lines[0].id,
        "item": item.id,
        "milestone": milestone.id,
        "plan_document": linked.id,
        "free_document": free.id,
    }


def plant_case(personas, author: User) -> dict:
    """casework (issue #5): a case of A opened by `author` (its manager), in which A's members
    contribute, A's admins manage and the police reads; a measure, an aftercare task and a
    timeline entry of A, a document supplied by A and one supplied by the police with a pending
    request to copy it out, a second case of A to link, and the legal basis in use."""
    from neig_workspace.cases import service as cases
    from neig_workspace.cases.legal_bases import ensure_default_legal_bases
    from neig_workspace.cases.models import (
        AftercareKind,
        AftercareTask,
        CaseDocument,
        EntryKind,
        ExplosiveType,
        LegalBasis,
        Measure,
        MeasureType,
        ReleaseAction,
        ReleaseRequest,
        TargetType,
        TimelineEntry,
    )

    ensure_default_legal_bases()
    basis = db.session.scalar(select(LegalBasis).order_by(LegalBasis.id))
    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    police = db.session.get(Organisation, personas.orgs["politie"])

    def open_case():
        return cases.create_case(
            actor=author,
            municipality=org_a,
            occurred_at=utcnow().replace(microsecond=0) - timedelta(days=3),
            target_type=TargetType.WONING,
            explosive_type=ExplosiveType.ZWAAR_VUURWERK,
            legal_basis_id=basis.id,
            postcode4="3011",
            address="Coolsingel 40, 3011 AD Rotterdam",
            participants=[
                cases.Participant(org_a, SpaceRole.CONTRIBUTOR, True, True),
                cases.Participant(police, SpaceRole.VIEWER, True, False),
            ],
        )

    case, other_case = open_case(), open_case()
    from neig_workspace.access.policy import assuming_mfa

    with assuming_mfa():  # the author's check, as in their MFA session
        cases.link_cases(case, other_case, actor=author)
    spaces.add_grant(
        case.space,
        PrincipalType.ORGANISATION_ADMINS,
        SpaceRole.MANAGER,
        organisation=org_a,
        actor=None,
    )
    measure = Measure(
        case_id=case.id,
        type=MeasureType.SLUITING_174A,
        responsible_organisation_id=org_a.id,
        start_date=date(2025, 3, 20),  # the edit form requires one
    )
    task = AftercareTask(
        case_id=case.id, kind=AftercareKind.BEWONERSBRIEF, organisation_id=org_a.id
    )
    entry = TimelineEntry(
        case_id=case.id,
        occurred_at=utcnow().replace(microsecond=0),
        kind=EntryKind.GEBEURTENIS,
        text="Melding ontvangen.",
        author_id=author.id,
        supplier_organisation_id=org_a.id,
        legal_basis_id=basis.id,
    )
    db.session.add_all([measure, task, entry])
    own, supplied = (
        documents.upload_document(case.space, documents.Upload(io.BytesIO(PDF), name), actor=author)
        for name in ("pv.pdf", "politie.pdf")
    )
    # The upload recorded the author's organisation (A) as supplier; the second is the police's.
    db.session.get(CaseDocument, supplied.id).supplier_organisation_id = police.id
    release = ReleaseRequest(
        case_id=case.id,
        item_type="document",
        item_id=supplied.id,
        action=ReleaseAction.COPY,
        supplier_organisation_id=police.id,
        requested_by_id=author.id,
    )
    db.session.add(release)
    db.session.flush()
    return {
        "case": case.id,
        "case_space": case.space_id,
        "case_user_grant": db.session.scalar(
            select(SpaceGrant.id).where(
                SpaceGrant.space_id == case.space_id, SpaceGrant.user_id == author.id
            )
        ),
        "other_case": other_case.id,
        "other_case_reference": other_case.reference,
        "case_measure": measure.id,
        "case_task": task.id,
        "case_entry": entry.id,
        "case_document": own.id,
        "case_supplied_document": supplied.id,
        "case_release": release.id,
        "legal_basis": basis.id,
    }


def _plant_notification(personas, actor: User, document_id: int) -> int:
    """notifications (issue #4): member_a is told about A's document by its author."""
    from neig_workspace.notifications.models import Notification, NotificationKind

    notification = Notification(
        user_id=personas.member_a.id,
        kind=NotificationKind.MENTION,
        subject_type="document",
        subject_id=document_id,
        url=f"/documenten/{document_id}",
        title="verslag.pdf",
        excerpt="Kunt u hiernaar kijken?",
        actor_id=actor.id,
    )
    db.session.add(notification)
    db.session.flush()
    return notification.id


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


class Cell:
    """One cell of the matrix on the planted objects: the row, the viewer logged in, the
    answer expected. `send()` makes the row's request with a valid CSRF token of the session
    (`without_token()` and `with_foreign_token()` the same request with none, or with one of
    another session)."""

    def __init__(
        self, app, world: Context, endpoint: str, method: str, column: str, what: str = ""
    ):
        from tests.helpers import login_as

        self.app, self.endpoint, self.method, self.column = app, endpoint, method, column
        self.row = SELF_ROUTES[(endpoint, method, what)] if what else ROUTES[(endpoint, method)]
        self.viewer = PERSONA_OF.get(column)
        self.ctx = replace(world, viewer=self.viewer)
        self.client = app.test_client()
        if self.viewer is not None:
            login_as(app, self.client, world.personas[self.viewer])
        self.expected = self.row.other if column == "other" else self.row.expect[column]
        self.url = self.row.path(self.ctx)
        self.label = f"{method} {endpoint}{f' ({what})' if what else ''} as {column}"
        if method == "POST" and self.row.before is not None:
            self.client.get(self.row.before.format(c=self.ctx))

    def send(self):
        from tests.helpers import csrf_token_of

        if self.method == "GET":
            return self.client.get(self.url)
        return self._post({"csrf_token": csrf_token_of(self.app, self.client)})

    def without_token(self):
        return self._post({})

    def with_foreign_token(self):
        """The token of another session (the attacker's own, copied into the victim's form)."""
        from tests.helpers import csrf_token_of

        return self._post({"csrf_token": csrf_token_of(self.app, self.app.test_client())})

    def _post(self, token: dict):
        data = self.row.data(self.ctx) if self.row.data else {}
        return self.client.post(self.url, data={**token, **data})


def db_snapshot(app, skip: tuple[str, ...] = ()) -> dict[str, str | None]:
    """The contents of every table (but `skip`), to prove a request changed nothing: per
    table, all its rows in primary-key order as one text (an md5 of it on PostgreSQL), in one
    query on the test's own connection."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in skip]
    with app.app_context():
        connection = db.session.connection()
        contents = ", ".join(_contents(connection.dialect, table) for table in tables)
        row = connection.exec_driver_sql(f"SELECT {contents}").one()  # noqa: S608 - our tables
    return {table.name: value for table, value in zip(tables, row, strict=True)}


def _contents(dialect, table) -> str:
    """A scalar subquery giving all of the table's rows as text."""
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    order = ", ".join(f"t.{quote(column.name)}" for column in table.primary_key.columns)
    if dialect.name == "postgresql":  # every column, NULLs included, in the row's own text form
        return f"(SELECT md5(string_agg(t::text, E'\\n' ORDER BY {order})) FROM {name} t)"  # noqa: S608
    row = " || ',' || ".join(f"quote(t.{quote(column.name)})" for column in table.columns)
    rows = f"SELECT {row} AS r FROM {name} t ORDER BY {order}"  # noqa: S608 - our own tables
    return f"(SELECT group_concat(r, char(10)) FROM ({rows}))"  # noqa: S608


def table_rows(app, table) -> list[tuple]:
    """The rows of one table, in the model's column order."""
    with app.app_context():
        return [
            tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key))
        ]
