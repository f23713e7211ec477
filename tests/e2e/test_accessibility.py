"""WCAG 2.1 A/AA checks with axe-core on the main pages, and reflow at 320 CSS pixels (WCAG 1.4.10).

axe-core comes from the npm registry (package.json; `make test` runs `npm ci`). What axe judges
is the rendered page, which the database does not shape: the scan runs on SQLite only.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts import service
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from tests.e2e.conftest import login_form, sign_in

pytestmark = pytest.mark.one_database("axe judges the rendered page, not the database")

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" "))
  }));
}"""


def _invite_someone(app, live_server, personas, outbox) -> str:
    """An open invitation (which also writes to the audit log); returns its link."""
    with app.test_request_context(base_url=live_server.url):
        org = db.session.get(Organisation, personas.orgs["gemeente_a"])
        admin = db.session.get(User, personas.org_admin_a.id)
        service.invite("genodigde@rotterdam.example.nl", org, OrgRole.MEMBER, actor=admin)
        db.session.commit()
    return re.search(r"http://\S+/uitnodiging/\S+", outbox()[-1].get_content()).group(0)


def _wrong_login(page):
    login_form(page, "iemand", "")  # an invalid address and no password: two field errors
    expect(page.locator("#error-summary")).to_be_visible()


def _space_of_a(app, personas, suffix: str) -> str:
    """Gemeente A's own space with one document (narrowable to A) and a folder; its pages."""
    import io

    from neig_workspace.accounts.models import User
    from neig_workspace.documents import service as documents
    from neig_workspace.extensions import db
    from neig_workspace.organisations.models import Organisation
    from neig_workspace.spaces.service import create_organisation_space

    with app.app_context():
        org = db.session.get(Organisation, personas.orgs["gemeente_a"])
        actor = db.session.get(User, personas.org_admin_a.id)
        space = create_organisation_space(org, actor=None)
        documents.create_folder(space, "Handelingskaders", None, actor=actor)
        upload = documents.Upload(io.BytesIO(b"%PDF-1.4\n% nazorg\n"), "nazorg.pdf")
        document = documents.upload_document(space, upload, tags="nazorg", actor=actor)
        db.session.commit()
        paths = {
            "spaces": "/werkruimtes",
            "documents": f"/werkruimtes/{space.id}/documenten",
            "upload": f"/werkruimtes/{space.id}/documenten/uploaden",
            "members": f"/werkruimtes/{space.id}/leden",
            "document": f"/documenten/{document.id}",
            "edit": f"/documenten/{document.id}/bewerken",
            "search": "/zoeken?q=nazorg",
            "privacy": f"/werkruimtes/{space.id}/privacy",  # issue 22
            "privacy form": f"/werkruimtes/{space.id}/privacy/bewerken",
        }
    return paths[suffix]


def _space_page(name: str):
    return lambda app, page, personas, link: _space_of_a(app, personas, name)


def _review_of_a(app, page, personas, link) -> str:
    """access reviews (issue 22): this period's review of A's members, one of them confirmed."""
    from sqlalchemy import select

    from neig_workspace.organisations.models import Membership
    from neig_workspace.reviews import service as reviews
    from neig_workspace.reviews.models import AccessReview, Decision
    from neig_workspace.timeutil import utcnow

    with app.app_context():
        reviews.open_reviews(utcnow(), 3)
        org_id = personas.orgs["gemeente_a"]
        review = db.session.scalar(select(AccessReview).filter_by(organisation_id=org_id))
        member = db.session.scalar(select(Membership).filter_by(user_id=personas.member_a.id))
        admin = db.session.get(User, personas.org_admin_a.id)
        reviews.decide(review, member, Decision.CONFIRMED, actor=admin)
        db.session.commit()
        return f"/toegangscontroles/{review.id}"


