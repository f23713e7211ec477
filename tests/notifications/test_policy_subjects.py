"""The policy's notification pieces: the subject registry, assuming MFA for a recipient, and
visible_notifications() in SQL."""

import pytest
from flask import g
from sqlalchemy import select

from neig_workspace.access import policy
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.notifications import service
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.spaces.models import Classification
from tests.notifications.notif_helpers import document, send, shared_space


def _visible_ids(user) -> set[int]:
    return set(
        db.session.scalars(select(Notification.id).where(policy.visible_notifications(user)))
    )


def test_notify_refuses_an_unregistered_subject_type(app, personas):
    with app.app_context():
        police = db.session.get(User, personas.police.id)
        with pytest.raises(ValueError):
            service.notify(
                police,
                kind=NotificationKind.MENTION,
                subject_type="tweet",
                subject_id=1,
                url="/",
                title="x",
            )


def test_a_registered_subject_type_is_checked_through_its_own_select(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    # A made-up kind: "documents of A's shared space whose title starts with P".
    readable = lambda user: select(policy.Document.id).where(  # noqa: E731
        policy.visible_documents(user), policy.Document.title.like("P%")
    )
    policy.register_notification_subject("test_subject", readable)
    try:
        with app.app_context():
            police = db.session.get(User, personas.police.id)
            assert policy.subject_readable(police, "test_subject", doc)
            assert not policy.subject_readable(police, "test_subject", doc + 1000)
            made = service.notify(
                police,
                kind=NotificationKind.REPLY,
                subject_type="test_subject",
                subject_id=doc,
                url="/",
                title="Plan",
            )
            db.session.commit()
            assert made.id in _visible_ids(police)
    finally:
        del policy.NOTIFICATION_SUBJECTS["test_subject"]
    with app.app_context():
        # Unregistered again: its notifications are hidden (deny by default).
        police = db.session.get(User, personas.police.id)
        assert _visible_ids(police) == set()
        assert not policy.subject_readable(police, "test_subject", doc)


def test_assuming_mfa_is_limited_to_its_block(app, personas):
    space = shared_space(app, personas, mfa_required=True)
    doc = document(app, space, personas.member_a)
    with app.test_request_context():
        g.user_session = None  # a session without a second factor
        police = db.session.get(User, personas.police.id)
        assert not policy.subject_readable(police, "document", doc)
        with policy.assuming_mfa():
            assert policy.session_has_mfa()
            assert policy.subject_readable(police, "document", doc)
        assert not policy.session_has_mfa()
        assert not policy.subject_readable(police, "document", doc)


def test_visible_notifications_are_own_and_readable_now(app, personas):
    space = shared_space(app, personas)
    secret = shared_space(app, personas, classification=Classification.VERTROUWELIJK)
    doc = document(app, space, personas.member_a)
    secret_doc = document(
        app, secret, personas.member_a, classification=Classification.VERTROUWELIJK
    )
    mine = send(app, personas.police, doc, actor=personas.member_a)
    mfa_one = send(app, personas.police, secret_doc, actor=personas.member_a)
    theirs = send(app, personas.member_a, doc, actor=personas.police)
    with app.test_request_context():
        police = db.session.get(User, personas.police.id)
        g.user_session = None
        # Readable *now*: in a session without MFA, the confidential one stays hidden.
        assert _visible_ids(police) == {mine}
        with policy.assuming_mfa():
            assert _visible_ids(police) == {mine, mfa_one}
        member = db.session.get(User, personas.member_a.id)
        assert _visible_ids(member) == {theirs}
        police.active = False
        assert _visible_ids(police) == set()
        db.session.rollback()
