"""Refusals by the policy are security events: each one lands in the audit log."""

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx
from tests.helpers import login_as


def denials(app):
    with db_ctx(app) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()


def test_a_forbidden_page_is_audited_as_denied(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get("/beheer/gebruikers").status_code == 403
    [event] = denials(app)
    assert event.result == "denied"
    assert event.actor_id == personas.member_a.id
    assert event.details["status"] == 403 and event.details["path"] == "/beheer/gebruikers"


def test_another_organisations_object_is_audited_without_leaking(app, client, personas):
    login_as(app, client, personas.member_b)
    response = client.get(f"/organisaties/{personas.orgs['gemeente_a']}")
    assert response.status_code == 404
    [event] = denials(app)
    assert (event.target_type, event.target_id) == (
        "organisation",
        str(personas.orgs["gemeente_a"]),
    )
    assert event.details["status"] == 404


def test_a_page_that_does_not_exist_is_not_an_access_denial(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get("/bestaat-niet").status_code == 404
    assert denials(app) == []
