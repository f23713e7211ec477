"""E-mail preferences at /meldingen/instellingen."""

import re

from sqlalchemy import select

from neig_workspace.accounts.models import NotificationEmail, User
from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form


def _preference(app, persona) -> NotificationEmail:
    with db_ctx(app) as session:
        return session.get(User, persona.id).notification_email


def test_new_accounts_get_mail_immediately(app, personas):
    assert _preference(app, personas.member_a) == NotificationEmail.IMMEDIATE


def test_the_page_shows_each_choice_with_its_explanation_and_the_current_one(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    html = client.get("/meldingen/instellingen").get_data(as_text=True)
    for label in ("Direct", "Dagelijks overzicht", "Nooit"):
        assert label in html
    assert "Eén e-mail per dag" in html
    checked = re.findall(r'<input[^>]*\bchecked\b[^>]*value="(\w+)"', html)
    assert checked == ["immediate"]
    assert 'aria-describedby="notification_email-1-hint"' in html


def test_choosing_the_digest_is_saved_and_audited(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    response = post_form(client, "/meldingen/instellingen", {"notification_email": "daily"})
    assert response.status_code == 302
    assert _preference(app, personas.member_a) == NotificationEmail.DAILY
    with db_ctx(app) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.notification_preference_changed")
        )
        assert event.details == {"from": "immediate", "to": "daily"}
        assert event.actor_id == personas.member_a.id


def test_an_unknown_choice_is_refused_with_422(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    response = post_form(client, "/meldingen/instellingen", {"notification_email": "hourly"})
    assert response.status_code == 422
    assert "error-summary" in response.get_data(as_text=True)
    assert _preference(app, personas.member_a) == NotificationEmail.IMMEDIATE
