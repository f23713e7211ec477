"""Comment use cases: threads, replies, edits, tombstones, resolving, answers and decisions,
comment rounds (open, extend, close, remind) and the comment table.

The caller has checked the policy for the object at hand; these functions check the rules of
the domain (deadlines, who may be invited, what a mention reaches), write the audit event and
queue the notifications, all in the caller's transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, subqueryload

from .. import richtext
from ..access import policy
from ..accounts.models import User
from ..audit import service as audit
from ..documents import service as documents
from ..documents.models import Document, DocumentStatus
from ..errors import ServiceError
from ..extensions import db
from ..formatting import date_long
from ..notifications.models import NotificationKind
from ..notifications.service import notify
from ..organisations.models import Membership, Organisation
from ..richtext import PERSON_MENTION
from ..spaces.models import PrincipalType, SpaceGrant
from ..timeutil import utcnow
from .labels import DECISION_LABELS
from .models import Comment, CommentRevision, CommentRound, Decision, RoundInvitation
from .subjects import Subject, subject_of

MAX_BODY = 10_000
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
#: Invited organisations that have not commented hear this long before the deadline.
REMINDER_BEFORE = timedelta(days=2)


@dataclass
class Posted:
    """What a use case that writes text did: the comment, and whom a mention did not reach."""

    comment: Comment
    not_notified: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Schrijf een reactie."), "body")
    if len(body) > MAX_BODY:
        raise ServiceError(_("Een reactie is hoogstens %(n)d tekens lang.", n=MAX_BODY), "body")
    return body


def open_round(document: Document) -> CommentRound | None:
    return db.session.scalar(
        select(CommentRound).where(
            CommentRound.document_id == document.id, CommentRound.closed_at.is_(None)
        )
    )


def _author_organisation(user: User, current_round: CommentRound | None) -> int | None:
    """The organisation a comment speaks for: an invited one of the author's, else their first."""
    orgs = [m.organisation_id for m in sorted(user.memberships, key=lambda m: m.organisation_id)]
    if current_round is not None:
        invited = [o for o in orgs if o in current_round.invited_ids]
        if invited:
            return invited[0]
    return orgs[0] if orgs else None


def comment_url(comment: Comment) -> str:
    return f"{subject_of(comment).url}#reactie-{comment.id}"


def _notify_about(comment: Comment, users, kind: NotificationKind, *, actor) -> None:
    subject = subject_of(comment)
    names = mention_names(subject, [comment.body])  # "@persoon:12" reads as the name
    for user in users:
        notify(
            user,
            kind=kind,
            subject_type="comment",
            subject_id=comment.id,
            url=comment_url(comment),
            title=subject.title,
            excerpt=richtext.excerpt(comment.body, mentions=names),
            actor=actor,
            confidential=subject.confidential,
        )


def _readers_among(subject: Subject, user_query):
    return db.session.scalars(user_query.where(subject.readers())).all()


def _mentioned(keys: list[str]):
    """The users `keys` (from richtext.find_mentions) name: by address or by person token."""
    ids = [int(k.removeprefix(PERSON_MENTION)) for k in keys if k.startswith(PERSON_MENTION)]
    emails = [k for k in keys if not k.startswith(PERSON_MENTION)]
    return User.email.in_(emails) | User.id.in_(ids)


def _keys_of(user: User) -> set[str]:
    return {user.email.lower(), richtext.person_mention(user.id)}


def _mention(comment: Comment, keys: list[str], *, actor) -> list[str]:
    """Notify the mentioned readers; return the mentions that reached nobody."""
    if not keys:
        return []
    readers = _readers_among(subject_of(comment), select(User).where(_mentioned(keys)))
    _notify_about(comment, readers, NotificationKind.MENTION, actor=actor)
    reached = set().union(*(_keys_of(u) for u in readers), _keys_of(actor))
    return [k for k in keys if k not in reached]


@dataclass(frozen=True)
class Suggestion:
    """A person offered by the @-mention autocomplete, and what choosing them inserts."""

    name: str
    email: str | None
    mention: str

    def as_json(self) -> dict:
        return {"name": self.name, "email": self.email, "mention": self.mention}


