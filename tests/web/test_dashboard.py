"""The dashboard after login: what changed in my spaces since my last visit, my action items,
open comment rounds, my cases (with MFA only), unread notifications; never anything the user
may not see, and as many queries with 60 objects of each kind as with 3."""

import re
from datetime import timedelta

from sqlalchemy import delete, select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.actions.models import ActionItemNarrowing, ItemStatus
from neig_workspace.cases import service as cases
from neig_workspace.cases.models import ExplosiveType, TargetType
from neig_workspace.comments import service as comments
from neig_workspace.directory.dashboard import (
    FIRST_VISIT_WINDOW,
    VISIT_GAP,
    VisitStart,
    start_visit,
)
from neig_workspace.directory.models import DashboardVisit
from neig_workspace.documents import drafts
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.actions.helpers import make_item, make_plan, plan_space
from tests.cases.helpers import basis_id
from tests.conftest import count_queries
from tests.helpers import login_as


def _org(personas, key):
    return db.session.get(Organisation, personas.orgs[key])


def _user(persona):
    return db.session.get(User, persona.id)


def _space(personas, name, org_keys, role=SpaceRole.CONTRIBUTOR):
    space = spaces.create_space(SpaceKind.SHARED, name, actor=None)
    db.session.flush()
    for key in org_keys:
        spaces.add_grant(
            space, PrincipalType.ORGANISATION, role, organisation=_org(personas, key), actor=None
        )
    return space


def _draft(space, author, title, **kw):
    return drafts.create_text_draft(
        space, title=title, text=f"# {title}\n\nTekst.", actor=author, **kw
    )


def _round(document, personas, org_keys, days=14):
    return comments.start_round(
        document,
        deadline=utcnow() + timedelta(days=days),
        organisation_ids=[personas.orgs[k] for k in org_keys],
        actor=_user(personas.secretariat),
    )


def _case(personas, creator="org_admin_a", municipality="gemeente_a"):
    return cases.create_case(
        actor=_user(personas[creator]),
        municipality=_org(personas, municipality),
        occurred_at=utcnow() - timedelta(days=1),
        target_type=TargetType.WONING,
        explosive_type=ExplosiveType.ZWAAR_VUURWERK,
        legal_basis_id=basis_id(),
        purpose="Aanpak",
        postcode4="3011",
    )


def _dashboard(app, persona, *, mfa=True) -> str:
    client = login_as(app, app.test_client(), persona, mfa_verified=mfa)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- what changed in my spaces --------------------------------------------------------------


def test_changes_by_others_in_my_spaces_show(app, personas):
    with app.app_context():
        shared = _space(personas, "Werkgroep nazorg", ["gemeente_a", "politie"])
        own = _space(personas, "Eigen werkruimte A", ["gemeente_a"])
        _draft(shared, _user(personas.police), "Kader nazorg")
        _draft(own, _user(personas.member_a), "Mijn eigen concept")
        db.session.commit()
    html = _dashboard(app, personas.member_a)
    assert "Werkgroep nazorg" in html
    assert "Eigen werkruimte A" not in html  # only my own changes there


def _news_shown_to_member_a(app, personas):
    """A change by the police in a space shared with member_a's organisation, on member_a's
    dashboard: (member_a's client, the space's id)."""
    with app.app_context():
        space = _space(personas, "Werkgroep nazorg", ["gemeente_a", "politie"])
        _draft(space, _user(personas.police), "Kader nazorg")
        db.session.commit()
        space_id = space.id
    client = login_as(app, app.test_client(), personas.member_a)
    assert "Werkgroep nazorg" in client.get("/").get_data(as_text=True)
    return client, space_id


def test_a_space_whose_grant_is_gone_shows_no_more_on_the_next_visit(app, personas):
    """The sections' statements are kept across requests: a lost grant makes them anew."""
    client, shared_id = _news_shown_to_member_a(app, personas)
    with app.app_context():
        grant = db.session.scalars(
            select(SpaceGrant).where(
                SpaceGrant.space_id == shared_id,
                SpaceGrant.organisation_id == personas.orgs["gemeente_a"],
            )
        ).one()
        spaces.remove_grant(grant, actor=None)
        db.session.commit()
    assert "Werkgroep nazorg" not in client.get("/").get_data(as_text=True)


