"""IDOR sweep (ASVS 4.2.1), one object kind at a time: a member and an org admin of Gemeente
Amsterdam ("B") try every route of `app.url_map` that takes an id, with the id of Gemeente
Rotterdam's ("A") object, by GET and by POST (with a valid CSRF token of their own session).
The answer is always 404 — never 403, which would confirm the object exists, never a success —
and the database is left as it was.

Where a route nests an object in a parent (a folder in a space, a member in an organisation),
B also tries A's object under B's *own* parent: the child must be looked up inside its parent,
not just by id. There B may be refused for lack of a right in their own space or organisation
(a member of B may not remove B's folders: 403), so the answer must be exactly the one for an id
that exists nowhere — it tells nothing about A's object — and never a success.

The routes come from `app.url_map`, so a new route is swept as soon as it exists; a new kind of
id in a URL fails `test_every_id_in_a_url_is_a_known_kind` until it is planted here. Everything
of a case (measures, tasks, timeline entries, release requests, participants, links) nests in
the case, so B also tries A's case items under a case of B's own. The one platform-wide object
in a URL is a legal basis: the list is the same for everyone and only platform admins edit it
(the route matrix checks that), so it is not swept here.
"""

import itertools
import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from tests.helpers import csrf_token_of, login_as

from .route_table import ROUTES, build_context, db_snapshot

#: URL argument -> (object kind, the planted object(s) of A it names; see route_table.Context).
ID_ARGUMENTS = {
    "space_id": ("space", ("space",)),
    "folder_id": ("folder", ("folder",)),
    # A live document and one in the trash: the trash routes only act on the latter.
    "document_id": ("document", ("document", "trashed")),
    "number": ("version", (1,)),  # version 1 of whichever document the URL names
    "grant_id": ("grant", ("grant",)),
    "organisation_id": ("organisation", ("org_a",)),
    "membership_id": ("membership", ("target_membership",)),
    "user_id": ("user", ("target_user",)),
    "invitation_id": ("invitation", ("invitation",)),
    "session_id": ("session", ("member_session",)),
    "notification_id": ("notification", ("notification",)),  # notifications (issue #4)
    # action plans (issue #6)
    "plan_id": ("action_plan", ("plan",)),
    "item_id": ("action_item", ("item",)),
    "milestone_id": ("milestone", ("milestone",)),
    "comment_id": ("comment", ("comment",)),  # drafts and comments (issue #4)
    "round_id": ("comment_round", ("round",)),
    # casework (issue #5)
    "case_id": ("case", ("case",)),
    "other_id": ("case", ("other_case",)),  # the linked case of an unlink route
    "org_id": ("organisation", ("org_a",)),  # a participating organisation of a case
    "measure_id": ("case_measure", ("case_measure",)),
    "task_id": ("case_task", ("case_task",)),
    "entry_id": ("case_entry", ("case_entry",)),
    "request_id": ("case_release", ("case_release",)),
    # the network (issue #8)
    "article_id": ("article", ("article",)),
    "meeting_id": ("meeting", ("meeting",)),  # a meeting for A's own space
    "application_id": ("application", ("application",)),  # only platform admins see one
    "failed_job_id": ("failed_job", ("failed_job",)),  # background jobs (issue 19): admins only
    "review_id": ("access_review", ("review",)),  # A's access review (issue 22)
}
#: A parent B owns, to put A's child object under (ctx key of B's object).
B_PARENTS = {"space_id": "space_b", "organisation_id": "org_b", "case_id": "case_b"}
#: Arguments that are no object id: the e-mailed token is itself the authority, and static
#: files are public; a directory page names an organisation the whole network may see (#8); a
#: case type is one of four words, its privacy statement kept by platform admins; a help page's
#: part is one of a fixed set of static pages, the same for everyone.
NOT_IDS = {"token", "filename", "basis_id", "slug", "case_type", "part"}
KINDS = sorted({kind for kind, _ in ID_ARGUMENTS.values()})
ATTACKERS = ("member_b", "org_admin_b")
AUDIT = ("audit_events",)  # a refusal may be audited; nothing else may change
NOWHERE = 987654  # an id no object has


def _arguments(rule) -> list[str]:
    """The rule's arguments in URL order (the last one is the object the route is about)."""
    return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)


def _routes_of(app, kind: str):
    """(rule, method) of every route whose URL is about an object of `kind`."""
    for rule in app.url_map.iter_rules():
        arguments = _arguments(rule)
        if arguments and arguments[-1] in ID_ARGUMENTS:
            if ID_ARGUMENTS[arguments[-1]][0] == kind:
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield rule, method


