"""The SELECTs of the document lists: the policy's filter first, built here,
run by the views."""

from sqlalchemy import func, or_, select

from ..access.policy import visible_documents
from ..extensions import db
from ..spaces.models import Space
from .models import Document, DocumentVersion, Folder

#: The list's sort keys (?sorteer=) and their columns.
SORTS = {
    "naam": Document.title,
    "datum": Document.updated_at,
    "grootte": DocumentVersion.size,
    "uploader": Document.created_by_id,
}


def _with_latest_version():
    return select(Document).join(
        DocumentVersion,
        (DocumentVersion.document_id == Document.id)
        & (DocumentVersion.number == Document.latest_number),
    )


def same_name(user, space: Space, folder: Folder | None, filenames) -> dict[str, Document]:
    """lower-cased file name -> the document in the folder that `user` may read whose title or
    latest file has that name (a document hidden from the user does not count): one SELECT."""
    names = {name.lower() for name in filenames}
    found = db.session.scalars(
        _with_latest_version()
        .where(
            visible_documents(user),
            Document.space_id == space.id,
            Document.folder_id == folder.id if folder else Document.folder_id.is_(None),
            or_(
                func.lower(DocumentVersion.filename).in_(names),
                func.lower(Document.title).in_(names),
            ),
        )
        .options(db.contains_eager(Document.latest))
        .order_by(Document.id)
    ).all()
    matches: dict[str, Document] = {}
    for document in found:
        for key in (document.latest.filename.lower(), document.title.lower()):
            if key in names:
                matches.setdefault(key, document)
    return matches


def folder_documents(user, space: Space, folder: Folder | None, sort: str, descending: bool):
    """The documents of one folder (None: the root) that `user` may read, sorted by `sort`
    (the title for an unknown key): one SELECT for paginate."""
    column = SORTS.get(sort, Document.title)
    return (
        _with_latest_version()
        .where(
            visible_documents(user),
            Document.space_id == space.id,
            Document.folder_id == folder.id if folder else Document.folder_id.is_(None),
        )
        .options(
            db.contains_eager(Document.latest),
            db.joinedload(Document.created_by),
            db.selectinload(Document.narrowing),  # the "beperkt zichtbaar" flag, not a query a row
        )
        .order_by(column.desc() if descending else column, Document.id)
    )


def trash(user, space: Space):
    """What was deleted in the space that `user` may read, last deleted first: one SELECT."""
    return (
        select(Document)
        .where(visible_documents(user, in_trash=True), Document.space_id == space.id)
        # The restore and purge checks read each row's narrowing: one query, not one a row.
        .options(db.selectinload(Document.narrowing))
        .order_by(Document.deleted_at.desc(), Document.id)
    )


def folders(space: Space) -> list[Folder]:
    """The space's folders not in the trash, by name."""
    return db.session.scalars(
        select(Folder)
        .where(Folder.space_id == space.id, Folder.deleted_at.is_(None))
        .order_by(Folder.name)
    ).all()


def subfolders(space: Space, folder: Folder | None) -> list[Folder]:
    """The folders directly in `folder` (None: the root), not in the trash, by name."""
    return db.session.scalars(
        select(Folder)
        .where(
            Folder.space_id == space.id,
            Folder.deleted_at.is_(None),
            Folder.parent_id == folder.id if folder else Folder.parent_id.is_(None),
        )
        .order_by(Folder.name)
    ).all()
