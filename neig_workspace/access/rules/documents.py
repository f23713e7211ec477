"""Documents: read through their space (a grant, not archived, MFA where the space or the
document's label needs it), minus narrowing, which only ever removes readers: a space manager
is not exempt. Contributors change their own documents, editors all of them."""

from sqlalchemy import ColumnElement, exists, false, select

from ...documents.models import Document, DocumentNarrowing
from ...spaces.models import SpaceKind
from ..mfa import MFA_CLASSIFICATIONS, session_has_mfa
from ..scope import (
    _active,
    _case_core_in_space,
    _in,
    _limited_case_space_ids,
    _member_org_ids,
    _member_orgs,
    _open_space_ids,
    _per_request,
)
from .spaces import _space_edit_all, _space_manage, _space_upload, _space_view, space_readers


def _narrowed_out(user, document: Document) -> bool:
    if not document.narrowing:
        # In a case, an organisation that is not core reads only what was given to it.
        return document.space.kind == SpaceKind.CASE and not _case_core_in_space(
            user, document.space_id
        )
    member_orgs = _member_org_ids(user)
    return not any(n.organisation_id in member_orgs for n in document.narrowing)


def _document_view(user, document: Document) -> bool:
    if document.deleted_at is not None or _narrowed_out(user, document):
        return False
    if document.classification.needs_mfa and not session_has_mfa():
        return False
    return _space_view(user, document.space)


def _document_see(user, document: Document) -> bool:
    return _document_view(user, document) or _document_in_trash_view(user, document)


def _document_edit(user, document: Document) -> bool:
    if not _document_view(user, document):
        return False
    if _space_edit_all(user, document.space):
        return True
    # An adopted or archived document is changed by editors only.
    if document.status.editors_only:
        return False
    return document.created_by_id == user.id and _space_upload(user, document.space)


def _document_in_trash_view(user, document: Document) -> bool:
    if document.deleted_at is None or _narrowed_out(user, document):
        return False
    if document.classification.needs_mfa and not session_has_mfa():
        return False
    return _space_view(user, document.space)


def _document_restore(user, document: Document) -> bool:
    if not _document_in_trash_view(user, document):
        return False
    if _space_edit_all(user, document.space):
        return True
    return document.created_by_id == user.id and _space_upload(user, document.space)


def _document_purge(user, document: Document) -> bool:
    return _document_in_trash_view(user, document) and _space_manage(user, document.space)


def _not_narrowed_out(user) -> ColumnElement[bool]:
    """EXISTS on the narrowing's (document, organisation) index; never a set of documents."""
    narrowed = select(DocumentNarrowing.document_id).where(
        DocumentNarrowing.document_id == Document.id
    )
    allowed = narrowed.where(_in(DocumentNarrowing.organisation_id, _member_orgs(user)))
    given_to_all = ~exists(narrowed) & Document.space_id.not_in(_limited_case_space_ids(user))
    return given_to_all | exists(allowed)


@_per_request
def visible_documents(user, *, in_trash: bool = False) -> ColumnElement[bool]:
    """Documents the user may read (or, with in_trash, see in the trash), in SQL."""
    if not _active(user):
        return false()
    deleted = Document.deleted_at.is_not(None) if in_trash else Document.deleted_at.is_(None)
    clause = _in(Document.space_id, _open_space_ids(user)) & deleted & _not_narrowed_out(user)
    if not session_has_mfa():
        clause = clause & Document.classification.not_in(MFA_CLASSIFICATIONS)
    return clause


@_per_request
def in_readable_document_spaces(user, space_id) -> ColumnElement[bool]:
    """`space_id`, a copy of a document's space (search's index rows keep one), names a space
    whose documents the user may read now: the part of visible_documents that such a copy can
    answer, to leave out rows before a document is looked up. Never the whole check:
    visible_documents still decides on the document itself. `space_id` is a column made once
    (the filter is kept under it across requests)."""
    if not _active(user):
        return false()
    return _in(space_id, _open_space_ids(user))


def document_readers(document: Document) -> ColumnElement[bool]:
    """Users who may read `document` (after an MFA login where it needs one), in SQL."""
    if document.deleted_at is not None:
        return false()
    return space_readers(document.space, [n.organisation_id for n in document.narrowing])


ACTIONS = {
    "document.see": (Document, _document_see),
    "document.view": (Document, _document_view),
    "document.download": (Document, _document_view),
    "document.edit": (Document, _document_edit),
    "document.delete": (Document, _document_edit),
    "document.restore": (Document, _document_restore),
    "document.purge": (Document, _document_purge),
}
VIEW_ACTION = {Document: "document.see"}
VISIBLE = {Document: lambda user: visible_documents(user)}
SUBJECTS = {"document": lambda user: select(Document.id).where(visible_documents(user))}
