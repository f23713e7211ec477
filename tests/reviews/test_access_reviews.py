"""Access reviews (issue 22, BIO 5.18): the cycle (due, reminded, confirmed, removed, overdue)
on a clock the tests set, the removal through the membership's and grant's own services, and
the platform admins' overview and the auditor's CSV."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.reviews import service
from neig_workspace.reviews.models import AccessReview, Decision
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceGrant, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

#: Well before today: the period it falls in ended months ago, so its reviews are overdue now.
THEN = utcnow().replace(microsecond=0) - timedelta(days=200)


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's own space, a working group A's admins manage with a grant to a police officer in
    person, and a former colleague still a member of A."""
    p = module_personas
    with test_db.rolled_back():
        with app.app_context():
            org_a = db.session.get(Organisation, p.orgs["gemeente_a"])
            spaces.create_organisation_space(org_a, actor=None)
            group = spaces.create_space(SpaceKind.RESTRICTED, "Werkgroep Nazorg", actor=None)
            spaces.add_grant(
                group,
                PrincipalType.ORGANISATION_ADMINS,
                SpaceRole.MANAGER,
                organisation=org_a,
                actor=None,
            )
            police = spaces.add_grant(
                group,
                PrincipalType.USER,
                SpaceRole.VIEWER,
                user=db.session.get(User, p.police.id),
                actor=None,
            )
            former = User(email="oud.lid@rotterdam.example", name="Oud Lid")
            db.session.add(Membership(user=former, organisation=org_a, role=OrgRole.MEMBER))
            db.session.flush()
            audit.record("space.visited", actor=db.session.get(User, p.member_a.id))
            db.session.commit()
            ids = {"group": group.id, "police_grant": police.id, "former": former.id}
        yield ids


def _review(**scope) -> AccessReview:
    return db.session.scalar(
        select(AccessReview).filter_by(**scope).order_by(AccessReview.id.desc()).limit(1)
    )


def _membership(user_id: int, org_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).filter_by(user_id=user_id, organisation_id=org_id))


def _actions(*names) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)
        )
    )


def test_periods_are_calendar_blocks():
    assert service.period_of(datetime(2027, 2, 14), 3) == (
        datetime(2027, 1, 1),
        datetime(2027, 4, 1),
    )
    assert service.period_of(datetime(2027, 12, 31), 3) == (
        datetime(2027, 10, 1),
        datetime(2028, 1, 1),
    )
    assert service.period_of(datetime(2027, 7, 1), 6) == (
        datetime(2027, 7, 1),
        datetime(2028, 1, 1),
    )
    assert service.period_of(datetime(2027, 5, 9), 1) == (
        datetime(2027, 5, 1),
        datetime(2027, 6, 1),
    )


def test_the_cycle_due_reminded_confirmed_removed_overdue(app, client, personas, world, outbox):
    org_a = personas.orgs["gemeente_a"]
    with db_ctx(app):
        assert service.run_cycle(THEN).opened > 0
        db.session.commit()
        org_review = _review(organisation_id=org_a)
        group_review = _review(space_id=world["group"])
        due = service.period_of(THEN, 3)[1]
        assert (org_review.due_at, group_review.due_at) == (due, due)
        assert org_review.period_start == service.period_of(THEN, 3)[0]
        assert service.run_cycle(THEN).opened == 0  # one open review per scope
        # Reminded 14 days before the due date (ACCESS_REVIEW_REMIND_DAYS), once.
        assert service.run_cycle(due - timedelta(days=15)).reminded == 0
        db.session.commit()
        assert service.run_cycle(due - timedelta(days=13)).reminded > 0
        db.session.commit()
        assert service.run_cycle(due - timedelta(days=12)).reminded == 0
        assert org_review.reminded_at == due - timedelta(days=13)
        org_review_id, group_review_id = org_review.id, group_review.id
    mails = [m for m in outbox() if m["To"] == personas.org_admin_a.email]
    # For A's members, A's own space and the working group (A's admins manage both spaces);
    # none to a member.
    assert len(mails) == 3
    bodies = " ".join(m.get_content() for m in mails)
    assert f"/toegangscontroles/{org_review_id}" in bodies
    assert f"/toegangscontroles/{group_review_id}" in bodies
    assert "Werkgroep Nazorg" not in bodies  # a reminder names no space
    assert not [m for m in outbox() if m["To"] == personas.member_a.email]

    login_as(app, client, personas.org_admin_a)
    mine = client.get("/toegangscontroles").get_data(as_text=True)
    assert f"/toegangscontroles/{org_review_id}" in mine
    assert f"/toegangscontroles/{group_review_id}" in mine
    assert "te laat" in mine
    page = client.get(f"/toegangscontroles/{org_review_id}").get_data(as_text=True)
    assert personas.member_a.email in page and "oud.lid@rotterdam.example" in page
    today = utcnow().strftime("%d-%m-%Y")
    member_row = re.search(rf"{re.escape(personas.member_a.email)}.*?</tr>", page, re.S).group(0)
    assert today in member_row  # the last activity (an audit event of today)

    with db_ctx(app):
        member = _membership(personas.member_a.id, org_a).id
        former = _membership(world["former"], org_a).id
    path = f"/toegangscontroles/{org_review_id}"
    confirm = {"subject": f"membership:{member}", "decision": "confirmed"}
    assert post_form(client, path + "/besluit", confirm, token_from=path).status_code == 302
    remove = {"subject": f"membership:{former}", "decision": "removed"}
    assert post_form(client, path + "/besluit", remove, token_from=path).status_code == 302
    again = post_form(client, path + "/besluit", confirm, token_from=path, follow_redirects=True)
    assert "Hierover is in deze controle al besloten." in again.get_data(as_text=True)
    assert post_form(client, path + "/afronden", {}, token_from=path).status_code == 302

    with db_ctx(app):
        assert _membership(world["former"], org_a) is None  # removed by the membership service
        review = db.session.get(AccessReview, org_review_id)
        assert review.completed_at is not None
        assert review.completed_by_id == personas.org_admin_a.id
        decisions = {(d.user_id, d.decision) for d in review.items}
        assert (world["former"], Decision.REMOVED) in decisions
        assert (personas.member_a.id, Decision.CONFIRMED) in decisions
        assert (personas.org_admin_a.id, Decision.CONFIRMED) in decisions  # by "afronden"
        assert _actions("membership.removed", "access_review.removed") == [
            "access_review.removed",
            "membership.removed",
        ]
        assert _actions("access_review.completed") == ["access_review.completed"]
        # The next run opens this period's review of A; the working group's stays overdue.
        service.run_cycle(utcnow())
        db.session.commit()
        assert _review(organisation_id=org_a).id != org_review_id
        assert _review(space_id=world["group"]).id == group_review_id

    login_as(app, client, personas.platform_admin)
    overdue = client.get("/beheer/toegangscontroles?alleen=te-laat").get_data(as_text=True)
    assert f"/toegangscontroles/{group_review_id}" in overdue
    assert f"/toegangscontroles/{org_review_id}" not in overdue  # done, though late
    assert "Werkgroep Nazorg" in overdue
    export = client.get("/beheer/toegangscontroles?formaat=csv")
    assert export.mimetype == "text/csv"
    rows = export.get_data(as_text=True)
    assert '"oud.lid@rotterdam.example";"";"member";"verwijderd"' in rows
    assert f'"{personas.member_a.email}";"";"member";"bevestigd"' in rows
    with db_ctx(app):
        assert _actions("access_review.exported") == ["access_review.exported"]


