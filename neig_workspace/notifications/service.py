"""Notifications: making them (`notify`), reading them, and the e-mails about them.

Other features call `notify()` from their services, inside their own transaction; nothing here
commits. Whether a recipient may read a subject is always decided by the policy's subject
registry (`policy.NOTIFICATION_SUBJECTS`), in SQL, with the recipient's own grants.

E-mail follows the recipient's preference (`User.notification_email`):

- `immediate`: one e-mail per notification, queued now and sent after the commit;
- `daily`: the notification waits (`pending`) for `send_digest()` (`flask neig send-digest`);
- `never`: no e-mail (`skipped`).

An e-mail about a confidential notification (an item labelled `vertrouwelijk` or higher) holds
no content at all: not the title, the excerpt, who did what or where; only that something new is
there, with a link to the notification centre.
"""

import functools
from datetime import timedelta

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import selectinload

from .. import mail
from ..access import policy
from ..accounts.models import NotificationEmail, User
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..timeutil import utcnow
from .models import EmailState, Notification, NotificationKind

#: The same (recipient, kind, subject), still unread, is not added again within this window.
DUPLICATE_WINDOW = timedelta(minutes=5)
TITLE_LIMIT = 300
EXCERPT_LIMIT = 280

#: kind -> (sentence naming who did it, sentence without an actor); shown in the centre and mail.
_SENTENCES = {
    NotificationKind.MENTION: (
        _l("%(actor)s noemde u in een reactie"),
        _l("U bent genoemd in een reactie"),
    ),
    NotificationKind.REPLY: (
        _l("%(actor)s reageerde in uw discussie"),
        _l("Er is een nieuwe reactie in uw discussie"),
    ),
    NotificationKind.ROUND_INVITATION: (
        _l("%(actor)s nodigt u uit voor een commentaarronde"),
        _l("U bent uitgenodigd voor een commentaarronde"),
    ),
    NotificationKind.ROUND_DEADLINE: (
        _l("De termijn van een commentaarronde loopt bijna af"),
        _l("De termijn van een commentaarronde loopt bijna af"),
    ),
    NotificationKind.DECISION: (
        _l("%(actor)s besliste over uw reactie"),
        _l("Er is besloten over uw reactie"),
    ),
    NotificationKind.ACTION_ITEM_DUE: (
        _l("Een actiepunt nadert de deadline"),
        _l("Een actiepunt nadert de deadline"),
    ),
    NotificationKind.ACTION_ITEM_UPDATE: (
        _l("%(actor)s werkte een actiepunt bij"),
        _l("Een actiepunt is bijgewerkt"),
    ),
    NotificationKind.CASE_ADDED: (
        _l("%(actor)s heeft u toegang gegeven tot een casus"),
        _l("U hebt toegang gekregen tot een casus"),
    ),
    NotificationKind.CASE_UPDATE: (
        _l("%(actor)s werkte een casus bij"),
        _l("Een casus is bijgewerkt"),
    ),
    NotificationKind.CASE_MATCH: (
        _l("Een adres in uw casus komt ook voor in een casus van een andere gemeente"),
        _l("Een adres in uw casus komt ook voor in een casus van een andere gemeente"),
    ),
    NotificationKind.CASE_TASK: (
        _l("%(actor)s wees een nazorgtaak toe"),
        _l("Er is een nazorgtaak voor u"),
    ),
    NotificationKind.CASE_RELEASE: (
        _l("%(actor)s vraagt uw toestemming om stukken uit een casus te delen"),
        _l("Er is een besluit over het delen van stukken uit een casus"),
    ),
    NotificationKind.MEETING_REMINDER: (
        _l("Herinnering: morgen is de bijeenkomst"),
        _l("Herinnering: morgen is de bijeenkomst"),
    ),
    NotificationKind.MEETING_WAITLIST_PROMOTED: (
        _l("U staat niet meer op de wachtlijst: u bent aangemeld"),
        _l("U staat niet meer op de wachtlijst: u bent aangemeld"),
    ),
    NotificationKind.MEETING_WAITLISTED: (
        _l("Er zijn minder plaatsen: u staat op de wachtlijst"),
        _l("Er zijn minder plaatsen: u staat op de wachtlijst"),
    ),
    NotificationKind.MEETING_CANCELLED: (
        _l("%(actor)s heeft een bijeenkomst geannuleerd"),
        _l("Een bijeenkomst is geannuleerd"),
    ),
}


def kind_sentence(notification: Notification) -> str:
    """Who did what, in the current language, e.g. "Anna de Vries noemde u in een reactie"."""
    with_actor, without_actor = _SENTENCES[notification.kind]
    if notification.actor is not None:
        return str(with_actor) % {"actor": notification.actor.name}
    return str(without_actor)


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _is_local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


# --- making notifications ----------------------------------------------------------------------


