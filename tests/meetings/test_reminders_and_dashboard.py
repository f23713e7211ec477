"""Reminders the day before (once only), and the dashboard's upcoming meetings."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from neig_workspace.extensions import db
from neig_workspace.meetings import service
from neig_workspace.meetings.models import Meeting, MeetingAudience, RegistrationStatus
from neig_workspace.notifications.models import Notification, NotificationKind
from tests.conftest import count_queries, db_ctx
from tests.meetings.world import make_meeting, make_spaces, user


@pytest.fixture
def world(app, personas):
    with db_ctx(app):
        return make_spaces(personas)


def _reminders(persona=None):
    query = select(Notification).where(Notification.kind == NotificationKind.MEETING_REMINDER)
    if persona is not None:
        query = query.where(Notification.user_id == persona.id)
    return db.session.scalars(query).all()


def _dutch(day_offset: int, hour: int, base: datetime) -> datetime:
    day = service.local(base).date() + timedelta(days=day_offset)
    return service.to_utc(datetime.combine(day, time(hour, 0)))


def test_reminders_go_out_the_day_before_and_only_once(app, personas, world, outbox):
    with db_ctx(app):
        meeting_id = make_meeting(
            personas, world["network"], capacity=1, starts_in=timedelta(days=10)
        )
        later_id = make_meeting(
            personas, world["network"], title="Later", starts_in=timedelta(days=12)
        )
        meeting, later = db.session.get(Meeting, meeting_id), db.session.get(Meeting, later_id)
        # Time travel: registered now; the meeting is at 10:00 Dutch time, 10 days on.
        meeting.starts_at = _dutch(10, 10, meeting.created_at)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
        service.register(meeting, actor=user(personas.member_a))
        service.register(meeting, actor=user(personas.member_b))  # waiting: no reminder
        service.register(later, actor=user(personas.police))
        db.session.commit()
        two_days_before = meeting.starts_at - timedelta(days=2)
        assert service.send_meeting_reminders(now=two_days_before) == 0
        day_before = _dutch(9, 7, meeting.created_at)  # the morning before, by cron
        assert service.send_meeting_reminders(now=day_before) == 1
        db.session.commit()
        assert service.send_meeting_reminders(now=day_before + timedelta(hours=1)) == 0
        assert service.send_meeting_reminders(now=meeting.starts_at - timedelta(minutes=5)) == 0
        db.session.commit()
        assert [n.user_id for n in _reminders()] == [personas.member_a.id]
    assert [m["To"] for m in outbox()] == [personas.member_a.email]


def test_the_cli_command_reminds_and_then_sends_nothing(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], starts_in=timedelta(hours=20))
        service.register(db.session.get(Meeting, meeting_id), actor=user(personas.member_a))
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["neig", "send-meeting-reminders"])
    assert "Sent 1 meeting reminder(s)." in first.output
    second = runner.invoke(args=["neig", "send-meeting-reminders"])
    assert "Sent 0 meeting reminder(s)." in second.output
    with db_ctx(app):
        assert len(_reminders(personas.member_a)) == 1


def test_no_reminder_for_a_cancelled_meeting(app, personas, world):
    with db_ctx(app):
        cancelled = make_meeting(personas, world["network"], starts_in=timedelta(hours=20))
        service.register(db.session.get(Meeting, cancelled), actor=user(personas.member_a))
        service.cancel_meeting(db.session.get(Meeting, cancelled), actor=user(personas.org_admin_a))
        db.session.commit()
        assert service.send_meeting_reminders() == 0


def test_upcoming_meetings_with_states_in_a_fixed_number_of_queries(app, personas, world):
    with db_ctx(app):
        first = make_meeting(
            personas, world["network"], title="Eerste", starts_in=timedelta(days=1)
        )
        service.register(db.session.get(Meeting, first), actor=user(personas.member_b))
        db.session.commit()
        viewer = user(personas.member_b)
        with count_queries(app) as few:
            rows = service.upcoming_meetings(viewer)
        assert [(r.meeting.title, r.status) for r in rows] == [
            ("Eerste", RegistrationStatus.REGISTERED)
        ]
        for day in range(2, 9):
            meeting_id = make_meeting(
                personas, world["network"], title=f"Sessie {day}", starts_in=timedelta(days=day)
            )
            if day % 2:
                service.register(db.session.get(Meeting, meeting_id), actor=user(personas.member_b))
        make_meeting(personas, world["network"], title="Voorbij", starts_in=timedelta(days=-3))
        make_meeting(
            personas,
            world["own"],
            title="Alleen A",
            audience=MeetingAudience.SPACE,
            starts_in=timedelta(hours=1),
        )
        db.session.commit()
        viewer = user(personas.member_b)
        with count_queries(app) as many:
            rows = service.upcoming_meetings(viewer, limit=5)
        assert len(many) == len(few)
        assert [r.meeting.title for r in rows] == [
            "Eerste",
            "Sessie 2",
            "Sessie 3",
            "Sessie 4",
            "Sessie 5",
        ]
        assert [r.status for r in rows][1:3] == [None, RegistrationStatus.REGISTERED]


def test_upcoming_partial_renders(app, personas, world):
    from flask import render_template

    with db_ctx(app):
        make_meeting(personas, world["network"], title="Netwerkdag Utrecht")
        with app.test_request_context("/"):
            rows = service.upcoming_meetings(user(personas.member_a))
            html = render_template("meetings/_upcoming.html", meetings=rows)
            empty = render_template("meetings/_upcoming.html", meetings=[])
    assert "Netwerkdag Utrecht" in html and "/bijeenkomsten/" in html
    assert "geen bijeenkomsten gepland" in empty
