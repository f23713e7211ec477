"""Registration, the waiting list (first come, first served) and capacity changes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from neig_workspace.errors import ServiceError
from neig_workspace.extensions import db
from neig_workspace.meetings import service
from neig_workspace.meetings.models import Meeting, MeetingAudience, RegistrationStatus
from neig_workspace.notifications.models import Notification, NotificationKind
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form
from tests.meetings.world import make_meeting, make_spaces, status_of, user

REGISTERED, WAITLISTED, CANCELLED = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


@pytest.fixture
def world(app, personas):
    with db_ctx(app):
        return make_spaces(personas)


def _register(app, persona, meeting_id):
    client = login_as(app, app.test_client(), persona)
    page = f"/bijeenkomsten/{meeting_id}"
    return client, post_form(client, f"{page}/aanmelden", {}, token_from=page)


def _notifications(kind, persona):
    return db.session.scalars(
        select(Notification).where(Notification.kind == kind, Notification.user_id == persona.id)
    ).all()


def test_full_meeting_waitlists_and_cancelling_promotes_the_first(app, personas, world, outbox):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], capacity=1)
    client_a, response = _register(app, personas.member_a, meeting_id)
    assert response.status_code == 302
    _register(app, personas.member_b, meeting_id)
    client_police, _ = _register(app, personas.police, meeting_id)
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_a) == REGISTERED
        assert status_of(meeting_id, personas.member_b) == WAITLISTED
        assert status_of(meeting_id, personas.police) == WAITLISTED
    page = client_police.get(f"/bijeenkomsten/{meeting_id}").get_data(as_text=True)
    assert "op plaats 2" in page
    assert "0 van 1 vrij" in page

    before = len(outbox())
    page = f"/bijeenkomsten/{meeting_id}"
    response = post_form(client_a, f"{page}/afmelden", {}, token_from=page)
    assert response.status_code == 302
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_a) == CANCELLED
        assert status_of(meeting_id, personas.member_b) == REGISTERED
        assert status_of(meeting_id, personas.police) == WAITLISTED
        promoted = _notifications(NotificationKind.MEETING_WAITLIST_PROMOTED, personas.member_b)
        assert len(promoted) == 1 and promoted[0].url == page
        assert not _notifications(NotificationKind.MEETING_WAITLIST_PROMOTED, personas.police)
    mails = outbox()[before:]
    assert [m["To"] for m in mails] == [personas.member_b.email]
    assert "Kennissessie nazorg" in mails[0]["Subject"]
    assert "op plaats 1" in client_police.get(page).get_data(as_text=True)


def test_registering_again_goes_to_the_back_of_the_queue(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], capacity=1)
        meeting = db.session.get(Meeting, meeting_id)
        service.register(meeting, actor=user(personas.member_a))
        service.register(meeting, actor=user(personas.member_b))
        service.cancel_registration(meeting, actor=user(personas.member_a))
        service.register(meeting, actor=user(personas.member_a))
        db.session.commit()
        assert status_of(meeting_id, personas.member_b) == REGISTERED
        assert status_of(meeting_id, personas.member_a) == WAITLISTED
        with pytest.raises(ServiceError):
            service.register(meeting, actor=user(personas.member_a))


def test_lowering_the_capacity_waitlists_the_last_raising_promotes_the_first(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], capacity=3)
        meeting = db.session.get(Meeting, meeting_id)
        for persona in (personas.member_a, personas.member_b, personas.police):
            service.register(meeting, actor=user(persona))
        db.session.commit()
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    edit = f"/bijeenkomsten/{meeting_id}/bewerken"
    form = {
        "title": "Kennissessie nazorg",
        "kind": "kennissessie",
        "description": "",
        "starts_at": "",
        "ends_at": "",
        "location": "Stadhuis Rotterdam",
        "online_url": "",
        "capacity": "1",
        "audience": "network",
    }
    with db_ctx(app):
        meeting = db.session.get(Meeting, meeting_id)
        form["starts_at"] = service.local(meeting.starts_at).strftime("%d-%m-%Y %H:%M")
        form["ends_at"] = service.local(meeting.ends_at).strftime("%d-%m-%Y %H:%M")
    assert post_form(organiser, edit, form).status_code == 302
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_a) == REGISTERED
        assert status_of(meeting_id, personas.member_b) == WAITLISTED
        assert status_of(meeting_id, personas.police) == WAITLISTED
        assert len(_notifications(NotificationKind.MEETING_WAITLISTED, personas.member_b)) == 1
        assert len(_notifications(NotificationKind.MEETING_WAITLISTED, personas.police)) == 1

    assert post_form(organiser, edit, {**form, "capacity": "2"}).status_code == 302
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_b) == REGISTERED
        assert status_of(meeting_id, personas.police) == WAITLISTED
        promoted = _notifications(NotificationKind.MEETING_WAITLIST_PROMOTED, personas.member_b)
        assert len(promoted) == 1

    assert post_form(organiser, edit, {**form, "capacity": ""}).status_code == 302
    with db_ctx(app):
        assert status_of(meeting_id, personas.police) == REGISTERED


def test_no_registration_or_cancellation_after_the_start(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], starts_in=timedelta(minutes=-5))
    client, response = _register(app, personas.member_a, meeting_id)
    assert response.status_code == 302
    page = client.get(f"/bijeenkomsten/{meeting_id}").get_data(as_text=True)
    assert "al begonnen" in page
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_a) is None
        meeting = db.session.get(Meeting, meeting_id)
        with pytest.raises(ServiceError):
            service.register(meeting, actor=user(personas.member_a))
        # Time travel: registered the day before, then too late to cancel.
        service.register(
            meeting, actor=user(personas.member_a), now=meeting.starts_at - timedelta(days=1)
        )
        with pytest.raises(ServiceError):
            service.cancel_registration(meeting, actor=user(personas.member_a))


def test_unseen_meetings_answer_404(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["own"], audience=MeetingAudience.SPACE)
    member_b = login_as(app, app.test_client(), personas.member_b)
    page = f"/bijeenkomsten/{meeting_id}"
    assert member_b.get(page).status_code == 404
    assert member_b.get(f"{page}.ics").status_code == 404
    response = post_form(member_b, f"{page}/aanmelden", {}, token_from="/bijeenkomsten")
    assert response.status_code == 404
    with db_ctx(app):
        assert status_of(meeting_id, personas.member_b) is None
        meeting = db.session.get(Meeting, meeting_id)
        assert not service.policy.can(user(personas.member_b), "meeting.view", meeting)


def test_audience_network_or_space_members(app, personas, world):
    with db_ctx(app):
        network_id = make_meeting(
            personas, world["own"], title="Alleen Rotterdam", audience=MeetingAudience.SPACE
        )
        everyone_id = make_meeting(personas, world["network"], title="Voor iedereen")
        also_space = make_meeting(
            personas, world["network"], title="Lezers Kennisbank", audience=MeetingAudience.SPACE
        )
    for persona, sees in (
        (personas.member_a, {"Alleen Rotterdam", "Voor iedereen", "Lezers Kennisbank"}),
        (personas.member_b, {"Voor iedereen", "Lezers Kennisbank"}),
        (personas.platform_admin, {"Voor iedereen", "Lezers Kennisbank"}),
    ):
        client = login_as(app, app.test_client(), persona)
        html = client.get("/bijeenkomsten").get_data(as_text=True)
        shown = {t for t in ("Alleen Rotterdam", "Voor iedereen", "Lezers Kennisbank") if t in html}
        assert shown == sees, persona.key
    assert network_id and everyone_id and also_space


def test_a_network_meeting_needs_a_space_the_network_reads(app, personas, world):
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    form = {
        "space_id": str(world["own"]),
        "title": "Netwerkbijeenkomst",
        "kind": "bijeenkomst",
        "starts_at": "01-03-2099 13:00",
        "ends_at": "01-03-2099 16:00",
        "location": "Utrecht",
        "audience": "network",
    }
    response = post_form(organiser, "/bijeenkomsten/nieuw", form)
    assert response.status_code == 422
    assert "hele netwerk kan lezen" in response.get_data(as_text=True)
    with db_ctx(app):
        assert db.session.scalar(select(Meeting.id)) is None


def test_cancelling_a_meeting_tells_everyone(app, personas, world, outbox):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], capacity=1)
        meeting = db.session.get(Meeting, meeting_id)
        service.register(meeting, actor=user(personas.member_a))
        service.register(meeting, actor=user(personas.member_b))
        db.session.commit()
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    page = f"/bijeenkomsten/{meeting_id}"
    assert organiser.get(f"{page}/annuleren").status_code == 200
    assert post_form(organiser, f"{page}/annuleren", {}).status_code == 302
    with db_ctx(app):
        for persona in (personas.member_a, personas.member_b):
            assert len(_notifications(NotificationKind.MEETING_CANCELLED, persona)) == 1
        assert db.session.get(Meeting, meeting_id).cancelled_at is not None
    assert {m["To"] for m in outbox()} == {personas.member_a.email, personas.member_b.email}
    _client, _response = _register(app, personas.police, meeting_id)
    with db_ctx(app):
        assert status_of(meeting_id, personas.police) is None
