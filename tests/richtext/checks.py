"""What the tests check rich-text HTML against, parsed the way a browser parses it.

Independent of the code under test: the allowlist is written out again here, and a URL's scheme
is read as the WHATWG URL parser reads it (strip C0 controls and spaces at the ends, drop tabs and
newlines anywhere, then an ASCII letter followed by letters, digits, "+", "-" or "." up to ":").
The project's own XSS checker (tests/security/test_xss.py) gives a second opinion.
"""

import re

from bleach._vendor import html5lib

from tests.security.test_xss import _Markup

TAGS = {
    "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a", "span",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "span": {"class", "title"},
    "ol": {"start"},
    "th": {"class", "scope"},
    "td": {"class"},
}
CLASSES = {"span": {"mention"}, "th": {"align-left", "align-center", "align-right"}}
CLASSES["td"] = CLASSES["th"]
SCHEMES = {"http", "https", "mailto"}
REL = "nofollow noopener noreferrer"

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in an href value (None for a relative URL)."""
    url = url.strip("".join(map(chr, range(0x21))))
    url = re.sub(r"[\t\n\r]", "", url)
    match = _SCHEME_RE.match(url)
    return match.group(1).lower() if match else None


def elements(html: str):
    """Every element of the fragment as (tag, attributes), as a browser's parser builds it."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    for element in fragment.iter():
        if element.tag != "DOCUMENT_FRAGMENT" and isinstance(element.tag, str):
            yield element.tag, dict(element.attrib)
        elif not isinstance(element.tag, str):  # a comment or processing instruction
            yield "<!-- comment -->", {}


def problems(html: str) -> list[str]:
    """Everything in the HTML that is not on the allowlist, in words; empty when it is clean."""
    found = []
    for tag, attrs in elements(html):
        if tag not in TAGS:
            found.append(f"tag <{tag}>")
            continue
        for name, value in attrs.items():
            if name not in ATTRIBUTES.get(tag, set()):
                found.append(f"attribute {name!r} on <{tag}>")
            elif name == "class" and value not in CLASSES.get(tag, set()):
                found.append(f"class {value!r} on <{tag}>")
            elif name == "href" and url_scheme(value) not in (SCHEMES | {None}):
                found.append(f"href {value!r}")
            elif name == "scope" and value not in ("col", "row"):
                found.append(f"scope {value!r}")
            elif name == "start" and not value.isdigit():
                found.append(f"start {value!r}")
        if tag == "a" and attrs.get("rel") != REL:
            found.append(f"<a> with rel {attrs.get('rel')!r}")
    second = _Markup()  # the project's XSS checker: handlers, script URLs, scripts, odd tags
    second.feed(html)
    return found + second.problems


def assert_clean(html: str, where: str = "") -> None:
    assert not problems(html), f"{where}: {problems(html)}\n{html[:500]}"


def tags(html: str) -> list[str]:
    return [tag for tag, _ in elements(html)]


def hrefs(html: str) -> list[str]:
    return [attrs["href"] for tag, attrs in elements(html) if tag == "a" and "href" in attrs]