def _draft_of_a(app, personas, suffix: str) -> str:
    """drafts and comments (issue #4): a text draft in a round, with two versions, a comment
    on a paragraph, a reply and an answer; its pages as the secretariat sees them."""
    from neig_workspace.comments import service as comments
    from neig_workspace.comments.models import Decision
    from neig_workspace.documents import drafts
    from neig_workspace.documents.models import Document
    from tests.comments.comment_helpers import open_round_for, working_group

    group = working_group(app, personas)
    round_id = open_round_for(app, personas, group.document_id)
    with app.app_context():
        document = db.session.get(Document, group.document_id)
        police = db.session.get(User, personas.police.id)
        editor = db.session.get(User, personas.org_admin_a.id)
        thread = comments.post_comment(
            document, body=f"Te krap, zegt ook @{personas.om.email}", paragraph=2, actor=police
        ).comment
        comments.post_comment(document, body="Eens.", parent=thread, actor=editor)
        comments.respond(
            thread, response="Wordt 48 uur.", decision=Decision.OVERGENOMEN, actor=editor
        )
        drafts.save_text_version(document, "# Kader\n\nBinnen 48 uur een brief.", actor=editor)
        db.session.commit()
        paths = {
            "document": f"/documenten/{document.id}",
            "round": f"/commentaarrondes/{round_id}",
            "respond": f"/reacties/{thread.id}/beantwoorden",
            "compare": f"/documenten/{document.id}/vergelijken",
            "new": f"/werkruimtes/{group.space_id}/concepten/nieuw",
            "start": f"/documenten/{document.id}/commentaarronde",
        }
    return paths[suffix]


def _draft_page(name: str):
    return lambda app, page, personas, link: _draft_of_a(app, personas, name)


def _action_plan_page(name: str):
    """action plans (issue #6): the standard test plan with figures and an update; its pages."""

    def path(app, page, personas, link):
        from neig_workspace.actions import service as actions
        from neig_workspace.actions.models import ActionItem, ActionPlan
        from tests.actions.helpers import user, world

        planted = world(app, personas)
        with app.app_context():
            secretariat = user(personas.secretariat)
            plan = db.session.get(ActionPlan, planted.plan)
            actions.set_attack_figures(plan, 2025, {1: 95, 2: 80, 3: 70}, actor=secretariat)
            item = db.session.get(ActionItem, planted.items["P-01"])
            actions.add_milestone(item, title="Startbijeenkomst", due_date=None, actor=secretariat)
            actions.report_progress(item, note="Gestart.", status=None, actor=secretariat)
            db.session.commit()
        plan_url, item_url = (
            f"/actieplannen/{planted.plan}",
            f"/actiepunten/{planted.items['P-01']}",
        )
        return {
            "list": plan_url + "?status=niet_gestart",
            "dashboard": plan_url + "/dashboard",
            "report": plan_url + "/rapportage",
            "figures": plan_url + "/aanslagen",
            "import": plan_url + "/importeren",
            "new item": plan_url + "/actiepunten/nieuw",
            "item": item_url,
        }[name]

    return path


def _case_page(suffix: str):
    """casework (issue #5): the case of tests/cases/world.py (org_admin_a manages it), with
    measures, tasks, entries, documents and a release request; `suffix` after its URL."""

    def path(app, page, personas, link):
        from tests.cases.world import build_case_world

        return f"/casussen/{build_case_world(app, personas).case}{suffix}"

    return path