def notify(
    recipient: User,
    *,
    kind: NotificationKind,
    subject_type: str,
    subject_id: int,
    url: str,
    title: str,
    excerpt: str = "",
    actor: User | None = None,
    confidential: bool = False,
) -> Notification | None:
    """Tell `recipient` about `subject` (added to the current transaction; never commits).

    Returns None, adding nothing, when the recipient is the actor, is inactive, or may not read
    the subject (the policy's subject registry, with the recipient's grants; an MFA space counts
    as readable, as the recipient can open it after an MFA login). Returns the existing
    notification, adding nothing, when the same (recipient, kind, subject) is still unread and
    younger than DUPLICATE_WINDOW. `url` is a local path ("/documenten/12#reactie-5");
    `excerpt` plain text (shortened here); `confidential` for items labelled `vertrouwelijk` or
    higher (the e-mail then holds no content).
    """
    if subject_type not in policy.NOTIFICATION_SUBJECTS:
        raise ValueError(f"unknown notification subject type {subject_type!r}")
    if not _is_local_path(url):
        raise ValueError(f"a notification links to a local path, not {url!r}")
    if recipient is None or not recipient.active:
        return None
    if actor is not None and actor.id == recipient.id:
        return None
    with policy.assuming_mfa():
        if not policy.subject_readable(recipient, subject_type, subject_id):
            return None

    now = utcnow()
    duplicate = db.session.scalar(
        select(Notification)
        .where(
            Notification.user_id == recipient.id,
            Notification.kind == kind,
            Notification.subject_type == subject_type,
            Notification.subject_id == subject_id,
            Notification.read_at.is_(None),
            Notification.created_at >= now - DUPLICATE_WINDOW,
        )
        .limit(1)
    )
    if duplicate is not None:
        return duplicate

    notification = Notification(
        user_id=recipient.id,
        user=recipient,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        url=url,
        title=_shorten(title, TITLE_LIMIT),
        excerpt=_shorten(excerpt, EXCERPT_LIMIT),
        actor_id=actor.id if actor is not None else None,
        actor=actor,
        confidential=confidential,
        created_at=now,
        email_state=EmailState.PENDING,
    )
    db.session.add(notification)

    preference = recipient.notification_email or NotificationEmail.IMMEDIATE
    if preference == NotificationEmail.IMMEDIATE:
        _queue_immediate(notification)
        notification.email_state = EmailState.SENT
        notification.emailed_at = now
    elif preference == NotificationEmail.NEVER:
        notification.email_state = EmailState.SKIPPED
    # DAILY: stays pending for the digest.
    return notification


