"""Searching documents (issue 20) on both databases: Dutch word forms, diacritics and codes
match; a word inside a PDF, a Word and an Excel file is found once its text is read; results,
counts, facets and snippets hold only what the reader may read; the index follows every change;
the page escapes what a document says and runs as many queries for 5 hits as for 50.

Plant once, check many: one world for the module, every test rolled back to it.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from neig_workspace.access.generation import GRANTED_SPACES
from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.actions import service as actions
from neig_workspace.actions.models import ActionItem
from neig_workspace.cases.models import Case
from neig_workspace.documents import extraction
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import (
    Document,
    DocumentVersion,
    ScanStatus,
    TextStatus,
    VersionText,
)
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.search import query
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.actions.helpers import make_item, make_plan, plan_space
from tests.cases.helpers import basis_id, open_case
from tests.conftest import count_queries
from tests.documents import extraction_files as files
from tests.helpers import login_as
from tests.personas import PERSONAS

#: A word each hiding place holds and nothing else does.
HIDDEN = {
    "other_org": "oranjeboom",  # in Amsterdam's own space
    "narrowed": "zwaluwstaart",  # in Rotterdam's space, narrowed to the police
    "trashed": "kiezelsteen",  # in the trash
    "infected": "meeldauw",  # the text of a version found infected after it was read
    "case": "vlasakker",  # in a case space: only with MFA, and only for its participants
    "narrowed_item": "klaprozen",  # an action item narrowed to the police and the secretariat
}
#: The hiding places that are action items.
ITEM_PLACES = {"narrowed_item"}


@dataclass
class World:
    space_a: int
    shared: int
    ids: dict = field(default_factory=dict)


def _user(persona) -> User:
    return db.session.get(User, persona.id)


def _add(space, name, persona, content=b"inhoud\n", **fields) -> Document:
    return documents.upload_document(
        space, documents.Upload(io.BytesIO(content), name), actor=_user(persona), **fields
    )


def _read(document: Document) -> None:
    """Read the current version's text as the job would (commits; a savepoint in the test)."""
    extraction.extract_version(document.latest.id)


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    p = module_personas
    with test_db.rolled_back():
        yield _plant(app, p)


