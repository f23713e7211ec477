"""What a document or folder event in a case space may keep in the audit log.

Audit rows outlive a case's retention and are shown to platform admins, who may see nothing of
cases: in a case space they hold ids and field names only. A module of its own below service.py
and scanning.py, which both write such events.
"""

from ..extensions import db
from ..spaces.models import Space, SpaceKind

#: Detail keys that name content: a title, a description, tags, a folder or file name.
NAMING_KEYS = frozenset({"title", "description", "tags", "name", "filename"})
#: What a case space's audit row holds instead of a name.
WITHHELD = "withheld"


def _private(space: Space | int) -> bool:
    if not isinstance(space, Space):
        space = db.session.get(Space, space)
    return space is not None and space.kind == SpaceKind.CASE


def audit_details(space: Space | int, details: dict) -> dict:
    """`details` as a document or folder event in `space` may keep them: unchanged outside
    case spaces; in a case space names are withheld and a metadata change (`before`/`after`
    snapshots) becomes the list of changed field names."""
    if not _private(space):
        return details
    reduced = {key: WITHHELD if key in NAMING_KEYS else value for key, value in details.items()}
    if isinstance(details.get("before"), dict):
        before, after = reduced.pop("before"), reduced.pop("after")
        reduced["fields"] = sorted(key for key in before if before[key] != after.get(key))
    return reduced
