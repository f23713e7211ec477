"""The .ics file per meeting and the personal feed behind a secret token."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from neig_workspace.extensions import db
from neig_workspace.meetings import ics, service
from neig_workspace.meetings.models import CalendarFeedToken, Meeting, MeetingAudience
from neig_workspace.spaces.models import PrincipalType, SpaceGrant
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form
from tests.meetings.world import make_meeting, make_spaces, user


@pytest.fixture
def world(app, personas):
    with db_ctx(app):
        return make_spaces(personas)


def unfold(body: str) -> list[str]:
    """Strictly check the physical lines (CRLF, at most 75 octets), then unfold them."""
    assert body.endswith("\r\n")
    physical = body[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def properties(lines: list[str], block: str = "VEVENT") -> list[dict[str, str]]:
    events, current = [], None
    for line in lines:
        if line == f"BEGIN:{block}":
            current = {}
        elif line == f"END:{block}":
            events.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            assert name not in current, f"{name} twice"
            current[name] = value
    return events


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_fold_never_splits_a_character_and_escape_round_trips():
    text = "Bijeenkomst; over, nazorg\\ in één\nregel " + "ë" * 80
    line = "DESCRIPTION:" + ics.escape_text(text)
    folded = ics.fold(line) + "\r\n"
    (logical,) = unfold(folded)
    assert logical == line
    assert unescape(logical.split(":", 1)[1]) == text


def test_meeting_ics_holds_a_correct_vevent(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(
            personas,
            world["network"],
            title="Kennissessie: preventie, aanpak; nazorg",
            description="Regel één\nRegel twee met een lange uitleg " + "x" * 120,
            online_url="https://meet.example.nl/sessie?id=1",
        )
        meeting = db.session.get(Meeting, meeting_id)
        starts, ends = meeting.starts_at, meeting.ends_at
    client = login_as(app, app.test_client(), personas.member_b)
    response = client.get(f"/bijeenkomsten/{meeting_id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    lines = unfold(response.get_data(as_text=True))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    (calendar,) = properties(lines, "VCALENDAR")
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    (event,) = properties(lines)
    assert event["UID"] == f"bijeenkomst-{meeting_id}@127.0.0.1"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ") == starts
    assert datetime.strptime(event["DTEND"], "%Y%m%dT%H%M%SZ") == ends
    assert event["SUMMARY"] == "Kennissessie: preventie\\, aanpak\\; nazorg"
    assert unescape(event["SUMMARY"]) == "Kennissessie: preventie, aanpak; nazorg"
    assert unescape(event["DESCRIPTION"]).startswith("Regel één\nRegel twee")
    assert event["LOCATION"] == "Stadhuis Rotterdam\\, Coolsingel 40"
    assert event["URL"] == "https://meet.example.nl/sessie?id=1"
    assert event["STATUS"] == "CONFIRMED"


def _new_feed_link(client) -> str:
    html = post_form(client, "/bijeenkomsten/agenda/nieuw", {}, token_from="/bijeenkomsten/agenda")
    match = re.search(
        r'value="([^"]+/bijeenkomsten/agenda/[^"]+\.ics)"', html.get_data(as_text=True)
    )
    assert match, "no feed link on the page"
    return urlsplit(match.group(1)).path


def test_feed_lists_own_visible_registrations_and_tokens_can_be_revoked(app, personas, world):
    with db_ctx(app):
        own_space = make_meeting(
            personas, world["own"], title="Overleg Rotterdam", audience=MeetingAudience.SPACE
        )
        network = make_meeting(personas, world["network"], title="Netwerkdag")
        not_mine = make_meeting(personas, world["network"], title="Andermans sessie")
        for meeting_id in (own_space, network):
            service.register(db.session.get(Meeting, meeting_id), actor=user(personas.member_a))
        service.register(db.session.get(Meeting, not_mine), actor=user(personas.member_b))
        db.session.commit()
    member_a = login_as(app, app.test_client(), personas.member_a)
    path = _new_feed_link(member_a)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    with db_ctx(app):
        stored = db.session.scalar(select(CalendarFeedToken.token_hash))
        assert stored != token and token not in stored  # only the hash is kept

    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    summaries = {e["SUMMARY"] for e in properties(unfold(response.get_data(as_text=True)))}
    assert summaries == {"Overleg Rotterdam", "Netwerkdag"}

    # A lost grant takes the meeting out of the feed.
    with db_ctx(app):
        db.session.execute(
            SpaceGrant.__table__.delete().where(
                SpaceGrant.space_id == world["own"],
                SpaceGrant.principal_type == PrincipalType.ORGANISATION,
            )
        )
        db.session.commit()
    summaries = {
        e["SUMMARY"] for e in properties(unfold(anonymous.get(path).get_data(as_text=True)))
    }
    assert summaries == {"Netwerkdag"}

    assert anonymous.get("/bijeenkomsten/agenda/verkeerd-token.ics").status_code == 404
    new_path = _new_feed_link(member_a)
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(new_path).status_code == 200
    response = post_form(
        member_a, "/bijeenkomsten/agenda/intrekken", {}, token_from="/bijeenkomsten/agenda"
    )
    assert response.status_code == 302
    assert anonymous.get(new_path).status_code == 404
    with db_ctx(app):
        assert db.session.scalar(select(CalendarFeedToken.id)) is None


def test_the_feed_of_a_deactivated_user_is_gone(app, personas, world):
    member_a = login_as(app, app.test_client(), personas.member_a)
    path = _new_feed_link(member_a)
    assert app.test_client().get(path).status_code == 200
    with db_ctx(app):
        user(personas.member_a).active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], starts_in=timedelta(days=2))
        meeting = db.session.get(Meeting, meeting_id)
        service.register(meeting, actor=user(personas.member_a))
        service.cancel_meeting(meeting, actor=user(personas.org_admin_a))
        db.session.commit()
    member_a = login_as(app, app.test_client(), personas.member_a)
    body = member_a.get(f"/bijeenkomsten/{meeting_id}.ics").get_data(as_text=True)
    (event,) = properties(unfold(body))
    assert event["STATUS"] == "CANCELLED"
