"""Comments and comment rounds: the thread under a document, answers, rounds and the table."""

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import richtext
from ..access.policy import can, load_or_404, require
from ..documents.drafts import read_text
from ..documents.models import Document
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..timeutil import utcnow
from . import export, service
from .forms import (
    DECISION_LABELS,
    EditCommentForm,
    ExtendForm,
    ResponseForm,
    RoundForm,
)
from .models import Comment, CommentRound, Decision
from .panel import comment_form, reply_form
from .subjects import subject_adapter, subject_of

bp = Blueprint("comments", __name__)


@bp.app_context_processor
def _labels():
    return {"decision_labels": DECISION_LABELS, "rich": richtext.render}


def _back_to(comment: Comment):
    return redirect(service.comment_url(comment))


def _show_again(on, **panel_overrides):
    """The page again with the refused form as typed and its message (422)."""
    subject = subject_of(on)
    return subject.adapter.render_again(subject.obj, **panel_overrides)


def _posted(posted: service.Posted):
    """Back to the comment, saying whom a mention did not reach."""
    _tell_not_notified(posted.not_notified)
    return _back_to(posted.comment)


def _tell_not_notified(addresses: list[str]) -> None:
    if addresses:
        flash(
            _(
                "Geen melding voor %(who)s: onbekend, of zonder toegang tot dit document.",
                who=", ".join(addresses),
            ),
            "warning",
        )


def _create(on):
    subject = subject_of(on)
    text = read_text(subject.obj.latest) if subject.is_text else None
    form = comment_form(subject.obj, text, formdata=request.form)
    if form.validate():
        posted = run_use_case(
            form,
            lambda: service.post_comment(
                subject,
                body=form.body.data,
                paragraph=form.paragraph.data or None,
                location=form.location.data or "",
                actor=current_user,
            ),
            success=_("Uw reactie is geplaatst."),
        )
        if posted is not REFUSED:
            return _posted(posted)
    return _show_again(subject, form=form)


def _load(kind: str, subject_id: int):
    """A subject to comment on, loaded through its adapter and the policy."""
    adapter = subject_adapter(kind)
    return adapter.load(subject_id, adapter.comment_action)


@bp.post("/documenten/<int:document_id>/reacties")
@login_required
def create(document_id):
    """A new thread on a document."""
    return _create(_load("document", document_id))


@bp.post("/actiepunten/<int:item_id>/reacties")
@login_required
def create_on_item(item_id):
    """A new thread on an action item."""
    return _create(_load("action_item", item_id))


def _comment(comment_id: int, action: str) -> Comment:
    return load_or_404(Comment, comment_id, action)


@bp.post("/reacties/<int:comment_id>/antwoorden")
@login_required
def reply(comment_id):
    """A reply in a thread."""
    thread = _comment(comment_id, "comment.view")
    subject = subject_of(thread)
    require(subject.comment_action, subject.obj)
    if not thread.is_thread:
        return _back_to(thread)
    form = reply_form(thread.id, formdata=request.form)
    if form.validate():
        posted = run_use_case(
            form,
            lambda: service.post_comment(
                subject, body=form.body.data, parent=thread, actor=current_user
            ),
            success=_("Uw antwoord is geplaatst."),
        )
        if posted is not REFUSED:
            return _posted(posted)
    return _show_again(subject, failed_reply=(thread.id, form))


