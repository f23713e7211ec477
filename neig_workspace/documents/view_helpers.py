"""What the document pages share (`views` and `draft_views`): folder and narrowing choices, a
folder of the space or 404, the logged read of a confidential document, and the page a missing
blob gets."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access.policy import load_child_or_404
from ..audit import service as audit
from ..extensions import db
from ..forms import commit_side_effect
from ..organisations.models import Organisation
from ..spaces.models import PrincipalType, Space, SpaceGrant
from . import queries
from .models import Document, DocumentVersion, Folder


def _folder_choices(space: Space):
    return [(0, _("(hoofdmap)"))] + [(f.id, f.name) for f in queries.folders(space)]


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


def _folder_or_404(
    space: Space, folder_id: int | None, action: str = "space.upload"
) -> Folder | None:
    """A folder of this space, not in the trash (None for the root); another space's folder is
    an audited refusal."""
    if not folder_id:
        return None
    return load_child_or_404(space, Folder, folder_id, action, where=(Folder.deleted_at.is_(None),))


def _audit_confidential_view(document: Document, space: Space) -> None:
    if document.classification.needs_mfa or space.requires_mfa:
        commit_side_effect(
            audit.record, "document.viewed", actor=current_user, target=document, space_id=space.id
        )


def blob_unavailable_page(document: Document, version: DocumentVersion):
    page = render_template("documents/blob_unavailable.html", document=document, version=version)
    return page, 503
