"""E-mail per notification: the preference decides, and confidential items carry no content."""

from neig_workspace.accounts.models import NotificationEmail
from neig_workspace.notifications.models import EmailState
from neig_workspace.spaces.models import Classification
from tests.notifications.notif_helpers import (
    document,
    notification_rows,
    send,
    set_preference,
    shared_space,
)


def _body(message) -> str:
    return message.get_content()


def test_immediate_sends_one_mail_with_sentence_title_excerpt_and_an_absolute_link(
    app, personas, outbox
):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a, title="Plan van aanpak Zuid")
    send(app, personas.police, doc, actor=personas.member_a, excerpt="Graag uw reactie op 3.2")
    (message,) = outbox()
    assert message["To"] == personas.police.email
    body = _body(message)
    assert f"{personas.member_a.name} noemde u in een reactie" in body
    assert "Plan van aanpak Zuid" in body
    assert "Graag uw reactie op 3.2" in body
    base = app.config["EXTERNAL_URL"].rstrip("/")
    assert f"{base}/documenten/{doc}#reactie-1" in body
    assert "Plan van aanpak Zuid" in message["Subject"]


def test_a_mail_is_sent_only_after_the_commit(app, personas, outbox):
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db
    from neig_workspace.notifications import service
    from neig_workspace.notifications.models import NotificationKind

    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    with app.app_context():
        service.notify(
            db.session.get(User, personas.police.id),
            kind=NotificationKind.MENTION,
            subject_type="document",
            subject_id=doc,
            url=f"/documenten/{doc}",
            title="Plan van aanpak",
        )
        db.session.rollback()
    assert outbox() == []
    assert notification_rows(app) == []


def test_daily_leaves_it_pending_and_sends_nothing_now(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.DAILY)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    assert outbox() == []
    (row,) = notification_rows(app)
    assert row.email_state == EmailState.PENDING
    assert row.emailed_at is None


def test_never_marks_it_skipped_and_sends_nothing(app, personas, outbox):
    set_preference(app, personas.police, NotificationEmail.NEVER)
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    assert outbox() == []
    (row,) = notification_rows(app)
    assert row.email_state == EmailState.SKIPPED


def test_a_confidential_mail_names_nothing_but_the_notification_centre(app, personas, outbox):
    space = shared_space(
        app, personas, classification=Classification.VERTROUWELIJK, mfa_required=True
    )
    doc = document(
        app,
        space,
        personas.member_a,
        title="Dossier Hillesluis",
        classification=Classification.VERTROUWELIJK,
    )
    send(app, personas.police, doc, actor=personas.member_a, excerpt="Verdachte woont op nr 12")
    (message,) = outbox()
    text = message["Subject"] + "\n" + _body(message)
    for secret in (
        "Dossier Hillesluis",
        "Verdachte",
        "nr 12",
        personas.member_a.name,  # who did it
        "Rotterdam",  # the organisation or the space
        "Aanpak",  # the space's name
        "noemde",  # what happened
        f"/documenten/{doc}",  # where
    ):
        assert secret not in text, secret
    base = app.config["EXTERNAL_URL"].rstrip("/")
    assert f"{base}/meldingen" in text


def test_the_mail_is_in_the_recipients_language(app, personas, outbox):
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db

    with app.app_context():
        db.session.get(User, personas.police.id).locale = "en"
        db.session.commit()
    space = shared_space(
        app, personas, classification=Classification.VERTROUWELIJK, mfa_required=True
    )
    doc = document(app, space, personas.member_a, classification=Classification.VERTROUWELIJK)
    send(app, personas.police, doc, actor=personas.member_a)
    send(app, personas.om, doc, actor=personas.member_a)  # no grant: nothing
    (message,) = outbox()
    assert "Dear colleague," in _body(message)
    assert "Beste collega," not in _body(message)
