"""Security alerts: a spike of failed logins and every privileged login reach the audit log and
the platform admins' mailboxes."""

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import limiter
from tests.conftest import db_ctx
from tests.helpers import login_http


def alerts(app):
    with db_ctx(app) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.alert"))
        return [e.details for e in events]


def mails_to(outbox, email):
    return [m for m in outbox() if m["To"] == email]


def test_a_spike_of_failed_logins_alerts_once(app, personas, outbox):
    threshold = app.config["ALERT_FAILED_LOGINS"]
    client = app.test_client()
    for n in range(threshold + 2):  # unknown addresses: no per-account limit is reached
        if n == threshold // 2:
            limiter.reset()  # stay under the per-IP limit: the alert counts, it does not block
        assert login_http(client, f"iemand{n}@example.nl", "verkeerd-wachtwoord").status_code == 422
    [alert] = alerts(app)
    assert alert["kind"] == "failed_login_spike" and alert["failures"] == threshold
    [mail] = mails_to(outbox, personas.platform_admin.email)
    assert "inlogpogingen mislukt" in mail.get_body().get_content()
    assert mails_to(outbox, personas.member_a.email) == []


def test_a_few_failed_logins_raise_no_alert(app, personas, outbox):
    client = app.test_client()
    for n in range(3):
        login_http(client, f"iemand{n}@example.nl", "verkeerd-wachtwoord")
    assert alerts(app) == []


def test_a_privileged_login_alerts_the_platform_admins(app, personas, outbox):
    secretariat = personas.secretariat
    assert login_http(app.test_client(), secretariat.email, secretariat.password).status_code == 302
    [alert] = alerts(app)
    assert alert == {
        "kind": "privileged_login",
        "user_id": secretariat.id,
        "email": secretariat.email,
    }
    [mail] = mails_to(outbox, personas.platform_admin.email)
    body = mail.get_body().get_content()
    assert secretariat.email in body and "beheeraccount" in body
    assert "paars" not in body  # nothing secret in the mail


def test_an_ordinary_login_raises_no_alert(app, personas, outbox):
    member = personas.member_a
    assert login_http(app.test_client(), member.email, member.password).status_code == 302
    assert alerts(app) == []
    assert mails_to(outbox, personas.platform_admin.email) == []
