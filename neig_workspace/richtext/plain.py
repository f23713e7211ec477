"""Markdown source as readable plain text, for e-mails, exports and excerpts.

No HTML and no Markdown markup: emphasis and headings are just their words, a list item starts
with "- " or its number, a quote with "> " (the e-mail convention), a link is its text with the
address after it in brackets when that adds something.
"""

import re

from markdown_it.tree import SyntaxTreeNode

_LIST_TYPES = ("bullet_list", "ordered_list")


def _inline(node: SyntaxTreeNode) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "mention":
            parts.append(f"@{child.meta['name']}")
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "link":
            label = _inline(child)
            href = str(child.attrs.get("href") or "")
            shown = href.removeprefix("mailto:")
            absolute = href.startswith(("http://", "https://", "mailto:"))
            parts.append(f"{label} ({shown})" if absolute and shown not in label else label)
        else:  # em, strong, s and anything else inline: just the words
            parts.append(_inline(child))
    return "".join(parts)


def _indent(text: str, prefix: str) -> str:
    """Prefix the first line; indent the others to line up under it."""
    pad = " " * len(prefix)
    lines = text.split("\n")
    return "\n".join([prefix + lines[0], *(pad + line if line else "" for line in lines[1:])])


def _list(node: SyntaxTreeNode) -> str:
    number = int(node.attrs.get("start") or 1)
    items = []
    for item in node.children:
        marker = f"{number}. " if node.type == "ordered_list" else "- "
        items.append(_indent(_blocks(item.children, "\n"), marker))
        number += 1
    return "\n".join(items)


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline(node.children[0]) if node.children else ""
    if kind in _LIST_TYPES:
        return _list(node)
    if kind == "blockquote":
        quoted = _blocks(node.children, "\n\n").split("\n")
        return "\n".join(f"> {line}".rstrip() for line in quoted)
    if kind in ("fence", "code_block"):
        return node.content.rstrip("\n")
    if kind == "table":
        rows = [row for part in node.children for row in part.children]
        return "\n".join(" | ".join(_inline(c.children[0]) for c in row.children) for row in rows)
    if kind == "inline":
        return _inline(node)
    return ""  # a thematic break says nothing in words


def _blocks(nodes, separator: str) -> str:
    return separator.join(text for text in (_block(n) for n in nodes) if text.strip())


def plain_text_of(tokens) -> str:
    text = _blocks(SyntaxTreeNode(tokens).children, "\n\n")
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def shorten(text: str, length: int) -> str:
    """Collapse whitespace; cut on a word boundary so that the result, "…" included, fits."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    if length <= 1:
        return "…"[:length]
    cut = text[: length - 1]
    if not text[length - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"
