"""The knowledge base, kennisbank: the views."""

from functools import partial

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import defer

from .. import richtext
from ..access import policy
from ..access.policy import can, not_found, require
from ..comments import service as comments
from ..comments.panel import comment_form
from ..comments.panel import panel as comments_panel
from ..comments.subjects import CommentSubject, register_subject
from ..documents import service as documents
from ..documents.service import Upload
from ..editing import Edit
from ..errors import ServiceError
from ..extensions import db
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..links import path_before_id
from ..organisations.forms import ORG_TYPE_LABELS
from ..organisations.models import Organisation
from ..pagination import paginate
from ..spaces.models import Space
from . import service
from .forms import (
    KIND_LABELS,
    SORT_LABELS,
    THEME_LABELS,
    ArticleForm,
    AttachExistingForm,
    AttachUploadForm,
    audience_value,
    kind_value,
    theme_value,
)
from .models import Article, ArticleKind, Theme

bp = Blueprint("knowledge", __name__, url_prefix="/kennisbank")


@bp.app_context_processor
def _labels():
    return {
        "article_kind_labels": KIND_LABELS,
        "article_theme_labels": THEME_LABELS,
    }


def _article(article_id: int, action: str) -> Article:
    return policy.load_or_404(Article, article_id, action)


# --- browsing ---------------------------------------------------------------------------------


def _filters() -> service.Filters:
    args = request.args
    sort = args.get("sorteer", "nieuw")
    return service.Filters(
        query=args.get("q", "").strip()[:100],
        kind=kind_value(args.get("soort", "")),
        theme=theme_value(args.get("thema", "")),
        audience=audience_value(args.get("partner", "")),
        sort=sort if sort in service.SORTS else "nieuw",
    )


@bp.get("/")
@login_required
def index():
    """The articles the user may read: browse by theme and kind, filter, search and sort."""
    require("knowledge.browse")
    filters = _filters()
    # The list shows each article's summary, never its body (it may be long): not read at all.
    query = service.browse_query(current_user, filters).options(defer(Article.body, raiseload=True))
    return render_template(
        "knowledge/index.html",
        page=paginate(query),
        # translated once for the page, not once for each article that shows them
        article_kind_labels=_translated(KIND_LABELS),
        article_theme_labels=_translated(THEME_LABELS),
        filters=filters,
        kinds=list(ArticleKind),
        themes=list(Theme),
        audience_labels=ORG_TYPE_LABELS,
        sort_labels=SORT_LABELS,
        may_create=can(current_user, "article.create"),
        article_path=path_before_id("knowledge.show", "article_id"),
    )


def _translated(labels: dict) -> dict:
    return {key: str(label) for key, label in labels.items()}


@bp.get("/archief")
@login_required
def archive():
    """Archived articles the user may bring back."""
    require("knowledge.browse")
    articles = service.archived_articles(current_user)
    return render_template("knowledge/archive.html", articles=articles)


# --- one article ------------------------------------------------------------------------------


def _render_show(article: Article, status: int = 200, **forms):
    may_attach = can(current_user, "article.attach", article)
    if may_attach:
        forms.setdefault("upload_form", AttachUploadForm(formdata=None))
        existing = forms.setdefault("link_form", AttachExistingForm(formdata=None))
        existing.document.choices = [
            (d.id, d.title) for d in service.attachable_documents(article, current_user)
        ]
    panel = forms.pop("comments", None) or comments_panel(article)
    return render_template(
        "knowledge/show.html",
        article=article,
        body=richtext.render(article.body),
        attachments=service.visible_attachments(article, current_user),
        marked_useful=service.has_marked_useful(article, current_user),
        audience_labels=ORG_TYPE_LABELS,
        may_attach=may_attach,
        comments=panel,
        **forms,
    ), status


@bp.get("/<int:article_id>")
@login_required
def show(article_id):
    """An article, its attachments and comments. Opening it counts once per reader per day."""
    article = _article(article_id, "article.view")
    if article.archived_at is None:
        commit_side_effect(service.record_view, article, current_user)
    return _render_show(article)


def _form_choices(form: ArticleForm, article: Article | None) -> None:
    if article is None:
        form.space.choices = [(s.id, s.name) for s in service.writable_spaces(current_user)]
        form.organisation.choices = [
            (o.id, o.name) for o in service.author_organisations(current_user)
        ]


def _input(form: ArticleForm) -> service.ArticleInput:
    return service.ArticleInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        kind=ArticleKind(form.kind.data),
        themes=[Theme(t) for t in form.themes.data],
        audiences=[a for a in (audience_value(v) for v in form.audiences.data or []) if a],
    )


def _create(form: ArticleForm):
    space = db.session.get(Space, form.space.data) if form.space.data else None
    organisation = (
        db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
    )
    if space is None or organisation is None:
        field = "space" if space is None else "organisation"
        raise ServiceError(_("Maak een keuze."), field=field)
    return service.create_article(space, organisation, _input(form), actor=current_user)


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """Write a new article in a knowledge space the user may write in."""
    require("article.create")
    form = ArticleForm()
    _form_choices(form, None)
    if form.validate_on_submit():
        article = run_use_case(form, lambda: _create(form), success=_("Het artikel is geplaatst."))
        if article is not REFUSED:
            return redirect(url_for(".show", article_id=article.id))
    status = 422 if request.method == "POST" else 200
    return render_template("knowledge/form.html", form=form, article=None), status


