"""Notifications: a notification points at a subject (subject_type, subject_id). Whether its
recipient may read that subject is asked again on every read, in SQL, through the subject
registry: subject_type -> a SELECT of the ids of such subjects the user may read now. An
unregistered type is invisible. Each rule module names its subjects (`SUBJECTS`); the
registry registers them here."""

from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, exists, false, literal, or_, select

from ...extensions import db
from ...notifications.models import Notification
from ..scope import _active, _per_request

#: subject_type -> (user -> SELECT of readable subject ids). Extend with
#: `register_notification_subject`.
NOTIFICATION_SUBJECTS: dict[str, Callable[..., Select]] = {}


def register_notification_subject(subject_type: str, readable_ids: Callable[..., Select]) -> None:
    """Let notifications point at `subject_type`; `readable_ids(user)` is a SELECT of the ids
    of such subjects `user` may read now (built from the visible_* filters)."""
    NOTIFICATION_SUBJECTS[subject_type] = readable_ids


def subject_readable(user, subject_type: str, subject_id: int) -> bool:
    """May `user` read this notification subject now? One query; unknown types deny."""
    readable_ids = NOTIFICATION_SUBJECTS.get(subject_type)
    if readable_ids is None or not _active(user):
        return False
    query = select(literal(1)).where(literal(subject_id).in_(readable_ids(user)))
    return db.session.scalar(query) is not None


@_per_request
def visible_notifications(user, subject_types: tuple[str, ...] | None = None):
    """The user's own notifications whose subject they may read now (a lost grant hides one);
    only of `subject_types`, when given (the filters of the other kinds are then not built)."""
    if not _active(user):
        return false()
    readable = [
        (Notification.subject_type == subject_type) & _subject_exists(ids(user))
        for subject_type, ids in NOTIFICATION_SUBJECTS.items()
        if subject_types is None or subject_type in subject_types
    ]
    return (Notification.user_id == user.id) & or_(false(), *readable)


def _subject_exists(readable_ids: Select) -> ColumnElement[bool]:
    """The notification's subject among `readable_ids`, as an EXISTS on the subject's primary
    key (the SELECT's one column): one row looked up, never the set of all readable ids."""
    (column,) = readable_ids.selected_columns
    return exists(readable_ids.where(column == Notification.subject_id))


def _notification_view(user, notification: Notification) -> bool:
    return notification.user_id == user.id and subject_readable(
        user, notification.subject_type, notification.subject_id
    )


ACTIONS = {
    "notification.view": (Notification, _notification_view),
    "notification.mark_read": (Notification, _notification_view),
}
VIEW_ACTION = {Notification: "notification.view"}
VISIBLE = {Notification: visible_notifications}
SUBJECTS = {}
