"""The Markdown subset: one markdown-it parser, set up once, plus our own core rule.

CommonMark with raw HTML off (it shows as text), tables and strikethrough on, a single newline
as a line break (what people expect in a comment box). Our core rule, run after the parser:
headings shift down two levels, table alignment becomes a class (no style attribute), images
become plain links (no image is ever loaded from outside), bare http(s):// and www. addresses
become links, and "@" + an e-mail address (or "@persoon:<id>") becomes a mention token. Code
blocks render without a language class; text and code are escaped as Jinja escapes them (quotes
too).
"""

import re
from collections.abc import Mapping

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import escape

from .sanitiser import safe_url

#: What "@" + "persoon:" + a user id mentions: someone whose address the writer may not see
#: (the mention suggestions insert it; the server resolves it like an address).
PERSON_MENTION = "persoon:"

#: "@" directly followed by an e-mail address or a person token, not glued to a word or another
#: address.
MENTION_RE = re.compile(
    r"(?<![\w@.+-])@"
    r"(?:([A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})"
    rf"|({PERSON_MENTION}[1-9][0-9]{{0,9}}))"
    r"(?![\w@-]|\.[A-Za-z0-9])"
)

_BARE_URL_RE = re.compile(r"(?<![\w@./:+-])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_URL_START_RE = re.compile(r"(?:https?://|www\.)[\w-]", re.IGNORECASE)
_TRAILING = "?!.,:;*_~'\""
_ALIGN_RE = re.compile(r"text-align:(left|center|right)")
_PAIRS = {")": "(", "]": "["}


def _trim_url(url: str) -> str:
    """Trailing punctuation belongs to the sentence, not to the address (as GitHub does it)."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url


def _link(href: str, children: list[Token], level: int) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href}, level=level)
    closing = Token("link_close", "a", -1, level=level)
    return [opening, *children, closing]


def _text(content: str, level: int) -> Token:
    return Token("text", "", 0, content=content, level=level)


def _autolinks(md: MarkdownIt, token: Token) -> list[Token]:
    """Split one text token on the bare URLs in it."""
    content, out, pos = token.content, [], 0
    for match in _BARE_URL_RE.finditer(content):
        url = _trim_url(match.group())
        if not _URL_START_RE.match(url):
            continue
        href = md.normalizeLink(url if "://" in url else f"http://{url}")
        if not md.validateLink(href):
            continue
        if match.start() > pos:
            out.append(_text(content[pos : match.start()], token.level))
        label = _text(md.normalizeLinkText(url), token.level + 1)
        out += _link(href, [label], token.level)
        out[-3].markup = out[-1].markup = "linkify"
        pos = match.start() + len(url)
    if not out:
        return [token]
    if pos < len(content):
        out.append(_text(content[pos:], token.level))
    return out


def _mentions(token: Token, env: dict) -> list[Token]:
    """Note every mention; turn the known ones into mention tokens."""
    known: Mapping[str, str] = env.get("mentions") or {}
    content, out, pos = token.content, [], 0
    for match in MENTION_RE.finditer(content):
        email = match.group(1) and match.group(1).lower()
        key = email or match.group(2)
        env.setdefault("found", []).append(key)
        if key not in known:
            continue
        if match.start() > pos:
            out.append(_text(content[pos : match.start()], token.level))
        mention = Token("mention", "span", 0, content=match.group(), level=token.level)
        mention.meta = {"email": email, "name": known[key]}
        out.append(mention)
        pos = match.end()
    if not out:
        return [token]
    if pos < len(content):
        out.append(_text(content[pos:], token.level))
    return out


def _flat_text(tokens: list[Token]):
    """The words of some inline tokens, without their markup."""
    for token in tokens:
        if token.type in ("text", "code_inline"):
            yield token.content
        elif token.type in ("softbreak", "hardbreak"):
            yield " "
        elif token.type == "image":
            yield from _flat_text(token.children or [])


def _image_as_link(image: Token, in_link: bool) -> list[Token]:
    """An image is never loaded: it becomes a link to it, or just its alt text inside a link."""
    src = str(image.attrGet("src") or "")
    alt = "".join(_flat_text(image.children or [])).strip() or src
    if in_link:
        return [_text(alt, image.level)]
    tokens = _link(src, [_text(alt, image.level + 1)], image.level)
    if image.attrGet("title"):
        tokens[0].attrSet("title", str(image.attrGet("title")))
    return tokens


def _inline(md: MarkdownIt, children: list[Token], env: dict) -> list[Token]:
    out: list[Token] = []
    depth = 0  # inside a link: no link in a link, and a mention there stays text
    for token in children:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        if token.type == "image":
            out += _image_as_link(token, in_link=depth > 0)
        elif token.type == "text" and depth == 0:
            pieces = _autolinks(md, token)
            for k, piece in enumerate(pieces):
                in_new_link = 0 < k < len(pieces) - 1 and pieces[k - 1].type == "link_open"
                out += (
                    _mentions(piece, env) if piece.type == "text" and not in_new_link else [piece]
                )
        else:
            out.append(token)
    return out


def _neig_rule(state: StateCore) -> None:
    env = state.env
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
        elif token.type in ("th_open", "td_open"):
            align = _ALIGN_RE.search(str(token.attrGet("style") or ""))
            token.attrs.pop("style", None)
            if align:
                token.attrSet("class", f"align-{align.group(1)}")
            if token.type == "th_open":  # a Markdown table's header cells head its columns
                token.attrSet("scope", "col")
        elif token.type == "inline" and token.children:
            token.children = _inline(state.md, token.children, env)


def _render_mention(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    # A person token carries no address: the name is all the page learns of them.
    title = f' title="{escape(meta["email"])}"' if meta["email"] else ""
    return f'<span class="mention"{title}>@{escape(meta["name"])}</span>'


# Text and code escaped as Jinja escapes (quotes too), so a user's text never reads back
# differently from the same text printed by a template.
def _render_text(self, tokens, idx, options, env) -> str:
    return str(escape(tokens[idx].content))


def _render_code_inline(self, tokens, idx, options, env) -> str:
    return f"<code>{escape(tokens[idx].content)}</code>"


def _render_code_block(self, tokens, idx, options, env) -> str:
    return f"<pre><code>{escape(tokens[idx].content)}</code></pre>\n"


def _make_parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False}
    )
    md.enable(["table", "strikethrough"])
    md.validateLink = safe_url
    md.core.ruler.push("neig_richtext", _neig_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("fence", _render_code_block)
    return md


#: One parser for the process: markdown-it keeps no state between calls.
MD = _make_parser()


def parse(text: str, mentions: Mapping[str, str] | None = None) -> tuple[list[Token], dict]:
    env: dict = {"mentions": {k.lower(): v for k, v in (mentions or {}).items()}}
    return MD.parse(text or "", env), env


def to_html(tokens: list[Token], env: dict) -> str:
    return MD.renderer.render(tokens, MD.options, env)


def normalise_source(text: str) -> str:
    """The source as the parser sees it (its line numbers count these lines)."""
    return re.sub(r"\r\n?", "\n", text or "").replace("\0", "\ufffd")