def _urls(rule, ctx) -> list[tuple[str, str | None]]:
    """Every way to name A's object in this URL: (url, None) with all of A's ids, and for a
    nested object (url, control) with A's object under B's own parent, where `control` names
    an object that exists nowhere under that same parent."""
    arguments = _arguments(rule)
    child = arguments[-1]
    choices = [ID_ARGUMENTS[a][1] for a in arguments]
    urls = set()
    for values in itertools.product(*choices):
        filled = {
            a: (v if isinstance(v, int) else ctx.ids[v])
            for a, v in zip(arguments, values, strict=True)
        }
        urls.add((_fill(rule.rule, filled), None))
        for parent, b_key in B_PARENTS.items():
            if parent in arguments and child not in (parent, "number"):
                under_b = {**filled, parent: ctx.ids[b_key]}
                control = _fill(rule.rule, {**under_b, child: NOWHERE})
                urls.add((_fill(rule.rule, under_b), control))
    return sorted(urls, key=lambda pair: (pair[0], pair[1] or ""))


def _fill(template: str, values: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), template)


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's objects (route_table.build_context) and B's own space, organisation and case, planted
    once for the module; each kind's sweep rolls back to them."""
    with test_db.rolled_back():
        ctx = build_context(app, module_personas)
        with app.app_context():
            org_b = db.session.get(Organisation, module_personas.orgs["gemeente_b"])
            ctx.ids["space_b"] = spaces.create_organisation_space(org_b, actor=None).id
            ctx.ids["org_b"] = org_b.id
            ctx.ids["case_b"] = _case_of_b(module_personas, org_b)
            db.session.commit()
        yield ctx


def _case_of_b(personas, org_b) -> int:
    """casework (issue #5): a case of B in which B's members contribute and B's admin manages."""
    from neig_workspace.accounts.models import User
    from neig_workspace.cases import service as cases
    from neig_workspace.cases.models import ExplosiveType, LegalBasis, TargetType
    from neig_workspace.timeutil import utcnow

    case = cases.create_case(
        actor=db.session.get(User, personas.org_admin_b.id),
        municipality=org_b,
        occurred_at=utcnow().replace(microsecond=0),
        target_type=TargetType.VOERTUIG,
        explosive_type=ExplosiveType.ONBEKEND,
        legal_basis_id=db.session.scalar(select(LegalBasis.id).order_by(LegalBasis.id)),
    )
    return case.id


def _send(client, ctx, endpoint: str, method: str, url: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    row = ROUTES.get((endpoint, method))
    data = row.data(ctx) if row is not None and row.data else {}
    # The form data a success needs, so only the id check can stop the request.
    token = csrf_token_of(ctx.app, client)
    return client.post(url, data={"csrf_token": token, **data}).status_code


def _attempt(app, client, ctx, endpoint: str, method: str, url: str, control: str | None):
    """One try; returns what went wrong (nothing, when all is well)."""
    expected = 404 if control is None else _send(client, ctx, endpoint, method, control)
    before = db_snapshot(app, AUDIT)
    status = _send(client, ctx, endpoint, method, url)
    problems = []
    if status != expected or expected not in (403, 404):
        problems.append(f"{method} {url} ({endpoint}): {status}, expected {expected}")
    if db_snapshot(app, AUDIT) != before:
        problems.append(f"{method} {url} ({endpoint}) changed the database")
    return problems


def test_every_id_in_a_url_is_a_known_kind(app):
    unknown = {
        (rule.rule, argument)
        for rule in app.url_map.iter_rules()
        for argument in _arguments(rule)
        if argument not in ID_ARGUMENTS and argument not in NOT_IDS
    }
    assert not unknown, f"plant an object for these URL arguments in ID_ARGUMENTS: {unknown}"


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("kind", KINDS)
def test_another_organisation_gets_404_for_every_route_of_a_kind(app, world, kind, attacker):
    routes = list(_routes_of(app, kind))
    assert routes, f"no route takes a {kind} id any more: update ID_ARGUMENTS"
    ctx = replace(world, viewer=attacker)
    client = login_as(app, app.test_client(), world.personas[attacker])

    problems = []
    for rule, method in routes:
        for url, control in _urls(rule, ctx):
            problems += _attempt(app, client, ctx, rule.endpoint, method, url, control)

    assert not problems, "\n".join(problems)