def test_another_organisations_restricted_space_never_shows(app, personas):
    with app.app_context():
        other = _space(personas, "Driehoek Amsterdam", ["gemeente_b"])
        _draft(other, _user(personas.org_admin_b), "Geheim plan Amsterdam")
        db.session.commit()
    html = _dashboard(app, personas.member_a)
    assert "Driehoek Amsterdam" not in html
    assert "Driehoek Amsterdam" in _dashboard(app, personas.member_b)


def test_a_change_about_a_document_narrowed_away_does_not_count(app, personas):
    with app.app_context():
        space = _space(personas, "Werkgroep repressie", ["gemeente_a", "politie"])
        _draft(
            space, _user(personas.police), "Alleen politie", narrowing=[personas.orgs["politie"]]
        )
        db.session.commit()
    assert "Werkgroep repressie" not in _dashboard(app, personas.member_a)
    assert "Werkgroep repressie" not in _dashboard(app, personas.police)  # their own change


# --- last visit ------------------------------------------------------------------------------


def test_the_last_visit_moves_only_when_a_new_visit_starts(app, personas):
    now = utcnow()
    with app.app_context():
        user = _user(personas.member_a)
        assert start_visit(user, now) == VisitStart(now - FIRST_VISIT_WINDOW, first=True)
        later = now + VISIT_GAP - timedelta(minutes=1)
        # a reload: still the first visit, new still means the last two weeks
        assert start_visit(user, later) == VisitStart(later - FIRST_VISIT_WINDOW, first=True)
        next_day = later + timedelta(days=1)
        # new since the end of the last visit
        assert start_visit(user, next_day) == VisitStart(later, first=False)
        assert start_visit(user, next_day + timedelta(minutes=5)) == VisitStart(later, first=False)
        visit = db.session.get(DashboardVisit, user.id)
        assert visit.seen_at == next_day + timedelta(minutes=5)


