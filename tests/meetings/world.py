"""A small world for the meeting tests: a network space (the Kennisbank, where A's admins
organise), A's own space, and meetings made through the service."""

from datetime import timedelta

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.meetings import service
from neig_workspace.meetings.models import (
    MeetingAudience,
    MeetingKind,
    MeetingRegistration,
    RegistrationStatus,
)
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow


def make_spaces(personas) -> dict:
    """Inside an app context: ids of the network space and A's own space."""
    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    network = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
    spaces.add_grant(network, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
    spaces.add_grant(
        network,
        PrincipalType.ORGANISATION_ADMINS,
        SpaceRole.MANAGER,
        organisation=org_a,
        actor=None,
    )
    own = spaces.create_organisation_space(org_a, actor=None)
    db.session.commit()
    return {"network": network.id, "own": own.id}


def user(persona) -> User:
    return db.session.get(User, persona.id)


#: A meeting of a restricted space's own members (the driehoek's consultation).
TRIANGLE_MEETING = {
    "title": "Driehoeksoverleg",
    "description": "Casuïstiek",
    "kind": MeetingKind.BIJEENKOMST,
    "audience": MeetingAudience.SPACE,
    "starts_in": timedelta(days=3),
    "hours": 1,
    "location": "Stadhuis",
}


def plan_meeting(
    space: Space,
    actor,
    *,
    title="Kennissessie nazorg",
    capacity=None,
    audience=MeetingAudience.NETWORK,
    starts_in=timedelta(days=7),
    hours=2,
    kind=MeetingKind.KENNISSESSIE,
    **extra,
):
    """Inside an app context: a meeting in `space` organised by `actor`, not committed."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    data = service.MeetingData(
        title=title,
        description=extra.pop("description", "Over nazorg na een explosie."),
        kind=kind,
        audience=audience,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        location=extra.pop("location", "Stadhuis Rotterdam, Coolsingel 40"),
        online_url=extra.pop("online_url", ""),
        capacity=capacity,
    )
    return service.create_meeting(space, data, actor=actor)


def make_meeting(personas, space_id: int, **meeting) -> int:
    """Inside an app context: a meeting organised by org_admin_a, committed; returns its id."""
    space = db.session.get(Space, space_id)
    created = plan_meeting(space, user(personas.org_admin_a), **meeting)
    db.session.commit()
    return created.id


def status_of(meeting_id: int, persona) -> RegistrationStatus | None:
    return db.session.scalar(
        select(MeetingRegistration.status).where(
            MeetingRegistration.meeting_id == meeting_id,
            MeetingRegistration.user_id == persona.id,
        )
    )