def mention_candidates(on, query: str, *, viewer, limit: int = 10) -> list[Suggestion]:
    """People who may read the subject, by name (or by an address the viewer may see): the
    @-mention autocomplete. Whoever's address stays hidden is offered as "@persoon:<id>", which
    the server resolves as it does an address; matching a hidden address would spell it out."""
    shown = policy.email_visible_to(viewer)
    text = query.strip().lower()
    rows = db.session.execute(
        select(User, shown)
        .where(
            subject_of(on).readers(),
            User.id != viewer.id,  # nobody needs to mention themselves
            func.lower(User.name).contains(text, autoescape=True)
            | (shown & func.lower(User.email).contains(text, autoescape=True)),
        )
        .order_by(User.name, User.id)
        .limit(limit)
    ).all()
    return [_suggestion(user, bool(email_shown)) for user, email_shown in rows]


def _suggestion(user: User, email_shown: bool) -> Suggestion:
    if email_shown:
        return Suggestion(user.name, user.email, f"@{user.email}")
    return Suggestion(user.name, None, f"@{richtext.person_mention(user.id)}")


def mention_names(on, bodies: list[str]) -> dict[str, str]:
    """mention key -> name for the readers mentioned in `bodies`, to render mentions (one
    query); a reader mentioned by address is shown by name as well as one mentioned by token."""
    keys = sorted({k for body in bodies for k in richtext.find_mentions(body)})
    if not keys:
        return {}
    users = _readers_among(subject_of(on), select(User).where(_mentioned(keys)))
    return {key: u.name for u in users for key in _keys_of(u) if key in keys}


# --- comments --------------------------------------------------------------------------------


def _check_accepts_comments(subject: Subject, actor, *, now: datetime) -> CommentRound | None:
    """The open comment round of a document; refused after its deadline, but for editors."""
    if not subject.is_document:
        return None
    current = open_round(subject.obj)
    if current is not None and current.deadline_passed(now):
        if not policy.can(actor, subject.manage_action, subject.obj):
            raise ServiceError(
                _(
                    "De reactietermijn van deze commentaarronde is verstreken op %(date)s; "
                    "reageren kan niet meer.",
                    date=format_local(current.deadline),
                ),
                "body",
            )
    return current


def post_comment(
    on,
    *,
    body: str,
    actor,
    parent: Comment | None = None,
    paragraph: int | None = None,
    location: str = "",
    now: datetime | None = None,
) -> Posted:
    """A new thread on a document or action item (`on`), or a reply in one; the caller
    checked `document.comment` or `action_item.comment`."""
    subject = subject_of(on)
    now = now or utcnow()
    body = _clean_body(body)
    current = _check_accepts_comments(subject, actor, now=now)
    if parent is not None:
        if subject_of(parent) != subject or not parent.is_thread:
            raise ServiceError(_("Antwoord op een reactie bij dit document."), "body")
        paragraph, location = None, ""
    comment = Comment(
        version_number=subject.latest_number,
        parent_id=parent.id if parent else None,
        round_id=(parent.round_id if parent else current.id if current else None),
        paragraph=_check_paragraph(subject, paragraph),
        location=(location or "").strip()[:100] if subject.is_document else "",
        body=body,
        author_id=actor.id,
        organisation_id=_author_organisation(actor, current),
        created_at=now,
    )
    subject.attach(comment)
    db.session.add(comment)
    db.session.flush()
    if parent is not None and parent.resolved_at is not None:
        parent.resolved_at, parent.resolved_by_id = None, None  # a new reply reopens the thread
    audit.record(
        "comment.created",
        actor=actor,
        target=comment,
        space_id=subject.space.id,
        details={**_about(comment), "parent": comment.parent_id, "round": comment.round_id},
    )
    if parent is not None:
        _notify_about(comment, _thread_people(parent), NotificationKind.REPLY, actor=actor)
    not_notified = _mention(comment, richtext.find_mentions(body), actor=actor)
    return Posted(comment, not_notified)


def _about(comment: Comment) -> dict:
    """The audit details that name what the comment is on."""
    subject = subject_of(comment)
    return {subject.kind: subject.obj.id}


def _check_paragraph(subject: Subject, paragraph: int | None) -> int | None:
    if paragraph is None or paragraph == 0:
        return None
    if not subject.is_text or paragraph < 0:
        raise ServiceError(_("Kies een alinea van dit concept."), "paragraph")
    from ..documents.drafts import read_text

    if paragraph > len(richtext.paragraphs(read_text(subject.obj.latest))):
        raise ServiceError(_("Kies een alinea van dit concept."), "paragraph")
    return paragraph


