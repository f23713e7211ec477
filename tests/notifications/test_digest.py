"""The daily digest (`flask neig send-digest`): what it lists, what it hides, and once only."""

from datetime import timedelta

from neig_workspace.accounts.models import NotificationEmail, User
from neig_workspace.extensions import db
from neig_workspace.notifications import service
from neig_workspace.notifications.models import EmailState
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, SpaceGrant
from neig_workspace.timeutil import utcnow
from tests.notifications.notif_helpers import (
    document,
    notification_rows,
    send,
    set_preference,
    shared_space,
)


def _digest(app, now=None) -> int:
    with app.app_context():
        sent = service.send_digest(now=now)
        db.session.commit()
        return sent


def _lose_grant(app, personas, space_id: int) -> None:
    from sqlalchemy import select

    with app.app_context():
        grant = db.session.scalar(
            select(SpaceGrant).where(
                SpaceGrant.space_id == space_id,
                SpaceGrant.organisation_id == personas.orgs["politie"],
            )
        )
        spaces.remove_grant(grant, actor=None)
        db.session.commit()


def test_the_digest_lists_pending_visible_notifications_once(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    secret_space = shared_space(
        app, personas, classification=Classification.VERTROUWELIJK, mfa_required=True
    )
    lost_space = shared_space(app, personas)
    first = document(app, space, personas.member_a, title="Plan van aanpak Zuid")
    second = document(app, space, personas.member_a, title="Verslag overleg")
    secret_1 = document(
        app,
        secret_space,
        personas.member_a,
        title="Dossier Hillesluis",
        classification=Classification.VERTROUWELIJK,
    )
    secret_2 = document(
        app,
        secret_space,
        personas.member_a,
        title="Dossier Feijenoord",
        classification=Classification.VERTROUWELIJK,
    )
    lost = document(app, lost_space, personas.member_a, title="Weggevallen stuk")
    send(app, personas.police, first, actor=personas.member_a, excerpt="Zie alinea 2")
    send(app, personas.police, second, actor=personas.member_a, excerpt="")
    send(app, personas.police, secret_1, actor=personas.member_a, excerpt="Verdachte op nr 12")
    send(app, personas.police, secret_2, actor=personas.member_a)
    lost_id = send(app, personas.police, lost, actor=personas.member_a, excerpt="Verborgen")
    _lose_grant(app, personas, lost_space)
    assert outbox() == []

    assert _digest(app) == 1

    (message,) = outbox()
    assert message["To"] == personas.police.email
    body = message.get_content()
    assert "Plan van aanpak Zuid" in body and "Zie alinea 2" in body
    assert "Verslag overleg" in body
    assert f"{personas.member_a.name} noemde u in een reactie" in body
    base = app.config["EXTERNAL_URL"].rstrip("/")
    assert f"{base}/documenten/{first}#reactie-1" in body
    # Confidential ones only counted; the lost one not even that.
    assert "2 meldingen over vertrouwelijke stukken" in body
    for hidden in ("Dossier", "Verdachte", f"/documenten/{secret_1}", "Weggevallen", "Verborgen"):
        assert hidden not in body, hidden
    states = {row.id: row.email_state for row in notification_rows(app)}
    assert states.pop(lost_id) == EmailState.SKIPPED
    assert set(states.values()) == {EmailState.SENT}

    # Idempotent: nothing is pending any more.
    assert _digest(app) == 0
    assert len(outbox()) == 1


def test_only_users_who_chose_the_digest_get_one(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    set_preference(app, personas.om, NotificationEmail.NEVER)
    space = shared_space(app, personas, org_keys=("gemeente_a", "politie", "om"))
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    send(app, personas.om, doc, actor=personas.member_a)
    send(app, personas.org_admin_a, doc, actor=personas.member_a)  # immediate: mailed already
    assert [m["To"] for m in outbox()] == [personas.org_admin_a.email]
    assert _digest(app) == 1
    assert [m["To"] for m in outbox()][1:] == [personas.police.email]


def test_notifications_read_in_the_app_are_not_mailed(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    nid = send(app, personas.police, doc, actor=personas.member_a)
    with app.app_context():
        from neig_workspace.notifications.models import Notification

        db.session.get(Notification, nid).read_at = utcnow()
        db.session.commit()
    assert _digest(app) == 0
    assert outbox() == []
    assert notification_rows(app)[0].email_state == EmailState.SKIPPED


def test_notifications_made_after_the_run_started_wait_for_the_next(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    assert _digest(app, now=utcnow() - timedelta(hours=1)) == 0
    assert notification_rows(app)[0].email_state == EmailState.PENDING
    assert _digest(app) == 1


def test_the_digest_is_in_the_recipients_language(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    with app.app_context():
        db.session.get(User, personas.police.id).locale = "en"
        db.session.commit()
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    _digest(app)
    (message,) = outbox()
    assert "Dear colleague," in message.get_content()


def test_an_mfa_space_counts_as_readable_for_the_digest(app, personas, outbox):
    # The cron job has no MFA session; the recipient can read it after an MFA login.
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas, mfa_required=True)
    doc = document(app, space, personas.member_a, title="Aanpak met MFA")
    send(app, personas.police, doc, actor=personas.member_a, confidential=False)
    assert _digest(app) == 1
    assert "Aanpak met MFA" in outbox()[0].get_content()


def test_leaving_the_digest_skips_what_was_waiting(app, personas, outbox):
    from tests.helpers import login_as, post_form

    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    client = login_as(app, app.test_client(), personas.police)
    response = post_form(client, "/meldingen/instellingen", {"notification_email": "immediate"})
    assert response.status_code == 302
    assert notification_rows(app)[0].email_state == EmailState.SKIPPED
    assert _digest(app) == 0


def test_the_cli_command_sends_the_digest(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["neig", "send-digest"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 notification digest(s)." in result.output
    assert len(outbox()) == 1
    result = runner.invoke(args=["neig", "send-digest"])
    assert "Sent 0 notification digest(s)." in result.output
    assert len(outbox()) == 1
