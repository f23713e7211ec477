"""Set-up for the notification tests: spaces and documents through their services, and
notifications made through `notify()` as the features that call it do."""

import io

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import NotificationEmail, User
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.notifications import service as notifications
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from tests.conftest import db_ctx
from tests.documents.doc_helpers import pdf


def shared_space(app, personas, org_keys=("gemeente_a", "politie"), **space_fields) -> int:
    """A shared space whose given organisations' members contribute."""
    with app.app_context():
        space = spaces.create_space(
            SpaceKind.SHARED, "Aanpak Rotterdam-Zuid", actor=None, **space_fields
        )
        for key in org_keys:
            org = db.session.get(Organisation, personas.orgs[key])
            spaces.add_grant(
                space,
                PrincipalType.ORGANISATION,
                SpaceRole.CONTRIBUTOR,
                organisation=org,
                actor=None,
            )
        db.session.commit()
        return space.id


def document(app, space_id: int, persona, title: str = "Plan van aanpak", **fields) -> int:
    """A document uploaded by `persona` through the documents service."""
    with app.app_context():
        space = db.session.get(Space, space_id)
        actor = db.session.get(User, persona.id)
        upload = documents.Upload(io.BytesIO(pdf(title)), f"{title}.pdf", "application/pdf")
        doc = documents.upload_document(space, upload, title=title, actor=actor, **fields)
        db.session.commit()
        return doc.id


def send(
    app,
    recipient,
    document_id: int,
    *,
    actor=None,
    kind=NotificationKind.MENTION,
    excerpt="Kunt u naar alinea 3 kijken?",
    confidential=None,
    url=None,
) -> int | None:
    """notify() about a document, committed; returns the notification's id or None."""
    with app.app_context():
        doc = db.session.get(Document, document_id)
        result = notifications.notify(
            db.session.get(User, recipient.id),
            kind=kind,
            subject_type="document",
            subject_id=doc.id,
            url=url or f"/documenten/{doc.id}#reactie-1",
            title=doc.title,
            excerpt=excerpt,
            actor=db.session.get(User, actor.id) if actor else None,
            confidential=(doc.classification.needs_mfa if confidential is None else confidential),
        )
        db.session.commit()
        return result.id if result is not None else None


def set_preference(app, persona, preference: NotificationEmail) -> None:
    with app.app_context():
        db.session.get(User, persona.id).notification_email = preference
        db.session.commit()


def notification_rows(app, persona=None) -> list[Notification]:
    with db_ctx(app) as session:
        query = select(Notification).order_by(Notification.id)
        if persona is not None:
            query = query.where(Notification.user_id == persona.id)
        rows = session.scalars(query).all()
        session.expunge_all()
        return rows


__all__ = ["Classification", "NotificationEmail", "NotificationKind"]
