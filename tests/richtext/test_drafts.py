"""paragraphs(): a draft's numbered blocks; diff(): the difference between two versions."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neig_workspace.richtext import DiffBlock, Paragraph, diff, paragraphs, render, word_diff
from tests.richtext.checks import tags

DRAFT = """# Actieplan

Inleiding met *nadruk*
over twee regels.

- eerste punt
- tweede punt
  met vervolg

1. stap een
2. stap twee

> Een citaat
dat lui doorloopt.

```
code blok
```

    ingesprongen code

| kolom | waarde |
|-------|-------:|
| a     | 1      |

---

[ref]: https://example.nl/ref

Slot met [een link][ref]."""

EXPECTED_SOURCES = [
    "# Actieplan",
    "Inleiding met *nadruk*\nover twee regels.",
    "- eerste punt\n- tweede punt\n  met vervolg",
    "1. stap een\n2. stap twee",
    "> Een citaat\ndat lui doorloopt.",
    "```\ncode blok\n```",
    "    ingesprongen code",
    "| kolom | waarde |\n|-------|-------:|\n| a     | 1      |",
    "Slot met [een link][ref].",
]


def test_a_draft_splits_into_its_top_level_blocks():
    blocks = paragraphs(DRAFT)
    assert [b.number for b in blocks] == list(range(1, 10))
    assert [b.source for b in blocks] == EXPECTED_SOURCES
    assert [tags(b.html)[0] for b in blocks] == [
        "h3", "p", "ul", "ol", "blockquote", "pre", "pre", "table", "p",
    ]  # fmt: skip
    assert all(isinstance(b, Paragraph) for b in blocks)


def test_each_block_renders_as_in_the_whole_text():
    """A reference link defined elsewhere in the draft still resolves inside its block."""
    blocks = paragraphs(DRAFT)
    assert 'href="https://example.nl/ref"' in blocks[-1].html
    assert "".join(b.html for b in blocks) == str(render(DRAFT)).replace("<hr>\n", "")


def test_mentions_render_in_paragraphs():
    (block,) = paragraphs("Vraag aan @a@b.nl", mentions={"a@b.nl": "Anna"})
    assert "@Anna</span>" in block.html


def test_the_same_source_gives_the_same_numbering():
    assert paragraphs(DRAFT) == paragraphs(DRAFT)
    assert paragraphs(DRAFT.replace("\n", "\r\n")) == paragraphs(DRAFT)
    assert paragraphs(DRAFT + "\n\n\n") == paragraphs(DRAFT)


def test_an_edit_leaves_the_numbers_of_the_other_blocks_alone():
    edited = DRAFT.replace("stap twee", "stap twee, herzien en veel langer\n3. stap drie")
    before, after = paragraphs(DRAFT), paragraphs(edited)
    assert [(b.number, b.source) for b in after if b.number != 4] == [
        (b.number, b.source) for b in before if b.number != 4
    ]
    assert after[3].source.endswith("3. stap drie")


def test_a_new_block_renumbers_only_what_follows_it():
    edited = DRAFT.replace("1. stap een", "Een nieuwe alinea.\n\n1. stap een")
    before, after = paragraphs(DRAFT), paragraphs(edited)
    assert after[:3] == before[:3]
    assert after[3].source == "Een nieuwe alinea."
    assert [b.source for b in after[4:]] == [b.source for b in before[3:]]
    assert [b.number for b in after] == list(range(1, 11))


def test_empty_and_blank_drafts_have_no_paragraphs():
    assert paragraphs("") == [] and paragraphs("\n\n   \n") == []
    assert paragraphs("---\n\n[r]: https://example.nl") == []


# Blocks of each kind, each one line or more, none that would merge with a neighbour.
words = st.lists(st.sampled_from(["plan", "actie", "OTE", "Rotterdam", "explosie", "*nadruk*"]),
                 min_size=1, max_size=6).map(" ".join)  # fmt: skip
blocks_ = st.one_of(
    words,
    words.map(lambda w: f"## {w}"),
    st.lists(words, min_size=1, max_size=3).map(lambda ws: "\n".join(f"- {w}" for w in ws)),
    st.lists(words, min_size=1, max_size=3).map(
        lambda ws: "\n".join(f"{i}. {w}" for i, w in enumerate(ws, 1))
    ),
    words.map(lambda w: f"> {w}"),
    words.map(lambda w: f"```\n{w}\n```"),
    words.map(lambda w: f"| a |\n|---|\n| {w} |"),
)


def _kind(source: str) -> str:
    return "bullets" if source.startswith("- ") else "numbers" if source[0].isdigit() else source


def separate(sources: list[str]) -> bool:
    """Two lists of one kind with only a blank line between them are one (loose) list."""
    return all(_kind(a) != _kind(b) for a, b in zip(sources, sources[1:], strict=False))


documents = st.lists(blocks_, max_size=8).filter(separate)


def test_two_lists_of_one_kind_are_one_block():
    assert [b.source for b in paragraphs("- a\n\n- b\n\n1. c")] == ["- a\n\n- b", "1. c"]


@settings(max_examples=100, deadline=None)
@given(documents, st.data())
def test_numbering_is_stable_under_edits_elsewhere(sources, data):
    text = "\n\n".join(sources)
    blocks = paragraphs(text)
    assert [b.source for b in blocks] == sources
    assert [b.number for b in blocks] == list(range(1, len(sources) + 1))
    if sources:  # change one block: every other block keeps its number and source
        k = data.draw(st.integers(0, len(sources) - 1))
        one_word = re.sub(
            r"plan|actie|OTE|Rotterdam|explosie|nadruk", "wijziging", sources[k], count=1
        )
        edited = [*sources[:k], one_word, *sources[k + 1 :]]
        changed = paragraphs("\n\n".join(edited))
        assert [(b.number, b.source) for b in changed if b.number != k + 1] == [
            (b.number, b.source) for b in blocks if b.number != k + 1
        ]


# --- diff ----------------------------------------------------------------------------------


def statuses(blocks: list[DiffBlock]) -> list[tuple[str, int]]:
    return [(b.status, b.number) for b in blocks]


def test_identical_versions_are_unchanged_throughout():
    blocks = diff(DRAFT, DRAFT)
    assert statuses(blocks) == [("unchanged", n) for n in range(1, 10)]
    assert blocks[1].segments == [("equal", "Inleiding met nadruk\nover twee regels.")]


def test_a_changed_word_shows_word_by_word():
    old = "Eerste.\n\nDe gemeente sluit het pand voor drie maanden.\n\nLaatste."
    new = "Eerste.\n\nDe burgemeester sluit het pand voor zes maanden.\n\nLaatste."
    blocks = diff(old, new)
    assert statuses(blocks) == [("unchanged", 1), ("changed", 2), ("unchanged", 3)]
    assert blocks[1].segments == [
        ("equal", "De "),
        ("delete", "gemeente"),
        ("insert", "burgemeester"),
        ("equal", " sluit het pand voor "),
        ("delete", "drie"),
        ("insert", "zes"),
        ("equal", " maanden."),
    ]
    assert blocks[1].old.number == blocks[1].new.number == 2
    assert not blocks[1].formatting_only


def test_added_and_removed_blocks():
    old = "Een.\n\nTwee weg.\n\nDrie."
    new = "Een.\n\nDrie.\n\nVier is nieuw."
    blocks = diff(old, new)
    assert statuses(blocks) == [("unchanged", 1), ("removed", 2), ("unchanged", 2), ("added", 3)]
    assert blocks[1].new is None and blocks[1].segments == [("delete", "Twee weg.")]
    assert blocks[3].old is None and blocks[3].segments == [("insert", "Vier is nieuw.")]


def test_a_rewritten_block_is_removed_and_added_not_changed():
    blocks = diff("Het oude voorstel luidde zo.", "Iets heel anders nu hier.")
    assert [b.status for b in blocks] == ["removed", "added"]


def test_a_block_that_moved_number_is_still_changed_not_new():
    old = "Een.\n\nDe tekst van alinea twee blijft bijna gelijk."
    new = "Nul.\n\nEen.\n\nDe tekst van alinea twee blijft nagenoeg gelijk."
    blocks = diff(old, new)
    assert statuses(blocks) == [("added", 1), ("unchanged", 2), ("changed", 3)]
    assert (blocks[2].old.number, blocks[2].new.number) == (2, 3)


def test_a_formatting_change_shows_the_markup_that_changed():
    blocks = diff("Een belangrijk punt.", "Een **belangrijk** punt.")
    (block,) = blocks
    assert block.status == "changed" and block.formatting_only is True
    assert block.segments == [
        ("equal", "Een "), ("insert", "**"), ("equal", "belangrijk"), ("insert", "**"),
        ("equal", " punt."),
    ]  # fmt: skip


def test_word_diff_merges_neighbours():
    assert word_diff("a b c", "a x y c") == [
        ("equal", "a "),
        ("delete", "b"),
        ("insert", "x y"),
        ("equal", " c"),
    ]
    assert word_diff("", "nieuw") == [("insert", "nieuw")]
    assert word_diff("oud", "") == [("delete", "oud")]


@pytest.mark.parametrize("old", ["", "Een."])
def test_diff_against_an_empty_version(old):
    blocks = diff(old, "")
    assert [b.status for b in blocks] == (["removed"] if old else [])
    assert [b.status for b in diff("", old)] == (["added"] if old else [])


@settings(max_examples=100, deadline=None)
@given(documents, documents)
def test_a_diff_holds_both_versions_in_order(old_sources, new_sources):
    old, new = "\n\n".join(old_sources), "\n\n".join(new_sources)
    blocks = diff(old, new)
    assert [b.old for b in blocks if b.old] == paragraphs(old)
    assert [b.new for b in blocks if b.new] == paragraphs(new)
    for b in blocks:
        assert b.status in ("unchanged", "added", "removed", "changed")
        assert (b.status == "unchanged") == (b.old is not None and b.new is not None and
                                             b.old.source == b.new.source)  # fmt: skip
        if b.status == "changed":  # the segments spell out both sides
            was = "".join(t for op, t in b.segments if op != "insert")
            now = "".join(t for op, t in b.segments if op != "delete")
            if b.formatting_only:
                assert (was, now) == (b.old.source, b.new.source)
                assert _plain(b.old) == _plain(b.new)
            else:
                assert (was, now) == (_plain(b.old), _plain(b.new))


def _plain(p: Paragraph) -> str:
    from neig_workspace.richtext import plain_text

    return plain_text(p.source)


def test_a_long_draft_rewritten_throughout_is_still_compared_block_by_block():
    """Past MAX_COMPARISONS each block is only compared with the one at its place."""
    old = "\n\n".join(f"Alinea {n} over de aanpak van explosies." for n in range(60))
    new = "\n\n".join(f"Alinea {n} over de aanpak van aanslagen." for n in range(60))
    blocks = diff(old, new)
    assert [b.status for b in blocks] == ["changed"] * 60
    assert [b.old.number for b in blocks] == [b.new.number for b in blocks] == list(range(1, 61))
    assert blocks[7].segments == [
        ("equal", "Alinea 7 over de aanpak van "),
        ("delete", "explosies"),
        ("insert", "aanslagen"),
        ("equal", "."),
    ]


@pytest.mark.parametrize(
    ("old", "new", "segments"),
    [
        ("pand ", "pand.", [("equal", "pand"), ("delete", " "), ("insert", ".")]),
        (
            "De gemeente sluit.",
            "Het college sluit.",
            [("delete", "De gemeente"), ("insert", "Het college"), ("equal", " sluit.")],
        ),
        ("a  b", "a b", [("equal", "a "), ("delete", " "), ("equal", "b")]),
    ],
)
def test_word_diff_marks_words_not_the_space_around_them(old, new, segments):
    assert word_diff(old, new) == segments


texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["de ", "het", " ", "  ", "\n", ".", ",", "pand", "**", "gemeente"]),
             max_size=30).map("".join),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_word_diff_spells_out_both_texts(old, new):
    segments = word_diff(old, new)
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new
    assert all(t for _, t in segments)
    assert all(a[0] != b[0] for a, b in zip(segments, segments[1:], strict=False))
    assert all(op in ("equal", "insert", "delete") for op, _ in segments)
