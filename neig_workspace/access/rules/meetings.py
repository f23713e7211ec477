"""Meetings and knowledge sessions: a meeting belongs to a space. Its audience is the whole
network (every active member of an active organisation) or the readers of that space.
Organisers are the space's editors and managers: they create, edit and cancel its meetings and
see who registered. A network meeting must be held in a space the network may read (the
service checks), so its documents are readable by its whole audience."""

from sqlalchemy import ColumnElement, exists, false, literal, select

from ...extensions import db
from ...meetings.models import Meeting, MeetingAudience
from ...spaces.models import PrincipalType, Space, SpaceKind
from ..roles import SpaceRole
from ..scope import (
    _active,
    _grants_from,
    _in,
    _is_network_member,
    _member_org_ids,
    _network_member,
    _open_space_ids,
    _per_request,
)
from .spaces import _space_edit_all, _space_view


def _meeting_view(user, meeting: Meeting) -> bool:
    if meeting.audience == MeetingAudience.NETWORK and _member_org_ids(user):
        return True
    return _space_view(user, meeting.space)


def _meeting_register(user, meeting: Meeting) -> bool:
    # Whoever may see it may register (the service refuses once it has started or is cancelled).
    return _meeting_view(user, meeting) and meeting.cancelled_at is None


def _meeting_manage(user, meeting: Meeting) -> bool:
    return _meeting_view(user, meeting) and _space_edit_all(user, meeting.space)


@_per_request
def meeting_organiser_spaces(user) -> ColumnElement[bool]:
    """Spaces in which `user` may organise meetings: editor or manager, open now, no case."""
    if not _active(user):
        return false()
    return (
        _in(Space.id, _grants_from(user, SpaceRole.EDITOR))
        & _in(Space.id, _open_space_ids(user))
        & (Space.kind != SpaceKind.CASE)
    )


def _meeting_create(user, obj=None) -> bool:
    query = select(literal(1)).where(exists(select(Space.id).where(meeting_organiser_spaces(user))))
    return db.session.scalar(query) is not None


def space_readable_by_network(space: Space) -> bool:
    """Does a grant let the whole network read `space` (where network meetings belong)?"""
    return any(grant.principal_type == PrincipalType.NETWORK for grant in space.grants)


@_per_request
def visible_meetings(user) -> ColumnElement[bool]:
    """Meetings the user may see: network meetings for network members, the others through
    their space (grant, not archived, MFA as for its documents)."""
    if not _active(user):
        return false()
    network = (Meeting.audience == MeetingAudience.NETWORK) & _is_network_member(user)
    return network | _in(Meeting.space_id, _open_space_ids(user))


ACTIONS = {
    "meeting.create": (None, _meeting_create),
    "meeting.feed": (None, _network_member),
    "meeting.view": (Meeting, _meeting_view),
    "meeting.register": (Meeting, _meeting_register),
    "meeting.manage": (Meeting, _meeting_manage),
}
VIEW_ACTION = {Meeting: "meeting.view"}
VISIBLE = {Meeting: visible_meetings}
SUBJECTS = {"meeting": lambda user: select(Meeting.id).where(visible_meetings(user))}
