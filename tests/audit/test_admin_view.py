"""The audit log names only what the platform admin could read (issue 15, finding 4).

Events about the content of spaces the admin cannot open show as their kind and id, without
details; events in a case space show neither the case's reference, municipality or
participants nor who acted (who read a case is for its managers, in the case's access log).
What the admin manages (organisations, users, grants of non-case spaces) shows in full."""

import html
import re
from datetime import timedelta

from sqlalchemy import select

from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.cases.models import Case
from neig_workspace.meetings.models import MeetingAudience
from neig_workspace.spaces.models import Space, SpaceGrant
from tests.cases.helpers import open_case
from tests.conftest import count_queries, db_ctx
from tests.helpers import login_as
from tests.meetings.world import make_meeting, make_spaces

AUDIT = "/beheer/audit"
MEETING_TITLE = "Overleg dossier Jansen"


def page_of(client, query: str = "") -> str:
    response = client.get(f"{AUDIT}{query}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def rows_of(page: str, action: str) -> list[str]:
    """The rows of events whose action starts with `action`."""
    rows = re.findall(r'<tr class="utrecht-table__row[^"]*">(.*?)</tr>', page, re.S)
    return [row for row in rows if f'<code class="utrecht-code">{action}' in row]


def plant(app, personas) -> dict:
    """A's own space with a meeting for its members only (and the meeting's folders), and a
    case of A with the police and the OM, read once by the police."""
    with app.app_context():
        own = make_spaces(personas)["own"]
        meeting = make_meeting(
            personas,
            own,
            title=MEETING_TITLE,
            audience=MeetingAudience.SPACE,
            starts_in=timedelta(days=3),
        )
    case_id = open_case(app, personas)
    with db_ctx(app) as session:
        case = session.get(Case, case_id)
        audit.record(
            "case.viewed",
            actor=session.get(User, personas.police.id),
            target=case,
            space_id=case.space_id,
        )
        session.commit()
        return {
            "own": own,
            "meeting": meeting,
            "case": case_id,
            "case_space": case.space_id,
            "reference": case.reference,
        }


def test_titles_in_a_space_the_admin_cannot_open_stay_hidden(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    page = page_of(client)

    assert MEETING_TITLE not in page
    assert "Verslag en presentaties" not in page  # the meeting's subfolder
    [meeting_row] = rows_of(page, "meeting.created<")
    assert f"Bijeenkomst {world['meeting']}" in meeting_row
    assert "een bijeenkomst in een werkruimte waar u geen toegang toe hebt" in meeting_row
    assert all(
        "een map in een werkruimte waar u geen toegang toe hebt" in row
        for row in rows_of(page, "folder.created")
    )


def test_case_events_show_no_reference_municipality_participants_or_readers(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    page = page_of(client)

    assert world["reference"] not in page
    assert "Casus NEIG" not in page  # the case space's name, in space.created
    assert '"municipality"' not in page and '"core"' not in page
    [viewed] = rows_of(page, "case.viewed<")
    assert personas.police.email not in viewed and "Politie" not in viewed
    assert f"Casus {world['case']}" in viewed and "een casus" in viewed
    case_rows = rows_of(page, "case.")
    with db_ctx(app) as session:
        grants = session.scalars(
            select(SpaceGrant.id).where(SpaceGrant.space_id == world["case_space"])
        ).all()
    case_rows += [
        r for r in rows_of(page, "grant.added") for g in grants if f"Toegangsrecht {g}<" in r
    ]
    assert len(case_rows) > len(grants) > 0
    for row in case_rows:
        assert "@example.nl" not in row, row  # no actor
        assert "geen toegang" in row
    # Filtering on a user finds none of their case events either: counts would tell.
    assert rows_of(page_of(client, f"?gebruiker={personas.police.email}"), "case.viewed") == []
    by_creator = page_of(client, f"?gebruiker={personas.member_a.email}&actie=case.")
    assert rows_of(by_creator, "case.") == []


def test_what_the_admin_manages_still_shows_in_full(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    page = page_of(client)
    own_grants = [r for r in rows_of(page, "grant.added") if '"organisation_admins"' in r]
    assert own_grants, "grants of A's own space are the admin's to see"
    with db_ctx(app) as session:
        own_name = session.get(Space, world["own"]).name
    assert own_name in page  # space.created of A's own space, with its name


def test_the_log_reads_in_dutch_with_the_raw_details_behind_a_toggle(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    page = page_of(client)
    assert "flask neig audit verify" not in page and "audit verify" not in page
    [created] = [r for r in rows_of(page, "space.created") if f"Werkruimte {world['own']}<" in r]
    assert "Werkruimte aangemaakt" in created and "gelukt" in created
    assert "<summary>Technische gegevens</summary>" in created
    # The details read as labels, the JSON only inside the toggle.
    grant = next(r for r in rows_of(page, "grant.added") if '"organisation_admins"' in r)
    readable, raw = grant.split("<details", 1)
    assert "<dt>Toegang voor</dt><dd>organisation_admins</dd>" in readable
    assert '"principal_type"' not in readable and '"principal_type"' in raw
    # The filters: a Dutch list of actions, a person by name, the results in Dutch.
    assert '<option value="document.uploaded">Document geüpload</option>' in page
    assert '<option value="denied">geweigerd</option>' in page
    with db_ctx(app) as session:
        audit.record("auth.login", actor=session.get(User, personas.member_a.id))
        audit.record("auth.login", actor=session.get(User, personas.member_b.id))
        session.commit()
    [login] = rows_of(page_of(client, "?gebruiker=Member A&actie=auth.login"), "auth.login")
    assert "Ingelogd" in login and personas.member_a.email in login


def test_a_case_manager_still_reads_everything_in_the_cases_access_log(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.member_a)
    page = html.unescape(client.get(f"/casussen/{world['case']}/toegangslog").get_data(True))
    assert personas.police.email in page or personas.police.name in page


def test_the_page_runs_as_many_queries_for_5_as_for_60_events_of_every_kind(app, personas):
    world = plant(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    client.get(AUDIT)

    def add_events(n):
        with db_ctx(app) as session:
            actor = session.get(User, personas.police.id)
            case = session.get(Case, world["case"])
            for i in range(n):
                kind = i % 3
                if kind == 0:
                    audit.record("case.viewed", actor=actor, target=case, space_id=case.space_id)
                elif kind == 1:
                    audit.record(
                        "meeting.updated",
                        actor=actor,
                        target_type="meeting",
                        target_id=world["meeting"],
                        space_id=world["own"],
                        details={"title": MEETING_TITLE},
                    )
                else:
                    audit.record("test.event", actor=actor, target=actor, details={"i": i})
            session.commit()

    add_events(5)
    with count_queries(app) as few:
        page = page_of(client)
    assert MEETING_TITLE not in page
    add_events(55)
    with count_queries(app) as many:
        assert MEETING_TITLE not in page_of(client)
    assert len(few) == len(many)


def _ids_and_links(client, query: str) -> tuple[list[int], dict[str, str]]:
    """The `i` of the test.page events on the page, and its newer (prev) and older (next) links."""
    page = page_of(client, query)
    rows = rows_of(page, "test.page")
    ids = [int(re.search(r'\{"i": (\d+)\}', row).group(1)) for row in rows]
    return ids, dict(re.findall(r'rel="(prev|next)" href="/beheer/audit(\?[^"]*)"', page))


def test_the_log_pages_by_key_older_and_newer_keeping_the_filter(app, personas):
    """Paged by id, not by number: every event once, newest first, forth and back."""
    with db_ctx(app) as session:
        for i in range(60):
            audit.record("test.page", details={"i": i})
            audit.record("test.other", details={"i": i})
        session.commit()
    client = login_as(app, app.test_client(), personas.platform_admin)
    page_size = app.config["PAGE_SIZE"]
    seen, pages, query = [], [], "?actie=test.page"
    while query is not None:
        ids, links = _ids_and_links(client, query)
        pages.append((query, ids))
        seen += ids
        assert "actie=test.page" in "".join(links.values())
        query = links.get("next")
    assert seen == list(range(59, -1, -1))
    assert [len(ids) for _, ids in pages] == [page_size] * (60 // page_size) + [60 % page_size]
    ids, links = _ids_and_links(client, pages[-1][0])
    back, _links = _ids_and_links(client, links["prev"])
    assert back == pages[-2][1]
    assert "prev" not in _ids_and_links(client, pages[0][0])[1]
    assert client.get(f"{AUDIT}?na=abc").status_code == 400
