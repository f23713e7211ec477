# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for one's own account (issue 15, separation of duties): every route that
creates a membership, an invitation, its acceptance, a grant or a case participation, tried by
each persona *for their own account* (see route_table.py for the columns and answers).

The platform admin is refused everywhere: 422 where they may use the route for others (the
service says why, in Dutch, and audits `separation.refused`), 403/404 where they may not use it
at all. The secretariat has no content by its role and gives itself none: it may use none of
these routes (403/404), and its own self-invitation from before the rule is not accepted (403).
An organisation admin invites no one to their own address (422), but restates a role they hold
already (302); their own organisation takes part in the case already (422, that form changes no
role). A member accepts an invitation someone else sent them (302): that is the normal
way in. The case manager cannot bring in the VNG while a platform admin is still its member, and the
platform admin cannot grant the VNG a space (data from before the rule, named by check-deploy).

Rows are keyed (endpoint, method, what is tried); `{me.…}` in a URL is the viewer's own account:
its id, its invitation and its application (planted below).
"""

from dataclasses import dataclass
from datetime import timedelta

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation
from neig_workspace.accounts.tokens import new_token
from neig_workspace.applications.models import Application, ApplicationStatus
from neig_workspace.extensions import db
from neig_workspace.organisations.models import OrgType
from neig_workspace.timeutil import utcnow
from tests.security.route_table import LOGIN, R, Row


class Me:
    """The viewer's own account in a row's URL and data (anonymous: the platform admin's)."""

    def __init__(self, ctx):
        key = ctx.viewer or "platform_admin"
        persona = ctx.personas[key]
        self.id, self.email, self.org = persona.id, persona.email, persona.org_id
        self.invitation = ctx.self_invitations[key]
        self.application = ctx.self_applications[key]


@dataclass(frozen=True)
class SelfRow(Row):
    """A row whose URL may name the viewer's own account: `{me.id}`, `{me.invitation}`."""

    #: columns whose refusal must be audited as separation.refused
    audited: tuple = ()

    def path(self, ctx) -> str:
        return self.url.format(c=ctx, me=Me(ctx))


def S(url, anonymous, member, org_admin, secretariat, platform_admin, *, audited=(), **kw):
    row = R(url, anonymous, member, org_admin, secretariat, platform_admin, **kw)
    return SelfRow(**{**row.__dict__, "audited": audited})


def _invite_me(c):
    return {"email": Me(c).email, "role": "member"}


def _invite_me_anywhere(c):
    return {"email": Me(c).email, "organisation": c.org_a, "role": "member"}


def _join_a(c):
    return {"organisation_id": c.org_a, "role": "member"}


def _grant_me(c):
    return {"principal": "user", "email": Me(c).email, "role": "10"}


def _grant_me_manager(c):
    return {"principal": "user", "email": Me(c).email, "role": "40"}


def _case_me(c):
    return {"email": Me(c).email, "person_role": "10"}


def _case_my_organisation(c):
    return {"organisation_id": Me(c).org, "role": "10"}


def _case_vng(c):
    return {"organisation_id": c.personas.orgs["vng"], "role": "10"}


def _grant_admin_org(c):
    return {"principal": f"org:{c.personas.orgs['vng']}", "email": "", "role": "10"}


def _roles_me(c):
    return {"platform_admin": "y", "secretariat": "y"}


ADMINS = ("platform_admin",)
CASE = "/casussen/{c.case}"

# fmt: off
ROWS = {
    ("organisations.invite", "POST", "self"):         S("/organisaties/{c.org_a}/uitnodigen",            LOGIN, 403,   422,   404,   422, data=_invite_me, audited=("org_admin", "platform_admin")),
    ("users.invite", "POST", "self"):                 S("/beheer/gebruikers/uitnodigen",                 LOGIN, 403,   403,   403,   422, data=_invite_me_anywhere, audited=ADMINS),
    ("users.add_membership", "POST", "self"):         S("/beheer/gebruikers/{me.id}/lidmaatschappen",    LOGIN, 403,   403,   403,   403, data=_join_a),
    ("users.update_roles", "POST", "self"):           S("/beheer/gebruikers/{me.id}/rollen",             LOGIN, 403,   403,   403,   403, data=_roles_me),
    ("accounts.accept_invitation", "POST", "self"):   S("/uitnodiging/{me.invitation}",                  LOGIN, 302,   403,   403,   403, audited=("org_admin", "secretariat", "platform_admin")),
    ("spaces.add_grant", "POST", "self"):             S("/werkruimtes/{c.space_target}/leden",           LOGIN, 403,   403,   404,   422, data=_grant_me, audited=ADMINS),
    ("spaces.add_grant", "POST", "self-own-space"):   S("/werkruimtes/{c.space}/leden",                  LOGIN, 403,   302,   404,   422, data=_grant_me_manager, audited=ADMINS),
    ("spaces.add_grant", "POST", "admin-org"):        S("/werkruimtes/{c.space_target}/leden",           LOGIN, 403,   403,   404,   422, data=_grant_admin_org, audited=ADMINS),
    ("cases.add_case_user", "POST", "self"):          S(CASE + "/deelnemers/personen",                   LOGIN, 403,   302,   404,   404, data=_case_me),
    ("cases.add_participant", "POST", "self-org"):    S(CASE + "/deelnemers",                            LOGIN, 403,   422,   404,   404, data=_case_my_organisation),
    ("cases.add_participant", "POST", "admin-org"):   S(CASE + "/deelnemers",                            LOGIN, 403,   422,   404,   404, data=_case_vng, audited=("org_admin",)),
    ("applications.approve", "POST", "self"):         S("/beheer/aanmeldingen/{me.application}/goedkeuren", LOGIN, 404, 404,   404,   422, audited=ADMINS),
}
# fmt: on


def plant(personas, target) -> dict:
    """Per persona: an invitation to their own address and an application in their name.

    The member's was sent by Amsterdam's admin (accepting it is the normal way in); the
    organisation admin and the secretariat sent theirs to themselves, and the platform admin's
    was sent by Rotterdam's admin, all before the rule."""
    orgs = personas.orgs
    sent = {
        "member_a": ("gemeente_b", "org_admin_b"),
        "org_admin_a": ("gemeente_b", "org_admin_a"),
        "secretariat": ("gemeente_a", "secretariat"),
        "platform_admin": ("gemeente_a", "org_admin_a"),
    }
    invitations, applications = {}, {}
    for key, (org_key, inviter) in sent.items():
        token, token_hash = new_token()
        db.session.add(
            Invitation(
                email=personas[key].email,
                organisation_id=orgs[org_key],
                role=OrgRole.MEMBER,
                invited_by_id=personas[inviter].id,
                token_hash=token_hash,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        invitations[key] = token
        application = Application(
            organisation_name=f"Stichting {key}",
            org_type=OrgType.BUSINESS,
            contact_name=personas[key].name,
            email=personas[key].email,
            phone="010 123 45 67",
            contact_role="Directeur",
            motivation="Wij willen meedoen.",
            privacy_consent_at=utcnow(),
            status=ApplicationStatus.PENDING,
        )
        db.session.add(application)
        db.session.flush()
        applications[key] = application.id
    # The matrix's columns by persona key (member is member_a, org_admin is org_admin_a).
    return {"self_invitations": invitations, "self_applications": applications}


def self_cases():
    """(endpoint, method, what, column) for every cell of these rows."""
    from tests.security.route_table import COLUMNS

    for endpoint, method, what in ROWS:
        for column in COLUMNS:
            yield endpoint, method, what, column
