"""Words to index terms and queries to the databases' syntax (neig_workspace/search/text.py):
pure functions, the same for both databases."""

import pytest

from neig_workspace.search import text
from neig_workspace.search.query import highlight

pytestmark = pytest.mark.one_database("pure functions")


@pytest.mark.parametrize(
    "one, other",
    [
        ("explosie", "explosies"),
        ("woning", "woningen"),
        ("aanslag", "aanslagen"),
        ("geïmproviseerd", "geimproviseerd"),
        ("Geïmproviseerde", "geïmproviseerd"),
        ("plan", "plannen"),
        ("handelingskader", "handelingskaders"),
        ("gemeente", "gemeenten"),
        ("gezin", "gezinnen"),
        ("getuige", "getuigen"),
        ("gebouw", "gebouwen"),
    ],
)
def test_forms_of_one_word_share_a_term(one, other):
    assert text.terms(one) == text.terms(other)


def test_different_words_and_codes_keep_their_own_terms():
    assert text.terms("woning") != text.terms("winning")
    # "ge-" is not taken off as from a participle: a search for a municipality, violence, a
    # family or a facade does not find every "men", "wel", "zin" or "vel".
    for word, other in [
        ("gemeente", "men"),
        ("geweld", "wel"),
        ("gezin", "zin"),
        ("gevel", "vel"),
        ("gebied", "bied"),
        ("getuige", "tuig"),
    ]:
        assert text.terms(word) != text.terms(other), word
    assert text.terms("NEIG-2026-0001") == ["neig", "2026", "0001"]
    assert text.terms("GM0599 P-03") == ["gm0599", "p", "03"]


def test_a_query_reads_as_websearch_does():
    query = text.parse('explosies NEIG-2026-0001 "de woningen" -aanslagen of geïmproviseerd')
    assert text.to_websearch(query) == (
        '"explosie" "neig 2026 0001" "de won" -"aanslag" or "geimproviser"'
    )
    assert text.to_fts5(query) == (
        '(("explosie" AND "neig 2026 0001" AND "de won") NOT ("aanslag")) OR (("geimproviser"))'
    )


@pytest.mark.parametrize("typed", ["", "   ", "-alleen", '"" - of', "!!! ???"])
def test_a_query_with_nothing_to_find_is_empty(typed):
    assert text.parse(typed).empty


def test_operators_and_quotes_in_a_query_cannot_reach_the_database_syntax():
    query = text.parse('a" OR "b* NEAR(c d) \' ; --')
    for expression in (text.to_fts5(query), text.to_websearch(query)):
        assert "*" not in expression and "NEAR" not in expression and "'" not in expression


def test_the_snippet_marks_every_form_and_keeps_the_text_as_written():
    wanted = text.parse("woning geimproviseerd").positive_terms()
    marked = text.snippet("Een Geïmproviseerde lading bij twee woningen.", wanted)
    assert marked == "Een \x02Geïmproviseerde\x03 lading bij twee \x02woningen\x03."


def test_the_snippet_is_a_window_around_the_first_hit():
    words = [f"woord{i}" for i in range(100)]
    words[60] = "explosies"
    marked = text.snippet(" ".join(words), text.parse("explosie").positive_terms(), words=12)
    assert marked.startswith("… woord56") and "\x02explosies\x03" in marked
    assert marked.endswith(" …") and "woord0 " not in marked


def test_highlight_escapes_the_text_before_marking_it():
    marked = text.snippet('<script>alert("x")</script> bomvrij', {"bomvrij"})
    html = str(highlight(marked))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>bomvrij</mark>" in html
    assert str(highlight("\x02<img src=x onerror=alert(1)>\x03")) == (
        "<mark>&lt;img src=x onerror=alert(1)&gt;</mark>"
    )
