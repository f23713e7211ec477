"""A space's activity feed in sentences: "Thijs Bakker (Gemeente Rotterdam) heeft ‘Verslag
overleg’ geüpload". The events come from queries.activity (the policy's filter: nothing about a
document or action item the reader may not see); the names of their targets are loaded here,
one SELECT per kind of target on the page, never one per event."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..accounts.models import User
from ..actions.models import ActionItem, ActionPlan
from ..audit import sentences
from ..audit.models import AuditEvent
from ..cases.models import Case
from ..comments.models import Comment, CommentRound
from ..documents.models import Document, Folder
from ..extensions import db
from ..knowledge.models import Article
from ..meetings.models import Meeting
from ..organisations.models import Organisation

#: kind of target -> (id column, name column(s)) of its own table.
_NAMES = {
    "document": (Document.id, Document.title),
    "folder": (Folder.id, Folder.name),
    "action_plan": (ActionPlan.id, ActionPlan.name),
    "article": (Article.id, Article.title),
    "meeting": (Meeting.id, Meeting.title),
    "case": (Case.id, Case.reference),
}


@dataclass(frozen=True, slots=True)
class FeedLine:
    at: datetime
    text: str


def feed(events: list[AuditEvent]) -> list[FeedLine]:
    """One sentence per event, in the reader's language."""
    names = _target_names(events)
    return [
        FeedLine(
            at=event.at,
            text=sentences.sentence(event.action, actor=_actor(event), target=names.get(event.id)),
        )
        for event in events
    ]


def _actor(event: AuditEvent) -> str | None:
    if event.actor is None:
        return None
    if event.actor_org is None:
        return event.actor.name
    return f"{event.actor.name} ({event.actor_org.name})"


def _ids(events, kind: str) -> dict[int, list[AuditEvent]]:
    found = defaultdict(list)
    for event in events:
        if event.target_type == kind and (event.target_id or "").isdigit():
            found[int(event.target_id)].append(event)
    return found


def _named(kind: str, name: str | None) -> str:
    if name is None:
        return str(sentences.UNNAMED_TARGETS[kind])
    return str(sentences.NAMED_TARGETS[kind]) % {"name": name}


def _lookup(id_column, name_column, ids) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())


def _target_names(events: list[AuditEvent]) -> dict[int, str]:
    """event id -> the quoted name of its target (or a general noun)."""
    names: dict[int, str] = {}
    for kind, (id_column, name_column) in _NAMES.items():
        wanted = _ids(events, kind)
        found = _lookup(id_column, name_column, list(wanted))
        for target_id, targets in wanted.items():
            for event in targets:
                names[event.id] = _named(kind, found.get(target_id))
    _item_names(events, names)
    _subject_names(events, names)
    _grant_names(events, names)
    return names


def _item_names(events, names) -> None:
    wanted = _ids(events, "action_item")
    rows = _item_rows(list(wanted))
    found = {row.id: f"{row.code} {row.title}" for row in rows}
    for target_id, targets in wanted.items():
        for event in targets:
            names[event.id] = _named("action_item", found.get(target_id))


def _item_rows(ids: list[int]):
    if not ids:
        return []
    return db.session.execute(
        select(ActionItem.id, ActionItem.code, ActionItem.title).where(ActionItem.id.in_(ids))
    ).all()


def _subject_names(events, names) -> None:
    """A comment or a comment round by what it is about: its document or action item."""
    comments, rounds = _ids(events, "comment"), _ids(events, "comment_round")
    subject: dict[tuple[str, int], tuple[str, int | None]] = {}
    if comments:
        for row in db.session.execute(
            select(Comment.id, Comment.document_id, Comment.action_item_id).where(
                Comment.id.in_(list(comments))
            )
        ):
            kind = "document" if row.document_id else "action_item"
            subject[("comment", row.id)] = (kind, row.document_id or row.action_item_id)
    if rounds:
        for row in db.session.execute(
            select(CommentRound.id, CommentRound.document_id).where(
                CommentRound.id.in_(list(rounds))
            )
        ):
            subject[("comment_round", row.id)] = ("document", row.document_id)
    documents = _lookup(
        Document.id, Document.title, [i for k, i in subject.values() if k == "document"]
    )
    item_ids = [i for k, i in subject.values() if k == "action_item"]
    items = {row.id: f"{row.code} {row.title}" for row in _item_rows(item_ids)}
    for kind, wanted in (("comment", comments), ("comment_round", rounds)):
        for target_id, targets in wanted.items():
            about, about_id = subject.get((kind, target_id), ("document", None))
            name = (documents if about == "document" else items).get(about_id)
            for event in targets:
                names[event.id] = _named(about, name)


def _grant_names(events, names) -> None:
    """Who a grant is for, from the event's details (a removed grant's row is gone)."""
    grants = [e for e in events if e.target_type == "space_grant"]
    user_ids = {(e.details or {}).get("user_id") for e in grants} - {None}
    org_ids = {(e.details or {}).get("organisation_id") for e in grants} - {None}
    users = _lookup(User.id, User.name, list(user_ids))
    organisations = _lookup(Organisation.id, Organisation.name, list(org_ids))
    for event in grants:
        details = event.details or {}
        if details.get("principal_type") == "network":
            names[event.id] = str(sentences.THE_NETWORK)
        elif details.get("user_id") in users:
            names[event.id] = users[details["user_id"]]
        elif details.get("organisation_id") in organisations:
            names[event.id] = organisations[details["organisation_id"]]
        else:
            names[event.id] = str(sentences.UNNAMED_TARGETS["space_grant"])