def _plant(app, p) -> World:
    with app.app_context():
        org_a = db.session.get(Organisation, p.orgs["gemeente_a"])
        org_b = db.session.get(Organisation, p.orgs["gemeente_b"])
        space_a = spaces.create_organisation_space(org_a, actor=None)
        space_b = spaces.create_organisation_space(org_b, actor=None)
        shared = spaces.create_space(SpaceKind.SHARED, "Netwerkbibliotheek", actor=None)
        spaces.add_grant(shared, PrincipalType.NETWORK, SpaceRole.CONTRIBUTOR, actor=None)
        spaces.add_grant(
            space_a, PrincipalType.USER, SpaceRole.CONTRIBUTOR, user=_user(p.police), actor=None
        )
        w = World(space_a.id, shared.id)
        add = _add
        w.ids["plural"] = add(
            space_a, "a.txt", p.member_a, description="Twee explosies bij woningen na aanslagen"
        ).id
        w.ids["singular"] = add(
            space_a, "b.txt", p.member_a, description="Een explosie bij de woning, een aanslag"
        ).id
        w.ids["accented"] = add(
            space_a, "c.txt", p.member_a, description="Een geïmproviseerd explosief"
        ).id
        w.ids["plain"] = add(
            space_a, "d.txt", p.member_a, description="Een geimproviseerde lading"
        ).id
        w.ids["municipal"] = add(
            space_a, "i.txt", p.member_a, description="Geweld tegen de gemeenten"
        ).id
        w.ids["pronoun"] = add(space_a, "j.txt", p.member_a, description="Men zegt wel iets").id
        w.ids["code_1"] = add(space_a, "e.txt", p.member_a, title="Dossier NEIG-2026-0001")
        w.ids["code_2"] = add(space_a, "f.txt", p.member_a, title="Dossier NEIG-2026-0002")
        w.ids["p03"] = add(space_a, "g.txt", p.member_a, title="Wijk", tags="P-03, GM0599")
        w.ids["p031"] = add(space_a, "h.txt", p.member_a, title="Wijk", tags="P-031")
        for key in ("code_1", "code_2", "p03", "p031"):
            w.ids[key] = w.ids[key].id
        files_to_read = {
            "pdf": ("verslag.pdf", files.pdf("Er lagen zandzakken voor de deur")),
            "docx": ("nota.docx", files.word("Een brandvertrager in de gang.")),
            "xlsx": ("lijst.xlsx", files.excel("kluisdeur", "GM0363")),
        }
        for key, (name, content) in files_to_read.items():
            w.ids[key] = add(shared, name, p.member_a, content=content).id
        w.ids["control"] = add(shared, "controle.txt", p.member_a, description="gedeeld").id
        # The hiding places.
        police = p.orgs["politie"]
        w.ids["other_org"] = add(
            space_b, "o.txt", p.member_b, description=HIDDEN["other_org"] + " gedeeld"
        ).id
        w.ids["narrowed"] = add(
            space_a,
            "n.txt",
            p.police,
            description=HIDDEN["narrowed"] + " gedeeld",
            narrowing=[police],
        ).id
        trashed = add(shared, "t.txt", p.member_a, description=HIDDEN["trashed"] + " gedeeld")
        w.ids["trashed"] = trashed.id
        infected = add(shared, "i.txt", p.member_a, content=HIDDEN["infected"].encode() + b"\n")
        w.ids["infected"] = infected.id
        db.session.commit()
        for key in files_to_read:
            _read(db.session.get(Document, w.ids[key]))
        _read(infected)
        db.session.get(Document, w.ids["infected"]).latest.scan_status = ScanStatus.INFECTED
        documents.trash_document(
            db.session.get(Document, w.ids["trashed"]), actor=_user(p.member_a)
        )
        db.session.commit()
    case_id = open_case(app, p)
    with app.app_context():
        case_space = db.session.get(Space, db.session.get(Case, case_id).space_id)
        w.ids["case"] = _add(
            case_space,
            "pv.txt",
            p.police,
            description=HIDDEN["case"] + " gedeeld",
            classification=Classification.ZAAKVERTROUWELIJK,
            legal_basis_id=basis_id(),
        ).id
        db.session.commit()
    with app.app_context():
        plan = make_plan(plan_space(p), actor=_user(p.secretariat))
        w.ids["item"] = make_item(
            plan, p, "P-07", title="Brandgang vrijhouden", description="gedeelde aanpak"
        ).id
        w.ids["narrowed_item"] = make_item(
            plan,
            p,
            "N-07",
            lead="politie",
            line="Repressie",
            narrowing=["politie", "secretariaat"],
            description=HIDDEN["narrowed_item"],
        ).id
        actions.report_progress(
            db.session.get(ActionItem, w.ids["item"]),
            note="De sirenetest is geslaagd.",
            actor=_user(p.secretariat),
        )
        db.session.commit()
    return w


