"""Text drafts as numbered blocks (comments anchor to a number) and the diff between versions."""

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from markdown_it.token import Token
from markupsafe import Markup

from .markdown import normalise_source, parse, to_html
from .plain import plain_text_of
from .sanitiser import sanitise

#: Top-level blocks that get a number. A thematic break (---) and link reference definitions
#: are not something to comment on, so they are skipped.
NUMBERED = frozenset(
    {
        "paragraph_open", "heading_open", "bullet_list_open", "ordered_list_open",
        "blockquote_open", "table_open", "fence", "code_block",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Paragraph:
    """One numbered top-level block of a text draft ("alinea")."""

    number: int
    source: str  #: its Markdown lines, as written (line endings normalised)
    html: Markup  #: rendered and sanitised, as render() would make it in context


def _top_level(tokens: list[Token]):
    """(start, end) token index ranges of the top-level blocks."""
    start = None
    for index, token in enumerate(tokens):
        if token.level != 0:
            continue
        if token.nesting == 0 and start is None:
            yield index, index + 1
        elif token.nesting == 1:
            start = index
        elif token.nesting == -1 and start is not None:
            yield start, index + 1
            start = None


def _blocks(text: str, mentions: Mapping[str, str] | None):
    lines = normalise_source(text).split("\n")
    tokens, env = parse(text, mentions)
    for start, end in _top_level(tokens):
        first = tokens[start]
        if first.type not in NUMBERED or first.map is None:
            continue
        begin, finish = first.map
        source = "\n".join(lines[begin:finish]).rstrip()
        yield source, tokens[start:end], env


def _numbered(text: str, mentions: Mapping[str, str] | None) -> list[tuple[Paragraph, str]]:
    """The numbered blocks, each with its plain text."""
    return [
        (Paragraph(number, source, sanitise(to_html(block, env))), plain_text_of(block))
        for number, (source, block, env) in enumerate(_blocks(text, mentions), start=1)
    ]


def paragraphs(text: str, *, mentions: Mapping[str, str] | None = None) -> list[Paragraph]:
    """Split a draft into its top-level blocks, numbered 1..n in order.

    The numbering depends on the source alone: the same text always gives the same numbers,
    and an edit to one block leaves the numbers of the blocks before it alone.
    """
    return [
        Paragraph(number, source, sanitise(to_html(block, env)))
        for number, (source, block, env) in enumerate(_blocks(text, mentions), start=1)
    ]


# --- diff -----------------------------------------------------------------------------------

UNCHANGED, ADDED, REMOVED, CHANGED = "unchanged", "added", "removed", "changed"
#: First pass: a word or a run of punctuation with the whitespace after it. A long text then
#: has no token as common as a lone space, which keeps difflib fast (5,000 words in about a
#: second) and lines the versions up by whole words.
_COARSE_RE = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")
#: Second pass, inside each replaced stretch: words, whitespace and punctuation apart, so that
#: "pand " -> "pand." marks only the full stop.
_FINE_RE = re.compile(r"\w+|\s+|[^\w\s]")
#: A replaced stretch longer than this (characters, both sides) is not refined.
REFINE_LIMIT = 2_000
#: Below this share of common words two blocks at the same place count as different blocks.
SIMILAR = 0.5


@dataclass(frozen=True)
class DiffBlock:
    """One block of a diff: in the old version, the new one, or both."""

    status: str  #: "unchanged" | "added" | "removed" | "changed"
    old: Paragraph | None
    new: Paragraph | None
    #: (op, text) with op in "equal", "insert", "delete"; the whole block for one that did
    #: not change, was added or was removed; word by word for a changed one.
    segments: list[tuple[str, str]] = field(default_factory=list)
    #: A changed block whose words stayed the same: its segments then show the Markdown source,
    #: so the changed markup (e.g. "**") is what is marked.
    formatting_only: bool = False

    @property
    def number(self) -> int:
        """Its number in the new version, or in the old one for a removed block."""
        return (self.new or self.old).number  # type: ignore[union-attr]


def _opcodes(old: str, new: str, pattern: re.Pattern, isjunk=None):
    a, b = pattern.findall(old), pattern.findall(new)
    for tag, i1, i2, j1, j2 in SequenceMatcher(isjunk, a, b, autojunk=False).get_opcodes():
        yield tag, "".join(a[i1:i2]), "".join(b[j1:j2])


def _merge(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent pieces of one kind joined; empty ones dropped."""
    segments: list[tuple[str, str]] = []
    for op, text in pieces:
        if not text:
            continue
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))
    return segments


def _common_space(a: str, b: str, *, end: bool) -> str:
    """The whitespace both strings start (or end) with."""
    n = 0
    while n < min(len(a), len(b)):
        x, y = (a[-1 - n], b[-1 - n]) if end else (a[n], b[n])
        if x != y or not x.isspace():
            break
        n += 1
    return (a[len(a) - n :] if end else a[:n]) if n else ""


def _tidy(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Whitespace at the start or end of both sides of a replacement is not part of the change:
    <del>/<ins> hold the words, not the space around them."""
    out: list[tuple[str, str]] = []
    for op, text in pieces:
        if op == "insert" and out and out[-1][0] == "delete":
            was = out.pop()[1]
            head = _common_space(was, text, end=False)
            was, text = was[len(head) :], text[len(head) :]
            tail = _common_space(was, text, end=True)
            if tail:
                was, text = was[: -len(tail)], text[: -len(tail)]
            out += [("equal", head), ("delete", was), ("insert", text), ("equal", tail)]
        else:
            out.append((op, text))
    return _merge(out)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level difference between two texts: (op, text) pieces, adjacent ones merged.

    Joining the "equal" and "delete" pieces gives `old` back; "equal" and "insert", `new`.
    """
    pieces: list[tuple[str, str]] = []
    for tag, was, now in _opcodes(old, new, _COARSE_RE):
        if tag == "equal":
            pieces.append(("equal", was))
        elif tag == "replace" and len(was) + len(now) <= REFINE_LIMIT:
            # whitespace does not anchor a match here, or every space would split the change
            for fine, was_, now_ in _opcodes(was, now, _FINE_RE, str.isspace):
                pieces += (
                    [("equal", was_)] if fine == "equal" else [("delete", was_), ("insert", now_)]
                )
        else:
            pieces += [("delete", was), ("insert", now)]
    return _tidy(_merge(pieces))


class _Block:
    """A numbered block with what the diff compares: its source, plain text and words."""

    def __init__(self, paragraph: Paragraph, plain: str):
        self.paragraph, self.plain = paragraph, plain
        self.words = Counter(re.findall(r"\w+", plain.lower()))


def _similarity(old: _Block, new: _Block) -> float:
    """The share of words two blocks have in common (order aside): cheap, and enough to tell
    an edited block from another one."""
    total = old.words.total() + new.words.total()
    return 2 * (old.words & new.words).total() / total if total else 1.0


def _changed(old: _Block, new: _Block) -> DiffBlock:
    if old.paragraph.source == new.paragraph.source:  # a repeated block, matched by place
        return DiffBlock(UNCHANGED, old.paragraph, new.paragraph, [("equal", new.plain)])
    segments = word_diff(old.plain, new.plain)
    if all(op == "equal" for op, _ in segments):  # only the markup changed: show that
        source = word_diff(old.paragraph.source, new.paragraph.source)
        return DiffBlock(CHANGED, old.paragraph, new.paragraph, source, formatting_only=True)
    return DiffBlock(CHANGED, old.paragraph, new.paragraph, segments)


def _added(new: _Block) -> DiffBlock:
    return DiffBlock(ADDED, None, new.paragraph, [("insert", new.plain)])


def _removed(old: _Block) -> DiffBlock:
    return DiffBlock(REMOVED, old.paragraph, None, [("delete", old.plain)])


#: Past this many comparisons in one replaced stretch, blocks are only compared with the one at
#: the same place, so that rewriting a long draft whole does not take minutes to compare.
MAX_COMPARISONS = 400


def _pair(olds: list[_Block], news: list[_Block]) -> list[DiffBlock]:
    """Within a replaced stretch: each new block takes the most similar old one still ahead;
    what is left over shows as removed, then added (both sides stay in their order)."""
    out: list[DiffBlock] = []
    added: list[DiffBlock] = []
    i = 0
    window = len(olds) if len(olds) * len(news) <= MAX_COMPARISONS else 1
    for new in news:
        ahead = enumerate(olds[i : i + window], start=i)
        scores = [(_similarity(old, new), k) for k, old in ahead]
        score, k = max(scores, key=lambda s: (s[0], -s[1]), default=(0.0, -1))
        if score < SIMILAR:
            added.append(_added(new))
            continue
        out += [_removed(old) for old in olds[i:k]] + added
        out.append(_changed(olds[k], new))
        added, i = [], k + 1
    return out + [_removed(old) for old in olds[i:]] + added


def diff(old: str, new: str, *, mentions: Mapping[str, str] | None = None) -> list[DiffBlock]:
    """The difference between two versions of a draft, block by block, in reading order."""
    olds = [_Block(*pair) for pair in _numbered(old, mentions)]
    news = [_Block(*pair) for pair in _numbered(new, mentions)]
    sources = ([b.paragraph.source for b in olds], [b.paragraph.source for b in news])
    out: list[DiffBlock] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, *sources).get_opcodes():
        if tag == "equal":
            out += [
                DiffBlock(UNCHANGED, o.paragraph, n.paragraph, [("equal", n.plain)])
                for o, n in zip(olds[i1:i2], news[j1:j2], strict=True)
            ]
        else:
            out += _pair(olds[i1:i2], news[j1:j2])
    return out
