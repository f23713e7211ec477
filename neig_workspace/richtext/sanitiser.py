"""The one HTML sanitiser (SECURITY.md: no `|safe` on user text unless it came out of bleach).

An allowlist of tags and attributes; every URL must have an allowed scheme (checked twice: by
bleach and by `safe_url`, which also sees through entities, percent-escapes, invisible and
fullwidth characters); every link gets `rel="nofollow noopener noreferrer"`. A tag that is not
on the list is not dropped but escaped, so it shows as the text it was.
"""

import re
import threading
import unicodedata
from html import unescape
from urllib.parse import unquote

import bleach
from bleach.html5lib_shim import Filter
from markupsafe import Markup

#: The tags rich text may hold: what the Markdown subset produces, nothing more. Headings start
#: at h3 so user text never outranks the page's own h1 and h2.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h3", "h4", "h5", "h6", "a", "span",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

#: Class values the renderer sets itself; no other class survives.
ALLOWED_CLASSES = {
    "span": frozenset({"mention"}),
    "th": frozenset({"align-left", "align-center", "align-right"}),
    "td": frozenset({"align-left", "align-center", "align-right"}),
}

ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title", "rel"}),
    "span": frozenset({"class", "title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"class", "scope"}),
    "td": frozenset({"class"}),
}

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow noopener noreferrer"

# Characters a browser skips or that hide what a URL says: controls, whitespace, format
# characters (zero-width, bidi overrides, soft hyphen) and the backtick old IE treated as a quote.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Co", "Cn"}
_SCHEME = re.compile(r"^([^/?#]*?):")


def _normalised_url(url: str) -> str:
    """The URL as a browser might read it, undone of every layer of escaping we can think of."""
    value = url
    for _ in range(5):  # entities and percent-escapes, nested a few deep
        decoded = unquote(unescape(value))
        if decoded == value:
            break
        value = decoded
    value = unicodedata.normalize("NFKC", value)
    value = "".join(ch for ch in value if ch != "`" and unicodedata.category(ch) not in _INVISIBLE)
    return value.lower()


def safe_url(url: str) -> bool:
    """True for http, https and mailto URLs and for relative ones (no scheme at all)."""
    match = _SCHEME.match(_normalised_url(url))
    return match is None or match.group(1) in ALLOWED_SCHEMES


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name == "href":
        return safe_url(value)
    if name == "class":
        return value in ALLOWED_CLASSES.get(tag, ())
    if name == "scope":
        return value in ("col", "row")
    if name == "start":
        return value.isascii() and value.isdigit() and len(value) <= 9
    return True


class _LinkRel(Filter):
    """Every link gets our rel, whatever the input said (runs after bleach's own filter)."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attrs = dict(token["data"])
                attrs[(None, "rel")] = LINK_REL
                token["data"] = attrs
            yield token


_local = threading.local()  # a bleach Cleaner keeps parser state: one per thread


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allow_attribute,
            protocols=ALLOWED_SCHEMES,
            strip=False,
            strip_comments=True,
            filters=[_LinkRel],
        )
    return cleaner


def sanitise(html: str) -> Markup:
    """Clean HTML against the allowlist; the result is safe to put on a page as it is."""
    return Markup(_cleaner().clean(html or ""))  # noqa: S704  # nosec B704 # bleach just cleaned it
