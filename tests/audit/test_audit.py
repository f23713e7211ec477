"""The audit log: the page and its filters, who may see it, the hash chain verified by
`flask neig audit verify`, and user input that cannot forge a log line."""

import html
import json
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from neig_workspace.log_format import SafeFormatter
from tests.audit.tampering import as_table_owner
from tests.conftest import count_queries, db_ctx
from tests.helpers import login_as, login_http, post_form

AUDIT = "/beheer/audit"
WRONG_PASSWORD = "dit-is-niet-het-wachtwoord-99"  # noqa: S105


def shown_actions(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(
        r'<summary>Technische gegevens</summary><p class="utrecht-paragraph">'
        r'<code class="utrecht-code">([\w.]+)</code>',
        response.get_data(as_text=True),
    )


def event_ids(app) -> list[int]:
    with db_ctx(app) as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def verify(app):
    return app.test_cli_runner().invoke(args=["neig", "audit", "verify"])


def produce_events(app, personas) -> None:
    """A real chain made by HTTP actions: logins good and bad, an invitation, a role change."""
    client = app.test_client()
    login_http(client, personas.member_a.email, WRONG_PASSWORD)
    login_http(client, personas.member_a.email, personas.member_a.password)
    admin = app.test_client()
    login_http(admin, personas.org_admin_a.email, personas.org_admin_a.password)
    org_id = personas.orgs["gemeente_a"]
    post_form(
        admin,
        f"/organisaties/{org_id}/uitnodigen",
        {"email": "nieuw@rotterdam.nl", "role": "member"},
    )
    platform = login_as(app, app.test_client(), personas.platform_admin)
    path = f"/beheer/gebruikers/{personas.police.id}"
    post_form(platform, f"{path}/rollen", {"secretariat": "y"}, token_from=path)
    post_form(admin, "/uitloggen", {}, token_from="/account")


# --- the page -----------------------------------------------------------------------------------


def test_audit_page_filters_by_action_prefix_actor_and_result(app, personas):
    produce_events(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    everything = shown_actions(client.get(AUDIT))
    assert {"auth.login", "invitation.created", "user.roles_changed", "auth.logout"} <= set(
        everything
    )
    assert set(shown_actions(client.get(f"{AUDIT}?actie=auth."))) == {"auth.login", "auth.logout"}
    assert set(shown_actions(client.get(f"{AUDIT}?actie=invitation"))) == {"invitation.created"}
    # The prefix is a prefix, not a pattern: "%" or "_" match nothing.
    assert shown_actions(client.get(f"{AUDIT}?actie=%25")) == []
    assert shown_actions(client.get(f"{AUDIT}?actie=auth_login")) == []
    by_actor = shown_actions(client.get(f"{AUDIT}?gebruiker=ORG.ADMIN.A@example.nl"))
    assert set(by_actor) == {"auth.login", "invitation.created", "auth.logout"}
    failures = client.get(f"{AUDIT}?resultaat=failure")
    assert shown_actions(failures) == ["auth.login"]
    assert "wrong_password" in html.unescape(failures.get_data(as_text=True))
    both = shown_actions(
        client.get(f"{AUDIT}?actie=auth.login&gebruiker=member.a&resultaat=success")
    )
    assert both == ["auth.login"]


def test_audit_page_filters_by_date(app, personas):
    produce_events(app, personas)
    client = login_as(app, app.test_client(), personas.platform_admin)
    today = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()  # the page's days
    day = timedelta(days=1)
    total = len(shown_actions(client.get(AUDIT)))
    assert total > 5
    assert len(shown_actions(client.get(f"{AUDIT}?van={today}&tot={today}"))) == total
    assert shown_actions(client.get(f"{AUDIT}?van={today + day}")) == []
    assert shown_actions(client.get(f"{AUDIT}?tot={today - day}")) == []
    # A date that is no date is ignored, not an error.
    assert len(shown_actions(client.get(f"{AUDIT}?van=gisteren"))) == total


def test_dates_are_days_in_dutch_time_as_shown_on_the_page(app, personas, monkeypatch):
    """Just after midnight in Amsterdam is still the day before in UTC; the filter follows
    the dates the page shows, not UTC."""
    with db_ctx(app) as session:
        actor = session.get(User, personas.member_a.id)
        for at in (
            datetime(2024, 3, 4, 23, 30),
            datetime(2024, 3, 5, 0, 30),
            datetime(2024, 3, 5, 23, 30),
        ):
            utc = at - timedelta(hours=1)  # CET is UTC+1 in March
            monkeypatch.setattr(audit, "utcnow", lambda utc=utc: utc)
            audit.record("test.when", actor=actor, details={"local": at.isoformat()})
        session.commit()
    client = login_as(app, app.test_client(), personas.platform_admin)
    assert local_times(client.get(f"{AUDIT}?actie=test.&van=2024-03-05&tot=2024-03-05")) == [
        "2024-03-05T00:30:00",
        "2024-03-05T23:30:00",
    ]
    assert local_times(client.get(f"{AUDIT}?actie=test.&tot=2024-03-04")) == ["2024-03-04T23:30:00"]
    assert "00:30" in client.get(f"{AUDIT}?actie=test.&van=2024-03-05").get_data(as_text=True)


def local_times(response) -> list[str]:
    return sorted(
        re.findall(r'"local":\s*"([^"]+)"', html.unescape(response.get_data(as_text=True)))
    )


@pytest.mark.parametrize("persona", ["member_a", "org_admin_a", "secretariat", "police"])
def test_only_platform_admins_see_the_audit_log(app, client, personas, persona):
    login_as(app, client, personas[persona])
    response = client.get(AUDIT)
    assert response.status_code == 403
    assert "auth.login" not in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client, personas):
    response = client.get(AUDIT)
    assert response.status_code == 302 and "/inloggen" in response.location


def test_the_audit_page_runs_as_many_queries_for_5_as_for_60_events(app, personas):
    client = login_as(app, app.test_client(), personas.platform_admin)
    client.get(AUDIT)
    users = list(personas.values())

    def add_events(n):
        with db_ctx(app) as session:
            for i in range(n):
                actor = session.get(User, users[i % len(users)].id)
                audit.record("test.event", actor=actor, target=actor, details={"i": i})
            session.commit()

    add_events(5)
    with count_queries(app) as few:
        assert client.get(AUDIT).status_code == 200
    add_events(55)
    with count_queries(app) as many:
        assert client.get(AUDIT).status_code == 200
    assert len(few) == len(many)


# --- the chain ----------------------------------------------------------------------------------


def test_verify_passes_on_a_real_chain(app, personas):
    produce_events(app, personas)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"{len(event_ids(app))} events verified" in result.output


def _set_details(app, event_id: int, details: dict) -> None:
    with db_ctx(app) as session:
        cast = "CAST(:d AS JSON)" if session.get_bind().dialect.name == "postgresql" else ":d"
        with as_table_owner(session):
            session.execute(
                text(f"UPDATE audit_events SET details = {cast} WHERE id = :id"),  # noqa: S608
                {"d": json.dumps(details), "id": event_id},
            )
        session.commit()


def test_verify_fails_naming_the_event_whose_details_were_changed(app, personas):
    produce_events(app, personas)
    ids = event_ids(app)
    target = ids[len(ids) // 2]
    _set_details(app, target, {"email": "iemand-anders@example.nl"})
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {target}:" in result.output
    assert "content does not match" in result.output


def test_verify_fails_naming_the_event_after_a_deleted_one(app, personas):
    produce_events(app, personas)
    ids = event_ids(app)
    middle = ids[len(ids) // 2]
    with db_ctx(app) as session:
        with as_table_owner(session):
            session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": middle})
        session.commit()
    result = verify(app)
    assert result.exit_code == 1
    following = ids[ids.index(middle) + 1]
    assert f"BROKEN at event {following}:" in result.output
    assert "previous hash" in result.output


def test_verify_fails_when_a_hash_is_recomputed_for_changed_content(app, personas):
    """Rewriting a row and its own hash still breaks the link to the next row."""
    produce_events(app, personas)
    ids = event_ids(app)
    target = ids[len(ids) // 2]
    _set_details(app, target, {"forged": True})
    with db_ctx(app) as session:
        event = session.get(AuditEvent, target)
        with as_table_owner(session):
            session.execute(
                text("UPDATE audit_events SET hash = :h WHERE id = :id"),
                {"h": audit.compute_hash(event), "id": target},
            )
        session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[ids.index(target) + 1]}:" in result.output


# --- forged log lines -----------------------------------------------------------------------------


def test_crlf_in_a_login_attempt_cannot_forge_a_log_line(app, client, personas):
    typed = "x@y.nl\r\nFAKE 2025-01-01 INFO neig_workspace: admin logged in"
    response = login_http(client, typed, WRONG_PASSWORD)
    assert response.status_code == 422
    assert client.get("/account").status_code == 302
    handlers = [
        h
        for h in logging.getLogger("neig_workspace").handlers
        if isinstance(h.formatter, SafeFormatter)
    ]
    assert handlers, "the app's log handler does not use SafeFormatter"
    record = logging.LogRecord(
        "neig_workspace.accounts",
        logging.WARNING,
        __file__,
        1,
        "login failed for %s",
        (typed,),
        None,
    )
    line = handlers[0].format(record)
    assert "\n" not in line and "\r" not in line
    assert "x@y.nl\\r\\nFAKE" in line


def test_crlf_typed_into_a_name_never_reaches_the_stored_name(app, client, personas):
    login_as(app, client, personas.platform_admin)
    name = "Gemeente X\r\nFAKE auth.login success"
    response = post_form(
        client, "/beheer/organisaties/nieuw", {"name": name, "type": "business", "cbs_code": ""}
    )
    assert response.status_code == 302
    with db_ctx(app) as session:
        created = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "organisation.created")
        )
        assert created.details["name"] == "Gemeente XFAKE auth.login success"
    assert verify(app).exit_code == 0


def test_crlf_in_audit_details_is_kept_as_escaped_data(app, client, personas):
    from neig_workspace.audit import service as audit_service

    value = "x@y.nl\r\nFAKE auth.login success"
    with db_ctx(app) as session:
        event = audit_service.record("auth.login", result="failure", details={"email": value})
        session.commit()
        raw = session.execute(
            text("SELECT CAST(details AS TEXT) FROM audit_events WHERE id = :id"), {"id": event.id}
        ).scalar_one()
    assert "\r" not in raw and "\n" not in raw and "\\r\\n" in raw  # stored as escaped JSON
    login_as(app, client, personas.platform_admin)
    page = client.get(f"{AUDIT}?actie=auth.login").get_data(as_text=True)
    cell = re.search(r'<td class="utrecht-table__cell audit-details">(.*?)</td>', page, re.S).group(
        1
    )
    assert "\n" not in cell and "x@y.nl\\r\\nFAKE" in html.unescape(cell)
    assert "<dd>x@y.nl\\r\\nFAKE auth.login success</dd>" in cell  # the readable line too
    assert verify(app).exit_code == 0
