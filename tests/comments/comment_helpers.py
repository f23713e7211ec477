"""A working group with a text draft: the set-up the comment and round tests share.

The space "Werkgroep nazorg" has Gemeente Rotterdam as contributor, the police, the OM and the
housing corporation as viewers, the secretariat's organisation as viewer, and org_admin_a as
editor. Gemeente Amsterdam (member_b) has no grant at all.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.comments import service as comments
from neig_workspace.comments.models import Comment, CommentRound
from neig_workspace.documents import drafts
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.helpers import hidden_fields

DRAFT = """# Kader nazorg na een explosie

De gemeente stuurt binnen 24 uur een bewonersbrief.

De woningcorporatie neemt contact op met de huurders.

- buurtbijeenkomst binnen een week
- herstel van schade
"""


@dataclass
class Setup:
    space_id: int
    document_id: int


def working_group(app, personas, *, classification=Classification.INTERN, text=DRAFT) -> Setup:
    with app.app_context():
        org = lambda key: db.session.get(Organisation, personas.orgs[key])  # noqa: E731
        editor = db.session.get(User, personas.org_admin_a.id)
        space = spaces.create_space(
            kind=SpaceKind.SHARED,
            name="Werkgroep nazorg",
            description="",
            classification=classification,
            actor=None,
        )
        db.session.flush()
        grants = [
            ("gemeente_a", SpaceRole.CONTRIBUTOR),
            ("politie", SpaceRole.VIEWER),
            ("om", SpaceRole.VIEWER),
            ("corporatie", SpaceRole.VIEWER),
            ("secretariaat", SpaceRole.VIEWER),
        ]
        for key, role in grants:
            spaces.add_grant(
                space, PrincipalType.ORGANISATION, role, organisation=org(key), actor=None
            )
        spaces.add_grant(space, PrincipalType.USER, SpaceRole.EDITOR, user=editor, actor=None)
        document = drafts.create_text_draft(
            space, title="Kader nazorg", text=text, classification=classification, actor=editor
        )
        db.session.commit()
        return Setup(space.id, document.id)


def open_round_for(app, personas, document_id, orgs=("politie", "om", "corporatie"), days=14):
    with app.app_context():
        from neig_workspace.documents.models import Document

        document = db.session.get(Document, document_id)
        actor = db.session.get(User, personas.org_admin_a.id)
        comment_round = comments.start_round(
            document,
            deadline=utcnow() + timedelta(days=days),
            organisation_ids=[personas.orgs[k] for k in orgs],
            actor=actor,
        )
        db.session.commit()
        return comment_round.id


def move_deadline(app, round_id, delta: timedelta) -> None:
    """Time travel: the round's deadline moves relative to now."""
    with app.app_context():
        comment_round = db.session.get(CommentRound, round_id)
        comment_round.deadline = utcnow() + delta
        db.session.commit()


def post(client, path, data, *, token_from):
    """POST like a browser: with the hidden fields of the form at `token_from`."""
    return client.post(path, data={**hidden_fields(client, token_from), **data})


def comment_http(client, document_id, body, **fields):
    path = f"/documenten/{document_id}"
    return post(
        client,
        f"{path}/reacties",
        {"body": body, "paragraph": "0", "location": "", **fields},
        token_from=path,
    )


def reply_http(client, document_id, thread_id, body):
    path = f"/documenten/{document_id}"
    return post(
        client,
        f"/reacties/{thread_id}/antwoorden",
        {f"antwoord-{thread_id}-body": body},
        token_from=path,
    )


def comments_of(app, document_id) -> list[Comment]:
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).where(Comment.document_id == document_id).order_by(Comment.id)
        ).all()
        db.session.expunge_all()
        return rows


def notifications_of(app, persona) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.user_id == persona.id).order_by(Notification.id)
        ).all()
        db.session.expunge_all()
        return rows


def actions_logged(app, prefix: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like(f"{prefix}%"))
            .order_by(AuditEvent.id)
        ).all()


def space_of(app, space_id) -> Space:
    with app.app_context():
        return db.session.get(Space, space_id)
