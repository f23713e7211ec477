"""Property-based tests of render() and sanitise() (SECURITY.md: hypothesis on the sanitiser).

For any text, and for text put together from dangerous fragments: only allowlisted tags and
attributes, every href with an allowed scheme, every link with our rel, and render's output is
a fixed point of the sanitiser. 10,000 examples each under CI, as for the filename cleaner.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neig_workspace.richtext import excerpt, find_mentions, paragraphs, plain_text, render, sanitise
from tests.richtext.checks import assert_clean
from tests.richtext.test_xss_corpus import CORPUS

EXAMPLES = 10_000 if os.environ.get("CI") == "true" else 1_000
many = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
some = settings(max_examples=EXAMPLES // 20, deadline=None)

#: Pieces that mean something to Markdown, to HTML or to a browser's URL parser.
FRAGMENTS = [
    "<", ">", "</", "/>", "<a href=", "<img src=x ", "<script>", "</script>", "<svg", "<math",
    "<iframe", "<style>", "<base href=", "<form action=", "<meta ", "<!--", "-->", "<![CDATA[",
    " onerror=", " onload=", " ONMOUSEOVER=", " on", "=", '"', "'", "`", "&", "&amp;", "&#",
    "&#x", "&#106;", "&#x6A;", "&#x09;", "&colon;", ";", ":", "javascript:", "JaVaScRiPt:",
    "java\tscript:", "java\nscript:", "vbscript:", "data:", "data:text/html,", "mailto:",
    "http://", "https://", "www.", "//", "\\", "%0a", "%6A", "alert(1)", "x", "ok.example",
    "[", "]", "(", ")", "](", "![", "]: ", "[r]", "\n[r]: ", "<http://", "*", "**", "_", "~~",
    "`", "```", "\n", "\n\n", "    ", "> ", "- ", "1. ", "# ", "###### ", "| ", " |", "|---|",
    "---", "===", "@", "@a@b.nl", "@x@y.nl", "a@b.nl", "\u202e", "\u200b", "\ufeff", "\uff1c",
    "\uff1e", "\x00", "\x01", "\x7f", "\u2028", "é", "中", " ", "a", "1", ".", "!", "#", "|",
]  # fmt: skip

# Fragments only (arbitrary characters have their own test): cheap to draw, so the examples go
# to rendering rather than to generating.
dangerous = st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join)
corpus_mix = st.lists(
    st.one_of(st.sampled_from(list(CORPUS.values())), st.sampled_from(FRAGMENTS)), max_size=8
).map("".join)
names = st.text(max_size=30)
MENTIONED = {"a@b.nl": "Anna <b>", "x@y.nl": '" onmouseover="alert(1)'}


def check(text: str, mentions=None) -> None:
    html = render(text, mentions=mentions)
    assert_clean(html, repr(text))
    assert sanitise(html) == html, repr(text)


@many
@given(st.text(max_size=200))
def test_any_text_renders_to_allowlisted_markup(text):
    check(text, MENTIONED)


@many
@given(dangerous)
def test_dangerous_fragments_render_to_allowlisted_markup(text):
    check(text, MENTIONED)


@some
@given(corpus_mix)
def test_the_corpus_mixed_renders_to_allowlisted_markup(text):
    check(text, MENTIONED)


@some
@given(st.one_of(dangerous, corpus_mix, st.text(max_size=200)))
def test_sanitise_gives_allowlisted_markup_for_any_html(html):
    assert_clean(sanitise(html), repr(html))


@some
@given(st.dictionaries(st.sampled_from(["a@b.nl", "x@y.nl", "c@d.nl"]), names), dangerous)
def test_any_display_name_stays_text(mentions, text):
    check(f"@a@b.nl {text} @x@y.nl", mentions)


@some
@given(dangerous)
def test_paragraphs_are_each_clean_and_numbered_in_order(text):
    blocks = paragraphs(text, mentions=MENTIONED)
    assert [b.number for b in blocks] == list(range(1, len(blocks) + 1))
    for block in blocks:
        assert_clean(block.html, repr(text))
        assert sanitise(block.html) == block.html
    assert paragraphs(text, mentions=MENTIONED) == blocks  # the same source, the same split


@some
@given(st.one_of(dangerous, st.text(max_size=200)))
def test_plain_text_excerpt_and_mentions_never_fail(text):
    plain = plain_text(text)
    short = excerpt(text, 40)
    assert len(short) <= 40 and "\n" not in short
    assert short == plain[:40] or short.endswith("…") or short == " ".join(plain.split())
    found = find_mentions(text)
    assert len(found) == len(set(found)) and all(m == m.lower() for m in found)
