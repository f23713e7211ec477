"""The case matrix through HTTP: for each kind of participant, a non-participant, a platform
admin, the secretariat and a user without MFA, what they can open and what the case page shows.

See tests/cases/world.py for the case. 404 = may not know it exists; 403 = sees the case but
may not do this; ENROL = sent to set up MFA first (whatever the case id).
"""

import pytest

from tests.cases.world import build_case_world
from tests.helpers import login_as

ENROL = "enrol"
COLUMNS = (
    "member_a", "org_admin_a", "police", "om", "housing",
    "member_b", "secretariat", "platform_admin", "no_mfa",
)  # fmt: skip
PERSONA = {column: column for column in COLUMNS} | {"no_mfa": "member_a"}

# fmt: off
PAGES = {
    #                                                    m_a  org_a pol  om   hous m_b  secr p.adm no_mfa
    "/casussen":                                        (200, 200,  200, 200, 200, 200, 200, 200, ENROL),
    "/casussen/{case}":                                 (200, 200,  200, 200, 200, 404, 404, 404, ENROL),
    "/casussen/{case}/adres":                           (200, 200,  200, 403, 403, 404, 404, 404, ENROL),
    "/casussen/{case}/bewerken":                        (403, 200,  200, 403, 403, 404, 404, 404, ENROL),
    "/casussen/{case}/deelnemers":                      (200, 200,  200, 200, 200, 404, 404, 404, ENROL),
    "/casussen/{case}/toegangslog":                     (403, 200,  200, 403, 403, 404, 404, 404, ENROL),
    "/casussen/{case}/verstrekkingen":                  (403, 200,  200, 403, 403, 404, 404, 404, ENROL),
    "/casussen/{case}/export.csv":                      (200, 200,  200, 200, 200, 404, 404, 404, ENROL),
    "/casussen/{case}/maatregelen/{measure_a}/bewerken": (403, 200, 200, 403, 404, 404, 404, 404, ENROL),
    "/casussen/{case}/nazorg/{task_housing}/bewerken":  (403, 200,  200, 403, 403, 404, 404, 404, ENROL),
    "/documenten/{doc_open}":                           (200, 200,  200, 200, 404, 404, 404, 404, 404),
    "/documenten/{doc_police}":                         (404, 404,  200, 200, 404, 404, 404, 404, 404),
    "/documenten/{doc_housing}/versies/1/download":     (404, 404,  404, 404, 200, 404, 404, 404, 404),
    "/werkruimtes/{space}/documenten":                  (200, 200,  200, 200, 200, 404, 404, 404, 403),
}
# fmt: on

#: What the case page shows of the timeline, per column (entry text -> shown?).
ENTRIES = {
    "Melding ontvangen.": {"member_a", "org_admin_a", "police", "om"},
    "Tactische informatie.": {"police", "om"},
    "Contact met verhuurder.": {"member_a", "org_admin_a", "housing"},
}


@pytest.fixture
def world(app, personas):
    return build_case_world(app, personas)


def _client(app, personas, column):
    client = app.test_client()
    login_as(app, client, personas[PERSONA[column]], mfa_verified=column != "no_mfa")
    return client


def _answer(response):
    if response.status_code == 302 and "tweestapsverificatie/instellen" in response.location:
        return ENROL
    return response.status_code


@pytest.mark.parametrize("column", COLUMNS)
def test_what_each_participant_may_open(app, personas, world, column):
    client = _client(app, personas, column)
    index = COLUMNS.index(column)
    got = {url: _answer(client.get(url.format(**world.ids))) for url in PAGES}
    assert got == {url: answers[index] for url, answers in PAGES.items()}


@pytest.mark.parametrize("column", ["member_a", "org_admin_a", "police", "om", "housing"])
def test_the_case_page_shows_only_what_was_given(app, personas, world, column):
    html = _client(app, personas, column).get(f"/casussen/{world.case}").get_data(as_text=True)
    shown = {text for text in ENTRIES if text in html}
    assert shown == {text for text, readers in ENTRIES.items() if column in readers}


@pytest.mark.parametrize("column", ["member_b", "secretariat", "platform_admin", "housing"])
def test_the_case_list_shows_only_participants_cases(app, personas, world, column):
    from neig_workspace.cases.models import Case
    from neig_workspace.extensions import db

    with app.app_context():
        reference = db.session.get(Case, world.case).reference
    html = _client(app, personas, column).get("/casussen").get_data(as_text=True)
    assert (reference in html) == (column == "housing")


@pytest.mark.parametrize(
    ("column", "found"),
    [("police", {"pv.pdf", "verslag.pdf"}), ("housing", {"schade.pdf"}), ("member_b", set())]
    + [("platform_admin", set()), ("secretariat", set()), ("om", {"pv.pdf", "verslag.pdf"})],
)
def test_search_finds_only_the_case_documents_given(app, personas, world, column, found):
    client = _client(app, personas, column)
    html = client.get("/zoeken?q=.pdf").get_data(as_text=True)
    shown = {name for name in ("verslag.pdf", "pv.pdf", "schade.pdf") if name in html}
    assert shown == found
    if "pv.pdf" in found:  # the supplier and the legal basis go with the document everywhere
        assert "Aangeleverd door Politie Eenheid Rotterdam" in html


def test_the_case_document_list_names_supplier_and_basis(app, personas, world):
    html = _client(app, personas, "police").get(f"/werkruimtes/{world.space}/documenten")
    text = html.get_data(as_text=True)
    assert "Herkomst" in text
    assert "Politie Eenheid Rotterdam · AVG art. 6 lid 1 sub e" in text


@pytest.mark.parametrize("column", ["member_b", "housing", "platform_admin", "no_mfa"])
def test_an_etag_tells_an_outsider_nothing(app, personas, world, column):
    url = f"/documenten/{world.doc_police}/versies/1/download"
    etag = _client(app, personas, "police").get(url).headers["ETag"]
    response = _client(app, personas, column).get(url, headers={"If-None-Match": etag})
    assert response.status_code == 404
    assert "ETag" not in response.headers