# --- e-mail ------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """An absolute link for an e-mail, always on EXTERNAL_URL: never the Host header of the
    request that caused the notification (someone else's request must not choose the host of
    the links in your mail)."""
    return current_app.config["EXTERNAL_URL"].rstrip("/") + path


def _centre_url() -> str:
    return absolute_url("/meldingen")


def _queue_immediate(notification: Notification) -> None:
    recipient = notification.user
    with force_locale(recipient.locale):
        if notification.confidential:
            subject = _("Nieuwe melding in NEIG Werkruimte")
            body = render_template("mail/notification_confidential.txt", centre_url=_centre_url())
        else:
            sentence = kind_sentence(notification)
            subject = _("%(sentence)s: %(title)s", sentence=sentence, title=notification.title)
            body = render_template(
                "mail/notification.txt",
                notification=notification,
                sentence=sentence,
                link=absolute_url(notification.url),
                centre_url=_centre_url(),
            )
    mail.queue(recipient.email, _one_line(subject), body)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:200]


def send_digest(now=None) -> int:
    """Mail every user with the `daily` preference one overview of their pending notifications
    they may still read (confidential ones only counted); returns the number of e-mails.

    Pending notifications that are no longer visible, or were read in the app meanwhile, are
    marked skipped and not mentioned. Those mailed are marked sent, so a second run sends
    nothing. Adds to the current transaction; the caller commits (the mail goes after that).
    """
    now = now or utcnow()
    pending_users = select(Notification.user_id).where(
        Notification.email_state == EmailState.PENDING
    )
    users = db.session.scalars(
        select(User)
        .where(User.id.in_(pending_users), User.notification_email == NotificationEmail.DAILY)
        .order_by(User.id)
    ).all()
    sent = 0
    for user in users:
        pending = db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.email_state == EmailState.PENDING,
                Notification.created_at <= now,
            )
            .options(selectinload(Notification.actor))
            .order_by(Notification.created_at, Notification.id)
        ).all()
        with policy.assuming_mfa():  # the digest is read after a login, MFA or not
            visible_ids = set(
                db.session.scalars(
                    select(Notification.id).where(
                        policy.visible_notifications(user),
                        Notification.email_state == EmailState.PENDING,
                    )
                )
            )
        # visible_notifications() is empty for an inactive user: all of theirs are skipped.
        listed = [n for n in pending if n.id in visible_ids and n.read_at is None]
        for notification in pending:
            if notification.id in visible_ids and notification.read_at is None:
                notification.email_state = EmailState.SENT
                notification.emailed_at = now
            else:
                notification.email_state = EmailState.SKIPPED
        if listed:
            _queue_digest(user, listed)
            sent += 1
    return sent


def _queue_digest(user: User, notifications: list[Notification]) -> None:
    open_items = [n for n in notifications if not n.confidential]
    confidential_count = len(notifications) - len(open_items)
    with force_locale(user.locale):
        subject = _("Uw dagelijkse overzicht van NEIG Werkruimte")
        items = [
            {
                "sentence": kind_sentence(n),
                "title": n.title,
                "excerpt": n.excerpt,
                "link": absolute_url(n.url),
            }
            for n in open_items
        ]
        body = render_template(
            "mail/notification_digest.txt",
            items=items,
            confidential_count=confidential_count,
            centre_url=_centre_url(),
        )
    mail.queue(user.email, str(subject), body)


# --- reading -----------------------------------------------------------------------------------


def visible_query(user, *, unread_only: bool = False):
    """The user's notifications they may see now, newest first (for the centre). The filter is
    built for the subject types among them alone: PostgreSQL planned every type's filter for the
    list and again for its count, 10-13 ms each at national scale, for a user whose
    notifications are all about documents."""
    types = unread_subject_types(user) if unread_only else subject_types(user)
    query = (
        select(Notification)
        .where(policy.visible_notifications(user, types))
        .options(selectinload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query


def unread_count(user) -> int:
    """Unread notifications the user may see now, for the header of every page (and the
    dashboard's section): at most two queries, once per request. The index on (user, read_at)
    finds the user's unread rows; each row's subject is looked up by its primary key (policy
    EXISTS), with the filters of only the subject types among them."""
    cache = g.setdefault("unread_counts", {}) if has_request_context() else {}
    if user.id not in cache:
        types = unread_subject_types(user)
        cache[user.id] = db.session.scalar(_unread_count_query(user, types)) if types else 0
    return cache[user.id]


def _unread_count_query(user, types: tuple[str, ...]):
    """The count's statement, built once per process and access generation for the user at
    the keyboard (policy.kept_across_requests): building the filters and the statement's
    cache key is most of the header's cost, and both depend only on the user's id sets."""

    def build():
        readable = policy.visible_notifications(user, types)
        return select(func.count(Notification.id)).where(readable, Notification.read_at.is_(None))

    return policy.kept_across_requests(user, ("unread_count", types), build)


def unread_subject_types(user) -> tuple[str, ...]:
    """The subject types of the user's unread notifications, readable or not (once per
    request): the visibility filter is built for these alone, each type's filter being a tree
    of the policy's filters that costs milliseconds to build. A user without unread
    notifications needs no filter at all."""
    cache = g.setdefault("unread_types", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = _subject_types(user, unread_only=True)
    return cache[user.id]


def subject_types(user) -> tuple[str, ...]:
    """The subject types of all of the user's notifications (the centre's filter is built for
    these alone)."""
    return _subject_types(user, unread_only=False)


def _subject_types(user, *, unread_only: bool) -> tuple[str, ...]:
    return tuple(sorted(db.session.scalars(_types_query(unread_only), {"user_id": user.id})))


@functools.cache
def _types_query(unread_only: bool):
    """Built once per process (the header asks on every page): a DISTINCT over the user's
    (unread) rows, which the count beside it reads anyway (the header's unread count, the
    centre's total)."""
    mine = Notification.user_id == bindparam("user_id")
    if unread_only:
        mine &= Notification.read_at.is_(None)
    return select(Notification.subject_type).where(mine).distinct()


def mark_read(notification: Notification, *, actor: User) -> None:
    if notification.user_id != actor.id:  # the view loads through the policy; belt and braces
        raise ServiceError(_("Deze melding is niet van u."))
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(*, actor: User) -> int:
    """Mark every notification the actor sees as read; returns how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(policy.visible_notifications(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def set_email_preference(preference: NotificationEmail, *, actor: User) -> None:
    """Change when the actor gets e-mail about notifications (audited).

    Leaving `daily` marks what was waiting for the digest as skipped (it stays in the centre):
    no digest for a user who no longer wants one.
    """
    preference = NotificationEmail(preference)
    old = actor.notification_email
    if old == preference:
        return
    actor.notification_email = preference
    if old == NotificationEmail.DAILY:
        db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == actor.id,
                Notification.email_state == EmailState.PENDING,
            )
            .values(email_state=EmailState.SKIPPED)
            .execution_options(synchronize_session="fetch")
        )
    audit.record(
        "user.notification_preference_changed",
        actor=actor,
        target=actor,
        details={"from": str(old) if old else None, "to": str(preference)},
    )