@bp.route("/reacties/<int:comment_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    """The author changes their comment; earlier texts stay readable."""
    comment = _comment(comment_id, "comment.edit")
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        posted = run_use_case(
            form,
            lambda: service.edit_comment(comment, body=form.body.data, actor=current_user),
            success=_("Uw reactie is bijgewerkt."),
        )
        if posted is not REFUSED:
            return _posted(posted)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "comments/edit.html", comment=comment, subject=subject_of(comment), form=form
    ), status


@bp.post("/reacties/<int:comment_id>/verwijderen")
@login_required
def delete(comment_id):
    comment = _comment(comment_id, "comment.delete")
    run_use_case(
        None,
        lambda: service.delete_comment(comment, actor=current_user),
        success=_("Uw reactie is verwijderd."),
    )
    return _back_to(comment)


@bp.post("/reacties/<int:comment_id>/afhandelen")
@login_required
def resolve(comment_id):
    comment = _comment(comment_id, "comment.resolve")
    run_use_case(
        None,
        lambda: service.set_resolved(comment, True, actor=current_user),
        success=_("De discussie is afgehandeld."),
    )
    return _back_to(comment)


@bp.post("/reacties/<int:comment_id>/heropenen")
@login_required
def reopen(comment_id):
    comment = _comment(comment_id, "comment.resolve")
    run_use_case(
        None,
        lambda: service.set_resolved(comment, False, actor=current_user),
        success=_("De discussie is heropend."),
    )
    return _back_to(comment)


@bp.route("/reacties/<int:comment_id>/beantwoorden", methods=["GET", "POST"])
@login_required
def respond(comment_id):
    """The editors' answer and decision on a thread (the comment table's last columns)."""
    comment = _comment(comment_id, "comment.respond")
    form = ResponseForm(
        obj=comment, data={"decision": comment.decision.value if comment.decision else ""}
    )
    if form.validate_on_submit():
        answered = run_use_case(
            form,
            lambda: service.respond(
                comment,
                response=form.response.data or "",
                decision=Decision(form.decision.data) if form.decision.data else None,
                actor=current_user,
            ),
            success=_("Het antwoord is opgeslagen."),
        )
        if answered is not REFUSED:
            if request.args.get("terug") == "ronde" and comment.round_id:
                return redirect(url_for(".round_page", round_id=comment.round_id))
            return _back_to(comment)
    status = 422 if form.is_submitted() else 200
    names = service.mention_names(comment.document, [comment.body])
    return render_template(
        "comments/respond.html",
        comment=comment,
        document=comment.document,
        subject=subject_of(comment),
        form=form,
        mention_names=names,
    ), status


def _mentions(on):
    query = request.args.get("q", "")[:100]
    if len(query.strip()) < 2:
        return jsonify([])
    found = service.mention_candidates(on, query, viewer=current_user)
    return jsonify([suggestion.as_json() for suggestion in found])


@bp.get("/documenten/<int:document_id>/vermeldingen")
@login_required
def mentions(document_id):
    """Who can be mentioned: people who may read the document (for the autocomplete)."""
    return _mentions(_load("document", document_id))


@bp.get("/actiepunten/<int:item_id>/vermeldingen")
@login_required
def mentions_on_item(item_id):
    """Who can be mentioned on an action item: people who may see it."""
    return _mentions(_load("action_item", item_id))


# --- comment rounds -------------------------------------------------------------------------


def _round_form(document: Document, formdata=None) -> RoundForm:
    form = RoundForm(formdata=formdata)
    form.organisations.choices = [(o.id, o.name) for o in service.round_candidates(document)]
    return form


@bp.route("/documenten/<int:document_id>/commentaarronde", methods=["GET", "POST"])
@login_required
def start_round(document_id):
    """Open a comment round on a draft: a deadline, invited organisations, a message."""
    document = load_or_404(Document, document_id, "document.manage_drafts")
    form = _round_form(document, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        comment_round = run_use_case(
            form,
            lambda: service.start_round(
                document,
                deadline=service.end_of_day(form.deadline.data),
                organisation_ids=form.organisations.data,
                message=form.message.data or "",
                actor=current_user,
            ),
            success=_("De commentaarronde is geopend; de genodigden krijgen een melding."),
        )
        if comment_round is not REFUSED:
            return redirect(url_for(".round_page", round_id=comment_round.id))
    status = 422 if form.is_submitted() else 200
    return render_template("comments/start_round.html", document=document, form=form), status


def _round(round_id: int, action: str) -> CommentRound:
    return load_or_404(CommentRound, round_id, action)


@bp.get("/commentaarrondes/<int:round_id>")
@login_required
def round_page(round_id):
    """A round: who has commented, every thread with its answer, the exports."""
    comment_round = _round(round_id, "comment_round.view")
    document = comment_round.document
    threads = [t for t in service.threads(document) if t.comment.round_id == comment_round.id]
    threads.sort(key=lambda t: export.sort_key(_paragraph_label(t.comment)))
    return render_template(
        "comments/round.html",
        comment_round=comment_round,
        document=document,
        subject=subject_of(document),
        progress=service.round_progress(comment_round),
        threads=threads,
        mention_names=service.mention_names(document, [t.comment.body for t in threads]),
        extend_form=ExtendForm(),
        now=utcnow(),
        deadline_label=service.format_local(comment_round.deadline),
        may_manage=can(current_user, "comment_round.manage", comment_round),
    )


def _paragraph_label(comment: Comment) -> str:
    return str(comment.paragraph) if comment.paragraph else comment.location


@bp.post("/commentaarrondes/<int:round_id>/verlengen")
@login_required
def extend_round(round_id):
    comment_round = _round(round_id, "comment_round.manage")
    form = ExtendForm()
    if form.validate_on_submit():
        run_use_case(
            None,
            lambda: service.extend_round(
                comment_round,
                deadline=service.end_of_day(form.deadline.data),
                actor=current_user,
            ),
            success=_("De termijn is verlengd."),
        )
    else:
        flash(_("Kies een geldige datum voor de nieuwe termijn."), "error")
    return redirect(url_for(".round_page", round_id=comment_round.id))


@bp.post("/commentaarrondes/<int:round_id>/sluiten")
@login_required
def close_round(round_id):
    comment_round = _round(round_id, "comment_round.manage")
    run_use_case(
        None,
        lambda: service.close_round(comment_round, actor=current_user),
        success=_("De commentaarronde is gesloten."),
    )
    return redirect(url_for(".round_page", round_id=comment_round.id))


EXPORTS = {
    "csv": (export.to_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        export.to_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "docx": (
        export.to_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def _check_export_release(document: Document) -> None:
    """The table carries the document's text out of its case: a document another
    organisation supplied needs its approval (originator control); a refusal
    raises ReleaseNeeded, answered with 403 app-wide."""
    from ..cases import originator  # imported here: cases imports comments
    from ..cases.models import ReleaseAction

    item = originator.document_item(document)
    own = {m.organisation_id for m in current_user.memberships}
    if item is not None and item.supplier_id not in own:  # as the case export does
        originator.check_release(current_user, item, ReleaseAction.EXPORT)


@bp.get("/commentaarrondes/<int:round_id>/commentaartabel")
@login_required
def export_table(round_id):
    """The comment table as Word, Excel or CSV (?formaat=); every export is in the log."""
    comment_round = _round(round_id, "comment_round.manage")
    fmt = request.args.get("formaat", "docx")
    if fmt not in EXPORTS:
        return redirect(url_for(".round_page", round_id=comment_round.id))
    _check_export_release(comment_round.document)
    build, mimetype = EXPORTS[fmt]
    data = build(service.comment_table(comment_round))
    commit_side_effect(service.record_export, comment_round, fmt, actor=current_user)
    filename = f"commentaartabel-{comment_round.document_id}-ronde-{comment_round.number}.{fmt}"
    return Response(
        data,
        content_type=mimetype,  # complete with its charset: `mimetype=` would add a second
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
