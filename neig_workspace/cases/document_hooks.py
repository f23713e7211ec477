"""What casework adds to the documents of a case space, through documents' hooks
(`documents/hooks.py`): the legal basis on the upload form, the supplier and legal basis of
every document (originator.py), the supplier's approval before a document leaves its case by a
copy or a wider narrowing, and the supplier record gone with a purged document."""

from flask import Flask, request
from sqlalchemy import select

from ..documents import hooks
from ..extensions import db
from ..spaces.models import SpaceKind
from . import originator
from .legal_bases import active_legal_bases
from .models import CaseDocument


class CaseSpaceHooks(hooks.SpaceKindHooks):
    def prepare_upload_form(self, form, space) -> None:
        """The uploader names the legal basis, the case's by default."""
        case = originator.case_of_space(space.id)
        if case is None:
            super().prepare_upload_form(form, space)
            return
        form.legal_basis.choices = [(b.id, b.name) for b in active_legal_bases()]
        if not form.is_submitted() or "legal_basis" not in request.form:
            form.legal_basis.data = case.legal_basis_id  # the drop zone may post without it
        if not form.is_submitted():
            form.purpose.data = case.purpose

    def uploaded(self, document, space, *, actor, legal_basis_id, purpose="") -> None:
        originator.record_provenance(
            document, actor=actor, legal_basis_id=legal_basis_id, purpose=purpose
        )

    def narrowing_changing(self, document, before, after, *, actor) -> None:
        """Widening needs the supplier's approval."""
        originator.reshare_document(document, before, after, actor=actor)

    def copying_out(self, document, target, *, actor) -> None:
        originator.check_copy(document, target, actor=actor)

    def copied_in(self, original, copy, target, *, actor) -> None:
        originator.record_copy_provenance(original, copy, actor=actor)

    def purging(self, document) -> None:
        """The supplier record goes along (the disclosure register keeps who received the
        document); without this the delete fails on the foreign key."""
        db.session.execute(
            CaseDocument.__table__.delete().where(CaseDocument.document_id == document.id)
        )

    def provenance(self, documents) -> dict:
        """The supplier and legal basis of each case document among `documents` (one query)."""
        rows = db.session.scalars(
            select(CaseDocument)
            .where(CaseDocument.document_id.in_([d.id for d in documents]))
            .options(db.joinedload(CaseDocument.supplier), db.joinedload(CaseDocument.legal_basis))
        )
        return {row.document_id: row for row in rows}


def init_app(app: Flask) -> None:
    hooks.register(app, SpaceKind.CASE, CaseSpaceHooks())