def test_a_first_visit_names_no_previous_visit(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    html = client.get("/").get_data(as_text=True)
    assert "vorige bezoek" not in html
    assert "Dit is uw eerste bezoek." in html and "de afgelopen 14 dagen" in html
    with app.app_context():
        visit = db.session.get(DashboardVisit, personas.member_a.id)
        visit.seen_at -= VISIT_GAP + timedelta(minutes=1)  # that visit is over
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Nieuw sinds uw vorige bezoek op" in html and "eerste bezoek" not in html


def test_what_came_before_the_last_visit_is_no_longer_new(app, personas):
    client, space_id = _news_shown_to_member_a(app, personas)
    with app.app_context():
        visit = db.session.get(DashboardVisit, personas.member_a.id)
        visit.seen_at = visit.since = utcnow()  # the last visit ended after that change
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Werkgroep nazorg" not in html
    assert "Geen wijzigingen door anderen" in html
    with app.app_context():
        _draft(db.session.get(Space, space_id), _user(personas.police), "Nieuw kader")
        db.session.commit()
    assert "Werkgroep nazorg" in client.get("/").get_data(as_text=True)


# --- action items ----------------------------------------------------------------------------


def _plan(app, personas):
    with app.app_context():
        secretariat = _user(personas.secretariat)
        plan = make_plan(plan_space(personas), actor=secretariat)
        make_item(plan, personas, "P-01", title="Leiden door Rotterdam")
        make_item(
            plan,
            personas,
            "P-02",
            lead="politie",
            contributors=["gemeente_a"],
            title="Bijdrage Rotterdam",
        )
        make_item(plan, personas, "P-03", lead="gemeente_b", title="Alleen Amsterdam")
        make_item(plan, personas, "P-04", title="Al afgerond", status=ItemStatus.DONE)
        narrowed = make_item(plan, personas, "N-01", title="Versmald weg")
        # The service keeps the lead among the readers; the filter must hold even if not.
        db.session.add(
            ActionItemNarrowing(item_id=narrowed.id, organisation_id=personas.orgs["politie"])
        )
        closed = _space(personas, "Werkgroep politie", ["gemeente_a", "politie", "secretariaat"])
        hidden_plan = make_plan(closed, actor=secretariat)
        make_item(hidden_plan, personas, "H-01", title="In een ruimte zonder Rotterdam")
        # Rotterdam leaves the space: its item there is no longer one it may see.
        db.session.execute(
            delete(SpaceGrant).where(
                SpaceGrant.space_id == closed.id,
                SpaceGrant.organisation_id == personas.orgs["gemeente_a"],
            )
        )
        db.session.commit()


def test_my_open_action_items(app, personas):
    _plan(app, personas)
    html = _dashboard(app, personas.member_a)
    assert "Leiden door Rotterdam" in html and "Bijdrage Rotterdam" in html
    assert "Alleen Amsterdam" not in html
    assert "Al afgerond" not in html
    assert "Versmald weg" not in html  # narrowed away from Rotterdam
    assert "In een ruimte zonder Rotterdam" not in html  # Rotterdam leads, but may not read it
    other = _dashboard(app, personas.member_b)
    assert "Alleen Amsterdam" in other and "Leiden door Rotterdam" not in other


# --- comment rounds --------------------------------------------------------------------------


def test_open_rounds_my_organisation_is_invited_to(app, personas):
    with app.app_context():
        space = _space(
            personas, "Werkgroep nazorg", ["gemeente_a", "politie", "om"], SpaceRole.VIEWER
        )
        invited = _draft(space, _user(personas.police), "Kader voor Rotterdam")
        not_invited = _draft(space, _user(personas.police), "Kader voor het OM")
        closed = _draft(space, _user(personas.police), "Gesloten kader")
        invited_round = _round(invited, personas, ["gemeente_a", "politie"])
        _round(not_invited, personas, ["om"])
        comments.close_round(
            _round(closed, personas, ["gemeente_a"]), actor=_user(personas.secretariat)
        )
        db.session.commit()
        round_id = invited_round.id
    html = _dashboard(app, personas.member_a)
    assert "Kader voor Rotterdam" in html
    # The deadline as the round itself says it: "tot en met 17 december 2026", no time.
    round_page = login_as(app, app.test_client(), personas.member_a).get(
        f"/commentaarrondes/{round_id}"
    )
    shown = re.search(r"Reageren kan tot en met</dt><dd[^>]*>([^<]+)<", round_page.text).group(1)
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}", shown)
    assert f"reageren kan tot en met {shown}" in html
    assert "Kader voor het OM" not in html.split('id="rounds-title"')[1].split("</section>")[0]
    assert "Gesloten kader" not in html.split('id="rounds-title"')[1].split("</section>")[0]
    assert "Kader voor Rotterdam" not in _dashboard(app, personas.member_b)


# --- cases -----------------------------------------------------------------------------------


def test_my_cases_with_new_activity_only_with_mfa(app, personas):
    with app.app_context():
        mine = _case(personas).reference
        theirs = _case(personas, creator="org_admin_b", municipality="gemeente_b").reference
        db.session.commit()
    html = _dashboard(app, personas.member_a)
    assert mine in html and theirs not in html
    without_mfa = _dashboard(app, personas.member_a, mfa=False)
    assert mine not in without_mfa
    assert "alleen na inloggen met uw tweede factor" in without_mfa


# --- notifications ---------------------------------------------------------------------------


def test_unread_notifications_that_i_may_still_read(app, personas):
    with app.app_context():
        space = _space(personas, "Werkgroep nazorg", ["gemeente_a", "politie"], SpaceRole.VIEWER)
        document = _draft(space, _user(personas.police), "Kader met ronde")
        _round(document, personas, ["gemeente_a"])  # notifies Rotterdam's members
        db.session.commit()
        space_id = space.id
    html = _dashboard(app, personas.member_a)
    section = html.split('id="notifications-title"')[1].split("</section>")[0]
    assert "Kader met ronde" in section
    with app.app_context():
        # Rotterdam's grant goes: the notification about the round must disappear with it.
        db.session.execute(delete(SpaceGrant).where(SpaceGrant.space_id == space_id))
        db.session.commit()
    html = _dashboard(app, personas.member_a)
    assert "Kader met ronde" not in html
    assert "U hebt geen ongelezen meldingen." in html


