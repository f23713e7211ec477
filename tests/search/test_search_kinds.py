"""Searching every kind (issue 20) on both databases: text drafts, comments, knowledge
articles, meetings and the case material (cases, measures, aftercare tasks, timeline entries)
each have a type and a count of their own; nobody finds, counts or sees a snippet of what they
may not read (the route matrix's spirit: every persona, every kind, the page of the thing as
the oracle); case material needs a session with MFA, and opening a case hit is a read in the
case's access log; a destroyed case, a deleted comment and an archived article never match;
the page runs as many queries for a few hits of a kind as for many.

Plant once, check many: one world for the module, every test rolled back to it.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import item_service
from neig_workspace.cases.models import (
    AftercareKind,
    Case,
    EntryKind,
    Measure,
    MeasureType,
)
from neig_workspace.cases.retention import destroy_case
from neig_workspace.comments import service as comments
from neig_workspace.documents import extraction
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.knowledge import service as knowledge
from neig_workspace.meetings.models import MeetingAudience
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from tests.cases.helpers import basis_id, open_case
from tests.conftest import count_queries
from tests.helpers import login_as
from tests.knowledge.helpers import make_space, write_article
from tests.meetings.world import plan_meeting
from tests.personas import PERSONAS


@dataclass(frozen=True)
class Place:
    """Something a word is hidden in: its kind (?soort=) and the page that says who reads it."""

    word: str
    kind: str
    #: The page of the thing, and (for a thing shown on its parent's page) its anchor there.
    page: str = ""
    anchor: str = ""


@dataclass
class World:
    places: dict = field(default_factory=dict)  # key -> Place
    ids: dict = field(default_factory=dict)  # key -> the thing's id
    case_id: int = 0


#: Never found by anyone: the thing is gone, deleted or archived.
NEVER = {"comment_deleted", "article_archived", "destroyed_case", "destroyed_measure"}
#: Who must find each place (at least these; the thing's page decides the rest).
MUST_FIND = {
    "draft_b": "member_b",
    "comment_b": "member_b",
    "comment_narrowed": "police",
    "comment_shared": "member_a",
    "article": "police",
    "meeting": "org_admin_a",
    "case": "om",
    "measure": "police",
    "task": "housing",
    "entry": "police",
}
#: Who must not find it though they read something near it (not a vacuous sweep).
MUST_NOT_FIND = {
    "draft_b": "member_a",
    "comment_narrowed": "member_a",
    "article": "member_b",
    "meeting": "member_b",
    "measure": "housing",
    "entry": "member_a",
    "case": "member_b",
}


def _user(persona) -> User:
    return db.session.get(User, persona.id)


def _org(personas, key) -> Organisation:
    return db.session.get(Organisation, personas.orgs[key])


def _add(space, name, persona, content=b"inhoud\n", **fields):
    return documents.upload_document(
        space, documents.Upload(io.BytesIO(content), name), actor=_user(persona), **fields
    )


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    with test_db.rolled_back():
        yield _plant(app, module_personas)


def _plant(app, p) -> World:
    w = World()

    def place(key, obj, kind, word, page, anchor=""):
        w.ids[key] = obj.id
        w.places[key] = Place(word, kind, page.format(id=obj.id), anchor.format(id=obj.id))

    with app.app_context():
        space_a = spaces.create_organisation_space(_org(p, "gemeente_a"), actor=None)
        space_b = spaces.create_organisation_space(_org(p, "gemeente_b"), actor=None)
        shared = spaces.create_space(SpaceKind.SHARED, "Netwerkbibliotheek", actor=None)
        spaces.add_grant(shared, PrincipalType.NETWORK, SpaceRole.CONTRIBUTOR, actor=None)
        spaces.add_grant(
            space_a, PrincipalType.USER, SpaceRole.CONTRIBUTOR, user=_user(p.police), actor=None
        )
        draft = _add(space_b, "concept.md", p.member_b, b"Over de ijsvogel.\n", text=True)
        place("draft_b", draft, "concepten", "ijsvogel", "/documenten/{id}")
        in_b = _add(space_b, "b.txt", p.member_b)
        narrowed = _add(space_a, "n.txt", p.police, narrowing=[p.orgs["politie"]])
        readable = _add(shared, "s.txt", p.member_a, title="Netwerkverslag")
        db.session.flush()
        for key, on, persona, word in (
            ("comment_b", in_b, p.member_b, "boomklever"),
            ("comment_narrowed", narrowed, p.police, "goudvink"),
            ("comment_shared", readable, p.member_a, "kwikstaart"),
            ("comment_deleted", readable, p.member_a, "roerdomp"),
        ):
            posted = comments.post_comment(on, body=f"De {word} gezien.", actor=_user(persona))
            comment = posted.comment
            db.session.flush()
            place(key, comment, "reacties", word, f"/documenten/{on.id}", "reactie-{id}")
        deleted = db.session.get(type(comment), w.ids["comment_deleted"])
        comments.delete_comment(deleted, actor=_user(p.member_a))
        w.ids["readable_document"] = readable.id
        kennisbank = make_space(p)
        article = write_article(kennisbank, p, title="Het koekoeksjong", summary="De koekoek.")
        place("article", article, "kennisbank", "koekoek", "/kennisbank/{id}")
        archived = write_article(kennisbank, p, title="Wielewaal", summary="De wielewaal.")
        knowledge.set_archived(archived, True, actor=_user(p.member_a))
        place("article_archived", archived, "kennisbank", "wielewaal", "/kennisbank/{id}")
        meeting = plan_meeting(
            space_a,
            _user(p.org_admin_a),
            title="Overleg",
            description="Over de nachtegaal.",
            audience=MeetingAudience.SPACE,
        )
        place("meeting", meeting, "bijeenkomsten", "nachtegaal", "/bijeenkomsten/{id}")
        db.session.commit()
        extraction.extract_version(db.session.get(Document, w.ids["draft_b"]).latest.id)
    participants = (
        ("politie", SpaceRole.CONTRIBUTOR, True, True),
        ("om", SpaceRole.VIEWER, True, False),
        ("corporatie", SpaceRole.CONTRIBUTOR, False, False),
    )
    w.case_id = open_case(app, p, participants=participants, description="Een sperwer.")
    doomed_id = open_case(app, p, participants=participants, description="Een slechtvalk.")
    with app.app_context():
        case = db.session.get(Case, w.case_id)
        place("case", case, "casussen", "sperwer", "/casussen/{id}")
        measure = item_service.add_measure(
            case,
            item_service.MeasureData(
                MeasureType.CAMERATOEZICHT_151C, p.orgs["gemeente_a"], description="havik"
            ),
            actor=_user(p.member_a),
        )
        place("measure", measure, "maatregelen", "havik", f"/casussen/{case.id}", "maatregel-{id}")
        task = item_service.add_task(
            case,
            item_service.TaskData(
                AftercareKind.BEWONERSBRIEF, p.orgs["corporatie"], description="buizerd"
            ),
            actor=_user(p.member_a),
        )
        place("task", task, "nazorgtaken", "buizerd", f"/casussen/{case.id}", "taak-{id}")
        entry = item_service.add_entry(
            case,
            item_service.EntryData(
                datetime(2025, 3, 14, 8),
                EntryKind.NOTITIE,
                "De torenvalk.",
                basis_id(),
                narrowing=[p.orgs["politie"]],
            ),
            actor=_user(p.police),
        )
        place("entry", entry, "tijdlijn", "torenvalk", f"/casussen/{case.id}", "regel-{id}")
        doomed = db.session.get(Case, doomed_id)
        doomed_measure = item_service.add_measure(
            doomed,
            item_service.MeasureData(
                MeasureType.OVERIG, p.orgs["gemeente_a"], description="slechtvalk"
            ),
            actor=_user(p.member_a),
        )
        place("destroyed_case", doomed, "casussen", "slechtvalk", "/casussen/{id}")
        place(
            "destroyed_measure",
            doomed_measure,
            "maatregelen",
            "slechtvalk",
            f"/casussen/{doomed_id}",
            "maatregel-{id}",
        )
        db.session.commit()
        destroy_case(db.session.get(Case, doomed_id))
        db.session.commit()
    return w


def search(app, persona, q, *, mfa=True, **args):
    client = login_as(app, app.test_client(), persona, mfa_verified=mfa)
    response = client.get("/zoeken", query_string={"q": q, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def hits(page: str) -> list[tuple[str, int]]:
    return [(k, int(i)) for k, i in re.findall(r'data-hit="([a-z]+)-(\d+)"', page)]


def kind_counts(page: str) -> dict[str, int]:
    nav = re.search(r'<nav aria-label="Soort">(.*?)</nav>', page, re.S)
    pairs = re.findall(r">([A-Z][a-z ]+)(?:</a>)? \((\d+)\)", nav.group(1) if nav else "")
    return {label: int(count) for label, count in pairs}


def shown(page: str) -> str:
    """What the page shows of the hits: the results and the facets (not the query echoed)."""
    parts = re.findall(r'<ol class="utrecht-ordered-list search-results".*?</ol>', page, re.S)
    parts += re.findall(r'<div class="search-facets">.*?</div>\s*\n(?=<ol)', page, re.S)
    return re.sub(r'href="[^"]*"', "", "\n".join(parts))  # the links repeat the query


def _readable(client, place: Place, pages: dict) -> bool:
    """The thing's own page (or its parent's, with the thing's anchor) says who reads it;
    `pages` keeps each page asked for (a case page shows four of the places)."""
    if place.page not in pages:
        answer = client.get(place.page)
        pages[place.page] = answer.get_data(as_text=True) if answer.status_code == 200 else None
    page = pages[place.page]
    return page is not None and (not place.anchor or f'id="{place.anchor}"' in page)


#: The label of each kind in the page's list of kinds (documents and action items are swept in
#: test_search.py).
LABELS = {
    "documenten": "Documenten",
    "concepten": "Tekstconcepten",
    "reacties": "Reacties",
    "actiepunten": "Actiepunten",
    "kennisbank": "Kennisbank",
    "bijeenkomsten": "Bijeenkomsten",
    "casussen": "Casussen",
    "maatregelen": "Maatregelen",
    "nazorgtaken": "Nazorgtaken",
    "tijdlijn": "Tijdlijn van casussen",
}


@pytest.mark.parametrize("persona_key", list(PERSONAS))
def test_no_persona_finds_counts_or_sees_what_it_may_not_read(app, personas, world, persona_key):
    persona = personas[persona_key]
    client, pages = login_as(app, app.test_client(), persona), {}
    readers = {
        key
        for key, place in world.places.items()
        if key not in NEVER and _readable(client, place, pages)
    }
    assert {k for k, who in MUST_FIND.items() if who == persona_key} <= readers
    assert not {k for k, who in MUST_NOT_FIND.items() if who == persona_key} & readers
    words = sorted({place.word for place in world.places.values()})
    everything = " of ".join(words)
    expected = {}
    for key in readers:
        expected[world.places[key].kind] = expected.get(world.places[key].kind, 0) + 1
    for kind in sorted({place.kind for place in world.places.values()}):
        label = LABELS[kind]
        page = search(app, persona, everything, soort=kind)
        found = set(hits(page))
        wanted = {(kind, world.ids[k]) for k in readers if world.places[k].kind == kind}
        assert found == wanted, (persona_key, kind)
        counts = kind_counts(page)
        assert counts == {LABELS[k]: n for k, n in expected.items()} | {label: len(wanted)}, (
            persona_key,
            kind,
        )
        visible = shown(page)
        for key, place in world.places.items():
            if key not in readers and not any(world.places[r].word == place.word for r in readers):
                assert place.word not in visible.lower(), (persona_key, kind, key)
        if not wanted:
            assert "Geen resultaten voor" in page and "<mark>" not in page


def test_case_material_needs_a_session_with_mfa(app, personas, world):
    q = " of ".join(world.places[k].word for k in ("case", "measure", "task", "entry"))
    with_mfa = search(app, personas.police, q, soort="casussen")
    assert kind_counts(with_mfa) == {
        "Casussen": 1,
        "Maatregelen": 1,
        "Nazorgtaken": 1,
        "Tijdlijn van casussen": 1,
    }
    for kind in ("casussen", "maatregelen", "nazorgtaken", "tijdlijn"):
        page = search(app, personas.police, q, mfa=False, soort=kind)
        assert hits(page) == [] and "<mark>" not in page, kind
        assert kind_counts(page) == {LABELS[kind]: 0}, kind


def test_opening_a_case_hit_is_a_read_in_the_case_access_log(app, personas, world):
    page = search(app, personas.police, "havik", soort="maatregelen")
    link = re.search(r'data-hit="maatregelen-\d+">\s*<a class="utrecht-link" href="([^"]+)"', page)
    assert link.group(1) == f"/casussen/{world.case_id}#maatregel-{world.ids['measure']}"

    def reads():
        with app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "case.viewed")
                .where(AuditEvent.target_id == str(world.case_id))
            )

    before = reads()
    client = login_as(app, app.test_client(), personas.police)
    assert client.get(link.group(1)).status_code == 200
    assert reads() == before + 1


def test_each_kind_has_its_type_and_the_first_kind_with_hits_is_listed(app, personas, world):
    page = search(app, personas.police, "torenvalk")  # no ?soort=: the kind with hits
    assert hits(page) == [("tijdlijn", world.ids["entry"])]
    assert "Tijdlijnregel · Casus " in page and "<mark>torenvalk</mark>" in page
    page = search(app, personas.member_a, "koekoek")
    assert hits(page) == [("kennisbank", world.ids["article"])]
    assert "Kennisbankartikel" in page


def test_a_comment_is_found_as_a_comment_never_in_its_document(app, personas, world):
    member = personas.member_a
    assert hits(search(app, member, "kwikstaart", soort="documenten")) == []
    page = search(app, member, "kwikstaart", soort="reacties")
    assert hits(page) == [("reacties", world.ids["comment_shared"])]
    assert "Reactie op Netwerkverslag" in page and "<mark>kwikstaart</mark>" in page
    link = f"/documenten/{world.ids['readable_document']}#reactie-{world.ids['comment_shared']}"
    assert f'href="{link}"' in page
    # The document's own hit shows its own words, never a comment's.
    page = search(app, member, "netwerkverslag", soort="documenten")
    assert hits(page) == [("documenten", world.ids["readable_document"])]
    assert "kwikstaart" not in shown(page)


def test_what_is_gone_leaves_no_index_rows(app, world):
    with app.app_context():
        for table, key, place in (
            ("search_cases", "case_id", "destroyed_case"),
            ("search_measures", "measure_id", "destroyed_measure"),
            ("search_comments", "comment_id", "comment_deleted"),
        ):
            left = db.session.execute(
                text(f"SELECT count(*) FROM {table} WHERE {key} = :id"),  # noqa: S608
                {"id": world.ids[place]},
            ).scalar()
            assert left == 0, place
        assert db.session.get(Measure, world.ids["destroyed_measure"]) is None


def test_an_edit_is_found_at_once(app, personas, world):
    with app.app_context():
        measure = db.session.get(Measure, world.ids["measure"])
        item_service.update_measure(
            measure,
            item_service.MeasureData(
                measure.type, measure.responsible_organisation_id, description="kiekendief"
            ),
            actor=_user(personas.member_a),
        )
        db.session.commit()
    assert hits(search(app, personas.police, "havik", soort="maatregelen")) == []
    found = hits(search(app, personas.police, "kiekendief", soort="maatregelen"))
    assert found == [("maatregelen", world.ids["measure"])]


def test_the_page_runs_as_many_queries_for_a_few_hits_as_for_many(app, personas, world):
    """Per kind, and for the page that picks the kind: the query count does not grow."""
    client = login_as(app, app.test_client(), personas.member_a)
    client.get("/")
    kinds = ("reacties", "maatregelen", None)

    def fill(count):
        with app.app_context():
            document = db.session.get(Document, world.ids["readable_document"])
            case = db.session.get(Case, world.case_id)
            for _ in range(count):
                comments.post_comment(document, body="zeearend", actor=_user(personas.member_a))
                item_service.add_measure(
                    case,
                    item_service.MeasureData(
                        MeasureType.OVERIG, personas.orgs["gemeente_a"], description="zeearend"
                    ),
                    actor=_user(personas.member_a),
                )
            db.session.commit()

    def queries():
        found = {}
        for kind in kinds:
            path = "/zoeken?q=zeearend" + (f"&soort={kind}" if kind else "")
            with count_queries(app) as statements:
                assert client.get(path).status_code == 200
            found[kind] = len(statements)
        return found

    fill(2)
    few = queries()
    fill(25)
    many = queries()
    assert few == many
