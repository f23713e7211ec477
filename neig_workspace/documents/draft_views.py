"""Text drafts written in the app, their versions compared, and a document's status."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import richtext
from ..access.policy import load_or_404
from ..comments.models import Comment
from ..editing import Edit
from ..extensions import db
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..integers import form_int, query_int
from ..spaces.models import Classification, Space
from . import drafts, service
from .blueprint import bp
from .forms import StatusForm, TextDraftForm, TextVersionForm
from .models import Document, DocumentStatus, DocumentVersion
from .view_helpers import (
    _audit_confidential_view,
    _folder_choices,
    _folder_or_404,
    _space_organisations,
    blob_unavailable_page,
)


@bp.app_errorhandler(drafts.TextUnavailable)
def _text_unavailable(error: drafts.TextUnavailable):
    db.session.rollback()
    current_app.logger.error("Blob %s of a text draft is missing", error.version.sha256)
    document = db.session.get(Document, error.version.document_id)
    return blob_unavailable_page(document, error.version)


def _wants_preview() -> bool:
    return "voorbeeld" in request.form


def text_context(document: Document) -> dict:
    """The text of the version asked for (?versie=N, else the newest), in numbered paragraphs
    with the number of comments made on each."""
    if not document.is_text:
        return {"text_version": None}
    number = query_int("versie", document.latest_number)
    version = _version(document, number) if number != document.latest_number else document.latest
    paragraphs = richtext.paragraphs(drafts.read_text(version))
    counts = dict(
        db.session.execute(
            select(Comment.paragraph, func.count())
            .where(
                Comment.document_id == document.id,
                Comment.version_number == version.number,
                Comment.parent_id.is_(None),
                Comment.paragraph.is_not(None),
                Comment.deleted_at.is_(None),
            )
            .group_by(Comment.paragraph)
        ).all()
    )
    return {"text_version": version, "paragraphs": paragraphs, "paragraph_counts": counts}


def _version(document: Document, number: int) -> DocumentVersion:
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


def _draft_form(space: Space, formdata=None) -> TextDraftForm:
    form = TextDraftForm(
        formdata=formdata,
        data=None
        if formdata is not None
        else {
            "classification": space.classification.value,
            "folder": query_int("map", 0),
        },
    )
    form.folder.choices = _folder_choices(space)
    form.narrowing.choices = _space_organisations(space)
    return form


@bp.route("/werkruimtes/<int:space_id>/concepten/nieuw", methods=["GET", "POST"])
@login_required
def new_text(space_id):
    """Write a new text draft in the app (Markdown), with a preview before saving."""
    space = load_or_404(Space, space_id, "space.upload")
    posted = request.method == "POST"
    if posted:
        _folder_or_404(space, form_int("folder"))
    form = _draft_form(space, request.form if posted else None)
    preview = None
    if posted and form.validate():
        if _wants_preview():
            preview = richtext.paragraphs(form.text.data)
        else:
            document = run_use_case(
                form,
                lambda: drafts.create_text_draft(
                    space,
                    title=form.title.data,
                    text=form.text.data,
                    folder=_folder_or_404(space, form.folder.data),
                    classification=Classification(form.classification.data),
                    narrowing=form.narrowing.data,
                    actor=current_user,
                ),
                success=_("Het concept is opgeslagen als versie 1."),
            )
            if document is not REFUSED:
                return redirect(url_for(".show", document_id=document.id))
    status = 422 if posted and preview is None else 200
    return render_template(
        "documents/text_new.html", space=space, form=form, preview=preview
    ), status


@bp.route("/documenten/<int:document_id>/tekst", methods=["GET", "POST"])
@login_required
def edit_text(document_id):
    """Edit a text draft: saving makes a new version; every earlier one is kept."""
    document = load_or_404(Document, document_id, "document.edit_text")
    posted = request.method == "POST"
    if not posted:  # the form shows the text: a read, logged where opening the document is
        _audit_confidential_view(document, db.session.get(Space, document.space_id))
    form = TextVersionForm(
        formdata=request.form if posted else None,
        data=None if posted else _text_values(document),
    )
    edit = Edit(form, document, lambda: _text_values(document))
    preview = None
    if posted and form.validate():
        if _wants_preview():
            preview = richtext.paragraphs(form.text.data)
        else:
            version = edit.save(
                lambda: drafts.save_text_version(document, form.text.data, actor=current_user)
            )
            if version is not REFUSED:
                if version is None:
                    flash(_("De tekst is niet gewijzigd; er is geen nieuwe versie."), "info")
                else:
                    flash(_("Versie %(n)d is opgeslagen.", n=version.number), "success")
                return redirect(url_for(".show", document_id=document.id))
    status = edit.status if preview is None else 200
    return render_template(
        "documents/text_edit.html", document=document, form=form, preview=preview
    ), status


def _text_values(document: Document) -> dict:
    """The newest text, as the form shows it to edit."""
    return {"text": drafts.read_text(document.latest)}


@bp.get("/documenten/<int:document_id>/vergelijken")
@login_required
def compare(document_id):
    """What changed between two versions of a text draft."""
    document = load_or_404(Document, document_id, "document.view")
    if not document.is_text or document.latest_number < 2:
        abort(404)
    new = query_int("naar", document.latest_number)
    old = query_int("van", max(new - 1, 1))
    old_version, new_version = _version(document, old), _version(document, new)
    blocks = richtext.diff(drafts.read_text(old_version), drafts.read_text(new_version))
    commit_side_effect(drafts.audit_compare, document, old, new, actor=current_user)
    return render_template(
        "documents/compare.html",
        document=document,
        old=old_version,
        new=new_version,
        blocks=blocks,
        numbers=range(1, document.latest_number + 1),
    )


@bp.post("/documenten/<int:document_id>/status")
@login_required
def change_status(document_id):
    """An editor adopts, archives or reopens the draft; the history shows it."""
    document = load_or_404(Document, document_id, "document.set_status")
    form = StatusForm.for_document(document)
    if not form.validate_on_submit():
        flash(_("Kies een status."), "error")
    elif form.status.data == document.status.value:
        flash(_("De status is niet gewijzigd."), "info")
    else:
        run_use_case(
            None,
            lambda: service.change_status(
                document, DocumentStatus(form.status.data), actor=current_user
            ),
            success=_("De status is gewijzigd."),
        )
    return redirect(url_for(".show", document_id=document.id))