def _thread_people(thread: Comment) -> list[User]:
    """The thread's author and everyone who replied in it."""
    author_ids = select(Comment.author_id).where(
        (Comment.id == thread.id) | (Comment.parent_id == thread.id)
    )
    return db.session.scalars(select(User).where(User.id.in_(author_ids))).all()


def edit_comment(comment: Comment, *, body: str, actor, now: datetime | None = None) -> Posted:
    """The author changes their text; the earlier text is kept and stays readable."""
    now = now or utcnow()
    body = _clean_body(body)
    if body == comment.body:
        return Posted(comment)
    _check_accepts_comments(subject_of(comment), actor, now=now)
    before = set(richtext.find_mentions(comment.body))
    comment.revisions.append(
        CommentRevision(body=comment.body, written_at=comment.edited_at or comment.created_at)
    )
    comment.body = body
    comment.edited_at = now
    audit.record(
        "comment.edited",
        actor=actor,
        target=comment,
        space_id=subject_of(comment).space.id,
        details=_about(comment),
    )
    new_mentions = [a for a in richtext.find_mentions(body) if a not in before]
    return Posted(comment, _mention(comment, new_mentions, actor=actor))


def delete_comment(comment: Comment, *, actor) -> None:
    """The text goes; a tombstone keeps the thread's replies in place."""
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.revisions.clear()
    audit.record(
        "comment.deleted",
        actor=actor,
        target=comment,
        space_id=subject_of(comment).space.id,
        details=_about(comment),
    )


def set_resolved(comment: Comment, resolved: bool, *, actor) -> None:
    if resolved == (comment.resolved_at is not None):
        return
    comment.resolved_at = utcnow() if resolved else None
    comment.resolved_by_id = actor.id if resolved else None
    audit.record(
        "comment.resolved" if resolved else "comment.reopened",
        actor=actor,
        target=comment,
        space_id=subject_of(comment).space.id,
        details=_about(comment),
    )


def respond(comment: Comment, *, response: str, decision: Decision | None, actor) -> None:
    """The editors' answer and decision on a thread: a row of the comment table."""
    response = (response or "").strip()
    if len(response) > MAX_BODY:
        raise ServiceError(
            _("Een antwoord is hoogstens %(n)d tekens lang.", n=MAX_BODY), "response"
        )
    if decision is None and not response:
        raise ServiceError(_("Schrijf een antwoord of kies een besluit."), "response")
    decided = decision is not None and decision != comment.decision
    comment.response = response
    comment.decision = decision
    comment.responded_at = utcnow()
    comment.responded_by_id = actor.id
    audit.record(
        "comment.answered",
        actor=actor,
        target=comment,
        space_id=subject_of(comment).space.id,
        details={**_about(comment), "decision": decision and decision.value},
    )
    if decided and comment.author is not None and not comment.is_deleted:
        _notify_about(comment, [comment.author], NotificationKind.DECISION, actor=actor)


# --- comment rounds --------------------------------------------------------------------------


