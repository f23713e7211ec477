"""The directory shows of a person only what they opted in to: nothing by default, each field
on its own, and a withdrawn choice hides it again."""

import re

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.directory.helpers import JOB_TITLE, PHONE, SETTINGS, SHOWN_AS, opt_in
from tests.helpers import login_as, post_form


def _org_page(app, personas, viewer="member_b"):
    client = login_as(app, app.test_client(), personas[viewer])
    response = client.get("/netwerk/leden/gemeente_a")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_nothing_is_shown_by_default(app, personas):
    login_as(app, app.test_client(), personas.member_a).get(SETTINGS)  # seen, never saved
    html = _org_page(app, personas)
    for value in SHOWN_AS.values():
        assert value not in html
    assert "Nog niemand van deze organisatie" in html


def test_saving_without_any_choice_shows_nothing(app, personas):
    opt_in(app, personas.member_a)
    html = _org_page(app, personas)
    assert all(value not in html for value in SHOWN_AS.values())


@pytest.mark.parametrize("field", list(SHOWN_AS))
def test_each_field_shows_only_when_opted_in(app, personas, field):
    opt_in(app, personas.member_a, "organisation", field)
    html = _org_page(app, personas)
    assert SHOWN_AS[field] in html
    for other, value in SHOWN_AS.items():
        if other != field:
            assert value not in html, other
    if field != "name":
        assert "naam niet gedeeld" in html


def test_without_the_organisation_choice_the_person_is_not_listed(app, personas):
    opt_in(app, personas.member_a, "name", "job_title", "email", "phone")
    html = _org_page(app, personas)
    assert all(value not in html for value in SHOWN_AS.values())


def test_withdrawing_hides_again(app, personas):
    client = opt_in(app, personas.member_a, "organisation", "name", "email", "phone")
    assert PHONE in _org_page(app, personas)
    post_form(
        client,
        SETTINGS,
        {"job_title": JOB_TITLE, "phone": PHONE, "show_organisation": "y", "show_name": "y"},
    )
    html = _org_page(app, personas)
    assert "Member A" in html
    assert PHONE not in html and "member.a@example.nl" not in html
    post_form(client, SETTINGS, {"job_title": JOB_TITLE, "phone": PHONE})
    assert "Member A" not in _org_page(app, personas)


def _checkbox(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*id="{name}"[^>]*>', html).group(0)


def test_settings_page_keeps_the_saved_choices(app, personas):
    client = opt_in(app, personas.member_a, "organisation", "phone")
    html = client.get(SETTINGS).get_data(as_text=True)
    assert "checked" in _checkbox(html, "show_phone")
    assert "checked" in _checkbox(html, "show_organisation")
    assert "checked" not in _checkbox(html, "show_email")
    assert PHONE in html and JOB_TITLE in html


def test_bad_phone_is_refused_next_to_the_field_and_typing_kept(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    response = post_form(
        client,
        SETTINGS,
        {"job_title": "Adviseur veiligheid", "phone": "bel mij", "show_phone": "y"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul een telefoonnummer in" in html
    assert 'value="Adviseur veiligheid"' in html and 'value="bel mij"' in html
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "directory.settings_changed")
            )
            is None
        )


def test_a_change_is_audited(app, personas):
    opt_in(app, personas.member_a, "organisation", "email")
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "directory.settings_changed")
        )
        assert event.actor_id == personas.member_a.id
        assert event.details["shown"] == ["organisation", "email"]
        assert event.details["shown_before"] == []


def test_settings_are_linked_from_the_account_pages(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    assert f'href="{SETTINGS}"' in client.get("/account").get_data(as_text=True)
