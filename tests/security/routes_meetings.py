# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the meetings routes (see route_table.py for the columns and answers).

The rows name a meeting in Gemeente Rotterdam's own space for its members only: A's members see
it and register, A's admins (managers of that space) organise it; everyone else, member_b of
Amsterdam included, gets 404. A network meeting in a shared space is planted too (for the list
and feed scoping tests): every network member sees that one. The personal feed answers to its
secret token alone (no login), so it is 200 for every column with the planted user's token.
"""

from datetime import timedelta

from tests.security.route_table import LOGIN, R  # noqa: F401

MEETING = "/bijeenkomsten/{c.meeting}"


def _meeting_form(c):
    return {
        "space_id": str(c.space),
        "title": "Overleg nazorg",
        "kind": "bijeenkomst",
        "description": "",
        "starts_at": "12-03-2099 14:00",
        "ends_at": "12-03-2099 16:00",
        "location": "Stadhuis Rotterdam",
        "online_url": "",
        "capacity": "20",
        "audience": "space",
    }


def _edit_meeting(c):
    return {**_meeting_form(c), "version": c.version("meetings", c.meeting)}


# fmt: off
ROWS = {
    ("meetings.index", "GET"):              R("/bijeenkomsten",                         LOGIN, 200,   200,   200,   200),
    ("meetings.create", "GET"):             R("/bijeenkomsten/nieuw",                   LOGIN, 403,   200,   403,   403),
    ("meetings.create", "POST"):            R("/bijeenkomsten/nieuw",                   LOGIN, 403,   302,   403,   403, data=_meeting_form),
    ("meetings.show", "GET"):               R(MEETING,                                  LOGIN, 200,   200,   404,   404, other=404),
    ("meetings.edit", "GET"):               R(MEETING + "/bewerken",                    LOGIN, 403,   200,   404,   404, other=404),
    ("meetings.edit", "POST"):              R(MEETING + "/bewerken",                    LOGIN, 403,   302,   404,   404, other=404, data=_edit_meeting),
    ("meetings.register", "POST"):          R(MEETING + "/aanmelden",                   LOGIN, 302,   302,   404,   404, other=404),
    ("meetings.unregister", "POST"):        R(MEETING + "/afmelden",                    LOGIN, 302,   302,   404,   404, other=404),
    ("meetings.cancel", "GET"):             R(MEETING + "/annuleren",                   LOGIN, 403,   200,   404,   404, other=404),
    ("meetings.cancel", "POST"):            R(MEETING + "/annuleren",                   LOGIN, 403,   302,   404,   404, other=404),
    ("meetings.registrations_csv", "GET"):  R(MEETING + "/aanmeldingen.csv",            LOGIN, 403,   200,   404,   404, other=404),
    ("meetings.calendar_file", "GET"):      R(MEETING + ".ics",                         LOGIN, 200,   200,   404,   404, other=404),
    ("meetings.feed_settings", "GET"):      R("/bijeenkomsten/agenda",                  LOGIN, 200,   200,   200,   200),
    ("meetings.feed_regenerate", "POST"):   R("/bijeenkomsten/agenda/nieuw",            LOGIN, 200,   200,   200,   200),
    ("meetings.feed_revoke", "POST"):       R("/bijeenkomsten/agenda/intrekken",        LOGIN, 302,   302,   302,   302),
    ("meetings.feed", "GET"):               R("/bijeenkomsten/agenda/{c.feed_token}.ics", 200, 200,   200,   200,   200),
}
# fmt: on


def plant(personas, target) -> dict:
    """Plant the objects these rows name (in build_context's transaction); returns their ids."""
    from sqlalchemy import select

    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.accounts.models import User
    from neig_workspace.accounts.tokens import new_token
    from neig_workspace.extensions import db
    from neig_workspace.meetings import service
    from neig_workspace.meetings.models import (
        CalendarFeedToken,
        MeetingAudience,
        MeetingKind,
    )
    from neig_workspace.organisations.models import Organisation
    from neig_workspace.spaces import service as spaces
    from neig_workspace.spaces.models import PrincipalType, Space, SpaceKind
    from neig_workspace.timeutil import utcnow

    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    organiser = db.session.get(User, personas.org_admin_a.id)
    own_space = db.session.scalar(
        select(Space).where(Space.kind == SpaceKind.ORGANISATION, Space.organisation_id == org_a.id)
    )
    network_space = spaces.create_space(SpaceKind.SHARED, "Netwerkruimte A", actor=None)
    spaces.add_grant(network_space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
    spaces.add_grant(
        network_space,
        PrincipalType.ORGANISATION_ADMINS,
        SpaceRole.MANAGER,
        organisation=org_a,
        actor=None,
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=5)

    def meeting(space, title, audience):
        data = service.MeetingData(
            title=title,
            description="Agenda volgt.",
            kind=MeetingKind.BIJEENKOMST,
            audience=audience,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Stadhuis Rotterdam",
            capacity=10,
        )
        return service.create_meeting(space, data, actor=organiser)

    own = meeting(own_space, "Overleg Rotterdam", MeetingAudience.SPACE)
    network = meeting(network_space, "Netwerkbijeenkomst A", MeetingAudience.NETWORK)
    registration = service.register(own, actor=target)
    token, token_hash = new_token()
    db.session.add(CalendarFeedToken(user_id=target.id, token_hash=token_hash))
    db.session.flush()
    return {
        "meeting": own.id,
        "network_meeting": network.id,
        "meeting_registration": registration.id,
        "feed_token": token,
    }