def test_a_space_manager_removes_a_grant_in_one_action(app, client, personas, world):
    with db_ctx(app):
        service.open_reviews(THEN, 3)
        db.session.commit()
        review_id = _review(space_id=world["group"]).id
    login_as(app, client, personas.org_admin_a)
    path = f"/toegangscontroles/{review_id}"
    page = client.get(path).get_data(as_text=True)
    assert personas.police.email in page
    remove = {"subject": f"grant:{world['police_grant']}", "decision": "removed"}
    assert post_form(client, path + "/besluit", remove, token_from=path).status_code == 302
    with db_ctx(app):
        assert db.session.get(SpaceGrant, world["police_grant"]) is None
        assert _actions("grant.removed", "access_review.removed") == [
            "access_review.removed",
            "grant.removed",
        ]
        assert db.session.get(AccessReview, review_id).completed_at is None  # the manager grant
    # A grant of another space, or a membership, is not part of this review: 404.
    with db_ctx(app):
        other = _membership(personas.member_a.id, personas.orgs["gemeente_a"]).id
    wrong = {"subject": f"membership:{other}", "decision": "removed"}
    assert post_form(client, path + "/besluit", wrong, token_from=path).status_code == 404


def test_the_last_admin_is_not_removed_by_a_review(app, client, personas, world):
    org_a = personas.orgs["gemeente_a"]
    with db_ctx(app):
        service.open_reviews(THEN, 3)
        db.session.commit()
        review_id = _review(organisation_id=org_a).id
        own = _membership(personas.org_admin_a.id, org_a).id
    login_as(app, client, personas.org_admin_a)
    path = f"/toegangscontroles/{review_id}"
    remove = {"subject": f"membership:{own}", "decision": "removed"}
    answer = post_form(client, path + "/besluit", remove, token_from=path, follow_redirects=True)
    assert "Een organisatie houdt minstens één beheerder." in answer.get_data(as_text=True)
    with db_ctx(app):
        assert _membership(personas.org_admin_a.id, org_a) is not None
        assert db.session.get(AccessReview, review_id).items == []
        assert _actions("access_review.removed") == []


def test_a_deactivated_organisation_is_neither_reminded_nor_overdue(app, personas, world):
    org_b = personas.orgs["gemeente_b"]
    with db_ctx(app):
        service.open_reviews(THEN, 3)
        db.session.get(Organisation, org_b).active = False
        due = service.period_of(THEN, 3)[1]
        service.send_reminders(due, timedelta(days=14))
        assert _review(organisation_id=org_b).reminded_at is None
        assert _review(organisation_id=personas.orgs["gemeente_a"]).reminded_at == due
        admin = db.session.get(User, personas.platform_admin.id)
        listed = db.session.scalars(service.overview(admin, utcnow(), overdue_only=True)).all()
        assert _review(organisation_id=org_b) not in listed
        assert _review(organisation_id=personas.orgs["gemeente_a"]) in listed


def test_the_command_opens_and_reminds(app, personas, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["neig", "access-reviews"])
    assert re.search(r"Opened [1-9]\d* access review\(s\)", first.output), first.output
    second = runner.invoke(args=["neig", "access-reviews"])
    assert "Opened 0 access review(s), reminded 0." in second.output