def search(app, persona, q, *, mfa=True, soort="documenten", **args):
    """The results page of `q` for `persona`: of one kind (soort=None: the page's choice)."""
    client = login_as(app, app.test_client(), persona, mfa_verified=mfa)
    if soort is not None:
        args["soort"] = soort
    response = client.get("/zoeken", query_string={"q": q, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def hits(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-hit="[a-z]+-(\d+)"', page)]


def kind_counts(page: str) -> dict[str, int]:
    """The count beside each kind shown ("Documenten (3)"), linked or not."""
    nav = re.search(r'<nav aria-label="Soort">(.*?)</nav>', page, re.S)
    pairs = re.findall(r">([A-Z][a-z ]+)(?:</a>)? \((\d+)\)", nav.group(1) if nav else "")
    return {label: int(count) for label, count in pairs}


def found(app, persona, q, **kw) -> set[int]:
    return set(hits(search(app, persona, q, **kw)))


# --- Dutch ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["explosie", "explosies", "woning", "woningen", "aanslag", "aanslagen"]
)
def test_each_form_of_a_word_finds_both(app, personas, world, q):
    assert found(app, personas.member_a, q) == {world.ids["plural"], world.ids["singular"]}


@pytest.mark.parametrize(
    "q, key",
    [("gemeente", "municipal"), ("geweld", "municipal"), ("men", "pronoun"), ("wel", "pronoun")],
)
def test_a_word_beginning_with_ge_is_not_a_shorter_word(app, personas, world, q, key):
    # The stemmer would take "ge-" off: gemeente found "men", geweld "wel".
    assert found(app, personas.member_a, q) == {world.ids[key]}


@pytest.mark.parametrize("q", ["geïmproviseerd", "geimproviseerd", "GEÏMPROVISEERDE"])
def test_diacritics_do_not_matter(app, personas, world, q):
    assert found(app, personas.member_a, q) == {world.ids["accented"], world.ids["plain"]}


@pytest.mark.parametrize(
    "q, key",
    [
        ("NEIG-2026-0001", "code_1"),
        ("neig-2026-0002", "code_2"),
        ("P-03", "p03"),
        ("P-031", "p031"),
        ("GM0599", "p03"),
    ],
)
def test_codes_are_found_exactly(app, personas, world, q, key):
    assert found(app, personas.member_a, q) == {world.ids[key]}


@pytest.mark.parametrize(
    "q, key", [("zandzakken", "pdf"), ("brandvertrager", "docx"), ("kluisdeur", "xlsx")]
)
def test_a_word_inside_a_file_is_found_with_its_snippet(app, personas, world, q, key):
    page = search(app, personas.om, q)
    assert hits(page) == [world.ids[key]]
    assert f"<mark>{q}</mark>" in page


def test_operators_phrase_exclusion_and_alternatives(app, personas, world):
    ids = world.ids
    member = personas.member_a
    assert found(app, member, '"explosie bij de woning"') == {ids["singular"]}
    assert found(app, member, "explosie -aanslagen") == set()
    assert found(app, member, "zandzakken of kluisdeur") == {ids["pdf"], ids["xlsx"]}


# --- no leak ----------------------------------------------------------------------------------

#: Whose search must find each hiding place (at least these; the document page decides).
MUST_FIND = {"other_org": "member_b", "narrowed": "police", "case": "police"}
#: The document may be read, but not this text: it is never found.
NEVER = {"trashed", "infected"}


def _may_read(client, object_id: int, *, item: bool = False) -> bool:
    """What the document's or item's page (the policy's one door) says: the answer search
    must agree with."""
    path = f"/actiepunten/{object_id}" if item else f"/documenten/{object_id}"
    return client.get(path).status_code == 200


@pytest.mark.parametrize("persona_key", list(PERSONAS))
def test_a_hidden_word_finds_counts_and_shows_nothing(app, personas, world, persona_key):
    persona = personas[persona_key]
    client = login_as(app, app.test_client(), persona)
    readers = {
        place
        for place in HIDDEN
        if place not in NEVER and _may_read(client, world.ids[place], item=place in ITEM_PLACES)
    }
    assert {p for p, key in MUST_FIND.items() if key == persona_key} <= readers
    for place, word in HIDDEN.items():
        kind = "actiepunten" if place in ITEM_PLACES else "documenten"
        page = search(app, persona, word, soort=kind)
        if place in readers:
            assert hits(page) == [world.ids[place]], (persona_key, place)
            continue
        assert hits(page) == [], (persona_key, place)
        assert f"Geen resultaten voor ‘{word}’" in page
        assert "<mark>" not in page and "resultaat" not in page
        # Only the kind asked for is listed when no other kind has a hit.
        assert kind_counts(page) == {kind.capitalize(): 0}, (persona_key, place)
    # Counts and facets: the word every hiding place shares counts only what may be read.
    page = search(app, persona, "gedeeld")
    readable = {world.ids["control"]} | {
        world.ids[place] for place in ("other_org", "narrowed", "case") if place in readers
    }
    assert set(hits(page)) == readable, persona_key
    n = len(readable)
    assert (f"{n} resultaten" if n > 1 else "1 resultaat") in page
    assert kind_counts(page) == {"Documenten": n, "Actiepunten": 1}, persona_key
    counts = re.findall(r"</a> \((\d+)\)|<strong>[^<]*\((\d+)\)</strong>", page)
    facet_total = sum(int(a or b) for a, b in counts) - 1  # less the other kind's count
    # once by space, by organisation, by period and by classification
    assert facet_total == 4 * n, persona_key


def test_a_case_document_needs_a_session_with_mfa(app, personas, world):
    word = HIDDEN["case"]
    assert hits(search(app, personas.police, word, mfa=False)) == []
    assert "Geen resultaten" in search(app, personas.police, word, mfa=False)
    assert hits(search(app, personas.police, word)) == [world.ids["case"]]


def test_the_text_of_a_version_waiting_for_its_scan_is_never_indexed(app, personas, world):
    with app.app_context():
        document = db.session.get(Document, world.ids["control"])
        documents.add_version(
            document,
            documents.Upload(io.BytesIO(b"wachtkamer\n"), "controle.txt"),
            actor=_user(personas.member_a),
        )
        document.latest.scan_status = ScanStatus.PENDING
        db.session.commit()
        assert extraction.extract_version(document.latest.id) is None
        # Even a text stored for it (read before a new scan put it back in quarantine) is not.
        db.session.add(
            VersionText(version_id=document.latest.id, status=TextStatus.OK, text="wachtkamer")
        )
        db.session.commit()
    assert found(app, personas.member_a, "wachtkamer") == set()


# --- the index follows every change -----------------------------------------------------------


def _indexed(app, document_id) -> bool:
    with app.app_context():
        return (
            db.session.execute(
                text("SELECT count(*) FROM search_index WHERE document_id = :id"),
                {"id": document_id},
            ).scalar()
            == 1
        )


def test_an_edit_a_new_version_and_a_purge_change_what_is_found(app, personas, world):
    member = personas.member_a
    document_id = world.ids["control"]
    with app.app_context():
        document = db.session.get(Document, document_id)
        documents.update_metadata(
            document,
            title="Evacuatieplan",
            description="nieuwe omschrijving",
            tags="",
            classification=document.classification,
            narrowing=[],
            actor=_user(member),
        )
        db.session.commit()
    assert found(app, member, "evacuatieplannen") == {document_id}
    assert document_id not in found(app, member, "gedeeld")  # the old description is gone
    with app.app_context():
        document = db.session.get(Document, document_id)
        documents.add_version(
            document,
            documents.Upload(io.BytesIO(b"stormvloed\n"), "draaiboek.txt"),
            actor=_user(member),
        )
        db.session.commit()
        _read(document)
    assert found(app, member, "draaiboek") == {document_id}  # the new file name
    assert found(app, member, "stormvloed") == {document_id}  # the new text
    assert found(app, member, "controle.txt") == set()  # the old file name
    with app.app_context():
        document = db.session.get(Document, document_id)
        documents.trash_document(document, actor=_user(member))
        db.session.commit()
        assert found(app, member, "stormvloed") == set()  # the trash: never found
        documents.purge_document(document, actor=_user(personas.org_admin_a))
        db.session.commit()
    assert not _indexed(app, document_id)


def test_a_documents_row_names_its_space_and_whether_it_is_a_draft(app, world):
    """Search leaves out other spaces' rows by this copy before it looks up a document; the
    document itself still decides (the no-leak tests)."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT d.id, i.space_id, d.space_id, i.is_text, d.is_text FROM search_index i"
                " JOIN documents d ON d.id = i.document_id"
            )
        ).all()
    assert {row[0] for row in rows} >= {world.ids["plural"], world.ids["pdf"]}
    assert all(row[1] == row[2] and bool(row[3]) == bool(row[4]) for row in rows), rows


def test_the_reindex_command_rebuilds_the_index(app, world):
    with app.app_context():
        db.session.execute(text("DELETE FROM search_index"))
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DELETE FROM search_fts"))
        db.session.commit()
    assert not _indexed(app, world.ids["pdf"])
    since = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    nothing = app.test_cli_runner().invoke(args=["neig", "search", "reindex", "--since", since])
    assert nothing.exit_code == 0 and "Indexed 0 searchable things." in nothing.output
    result = app.test_cli_runner().invoke(args=["neig", "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexing documents" in result.output  # the progress bar
    assert _indexed(app, world.ids["pdf"]) and _indexed(app, world.ids["case"])


# --- the page ---------------------------------------------------------------------------------


def test_what_a_document_says_is_escaped_and_only_the_hits_are_marked(app, personas, world):
    with app.app_context():
        space = db.session.get(Space, world.shared)
        _add(
            space,
            "x.txt",
            personas.member_a,
            title='<img src=x onerror="alert(1)">',
            description='<script>alert("bomvrij")</script> bomvrij <mark>niet</mark>',
        )
        db.session.commit()
    page = search(app, personas.member_a, "bomvrij")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;mark&gt;niet&lt;/mark&gt;" in page
    assert page.count("<mark>bomvrij</mark>") == 2


def test_relevance_puts_a_title_first_and_date_the_newest(app, personas, world):
    with app.app_context():
        space = db.session.get(Space, world.shared)
        in_title = _add(space, "1.txt", personas.member_a, title="Nazorgregeling").id
        in_text = _add(space, "2.txt", personas.member_a, description="over de nazorgregeling")
        in_text.updated_at = utcnow() + timedelta(minutes=1)
        in_text = in_text.id
        db.session.commit()
    assert hits(search(app, personas.member_a, "nazorgregeling")) == [in_title, in_text]
    by_date = search(app, personas.member_a, "nazorgregeling", sorteer="datum")
    assert hits(by_date) == [in_text, in_title]


def test_a_facet_narrows_the_results(app, personas, world):
    page = search(app, personas.member_a, "gedeeld", werkruimte=world.shared)
    assert hits(page) == [world.ids["control"]]
    page = search(app, personas.member_a, "gedeeld", classificatie="zaakvertrouwelijk")
    assert hits(page) == [world.ids["case"]]


def test_the_organisation_and_period_facets_narrow_the_results(app, personas, world):
    """The organisation owning the space (a shared space under its own heading), and how long
    ago a document last changed."""
    member_b = personas.member_b
    page = search(app, member_b, "gedeeld")
    assert set(hits(page)) == {world.ids["control"], world.ids["other_org"]}
    assert "Gedeelde werkruimtes</a> (1)" in page and "Afgelopen week</a> (2)" in page
    shared = search(app, member_b, "gedeeld", organisatie=query.SHARED_SPACES)
    assert hits(shared) == [world.ids["control"]]
    own = search(app, member_b, "gedeeld", organisatie=personas.orgs["gemeente_b"])
    assert hits(own) == [world.ids["other_org"]]
    with app.app_context():
        old = db.session.get(Document, world.ids["other_org"])
        old.updated_at = utcnow() - timedelta(days=400)
        db.session.commit()
    assert hits(search(app, member_b, "gedeeld", periode="ouder")) == [world.ids["other_org"]]
    assert hits(search(app, member_b, "gedeeld", periode="week")) == [world.ids["control"]]
    narrowed = search(app, member_b, "gedeeld", periode="week", organisatie=0)
    assert "Langer geleden</a> (1)" in narrowed  # counted over the hits without the facets
    assert 'name="periode" value="week"' in narrowed  # a new search keeps the facets


def test_a_long_facet_lists_the_rest_to_choose_from(app, personas, world):
    """Twelve spaces with a hit: the ten with the most as links, all twelve in a list to choose
    from (a form that keeps the search and the other facets); a space chosen from the list
    stays shown among the links."""
    with app.app_context():
        for n in range(12):
            space = spaces.create_space(SpaceKind.SHARED, f"Facetruimte {n:02d}", actor=None)
            spaces.add_grant(space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
            for i in range(n + 1):  # space 11 has the most hits, space 0 the fewest
                _add(space, f"f{n}-{i}.txt", personas.member_a, description="facetwoord")
        db.session.commit()
        last = db.session.scalar(select(Space.id).where(Space.name == "Facetruimte 00"))
    page = search(app, personas.member_a, "facetwoord", classificatie="intern")
    section = re.search(r'<section aria-labelledby="facet-spaces">(.*?)</section>', page, re.S)
    links = re.findall(r'<a class="utrecht-link" href="[^"]*">(Facetruimte \d+)</a>', section[1])
    assert links == [f"Facetruimte {n:02d}" for n in range(11, 1, -1)]
    options = re.findall(r'<option value="(\d+)"[^>]*>(Facetruimte \d+) \((\d+)\)', section[1])
    assert len(options) == 12 and ("Facetruimte 00", "1") in {(o[1], o[2]) for o in options}
    assert 'name="q" value="facetwoord"' in section[1]
    assert 'name="classificatie" value="intern"' in section[1]
    assert 'name="werkruimte" value=' not in section[1]  # the list chooses the space
    chosen = search(app, personas.member_a, "facetwoord", werkruimte=last)
    assert len(hits(chosen)) == 1
    assert "<strong>Facetruimte 00 (1)</strong>" in chosen


def test_the_hits_are_paged_in_order_without_repeats(app, personas, world):
    """Ranked once, then cut into pages of 25: page 2 holds the rest, newest first by date."""
    with app.app_context():
        space = db.session.get(Space, world.shared)
        made = [
            _add(space, f"p{i}.txt", personas.member_a, description="paginawoord").id
            for i in range(30)
        ]
        for n, document_id in enumerate(made):  # the first made is the newest
            db.session.get(Document, document_id).updated_at = utcnow() - timedelta(hours=n)
        db.session.commit()
    first = search(app, personas.member_a, "paginawoord", sorteer="datum")
    second = search(app, personas.member_a, "paginawoord", sorteer="datum", pagina=2)
    assert hits(first) + hits(second) == made
    assert "30 resultaten" in first and "Pagina 2 van 2" in second
    assert hits(search(app, personas.member_a, "paginawoord", pagina=3)) == []
    # The last page a URL can ask for: its bounds (times the page size) pass a 32-bit integer.
    assert hits(search(app, personas.member_a, "paginawoord", pagina=2**31 - 1)) == []
    by_rank = hits(search(app, personas.member_a, "paginawoord")) + hits(
        search(app, personas.member_a, "paginawoord", pagina=2)
    )
    assert sorted(by_rank) == sorted(made)  # equal ranks: each once, on one page


@pytest.fixture
def caps(monkeypatch):
    """Sets query's caps, with no SELECT kept across requests before or after: those are built
    with the caps of their time."""
    GRANTED_SPACES.clear()
    yield lambda name, value: monkeypatch.setattr(query, name, value)
    GRANTED_SPACES.clear()


def test_above_the_cap_the_newest_are_ranked_paged_and_counted(app, personas, world, caps):
    """With more matches than CAP, the newest CAP (by id) are ranked, paged and counted in the
    facets, and the page says "more than": the database cuts, orders and pages them."""
    caps("CAP", 3)
    with app.app_context():
        space = db.session.get(Space, world.shared)
        made = [
            _add(space, f"c{i}.txt", personas.member_a, description="kapwoord").id for i in range(5)
        ]
        titled = _add(space, "t.txt", personas.member_a, title="Kapwoord").id
        db.session.commit()
    page = search(app, personas.member_a, "kapwoord")
    assert "Meer dan 3 resultaten" in page
    assert hits(page) == [titled, made[4], made[3]]  # the title first, then newest first
    assert "Documenten (meer dan 3)" in page
    assert "Afgelopen week</a> (3)" in page  # the facets count the three kept
    by_date = search(app, personas.member_a, "kapwoord", sorteer="datum")
    assert sorted(hits(by_date)) == sorted([titled, made[4], made[3]])


def test_nothing_to_find_says_what_was_searched(app, personas, world):
    page = search(app, personas.member_a, "!!!")
    assert "Geen resultaten voor ‘!!!’" in page


def test_the_page_runs_as_many_queries_for_5_hits_as_for_50(app, personas, world):
    client = login_as(app, app.test_client(), personas.member_a)
    client.get("/")

    def fill(start, stop):
        with app.app_context():
            space = db.session.get(Space, world.shared)
            for i in range(start, stop):
                _add(
                    space,
                    f"r{i}.txt",
                    personas.member_a,
                    content=f"r{i}\n".encode(),
                    description="rampenplan",
                )
            db.session.commit()

    def queries():
        with count_queries(app) as statements:
            assert client.get("/zoeken?q=rampenplan").status_code == 200
        return len(statements)

    fill(0, 5)
    few = queries()
    fill(5, 50)
    many = queries()
    assert few == many, f"{few} queries for 5 hits, {many} for 50"


def test_the_items_page_runs_as_many_queries_for_5_hits_as_for_30(app, personas, world):
    client = login_as(app, app.test_client(), personas.member_a)
    client.get("/")

    def fill(start, stop):
        with app.app_context():
            plan = db.session.get(ActionItem, world.ids["item"]).plan
            for i in range(start, stop):
                make_item(plan, personas, f"R-{i:02d}", description="rampenoefening")
            db.session.commit()

    def queries():
        with count_queries(app) as statements:
            path = "/zoeken?q=rampenoefening&soort=actiepunten"
            assert client.get(path).status_code == 200
        return len(statements)

    fill(0, 5)
    few = queries()
    fill(5, 30)
    many = queries()
    assert few == many, f"{few} queries for 5 items, {many} for 30"


def test_a_document_deleted_in_bulk_takes_its_index_rows_along(app, personas, world):
    """Casework destroys documents with plain DELETEs, past the ORM: the foreign key
    (PostgreSQL) and the trigger (SQLite's FTS5 table) still remove what the index held."""
    with app.app_context():
        space = db.session.get(Space, world.shared)
        document_id = _add(space, "weg.txt", personas.member_a, description="sloophamer").id
        db.session.commit()
        assert _indexed(app, document_id)
        db.session.execute(
            DocumentVersion.__table__.delete().where(DocumentVersion.document_id == document_id)
        )
        db.session.execute(Document.__table__.delete().where(Document.id == document_id))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            left = db.session.execute(
                text("SELECT count(*) FROM search_fts WHERE rowid = :id"), {"id": document_id}
            ).scalar()
            assert left == 0
    assert not _indexed(app, document_id)
    assert found(app, personas.member_a, "sloophamer") == set()


def test_an_action_item_is_found_by_its_code_title_and_progress_notes(app, personas, world):
    member = personas.member_a
    for q in ("P-07", "brandgangen", "sirenetesten"):
        page = search(app, member, q, soort="actiepunten")
        assert hits(page) == [world.ids["item"]], q
        assert kind_counts(page) == {"Actiepunten": 1}, q
    assert "<mark>sirenetest</mark>" in search(app, member, "sirenetest", soort="actiepunten")
    with app.app_context():
        actions.report_progress(
            db.session.get(ActionItem, world.ids["item"]),
            note="Nieuwe afspraken met de brandweer.",
            actor=_user(personas.secretariat),
        )
        db.session.commit()
    assert found(app, member, "brandweer", soort="actiepunten") == {world.ids["item"]}


def test_the_other_kinds_are_counted_up_to_their_own_cap(app, personas, world, caps):
    """Beside the listed kind, another kind's tab counts up to COUNT_CAP ("meer dan"); listed,
    the same kind counts its hits up to CAP."""
    caps("COUNT_CAP", 2)
    with app.app_context():
        plan = db.session.get(ActionItem, world.ids["item"]).plan
        for i in range(3):
            make_item(plan, personas, f"T-{i:02d}", description="tabteller")
        _add(db.session.get(Space, world.shared), "t.txt", personas.member_a, title="tabteller")
        db.session.commit()
    page = search(app, personas.member_a, "tabteller", soort=None)
    assert "Documenten (1)" in page and "Actiepunten</a> (meer dan 2)" in page
    listed = search(app, personas.member_a, "tabteller", soort="actiepunten")
    assert kind_counts(listed) == {"Documenten": 1, "Actiepunten": 3}
    assert len(hits(listed)) == 3


def test_an_action_item_hit_is_escaped_too(app, personas, world):
    with app.app_context():
        actions.report_progress(
            db.session.get(ActionItem, world.ids["item"]),
            note='<img src=x onerror="alert(1)"> gifvrij',
            actor=_user(personas.secretariat),
        )
        db.session.commit()
    page = search(app, personas.member_a, "gifvrij", soort="actiepunten")
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<mark>gifvrij</mark>" in page
