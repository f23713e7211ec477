"""notify(): who is told, who is not, and the duplicate guard."""

from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.notifications.models import EmailState, NotificationKind
from neig_workspace.spaces.models import Classification
from tests.notifications.notif_helpers import (
    document,
    notification_rows,
    send,
    shared_space,
)


def test_a_reader_is_notified(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    notification_id = send(app, personas.police, doc, actor=personas.member_a)
    assert notification_id is not None
    (row,) = notification_rows(app)
    assert (row.user_id, row.kind, row.subject_type, row.subject_id) == (
        personas.police.id,
        NotificationKind.MENTION,
        "document",
        doc,
    )
    assert row.actor_id == personas.member_a.id
    assert row.read_at is None
    assert row.title == "Plan van aanpak"


def test_the_actor_is_not_notified_of_their_own_doing(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    assert send(app, personas.member_a, doc, actor=personas.member_a) is None
    assert notification_rows(app) == []


def test_an_inactive_recipient_is_not_notified(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    with app.app_context():
        db.session.get(User, personas.police.id).active = False
        db.session.commit()
    assert send(app, personas.police, doc, actor=personas.member_a) is None
    assert notification_rows(app) == []


def test_someone_who_may_not_read_the_subject_is_not_notified(app, personas):
    space = shared_space(app, personas)  # Rotterdam and the police, not Amsterdam
    doc = document(app, space, personas.member_a)
    assert send(app, personas.member_b, doc, actor=personas.member_a) is None
    narrowed = document(
        app,
        space,
        personas.member_a,
        title="Alleen gemeente",
        narrowing=[personas.orgs["gemeente_a"]],
    )
    assert send(app, personas.police, narrowed, actor=personas.member_a) is None
    assert notification_rows(app) == []


def test_a_recipient_in_an_mfa_space_is_notified_without_an_mfa_session(app, personas):
    # notify() runs in the actor's request (or a cron job): the recipient's own session state
    # is unknown; they can read it after an MFA login, so they are told.
    space = shared_space(
        app, personas, classification=Classification.VERTROUWELIJK, mfa_required=True
    )
    doc = document(app, space, personas.member_a, classification=Classification.VERTROUWELIJK)
    assert send(app, personas.police, doc, actor=personas.member_a) is not None
    (row,) = notification_rows(app)
    assert row.confidential is True


def test_the_same_unread_notification_is_not_added_twice_within_the_window(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    first = send(app, personas.police, doc, actor=personas.member_a)
    again = send(app, personas.police, doc, actor=personas.member_a)
    assert again == first
    # Another kind about the same subject is a different notification.
    other = send(app, personas.police, doc, actor=personas.member_a, kind=NotificationKind.REPLY)
    assert other not in (None, first)
    assert len(notification_rows(app)) == 2


def test_after_the_window_or_once_read_it_is_added_again(app, personas):
    from datetime import timedelta

    from neig_workspace.notifications.models import Notification
    from neig_workspace.notifications.service import DUPLICATE_WINDOW

    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    first = send(app, personas.police, doc, actor=personas.member_a)
    with app.app_context():
        row = db.session.get(Notification, first)
        row.created_at -= DUPLICATE_WINDOW + timedelta(seconds=1)
        db.session.commit()
    second = send(app, personas.police, doc, actor=personas.member_a)
    assert second not in (None, first)
    with app.app_context():
        db.session.get(Notification, second).read_at = db.session.get(
            Notification, second
        ).created_at
        db.session.commit()
    third = send(app, personas.police, doc, actor=personas.member_a)
    assert third not in (None, first, second)


def test_immediate_preference_marks_it_sent(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    send(app, personas.police, doc, actor=personas.member_a)
    (row,) = notification_rows(app)
    assert row.email_state == EmailState.SENT
    assert row.emailed_at is not None
