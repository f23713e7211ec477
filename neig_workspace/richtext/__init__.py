"""Rich text: the one place Markdown becomes HTML (comments, text drafts, action items, cases).

Users write a Markdown subset; `render` turns it into HTML that has been through the one
sanitiser (`sanitise`, bleach with an allowlist), so templates may print it as it is. Raw HTML in
the source shows as text; links keep to http, https, mailto and relative addresses and carry
rel="nofollow noopener noreferrer"; no image is ever shown. "@" followed by an e-mail address is
a mention, shown with the person's name when the caller knows the address.

Templates: `templates/macros/richtext.html` (numbered paragraphs of a draft, a diff view).
"""

from collections.abc import Mapping

from markupsafe import Markup

from .drafts import DiffBlock, Paragraph, diff, paragraphs, word_diff
from .markdown import PERSON_MENTION, parse, to_html
from .plain import plain_text_of, shorten
from .sanitiser import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    LINK_REL,
    safe_url,
    sanitise,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_SCHEMES",
    "ALLOWED_TAGS",
    "LINK_REL",
    "PERSON_MENTION",
    "DiffBlock",
    "Paragraph",
    "diff",
    "excerpt",
    "find_mentions",
    "paragraphs",
    "person_mention",
    "plain_text",
    "render",
    "safe_url",
    "sanitise",
    "word_diff",
]


def render(text: str, *, mentions: Mapping[str, str] | None = None) -> Markup:
    """Markdown source -> sanitised HTML.

    `mentions` maps a mention key (a lower-cased e-mail address, or "persoon:<id>") to a display
    name; "@" + such a key is shown as that name. Unknown ones stay as written.
    """
    tokens, env = parse(text, mentions)
    return sanitise(to_html(tokens, env))


def find_mentions(text: str) -> list[str]:
    """What is mentioned ("@" + address, lower-cased, or "@persoon:<id>" as "persoon:<id>"),
    each once, in order. As render() sees them: not inside code or inside a link.
    """
    _, env = parse(text)
    return list(dict.fromkeys(env.get("found", [])))


def person_mention(user_id: int) -> str:
    """The mention key of a person by id, as find_mentions() returns it ("persoon:12")."""
    return f"{PERSON_MENTION}{user_id}"


def plain_text(text: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Markdown source -> readable plain text (no HTML, no markup) for e-mails and exports."""
    tokens, _ = parse(text, mentions)
    return plain_text_of(tokens)


def excerpt(text: str, length: int = 160, *, mentions: Mapping[str, str] | None = None) -> str:
    """The plain text on one line, cut on a word boundary with "…" to at most `length`."""
    return shorten(plain_text(text, mentions=mentions), length)
