"""What the document pages share (`views` and `draft_views`): folder and narrowing choices, a
folder of the space or 404, the logged read of a confidential document, and the page a missing
blob gets."""

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit import service as audit
from ..extensions import db
from ..organisations.models import Organisation
from ..spaces.models import PrincipalType, Space, SpaceGrant
from .models import Document, DocumentVersion, Folder


def _folders(space: Space) -> list[Folder]:
    return db.session.scalars(
        select(Folder)
        .where(Folder.space_id == space.id, Folder.deleted_at.is_(None))
        .order_by(Folder.name)
    ).all()


def _folder_choices(space: Space):
    return [(0, _("(hoofdmap)"))] + [(f.id, f.name) for f in _folders(space)]


def _space_organisations(space: Space):
    """Organisations with an organisation grant in the space: the choices for narrowing."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(SpaceGrant, SpaceGrant.organisation_id == Organisation.id)
        .where(
            SpaceGrant.space_id == space.id,
            SpaceGrant.principal_type.in_(
                [PrincipalType.ORGANISATION, PrincipalType.ORGANISATION_ADMINS]
            ),
        )
        .distinct()
        .order_by(Organisation.name)
    ).all()
    return [(org_id, name) for org_id, name in rows]


def _folder_or_404(space: Space, folder_id: int | None) -> Folder | None:
    if not folder_id:
        return None
    folder = db.session.scalar(
        select(Folder).where(
            Folder.id == folder_id, Folder.space_id == space.id, Folder.deleted_at.is_(None)
        )
    )
    if folder is None:
        abort(404)
    return folder


def _audit_confidential_view(document: Document, space: Space) -> None:
    if document.classification.needs_mfa or space.requires_mfa:
        audit.record("document.viewed", actor=current_user, target=document, space_id=space.id)
        db.session.commit()


def blob_unavailable_page(document: Document, version: DocumentVersion):
    page = render_template("documents/blob_unavailable.html", document=document, version=version)
    return page, 503
