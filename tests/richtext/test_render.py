"""render(): the Markdown subset, links, mentions, and what never comes through."""

import pytest
from markupsafe import Markup

from neig_workspace.richtext import find_mentions, render, sanitise
from tests.richtext.checks import assert_clean, elements, hrefs, tags

REL = "nofollow noopener noreferrer"


def one_line(html) -> str:
    return str(html).replace("\n", "")


def test_output_is_markup():
    assert isinstance(render("tekst"), Markup)
    assert isinstance(sanitise("<p>tekst</p>"), Markup)
    assert render("") == Markup("")


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("Een alinea.", "<p>Een alinea.</p>"),
        ("Een\n\nTwee", "<p>Een</p><p>Twee</p>"),
        ("regel een\nregel twee", "<p>regel een<br>regel twee</p>"),
        ("*schuin* en _ook_", "<p><em>schuin</em> en <em>ook</em></p>"),
        ("**vet** en __ook__", "<p><strong>vet</strong> en <strong>ook</strong></p>"),
        ("~~weg~~", "<p><s>weg</s></p>"),
        ("`code <b>`", "<p><code>code &lt;b&gt;</code></p>"),
        ("```python\nx = 1 < 2\n```", "<pre><code>x = 1 &lt; 2</code></pre>"),
        ("    ingesprongen", "<pre><code>ingesprongen</code></pre>"),
        ("- een\n- twee", "<ul><li>een</li><li>twee</li></ul>"),
        ("1. een\n2. twee", "<ol><li>een</li><li>twee</li></ol>"),
        ("3. drie\n4. vier", '<ol start="3"><li>drie</li><li>vier</li></ol>'),
        ("> geciteerd", "<blockquote><p>geciteerd</p></blockquote>"),
        ("---", "<hr>"),
        ("| a | b |\n|---|--:|\n| 1 | 2 |", None),
    ],
)
def test_markdown_subset(source, html):
    out = one_line(render(source))
    if html is None:  # the table: cells, header cells with scope, alignment as our class
        assert tags(out) == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
        assert '<td class="align-right">2</td>' in out
        assert '<th scope="col">a</th>' in out
        assert '<th class="align-right" scope="col">b</th>' in out
    else:
        assert out.replace("\n", "") == html


@pytest.mark.parametrize(
    ("source", "tag"),
    [("# Een", "h3"), ("## Twee", "h4"), ("### Drie", "h5"), ("#### Vier", "h6"),
     ("##### Vijf", "h6"), ("###### Zes", "h6"), ("Setext\n===", "h3"), ("Setext\n---", "h4")],
)  # fmt: skip
def test_headings_never_outrank_the_page(source, tag):
    assert tags(render(source)) == [tag]


def test_raw_html_is_shown_as_text():
    out = render('<b>vet</b> <div class="x">blok</div>\n\n<script>alert(1)</script>')
    assert tags(out) == ["p", "p"]
    assert "&lt;b&gt;vet&lt;/b&gt;" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](https://www.politie.nl/a?b=1&c=2)", "https://www.politie.nl/a?b=1&amp;c=2"),
        ("[site](http://example.nl)", "http://example.nl"),
        ("[mail](mailto:info@example.nl)", "mailto:info@example.nl"),
        ("[rel](/documenten/3)", "/documenten/3"),
        ("[rel](../x)", "../x"),
        ("[anker](#alinea-2)", "#alinea-2"),
        ("<https://example.nl/x>", "https://example.nl/x"),
        ("[ref]\n\n[ref]: https://example.nl/ref", "https://example.nl/ref"),
    ],
)
def test_links_keep_to_allowed_addresses_and_get_rel(source, href):
    out = str(render(source))
    assert f'href="{href}"' in out
    assert [attrs.get("rel") for tag, attrs in elements(out) if tag == "a"] == [REL]


def test_link_title_is_kept_as_text():
    out = str(render('[a](/x "Een <titel>")'))
    assert [a.get("title") for t, a in elements(out) if t == "a"] == ["Een <titel>"]


@pytest.mark.parametrize(
    ("text", "url", "href"),
    [
        ("zie https://example.nl/pad.", "https://example.nl/pad", "https://example.nl/pad"),
        ("(zie https://example.nl/a_(b))", "https://example.nl/a_(b)", "https://example.nl/a_(b)"),
        ("(zie https://example.nl/x)", "https://example.nl/x", "https://example.nl/x"),
        ("kijk op www.politie.nl, dan", "www.politie.nl", "http://www.politie.nl"),
        ("http://example.nl/?q=1&r=2!", "http://example.nl/?q=1&amp;r=2", None),
    ],
)
def test_bare_urls_become_links(text, url, href):
    out = str(render(text))
    assert hrefs(out) == [(href or url).replace("&amp;", "&")]
    assert f">{url}</a>" in out
    assert_clean(out)


@pytest.mark.parametrize(
    "text",
    [
        "`https://example.nl` in code",
        "```\nhttps://example.nl\n```",
        "[al een link https://example.nl](/x)",
        "javascript://example.nl%0aalert(1)",
        "xhttps://example.nl",
        "https://",
        "een.punt.nl zonder schema",
    ],
)
def test_no_autolink_where_there_should_be_none(text):
    out = render(text)
    assert len(hrefs(out)) == ("[al een link" in text)


def test_images_are_never_shown_but_linked():
    out = str(render("![kaart van de wijk](https://evil.example/x.png)"))
    assert "img" not in tags(out)
    assert hrefs(out) == ["https://evil.example/x.png"]
    assert ">kaart van de wijk</a>" in out