@bp.route("/<int:article_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(article_id):
    """Change an article (its author organisation, or the space's editors)."""
    article = _article(article_id, "article.edit")
    form = ArticleForm(data=_values(article)) if request.method == "GET" else ArticleForm()
    del form.space, form.organisation  # fixed once written
    edit = Edit(form, article, lambda: _values(article))
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.update_article(article, _input(form), actor=current_user),
            success=_("Het artikel is bijgewerkt."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", article_id=article.id))
    return render_template("knowledge/form.html", form=form, article=article), edit.status


def _values(article: Article) -> dict:
    """The article as its edit form shows it."""
    return {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "kind": article.kind.value,
        "themes": [t.value for t in article.themes],
        "audiences": [a.value for a in article.audiences],
    }


def _set_archived(article_id: int, archived: bool):
    article = _article(article_id, "article.archive")
    run_use_case(None, lambda: service.set_archived(article, archived, actor=current_user))
    return article


@bp.post("/<int:article_id>/archiveren")
@login_required
def archive_article(article_id):
    """Take an article out of the lists (its author organisation or a space manager)."""
    _set_archived(article_id, True)
    flash(_("Het artikel is gearchiveerd."), "success")
    return redirect(url_for(".archive"))


@bp.post("/<int:article_id>/terugzetten")
@login_required
def restore_article(article_id):
    """Bring an archived article back."""
    article = _set_archived(article_id, False)
    return redirect(url_for(".show", article_id=article.id))


@bp.post("/<int:article_id>/nuttig")
@login_required
def toggle_useful(article_id):
    """Mark the article as useful, or take the mark back."""
    article = _article(article_id, "article.mark_useful")
    run_use_case(None, lambda: service.toggle_useful(article, actor=current_user))
    return redirect(url_for(".show", article_id=article.id) + "#nuttig")


# --- attachments ------------------------------------------------------------------------------


@bp.post("/<int:article_id>/bijlagen")
@login_required
def attach_upload(article_id):
    """Upload a file into the article's space and attach it (checked and scanned there)."""
    article = _article(article_id, "article.attach")
    form = AttachUploadForm()
    upload = request.files.get("files")
    if not (form.validate_on_submit() and upload and upload.filename):
        return _render_show(article, 422, upload_form=form)
    status = 422

    def refused(error: ServiceError) -> None:
        nonlocal status
        if isinstance(error, documents.UploadRefused):  # an infected file, no scanner: audited
            documents.record_refusal(error, actor=current_user)
        if isinstance(error, documents.UploadTooLarge):
            status = 413

    done = run_use_case(
        form,
        lambda: service.attach_upload(
            article,
            Upload(upload.stream, upload.filename, upload.mimetype),
            title=form.title.data or "",
            actor=current_user,
        ),
        success=_("De bijlage is toegevoegd."),
        on_refusal=refused,
    )
    if done is REFUSED:
        return _render_show(article, status, upload_form=form)
    return redirect(url_for(".show", article_id=article.id) + "#bijlagen")


@bp.post("/<int:article_id>/bijlagen/koppelen")
@login_required
def attach_existing(article_id):
    """Attach a document that is already in the article's space."""
    article = _article(article_id, "article.attach")
    form = AttachExistingForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.attach_existing(article, form.document.data, actor=current_user),
            success=_("Het document is gekoppeld."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", article_id=article.id) + "#bijlagen")
    return _render_show(article, 422, link_form=form)


@bp.post("/<int:article_id>/bijlagen/<int:document_id>/ontkoppelen")
@login_required
def detach(article_id, document_id):
    """Take a document off the article; it stays in the space."""
    article = _article(article_id, "article.attach")
    if document_id not in {a.document_id for a in article.attachments}:
        not_found("article.attach", target=("document", document_id))
    run_use_case(None, lambda: service.detach(article, document_id, actor=current_user))
    return redirect(url_for(".show", article_id=article.id) + "#bijlagen")


# --- comments (the comments machinery, on an article) -----------------------------------------


@bp.post("/<int:article_id>/reacties")
@login_required
def comment(article_id):
    """A new thread on an article."""
    article = _article(article_id, "article.comment")
    form = comment_form(article, None, formdata=request.form)
    if form.validate():
        posted = run_use_case(
            form,
            lambda: comments.post_comment(article, body=form.body.data, actor=current_user),
            success=_("Uw reactie is geplaatst."),
        )
        if posted is not REFUSED:
            if posted.not_notified:
                who = ", ".join(posted.not_notified)
                flash(
                    _("Geen melding voor %(who)s: onbekend, of zonder toegang.", who=who), "warning"
                )
            return redirect(comments.comment_url(posted.comment))
    return _render_show(article, 422, comments=comments_panel(article, form=form))


@bp.get("/<int:article_id>/vermeldingen")
@login_required
def mentions(article_id):
    """Who can be mentioned: people who may read the article (for the autocomplete)."""
    article = _article(article_id, "article.comment")
    query = request.args.get("q", "")[:100]
    if len(query.strip()) < 2:
        return jsonify([])
    found = comments.mention_candidates(article, query, viewer=current_user)
    return jsonify([suggestion.as_json() for suggestion in found])


def _render_again(article: Article, **panel_overrides):
    """The article page again with a refused comment or reply kept (422)."""
    return _render_show(article, 422, comments=comments_panel(article, **panel_overrides))


register_subject(
    CommentSubject(
        kind="article",
        model=Article,
        comment_action="article.comment",
        manage_action="article.edit",
        load=partial(policy.load_or_404, Article),
        render_again=_render_again,
        url=lambda article: f"/kennisbank/{article.id}",
        post_url=lambda article: url_for("knowledge.comment", article_id=article.id),
        mentions_url=lambda article: url_for("knowledge.mentions", article_id=article.id),
    )
)
