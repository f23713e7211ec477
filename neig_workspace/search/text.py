"""Words to index terms, the same way for both databases and for the text and the query.

A word is normalised (NFKD, combining marks dropped, lower case: "geïmproviseerd" is
"geimproviseerd") and stemmed by two Snowball stemmers in turn: the newer Kraaij-Pohlmann
one, then the classic Dutch (Porter) one. Neither alone joins all of explosie/explosies,
aanslag/aanslagen and plan/plannen (Porter keeps explosies and plann, Kraaij-Pohlmann makes
aanslagen aanslaag); the two in turn do. Kraaij-Pohlmann's stem keeps the word's "ge-" (it
takes it off any word, as from a participle: gemeente would be "men"). Each word still gets
exactly one term at its own position, so a phrase ("NEIG-2026-0001" is the phrase neig 2026 0001) stays a
phrase. PostgreSQL's `dutch` configuration is the Porter stemmer alone (explosies stays
explosies), which is why the terms are made here and indexed with the `simple` configuration.
"""

import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import snowballstemmer

#: A word: letters and digits (after normalisation), nothing else.
WORD = re.compile(r"[^\W_]+")
#: What the snippet markers could be confused with; never stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_porter = snowballstemmer.stemmer("dutch_porter")
_kraaij_pohlmann = snowballstemmer.stemmer("dutch")

#: Words longer than this are not words (a hash, a base64 blob): cut, so one cannot bloat a term.
MAX_WORD = 60


def normalise(text: str) -> str:
    """Without diacritics and control characters; case kept (the snippet shows it)."""
    if text.isascii():  # nothing to decompose: most words, and much faster
        return _CONTROL.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _CONTROL.sub(" ", stripped)


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The index term of one normalised word."""
    word = word.lower()[:MAX_WORD]
    if not word.isalpha():
        return word  # codes and numbers are matched as they are
    stem = _kraaij_pohlmann.stemWord(word)
    if stem[:2] != word[:2]:
        # Kraaij-Pohlmann took "ge-" off as if from a participle: gemeente became "meen",
        # geweld "wel" and gezin "zin", so a search for a municipality found every "men".
        # The prefix stays (gezinnen is still gezin).
        stem = "ge" + stem if word.startswith("ge") else word
    return _porter.stemWord(stem)


def terms(text: str) -> list[str]:
    return [term(w) for w in WORD.findall(normalise(text))]


def index_text(text: str) -> str:
    """The text as its terms, one space apart, for the database's own tokeniser."""
    return " ".join(terms(text))


# --- the query --------------------------------------------------------------------------------


@dataclass
class Group:
    """Clauses that must all hold; each clause a phrase (a list of terms), one word or more."""

    required: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)


@dataclass
class Query:
    """Groups of which one must hold (the words `of`/`or` between them)."""

    groups: list[Group]

    @property
    def empty(self) -> bool:
        return not any(g.required for g in self.groups)

    def positive_terms(self) -> set[str]:
        return {t for g in self.groups for phrase in g.required for t in phrase}


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OR_WORDS = {"or", "of", "OR", "OF"}


def parse(text: str) -> Query:
    """As websearch_to_tsquery reads a query: words must all occur, "quoted words" as a
    phrase, -word must not occur, `of` (or `or`) between alternatives. A word with punctuation
    inside (NEIG-2026-0001, P-03) is a phrase of its parts."""
    groups = [Group()]
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare in _OR_WORDS:
            if groups[-1].required:
                groups.append(Group())
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        phrase = terms(quoted if quoted is not None else bare)
        if not phrase:
            continue
        (groups[-1].excluded if negated else groups[-1].required).append(phrase)
    return Query([g for g in groups if g.required])


def _quoted(phrase: list[str]) -> str:
    # Terms are letters and digits only: nothing in them needs escaping.
    return '"' + " ".join(phrase) + '"'


def to_websearch(query: Query) -> str:
    """For PostgreSQL's websearch_to_tsquery('simple', …)."""
    parts = []
    for group in query.groups:
        clauses = [_quoted(p) for p in group.required] + ["-" + _quoted(p) for p in group.excluded]
        parts.append(" ".join(clauses))
    return " or ".join(parts)


def to_fts5(query: Query) -> str:
    """For SQLite's FTS5 MATCH: NOT binds tighter than AND, AND than OR, so each part has
    parentheses of its own."""
    parts = []
    for group in query.groups:
        expression = "(" + " AND ".join(_quoted(p) for p in group.required) + ")"
        if group.excluded:
            expression += " NOT (" + " OR ".join(_quoted(p) for p in group.excluded) + ")"
        parts.append("(" + expression + ")")
    return " OR ".join(parts)


# --- the snippet ------------------------------------------------------------------------------

#: Where a hit starts and ends in a snippet, before escaping (control characters are never stored).
START, STOP = "\x02", "\x03"


def snippet(text: str, wanted: set[str], *, words: int = 30, scan: int = 20000) -> str:
    """Up to `words` words of `text` around its first word whose term is wanted, each such
    word between START and STOP; the start of the text when none is (a title hit). Only the
    first `scan` characters are looked through, and only up to the end of the window."""
    # Composed (NFC), so a letter with its accent is one letter of a word and is shown as written.
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text[:scan]))
    window, from_start, more = _window(text, wanted, words)
    if not window:
        return ""
    out, position = [], (0 if from_start else window[0].start())
    for match in window:
        out.append(text[position : match.start()])
        word = match.group()
        out.append(f"{START}{word}{STOP}" if _term_of(word) in wanted else word)
        position = match.end()
    if not more:
        out.append(text[position:])
    prefix = "" if from_start else "… "
    suffix = " …" if more else ""
    return prefix + " ".join("".join(out).split()) + suffix


def _window(text: str, wanted: set[str], words: int) -> tuple[list, bool, bool]:
    """The word matches of `words` words from `words // 3` before the first wanted one (the
    first words when none is), whether they start at the first word, and whether a word
    follows them. Reads the words only up to the end of the window, and keeps no more."""
    found = WORD.finditer(text)
    recent = deque(maxlen=words // 3 + 1)
    seen = 0
    for match in found:
        seen += 1
        recent.append(match)
        if _term_of(match.group()) in wanted:
            break
    else:  # no wanted word: the first words
        head = list(islice(WORD.finditer(text), words + 1))
        return head[:words], True, len(head) > words
    window = list(recent)
    for match in found:
        if len(window) == words:
            return window, seen == len(recent), True
        window.append(match)
    return window, seen == len(recent), False


@lru_cache(maxsize=65536)
def _term_of(word: str) -> str:
    return term(normalise(word))
