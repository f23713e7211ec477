"""In-app help: a page per part, linked from that part's page header."""

import pytest

from neig_workspace.accounts.models import User
from neig_workspace.web.help import PAGES
from tests.conftest import db_ctx
from tests.helpers import login_as

PARTS = (
    "werkruimtes", "documenten", "commentaarrondes", "casussen", "actieplan", "netwerk", "inloggen"
)  # fmt: skip
pytestmark = pytest.mark.one_database("static pages and links")


def test_every_part_has_a_help_page_in_dutch_and_english(app, personas):
    assert tuple(PAGES) == PARTS
    client = login_as(app, app.test_client(), personas.member_a)
    index = client.get("/hulp").get_data(as_text=True)
    for part in PARTS:
        assert f'href="/hulp/{part}"' in index
        page = client.get(f"/hulp/{part}").get_data(as_text=True)
        assert "<h1" in page and page.count("<h2") >= 3, part
    assert "Een casus is één aanslag" in client.get("/hulp/casussen").get_data(as_text=True)
    assert client.get("/hulp/onbekend").status_code == 404
    with db_ctx(app) as session:
        session.get(User, personas.member_a.id).locale = "en"
        session.commit()
    assert "A case is one attack" in client.get("/hulp/casussen").get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/werkruimtes", "werkruimtes"),
        ("/actieplannen", "actieplan"),
        ("/netwerk/leden", "netwerk"),
        ("/bijeenkomsten", "netwerk"),
        ("/kennisbank/", "netwerk"),
    ],
)
def test_the_parts_pages_link_their_help_in_the_header(app, personas, url, part):
    client = login_as(app, app.test_client(), personas.member_a)
    page = client.get(url).get_data(as_text=True)
    after_heading = page.split("</h1>", 1)[1]
    link = after_heading.find(f'href="/hulp/{part}"')
    # in the page's own header, by its heading: before any section of the page
    assert 0 <= link < min(i for i in (after_heading.find("<h2"), 10**9) if i >= 0), url
