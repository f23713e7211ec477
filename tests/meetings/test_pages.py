"""The pages: the form (422 with messages next to the fields, input kept), documents and the
minutes after the meeting, and the organisers' list and CSV export."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Folder
from neig_workspace.extensions import db
from neig_workspace.meetings import service
from neig_workspace.meetings.models import Meeting
from neig_workspace.spaces.models import Space
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form
from tests.meetings.world import make_meeting, make_spaces, user

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def world(app, personas):
    with db_ctx(app):
        return make_spaces(personas)


def _form(world, **changes):
    form = {
        "space_id": str(world["network"]),
        "title": "Kennissessie <b>preventie</b>",
        "kind": "kennissessie",
        "description": "Over preventie.",
        "starts_at": "12-03-2099 14:00",
        "ends_at": "12-03-2099 16:00",
        "location": "",
        "online_url": "https://meet.example.nl/preventie",
        "capacity": "25",
        "audience": "network",
    }
    return {**form, **changes}


def test_only_organisers_get_the_form(app, personas, world):
    member = login_as(app, app.test_client(), personas.member_a)
    assert member.get("/bijeenkomsten/nieuw").status_code == 403
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    html = organiser.get("/bijeenkomsten/nieuw").get_data(as_text=True)
    assert "Kennisbank" in html and "Nieuwe bijeenkomst" in html


def test_bad_input_is_422_with_messages_next_to_the_fields_and_input_kept(app, personas, world):
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    bad = _form(
        world,
        online_url="javascript:alert(1)",
        capacity="veel",
        ends_at="morgen",
    )
    response = post_form(organiser, "/bijeenkomsten/nieuw", bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="capacity-error"' in html and "heel getal" in html
    assert 'id="ends_at-error"' in html
    assert "Kennissessie &lt;b&gt;preventie&lt;/b&gt;" in html  # kept, escaped
    response = post_form(
        organiser, "/bijeenkomsten/nieuw", _form(world, online_url="javascript:alert(1)")
    )
    assert response.status_code == 422
    assert 'id="online_url-error"' in response.get_data(as_text=True)
    response = post_form(
        organiser, "/bijeenkomsten/nieuw", _form(world, ends_at="12-03-2099 13:00")
    )
    assert response.status_code == 422
    assert "De eindtijd ligt na de begintijd." in response.get_data(as_text=True)
    response = post_form(organiser, "/bijeenkomsten/nieuw", _form(world, online_url=""))
    assert response.status_code == 422
    assert 'id="location-error"' in response.get_data(as_text=True)
    with db_ctx(app):
        assert db.session.scalar(select(Meeting.id)) is None


def test_creating_stores_utc_and_makes_the_folders(app, personas, world):
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    response = post_form(organiser, "/bijeenkomsten/nieuw", _form(world))
    assert response.status_code == 302
    with db_ctx(app):
        meeting = db.session.scalar(select(Meeting))
        # 12 March is winter time in Amsterdam: UTC+1.
        assert meeting.starts_at.hour == 13 and meeting.capacity == 25
        folder = db.session.get(Folder, meeting.folder_id)
        report = db.session.get(Folder, meeting.report_folder_id)
        assert folder.space_id == world["network"] and report.parent_id == folder.id
        assert report.name == "Verslag en presentaties"
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "meeting.created")
        )
    page = organiser.get(response.location).get_data(as_text=True)
    assert "12-03-2099 14:00-16:00" in page


def test_documents_show_and_the_minutes_only_after_the_end(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], starts_in=timedelta(days=1))
        meeting = db.session.get(Meeting, meeting_id)
        space = db.session.get(Space, world["network"])
        organiser = user(personas.org_admin_a)
        for name, folder_id in (
            ("agenda.pdf", meeting.folder_id),
            ("verslag.pdf", meeting.report_folder_id),
        ):
            documents.upload_document(
                space,
                documents.Upload(io.BytesIO(PDF), name),
                folder=db.session.get(Folder, folder_id),
                actor=organiser,
            )
        db.session.commit()
    member_b = login_as(app, app.test_client(), personas.member_b)
    page = member_b.get(f"/bijeenkomsten/{meeting_id}").get_data(as_text=True)
    assert "agenda.pdf" in page and "verslag.pdf" not in page
    with db_ctx(app):
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at -= timedelta(days=2)
        meeting.ends_at -= timedelta(days=2)
        db.session.commit()
    page = member_b.get(f"/bijeenkomsten/{meeting_id}").get_data(as_text=True)
    assert "Verslag en presentaties" in page and "verslag.pdf" in page
    past = member_b.get("/bijeenkomsten?periode=verleden").get_data(as_text=True)
    assert f"/bijeenkomsten/{meeting_id}" in past
    assert f'/bijeenkomsten/{meeting_id}"' not in member_b.get("/bijeenkomsten").get_data(
        as_text=True
    )


def test_the_list_filters_by_kind(app, personas, world):
    with db_ctx(app):
        make_meeting(personas, world["network"], title="Een webinar", kind="webinar")
        make_meeting(personas, world["network"], title="Een kennissessie")
    client = login_as(app, app.test_client(), personas.member_a)
    html = client.get("/bijeenkomsten?soort=webinar").get_data(as_text=True)
    assert "Een webinar" in html and "Een kennissessie" not in html


def test_organisers_see_and_export_the_registrations(app, personas, world):
    with db_ctx(app):
        meeting_id = make_meeting(personas, world["network"], capacity=1)
        meeting = db.session.get(Meeting, meeting_id)
        service.register(meeting, actor=user(personas.member_b))
        service.register(meeting, actor=user(personas.police))
        db.session.commit()
    page = f"/bijeenkomsten/{meeting_id}"
    member = login_as(app, app.test_client(), personas.member_a)
    assert personas.member_b.email not in member.get(page).get_data(as_text=True)
    assert member.get(f"{page}/aanmeldingen.csv").status_code == 403
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    assert personas.member_b.email in organiser.get(page).get_data(as_text=True)
    response = organiser.get(f"{page}/aanmeldingen.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1].startswith(f"{personas.member_b.name};{personas.member_b.email};Aangemeld;")
    assert lines[2].startswith(f"{personas.police.name};{personas.police.email};Op de wachtlijst;")
    with db_ctx(app):
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "meeting.registrations_exported")
        )


def test_a_forged_kind_is_named_next_to_its_field(app, personas, world):
    organiser = login_as(app, app.test_client(), personas.org_admin_a)
    response = post_form(organiser, "/bijeenkomsten/nieuw", _form(world, kind="feest"))
    assert response.status_code == 422
    assert 'id="kind-error"' in response.get_data(as_text=True)


def test_the_demo_meetings_load(app):
    from neig_workspace.demo import load_demo_network

    with db_ctx(app):
        load_demo_network()  # with the meetings' demo
        db.session.commit()
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        assert len(meetings) == 3
        past, *upcoming = meetings
        assert past.ends_at < upcoming[0].starts_at
        assert [m.location or m.online_url for m in upcoming][0].startswith("https://")
        assert "Utrecht" in upcoming[1].location
        report = service.folder_documents(
            db.session.get(User, past.created_by_id), past.report_folder_id
        )
        assert [d.title for d in report] == ["Verslag netwerkbijeenkomst"]
