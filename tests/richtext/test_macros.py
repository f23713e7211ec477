"""templates/macros/richtext.html: numbered paragraphs and the diff view, rendered for real."""

import re

import pytest
from flask import render_template_string

from neig_workspace.richtext import diff, paragraphs
from tests.richtext.checks import elements
from tests.security.test_xss import _Markup

DRAFT = "# Titel\n\nEerste alinea met <b>tekst</b>.\n\n- punt een\n- punt twee"


def rendered(app, template: str, **context) -> str:
    with app.test_request_context("/"):
        source = '{% from "macros/richtext.html" import numbered_paragraphs, diff_view, rich_text, markdown_hint %}'
        html = render_template_string(source + template, **context)
    checker = _Markup()
    checker.feed(html)
    assert not checker.problems
    return html


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_each_paragraph_has_its_anchor_number_and_text(app):
    html = rendered(app, "{{ numbered_paragraphs(ps) }}", ps=paragraphs(DRAFT))
    ids = [a["id"] for _, a in elements(html) if "id" in a]
    assert ids == ["alinea-1", "alinea-2", "alinea-3"]
    assert (
        '<span aria-hidden="true">¶&nbsp;2</span><span class="visually-hidden">Alinea 2</span>'
        in html
    )
    assert 'href="#alinea-3"' in html
    assert "<h3>Titel</h3>" in html  # the rendered HTML as it is, not escaped again
    assert "&lt;b&gt;tekst&lt;/b&gt;" in html and "&amp;lt;" not in html
    assert "reactie" not in html  # no counts given, none shown


def test_comment_counts_show_per_paragraph(app):
    html = rendered(app, "{{ numbered_paragraphs(ps, {2: 1, 3: 2}) }}", ps=paragraphs(DRAFT))
    text = text_of(html)
    assert "1 reactie bij alinea 2" in text
    assert "2 reacties bij alinea 3" in text
    assert text.count("reactie") == 2
    assert "numbered-paragraph__count utrecht-link" not in html  # no link without a target


@pytest.mark.parametrize(
    "anchor_url",
    ["/documenten/7?alinea={n}#reacties", lambda n: f"/documenten/7?alinea={n}#reacties"],
    ids=["pattern", "callable"],
)
def test_a_count_links_where_anchor_url_says(app, anchor_url):
    html = rendered(
        app,
        "{{ numbered_paragraphs(ps, {3: 4}, anchor_url) }}",
        ps=paragraphs(DRAFT),
        anchor_url=anchor_url,
    )
    links = [a["href"] for t, a in elements(html) if t == "a" and "utrecht-link" in a["class"]]
    assert links == ["/documenten/7?alinea=3#reacties"]
    assert "4 reacties" in text_of(html)


def test_a_caller_adds_to_each_paragraph_margin(app):
    template = (
        "{% call(p) numbered_paragraphs(ps) %}"
        '<a href="/reageer/{{ p.number }}">Reageer</a>'
        "{% endcall %}"
    )
    html = rendered(app, template, ps=paragraphs(DRAFT))
    assert [a["href"] for t, a in elements(html) if t == "a" and "class" not in a] == [
        "/reageer/1",
        "/reageer/2",
        "/reageer/3",
    ]


OLD = "# Titel\n\nDe gemeente sluit het pand.\n\nDit vervalt.\n\n- punt"
NEW = "# Titel\n\nDe burgemeester sluit het pand <script>.\n\n- punt\n\nNieuw."


def test_diff_view_says_in_words_what_changed(app):
    html = rendered(app, "{{ diff_view(blocks) }}", blocks=diff(OLD, NEW))
    text = text_of(html)
    assert "Legenda: toegevoegde tekst , verwijderde tekst" in text
    assert "Alinea 1, ongewijzigd" in text
    assert "Alinea 2, gewijzigd De verwijderd: gemeente toegevoegd: burgemeester" in text
    assert "Vervallen: was alinea 3 verwijderd: Dit vervalt." in text
    assert "Nieuw: alinea 4 toegevoegd: Nieuw." in text
    # the segments are plain text: escaped, never markup
    assert "&lt;script&gt;" in html
    assert '<ins><span class="visually-hidden">toegevoegd: </span>burgemeester</ins>' in html
    assert '<del><span class="visually-hidden">verwijderd: </span>gemeente</del>' in html
    # every ins and del (but the legend's) is announced
    for tag in ("ins", "del"):
        assert html.count(f"<{tag}") - 1 == html.count(
            f'<{tag}><span class="visually-hidden">'
        ) + html.count(f'<{tag} class="text-diff__whole"><span class="visually-hidden">')


def test_diff_view_marks_a_formatting_change(app):
    html = rendered(app, "{{ diff_view(blocks) }}", blocks=diff("Een punt.", "Een **punt**."))
    assert "Alinea 1, opmaak gewijzigd" in text_of(html)
    assert html.count('<ins><span class="visually-hidden">toegevoegd: </span>**</ins>') == 2


def test_diff_view_of_two_empty_versions(app):
    assert "Beide versies zijn leeg." in rendered(app, "{{ diff_view([]) }}")


def test_rich_text_and_hint(app):
    html = rendered(
        app, "{{ rich_text(h) }}{{ markdown_hint('tip') }}", h=paragraphs("*x*")[0].html
    )
    assert '<div class="rich-text"><p><em>x</em></p>' in html
    assert 'id="tip"' in html and "@e-mailadres" in html