def end_of_day(day) -> datetime:
    """A deadline date means the end of that day in Dutch time, stored as naive UTC."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TIME)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def format_local(moment: datetime) -> str:
    """A deadline as the round and the dashboard both say it: "17 december 2026"."""
    return date_long(moment)


def round_candidates(document: Document) -> list[Organisation]:
    """The organisations that may be invited: those of the space (and of the narrowing)."""
    space_id = document.space_id
    grants = select(SpaceGrant).where(SpaceGrant.space_id == space_id)
    network = db.session.scalar(
        select(func.count()).select_from(
            grants.where(SpaceGrant.principal_type == PrincipalType.NETWORK).subquery()
        )
    )
    query = select(Organisation).where(Organisation.active.is_(True))
    if not network:
        org_grants = select(SpaceGrant.organisation_id).where(
            SpaceGrant.space_id == space_id, SpaceGrant.organisation_id.is_not(None)
        )
        user_orgs = select(Membership.organisation_id).where(
            Membership.user_id.in_(
                select(SpaceGrant.user_id).where(
                    SpaceGrant.space_id == space_id, SpaceGrant.user_id.is_not(None)
                )
            )
        )
        query = query.where(Organisation.id.in_(org_grants) | Organisation.id.in_(user_orgs))
    if document.narrowing:
        query = query.where(Organisation.id.in_([n.organisation_id for n in document.narrowing]))
    return db.session.scalars(query.order_by(Organisation.name)).all()


def _check_invited(document: Document, organisation_ids: list[int]) -> list[int]:
    chosen = sorted(set(organisation_ids))
    if not chosen:
        raise ServiceError(_("Kies ten minste één organisatie."), "organisations")
    allowed = {o.id for o in round_candidates(document)}
    if any(o not in allowed for o in chosen):
        raise ServiceError(
            _("Nodig alleen organisaties uit die het document kunnen lezen."), "organisations"
        )
    return chosen


def _check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise ServiceError(_("Kies een termijn die nog niet voorbij is."), "deadline")


def start_round(
    document: Document,
    *,
    deadline: datetime,
    organisation_ids: list[int],
    message: str = "",
    actor,
    now: datetime | None = None,
) -> CommentRound:
    """Open a comment round on a draft and invite organisations; the caller checked
    `document.manage_drafts`."""
    now = now or utcnow()
    # Two editors opening a round at once: the second waits, then finds the first's round.
    documents.lock_document(document)
    if document.status != DocumentStatus.CONCEPT:
        raise ServiceError(
            _("Een commentaarronde opent u op een concept; dit document is al verder."),
            "deadline",
        )
    _check_deadline(deadline, now)
    chosen = _check_invited(document, organisation_ids)
    number = 1 + (
        db.session.scalar(
            select(func.max(CommentRound.number)).where(CommentRound.document_id == document.id)
        )
        or 0
    )
    comment_round = CommentRound(
        document_id=document.id,
        document=document,
        number=number,
        version_number=document.latest_number,
        message=(message or "").strip()[:5000],
        deadline=deadline,
        opened_at=now,
        opened_by_id=actor.id,
        invitations=[RoundInvitation(organisation_id=o) for o in chosen],
    )
    db.session.add(comment_round)
    db.session.flush()
    documents.set_status(document, DocumentStatus.IN_CONSULTATIE, actor=actor, round_number=number)
    audit.record(
        "comment_round.opened",
        actor=actor,
        target=comment_round,
        space_id=document.space_id,
        details={"document": document.id, "deadline": deadline.isoformat(), "invited": chosen},
    )
    _notify_round(
        comment_round,
        _invited_readers(comment_round),
        NotificationKind.ROUND_INVITATION,
        actor=actor,
    )
    return comment_round


def _invited_readers(comment_round: CommentRound, organisation_ids=None) -> list[User]:
    ids = organisation_ids if organisation_ids is not None else comment_round.invited_ids
    members = select(Membership.user_id).where(Membership.organisation_id.in_(ids))
    subject = subject_of(comment_round.document)
    return _readers_among(subject, select(User).where(User.id.in_(members)))


def _notify_round(comment_round, users, kind: NotificationKind, *, actor) -> None:
    document = comment_round.document
    for user in users:
        notify(
            user,
            kind=kind,
            subject_type="comment_round",
            subject_id=comment_round.id,
            url=f"/documenten/{document.id}",
            title=document.title,
            excerpt=_(
                "Reageren kan tot en met %(date)s.", date=format_local(comment_round.deadline)
            ),
            actor=actor,
            confidential=subject_of(document).confidential,
        )


def extend_round(comment_round: CommentRound, *, deadline: datetime, actor, now=None) -> None:
    now = now or utcnow()
    if not comment_round.is_open:
        raise ServiceError(_("Deze commentaarronde is al gesloten."), "deadline")
    _check_deadline(deadline, now)
    if deadline <= comment_round.deadline:
        raise ServiceError(_("Een verlenging ligt na de huidige termijn."), "deadline")
    before = comment_round.deadline
    comment_round.deadline = deadline
    comment_round.reminded_at = None
    audit.record(
        "comment_round.extended",
        actor=actor,
        target=comment_round,
        space_id=comment_round.document.space_id,
        details={"before": before.isoformat(), "after": deadline.isoformat()},
    )


def close_round(comment_round: CommentRound, *, actor, now=None) -> None:
    """Close the round (also before its deadline); the draft is a concept again."""
    if not comment_round.is_open:
        raise ServiceError(_("Deze commentaarronde is al gesloten."), "deadline")
    comment_round.closed_at = now or utcnow()
    comment_round.closed_by_id = actor.id
    document = comment_round.document
    documents.set_status(
        document, DocumentStatus.CONCEPT, actor=actor, round_number=comment_round.number
    )
    audit.record(
        "comment_round.closed",
        actor=actor,
        target=comment_round,
        space_id=document.space_id,
        details={"document": document.id, "early": utcnow() < comment_round.deadline},
    )


def round_progress(comment_round: CommentRound) -> list[tuple[Organisation, int]]:
    """Per invited organisation, how many threads it wrote in the round (one query)."""
    counts = dict(
        db.session.execute(
            select(Comment.organisation_id, func.count())
            .where(
                Comment.round_id == comment_round.id,
                Comment.parent_id.is_(None),
                Comment.deleted_at.is_(None),
            )
            .group_by(Comment.organisation_id)
        ).all()
    )
    return [(i.organisation, counts.get(i.organisation_id, 0)) for i in comment_round.invitations]


def send_round_reminders(now: datetime | None = None) -> int:
    """Remind invited organisations that have not commented, once, before the deadline;
    returns the number of notifications made. For cron (`flask neig send-reminders`); the
    caller commits."""
    now = now or utcnow()
    due = db.session.scalars(
        select(CommentRound)
        .where(
            CommentRound.closed_at.is_(None),
            CommentRound.reminded_at.is_(None),
            CommentRound.deadline > now,
            CommentRound.deadline <= now + REMINDER_BEFORE,
        )
        .options(selectinload(CommentRound.invitations))
    ).all()
    sent = 0
    for comment_round in due:
        silent = [org.id for org, count in round_progress(comment_round) if count == 0]
        users = _invited_readers(comment_round, silent) if silent else []
        _notify_round(comment_round, users, NotificationKind.ROUND_DEADLINE, actor=None)
        comment_round.reminded_at = now
        sent += len(users)
    return sent


# --- reading threads -------------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment]


def threads(on) -> list[Thread]:
    """The threads on a document or action item with their replies, oldest first, in a fixed
    number of queries."""
    comments = db.session.scalars(
        select(Comment)
        .where(subject_of(on).comments_clause())
        .order_by(Comment.created_at, Comment.id)
        .options(
            selectinload(Comment.author),
            selectinload(Comment.organisation),
            subqueryload(Comment.revisions),  # one query, however many comments
            selectinload(Comment.responded_by),
        )
    ).all()
    by_id = {c.id: Thread(c, []) for c in comments if c.parent_id is None}
    for c in comments:
        if c.parent_id is not None and c.parent_id in by_id:
            by_id[c.parent_id].replies.append(c)
    return list(by_id.values())


# --- the comment table -----------------------------------------------------------------------


def _label(comment: Comment) -> str:
    return str(comment.paragraph) if comment.paragraph else comment.location


def comment_table(comment_round: CommentRound):
    """The round's threads as the rows of a comment table, ordered by paragraph."""
    from . import export

    def name(user_or_org) -> str:
        return user_or_org.name if user_or_org is not None else ""

    rows = []
    found = threads(comment_round.document)
    bodies = [c.body for t in found for c in (t.comment, *t.replies)]
    names = mention_names(comment_round.document, bodies)

    def text(body: str) -> str:
        return richtext.plain_text(body, mentions=names)

    for thread in found:
        comment = thread.comment
        if comment.round_id != comment_round.id or comment.is_deleted:
            continue
        replies = tuple(
            f"{name(r.author)} ({name(r.organisation)}): {text(r.body)}"
            for r in thread.replies
            if not r.is_deleted
        )
        rows.append(
            export.CommentTableRow(
                paragraph=_label(comment),
                organisation=name(comment.organisation),
                commenter=name(comment.author),
                comment=text(comment.body),
                response=richtext.plain_text(comment.response) if comment.response else "",
                decision=str(DECISION_LABELS[comment.decision]) if comment.decision else "",
                version=comment.version_number,
                created_at=comment.created_at,
                replies=replies,
            )
        )
    rows.sort(key=lambda row: export.sort_key(row.paragraph))
    return export.CommentTable(
        title=comment_round.document.title,
        round_label=_(
            "Commentaarronde %(n)d, geopend %(opened)s, termijn tot en met %(deadline)s",
            n=comment_round.number,
            opened=format_local(comment_round.opened_at),
            deadline=format_local(comment_round.deadline),
        ),
        generated_at=utcnow(),
        rows=rows,
    )


def record_export(comment_round: CommentRound, fmt: str, *, actor) -> None:
    audit.record(
        "comment_round.exported",
        actor=actor,
        target=comment_round,
        space_id=comment_round.document.space_id,
        details={"document": comment_round.document_id, "format": fmt},
    )