def test_an_image_inside_a_link_is_only_its_alt_text():
    out = str(render("[![logo](https://evil.example/l.png)](https://example.nl)"))
    assert tags(out) == ["p", "a"]
    assert hrefs(out) == ["https://example.nl"]
    assert ">logo</a>" in out


def test_an_image_without_alt_shows_its_address():
    out = str(render("![](https://example.nl/x.png)"))
    assert ">https://example.nl/x.png</a>" in out and "img" not in tags(out)


# --- mentions ------------------------------------------------------------------------------

NAMES = {"m.jansen@politie.nl": "Marieke Jansen", "p.de.vries@om.nl": "Piet <de> Vries"}


def test_a_known_mention_shows_the_name():
    out = str(render("Vraag aan @m.jansen@politie.nl: klopt dit?", mentions=NAMES))
    assert (
        '<span class="mention" title="m.jansen@politie.nl">@Marieke Jansen</span>: klopt dit?'
        in out
    )


def test_mention_lookup_ignores_case_and_escapes_the_name():
    out = str(render("@P.De.Vries@OM.nl", mentions=NAMES))
    assert '<span class="mention" title="p.de.vries@om.nl">@Piet &lt;de&gt; Vries</span>' in out
    assert tags(out) == ["p", "span"]


def test_mentions_given_with_capitals_are_found_too():
    out = str(render("@a@b.nl", mentions={"A@B.NL": "Anna"}))
    assert "@Anna</span>" in out


def test_a_person_token_shows_the_name_without_any_address():
    out = str(render("Vraag aan @persoon:12: klopt dit?", mentions={"persoon:12": "Anna"}))
    assert '<span class="mention">@Anna</span>: klopt dit?' in out
    assert render("@persoon:12") == Markup("<p>@persoon:12</p>\n")


def test_an_unknown_mention_stays_as_written():
    out = str(render("@onbekend@example.nl en @m.jansen@politie.nl", mentions={}))
    assert out == "<p>@onbekend@example.nl en @m.jansen@politie.nl</p>\n"
    assert render("@m.jansen@politie.nl") == Markup("<p>@m.jansen@politie.nl</p>\n")


@pytest.mark.parametrize(
    ("text", "found", "shown"),
    [
        ("@m.jansen@politie.nl", ["m.jansen@politie.nl"], 1),
        ("Graag (@M.Jansen@Politie.NL) en @x@y.nl.", ["m.jansen@politie.nl", "x@y.nl"], 2),
        ("@a@b.nl, @c@d.nl en weer @A@B.nl", ["a@b.nl", "c@d.nl"], 3),
        ("mail m.jansen@politie.nl", [], 0),  # no "@" in front: an address, not a mention
        ("iemand@@a@b.nl", [], 0),
        ("x@a@b.nl", [], 0),  # glued to a word
        ("@ a@b.nl", [], 0),
        ("@a@b", [], 0),  # no top-level domain
        ("`@a@b.nl`", [], 0),  # code is code
        ("```\n@a@b.nl\n```", [], 0),
        ("[@a@b.nl](https://example.nl)", [], 0),  # inside a link: text
        ("**@a@b.nl**", ["a@b.nl"], 1),
        ("- @a@b.nl\n> @c@d.nl", ["a@b.nl", "c@d.nl"], 2),
        ("\\@a@b.nl", ["a@b.nl"], 1),  # an escaped "@" is still an "@"
        ("@persoon:12 en @persoon:7.", ["persoon:12", "persoon:7"], 0),
        ("@persoon:0 @persoon:x @persoon:12a x@persoon:3", [], 0),  # no person token
    ],
)
def test_find_mentions(text, found, shown):
    assert find_mentions(text) == found
    known = dict.fromkeys(["a@b.nl", "c@d.nl", "x@y.nl", "m.jansen@politie.nl"], "Naam")
    assert str(render(text, mentions=known)).count('class="mention"') == shown


def test_a_mention_next_to_a_bare_url_keeps_both():
    out = str(render("@a@b.nl zie https://example.nl/@c@d.nl", mentions={"a@b.nl": "A"}))
    assert hrefs(out) == ["https://example.nl/@c@d.nl"]
    assert out.count('class="mention"') == 1
    assert find_mentions("@a@b.nl zie https://example.nl/@c@d.nl") == ["a@b.nl"]


def test_sanitise_keeps_what_is_allowed():
    html = (
        '<p><a href="https://example.nl" title="t">x</a> <span class="mention" title="a">@A</span>'
        ' <em>e</em> <strong>s</strong> <code>c</code></p><ol start="2"><li>x</li></ol>'
    )
    out = str(sanitise(html))
    assert 'href="https://example.nl"' in out and f'rel="{REL}"' in out
    assert '<span class="mention" title="a">@A</span>' in out
    assert '<ol start="2">' in out


def test_sanitise_escapes_what_is_not_allowed():
    out = str(sanitise('<div onclick="x()">a</div><h1>b</h1><!-- c -->'))
    assert tags(out) == []
    assert out == '&lt;div onclick="x()"&gt;a&lt;/div&gt;&lt;h1&gt;b&lt;/h1&gt;'


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://x.nl" rel="opener">x</a>',
        '<a href="https://x.nl" target="_blank">x</a>',
        "<a>x</a>",
        '<span class="evil" style="color:red">x</span>',
        '<td class="align-left">x</td>',
    ],
)
def test_sanitise_drops_attributes_it_did_not_set(html):
    assert_clean(sanitise(html), html)
