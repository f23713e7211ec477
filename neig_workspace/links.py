"""Links in long lists: one `url_for` per list rather than one per row (each walks the URL map
and builds the URL anew, some sixty calls)."""

from flask import url_for
from markupsafe import Markup, escape


def path_before_id(endpoint: str, argument: str) -> Markup:
    """The path of `endpoint` up to its id, escaped once: a row's link is this and its id
    (`href="{{ prefix }}{{ row.id }}"`). Fails loudly for an endpoint whose id is not the last
    part of its path."""
    path = url_for(endpoint, **{argument: 1})
    if not path.endswith("/1"):
        raise ValueError(f"{endpoint}: the id is not the last part of {path}")
    return escape(path[:-1])
