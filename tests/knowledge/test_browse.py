"""The list: browse by kind and theme, filter by partner type, search and sort, each filtered by
access in SQL; its query count does not grow with the number of articles."""

import pytest

from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Article, ArticleKind, Theme
from neig_workspace.organisations.models import OrgType
from neig_workspace.spaces.models import Space
from tests.conftest import count_queries
from tests.knowledge.helpers import make_space, write_article


@pytest.fixture
def listed(app, personas):
    """Three articles in A's knowledge space, and one in a knowledge space only B reads."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.organisations.models import Organisation
    from neig_workspace.spaces import service as spaces
    from neig_workspace.spaces.models import PrincipalType, SpaceKind

    with app.app_context():
        space = make_space(personas)
        write_article(space, personas, title="Handelingskader explosies")
        write_article(
            space,
            personas,
            title="Nazorg buurtbewoners",
            kind=ArticleKind.BEST_PRACTICE,
            themes=[Theme.AFTERCARE],
            audiences=[OrgType.HOUSING],
            body="Een *koffieochtend* in het buurthuis.",
        )
        write_article(
            space,
            personas,
            title="Factsheet sluiting 13b",
            kind=ArticleKind.FACTSHEET,
            themes=[Theme.LAW],
            audiences=[OrgType.MUNICIPALITY, OrgType.POLICE],
        )
        other = spaces.create_space(SpaceKind.SHARED, "Kennisbank B", actor=None)
        org_b = db.session.get(Organisation, personas.orgs["gemeente_b"])
        spaces.add_grant(
            other, PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR, organisation=org_b, actor=None
        )
        from neig_workspace.knowledge import service

        service.register_space(other)
        write_article(other, personas, author="member_b", title="Geheim van Amsterdam")
        db.session.commit()


def _titles(client, query=""):
    html = client.get("/kennisbank/" + query).get_data(as_text=True)
    return [
        title
        for title in (
            "Handelingskader explosies",
            "Nazorg buurtbewoners",
            "Factsheet sluiting 13b",
            "Geheim van Amsterdam",
        )
        if title in html
    ]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Handelingskader explosies", "Nazorg buurtbewoners", "Factsheet sluiting 13b"]),
        ("?soort=best_practice", ["Nazorg buurtbewoners"]),
        ("?thema=juridisch", ["Factsheet sluiting 13b"]),
        ("?partner=housing", ["Nazorg buurtbewoners"]),
        ("?partner=municipality", ["Handelingskader explosies", "Factsheet sluiting 13b"]),
        ("?q=KOFFIEOCHTEND", ["Nazorg buurtbewoners"]),  # the body, case-insensitive
        ("?q=sluiting", ["Factsheet sluiting 13b"]),
        ("?q=Amsterdam", []),  # search never reaches what the reader may not see
        ("?q=100%25", []),  # a % is a character, not a wildcard
        (
            "?soort=onzin&thema=onzin",
            ["Handelingskader explosies", "Nazorg buurtbewoners", "Factsheet sluiting 13b"],
        ),
    ],
)
def test_filters(listed, client_for, query, titles):
    assert _titles(client_for("police"), query) == titles


def test_each_reader_sees_only_their_knowledge_spaces(listed, client_for):
    assert _titles(client_for("member_b")) == ["Geheim van Amsterdam"]
    assert _titles(client_for("om")) == []


def test_sort_by_most_useful_and_most_viewed(app, listed, client_for):
    with app.app_context():
        for title, useful, views in (
            ("Factsheet sluiting 13b", 5, 1),
            ("Nazorg buurtbewoners", 1, 9),
        ):
            article = db.session.scalar(db.select(Article).where(Article.title == title))
            article.useful_count, article.view_count = useful, views
        db.session.commit()
    police = client_for("police")
    html = police.get("/kennisbank/?sorteer=nuttig").get_data(as_text=True)
    assert html.index("Factsheet sluiting 13b") < html.index("Nazorg buurtbewoners")
    html = police.get("/kennisbank/?sorteer=gelezen").get_data(as_text=True)
    assert html.index("Nazorg buurtbewoners") < html.index("Factsheet sluiting 13b")
    html = police.get("/kennisbank/").get_data(as_text=True)  # newest first
    assert html.index("Factsheet sluiting 13b") < html.index("Handelingskader explosies")


def test_the_list_pages(app, personas, client_for):
    with app.app_context():
        space = make_space(personas)
        for n in range(app.config["PAGE_SIZE"] + 1):
            write_article(space, personas, title=f"Artikel nummer {n:03d}")
        db.session.commit()
    police = client_for("police")
    first = police.get("/kennisbank/").get_data(as_text=True)
    second = police.get("/kennisbank/?pagina=2").get_data(as_text=True)
    assert "Artikel nummer 000" not in first and "Artikel nummer 000" in second
    assert 'rel="next"' in first


def _add_articles(app, personas, space_id, count):
    with app.app_context():
        space = db.session.get(Space, space_id)
        for n in range(count):
            write_article(space, personas, title=f"Artikel {n}")
        db.session.commit()


def test_the_query_count_of_the_list_does_not_grow(app, personas, client_for):
    with app.app_context():
        space_id = make_space(personas).id
        db.session.commit()
    police = client_for("police")
    counts = []
    for count in (5, 95):
        _add_articles(app, personas, space_id, count)
        police.get("/kennisbank/?sorteer=nuttig")
        with count_queries(app) as statements:
            assert police.get("/kennisbank/?sorteer=nuttig").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