# --- the query budget ------------------------------------------------------------------------


def _plant(app, personas, start: int, stop: int) -> None:
    """Objects start..stop-1 of each kind, all for member_a: a space with a change by someone
    else, a draft in an open round Rotterdam is invited to (and so a notification), an action
    item Rotterdam leads and a case Rotterdam takes part in."""
    with app.app_context():
        for i in range(start, stop):
            space = _space(personas, f"Werkruimte {i:03d}", ["gemeente_a", "politie"])
            document = _draft(space, _user(personas.police), f"Concept {i:03d}")
            _round(document, personas, ["gemeente_a"])
            _case(personas)
        db.session.commit()


def _plan_items(app, personas, start, stop, plan_id=None):
    from neig_workspace.actions.models import ActionPlan

    with app.app_context():
        plan = (
            db.session.get(ActionPlan, plan_id)
            if plan_id
            else make_plan(plan_space(personas), actor=_user(personas.secretariat))
        )
        for i in range(start, stop):
            make_item(plan, personas, f"P-{i:03d}", contributors=["politie"])
        db.session.commit()
        return plan.id


def _count(app, client) -> int:
    assert client.get("/").status_code == 200  # warm up
    with count_queries(app) as statements:
        response = client.get("/")
    assert response.status_code == 200
    return len(statements)


def test_the_dashboard_runs_as_many_queries_for_60_objects_of_each_kind_as_for_3(app, personas):
    _plant(app, personas, 0, 3)
    plan_id = _plan_items(app, personas, 0, 3)
    client = login_as(app, app.test_client(), personas.member_a)
    small = _count(app, client)
    html = client.get("/").get_data(as_text=True)
    assert "Concept 002" in html and "Werkruimte 002" in html and "P-002" in html
    _plant(app, personas, 3, 60)
    _plan_items(app, personas, 3, 60, plan_id)
    large = _count(app, client)
    html = client.get("/").get_data(as_text=True)
    # Each section's total rides along with its first rows (a window count): the items, the
    # rounds and the cases each say how many there are beyond the eight shown.
    counted = re.findall(r"(\d+) van (\d+) getoond", html)
    assert counted.count(("8", "60")) >= 3, counted
    assert large == small
    assert small < 40, small


# --- upcoming meetings --------------------------------------------------------------------------


def _meetings(app, personas, spaces_ids, start, stop):
    from neig_workspace.meetings import service as meetings
    from neig_workspace.meetings.models import Meeting
    from tests.meetings.world import make_meeting

    with app.app_context():
        for i in range(start, stop):
            meeting_id = make_meeting(
                personas,
                spaces_ids["network"],
                title=f"Sessie {i:03d}",
                starts_in=timedelta(days=i + 1),
            )
            if i % 2 == 0:
                meetings.register(
                    db.session.get(Meeting, meeting_id), actor=_user(personas.member_a)
                )
        db.session.commit()


def test_upcoming_meetings_show_with_my_registration_in_as_many_queries_for_60_as_for_3(
    app, personas
):
    from tests.meetings.world import make_spaces

    with app.app_context():
        spaces_ids = make_spaces(personas)
    _meetings(app, personas, spaces_ids, 0, 3)
    client = login_as(app, app.test_client(), personas.member_a)
    small = _count(app, client)
    html = client.get("/").get_data(as_text=True)
    assert "Sessie 000" in html and "Sessie 002" in html and "Aangemeld" in html
    _meetings(app, personas, spaces_ids, 3, 60)
    assert _count(app, client) == small
    html = client.get("/").get_data(as_text=True)
    assert "Sessie 004" in html and "Sessie 005" not in html  # the next five only
