"""The meeting actions per persona, and visible_meetings in SQL (tests/security/test_policy.py
leaves the `meeting.` actions to this file, as it does for spaces, documents and cases)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from neig_workspace.access.policy import MEETING_ACTIONS, can, visible_meetings
from neig_workspace.extensions import db
from neig_workspace.meetings import service
from neig_workspace.meetings.models import Meeting, MeetingAudience
from tests.conftest import db_ctx
from tests.meetings.world import make_meeting, make_spaces, user

PERSONAS = ("member_a", "org_admin_a", "member_b", "secretariat", "platform_admin")

# fmt: off
#: action -> (meeting or None, answers in PERSONAS order)
MATRIX = {
    "meeting.create":   (None,      (False, True,  False, False, False)),
    "meeting.feed":     (None,      (True,  True,  True,  True,  True)),
    "meeting.view":     ("own",     (True,  True,  False, False, False)),
    "meeting.register": ("own",     (True,  True,  False, False, False)),
    "meeting.manage":   ("own",     (False, True,  False, False, False)),
}
NETWORK_MATRIX = {
    "meeting.view":     (True,  True,  True,  True,  True),
    "meeting.register": (True,  True,  True,  True,  True),
    "meeting.manage":   (False, True,  False, False, False),
}
# fmt: on


def test_every_meeting_action_has_a_row():
    assert set(MATRIX) == set(MEETING_ACTIONS)


@pytest.fixture
def meetings(app, personas):
    with db_ctx(app):
        world = make_spaces(personas)
        return {
            "own": make_meeting(personas, world["own"], audience=MeetingAudience.SPACE),
            "network": make_meeting(personas, world["network"]),
        }


@pytest.mark.parametrize("action", list(MATRIX))
def test_actions_per_persona(app, personas, meetings, action):
    key, answers = MATRIX[action]
    with app.test_request_context("/"):
        obj = db.session.get(Meeting, meetings[key]) if key else None
        got = tuple(can(user(personas[p]), action, obj) for p in PERSONAS)
    assert got == answers


@pytest.mark.parametrize("action", list(NETWORK_MATRIX))
def test_network_meeting_actions_per_persona(app, personas, meetings, action):
    with app.test_request_context("/"):
        obj = db.session.get(Meeting, meetings["network"])
        got = tuple(can(user(personas[p]), action, obj) for p in PERSONAS)
    assert got == NETWORK_MATRIX[action]


def test_visible_meetings_agrees_with_meeting_view(app, personas, meetings):
    with app.test_request_context("/"):
        for key in PERSONAS:
            viewer = user(personas[key])
            listed = set(db.session.scalars(select(Meeting.id).where(visible_meetings(viewer))))
            seen = {
                m.id for m in db.session.scalars(select(Meeting)) if can(viewer, "meeting.view", m)
            }
            assert listed == seen, key


def test_a_cancelled_meeting_is_seen_but_not_registered_for(app, personas, meetings):
    with app.test_request_context("/"):
        meeting = db.session.get(Meeting, meetings["network"])
        service.cancel_meeting(meeting, actor=user(personas.org_admin_a))
        assert can(user(personas.member_b), "meeting.view", meeting)
        assert not can(user(personas.member_b), "meeting.register", meeting)


def test_an_inactive_user_sees_no_meeting(app, personas, meetings):
    with app.test_request_context("/"):
        viewer = user(personas.member_a)
        viewer.active = False
        assert db.session.scalar(select(Meeting.id).where(visible_meetings(viewer))) is None
        assert (
            service.upcoming_meetings(
                viewer, now=db.session.get(Meeting, meetings["own"]).starts_at - timedelta(days=1)
            )
            == []
        )