# page name -> (persona key or None, the path, or a function of (app, page, personas, link))
PAGES = {
    "my spaces": ("org_admin_a", _space_page("spaces")),
    "space documents": ("org_admin_a", _space_page("documents")),
    "upload page": ("org_admin_a", _space_page("upload")),
    "space members": ("org_admin_a", _space_page("members")),
    "document page": ("org_admin_a", _space_page("document")),
    "document details form": ("org_admin_a", _space_page("edit")),
    "search results": ("org_admin_a", _space_page("search")),
    # drafts and comments (issue #4)
    "text draft with comments": ("org_admin_a", _draft_page("document")),
    "comment round": ("org_admin_a", _draft_page("round")),
    "answer and decision": ("org_admin_a", _draft_page("respond")),
    "version comparison": ("org_admin_a", _draft_page("compare")),
    "new text draft": ("org_admin_a", _draft_page("new")),
    "landing": (None, "/"),
    "login": (None, "/inloggen"),
    "login with errors": (None, lambda app, page, personas, link: _wrong_login(page)),
    "MFA enrolment": ("member_a", "/account/tweestapsverificatie/instellen"),
    "account": ("member_a", "/account"),
    "overview": ("member_a", "/"),
    "organisations admin list": ("platform_admin", "/beheer/organisaties"),
    "organisation page": (
        "org_admin_a",
        lambda app, page, personas, link: f"/organisaties/{personas.orgs['gemeente_a']}",
    ),
    "users admin list": ("platform_admin", "/beheer/gebruikers"),
    "user page": (
        "platform_admin",
        lambda app, page, personas, link: f"/beheer/gebruikers/{personas.member_a.id}",
    ),
    "audit log": ("platform_admin", "/beheer/audit"),
    "invitation acceptance": (None, lambda app, page, personas, link: link),
    "404": (None, "/bestaat-niet"),
    # action plans (issue #6)
    "action plans": ("secretariat", "/actieplannen"),
    "action plan items": ("secretariat", _action_plan_page("list")),
    "action plan dashboard": ("member_a", _action_plan_page("dashboard")),
    "action plan report": ("member_a", _action_plan_page("report")),
    "attack figures": ("secretariat", _action_plan_page("figures")),
    "action item import": ("secretariat", _action_plan_page("import")),
    "new action item": ("secretariat", _action_plan_page("new item")),
    "action item": ("member_a", _action_plan_page("item")),
    # casework (issue #5)
    "cases": (
        "org_admin_a",
        lambda app, page, personas, link: _case_page("")(app, page, personas, link).rsplit("/", 1)[
            0
        ],
    ),
    "case page": ("org_admin_a", _case_page("")),
    "new case": ("org_admin_a", "/casussen/nieuw"),
    "case participants": ("org_admin_a", _case_page("/deelnemers")),
    "case access log": ("org_admin_a", _case_page("/toegangslog")),
    "case disclosures": ("org_admin_a", _case_page("/verstrekkingen")),
    "case releases": ("police", _case_page("/vrijgaven")),
    "new measure": ("org_admin_a", _case_page("/maatregelen/nieuw")),
    "new aftercare task": ("org_admin_a", _case_page("/nazorg/nieuw")),
    "new timeline entry": ("org_admin_a", _case_page("/tijdlijn/nieuw")),
    "case address": ("org_admin_a", _case_page("/adres")),
    "case statistics": ("member_a", "/casussen/statistiek"),
    "case import": ("member_a", "/casussen/importeren"),
    "legal bases": ("platform_admin", "/beheer/grondslagen"),
    # access reviews, privacy pages and the processing register (issue 22)
    "access review": ("org_admin_a", _review_of_a),
    "space privacy page": ("member_a", _space_page("privacy")),
    "privacy statement form": ("org_admin_a", _space_page("privacy form")),
    "processing register": ("platform_admin", "/beheer/verwerkingsregister"),
}


@pytest.fixture
def axe_context(new_context):
    """The app's CSP allows only its own scripts: bypass it so axe-core can be injected."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)", pytrace=False)
    return new_context(bypass_csp=True)


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, AXE_TAGS)


def _report(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    {v['targets']}" for v in violations
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violations(name, app, live_server, axe_context, personas, outbox):
    persona_key, target = PAGES[name]
    link = _invite_someone(app, live_server, personas, outbox)
    if persona_key:
        sign_in(app, axe_context, live_server.url, personas[persona_key])
    page = axe_context.new_page()
    path = target(app, page, personas, link) if callable(target) else target
    if path:
        page.goto(path)

    violations = _violations(page)

    assert not violations, f"axe found problems on {name} ({page.url}):\n{_report(violations)}"


def test_the_checked_pages_are_what_they_claim(app, live_server, new_context, personas, outbox):
    """Guards the check above: the error page, the errors and the admin pages really render."""
    link = _invite_someone(app, live_server, personas, outbox)
    anonymous = new_context().new_page()
    assert anonymous.goto("/bestaat-niet").status == 404
    _wrong_login(anonymous)
    expect(anonymous.locator("#email-error")).to_be_visible()
    expect(anonymous.locator("#password-error")).to_be_visible()
    assert anonymous.goto(link).status == 200
    admin_context = new_context()
    sign_in(app, admin_context, live_server.url, personas.platform_admin)
    admin = admin_context.new_page()
    for path in ("/beheer/organisaties", "/beheer/gebruikers", "/beheer/audit"):
        assert admin.goto(path).status == 200, path
    expect(admin.get_by_role("table")).to_be_visible()


def _horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    "persona_key,path,heading", [(None, "/inloggen", "Inloggen"), ("member_a", "/", None)]
)
def test_no_horizontal_scroll_at_320_pixels(
    persona_key, path, heading, app, live_server, new_context, personas
):
    context = new_context()
    if persona_key:
        sign_in(app, context, live_server.url, personas[persona_key])
        heading = f"Welkom, {personas[persona_key].name}"
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    assert _horizontal_overflow(page) <= 320
