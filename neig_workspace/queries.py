"""Query pieces shared by the features' list and search pages."""

from .db_types import in_ids
from .extensions import db

#: The escape character of every LIKE built from `like_pattern` or `escape_like`.
LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """Typed %, _ and \\ are searched for, not used as wildcards (`LIKE … ESCAPE '\\'`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own wildcards escaped; use it with
    `escape=LIKE_ESCAPE`. Lower-case `text` first to compare with `func.lower(column)`."""
    return f"%{escape_like(text)}%"


def ids_in(column, ids):
    """`column IN ids` for a list of ids a page already holds (hundreds, for a member of many
    spaces): one array parameter on PostgreSQL, the same statement however many."""
    return in_ids(column, ids, db.engine.dialect.name)
