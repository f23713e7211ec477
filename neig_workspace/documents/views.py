"""Documents in a space: list, upload, versions, download, metadata, move, copy, trash, search."""

import unicodedata
from functools import partial
from urllib.parse import quote, urlsplit

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import Headers

from ..access.policy import (
    can,
    case_document,
    load_or_404,
    not_found,
    require,
    visible_documents,
    visible_spaces,
)
from ..audit import service as audit
from ..audit.models import AuditEvent
from ..comments.panel import panel as comments_panel
from ..comments.subjects import CommentSubject, register_subject
from ..editing import Edit
from ..errors import ServiceError
from ..extensions import db
from ..forms import REFUSED, commit_side_effect, option_tags, run_use_case
from ..integers import form_int, query_int
from ..links import path_before_id
from ..pagination import asked_page, known_page, paginate
from ..search import hits as search_hits
from ..search import query as search_query
from ..spaces.forms import CLASSIFICATION_LABELS
from ..spaces.models import Classification, Space
from ..translated import translated
from . import hooks, queries, service
from .blueprint import bp
from .draft_views import text_context
from .extraction import TEXT_STATUS_LABELS
from .filetypes import TYPES, clean_filename
from .forms import (
    STATUS_LABELS,
    CopyForm,
    FolderForm,
    MetadataForm,
    MoveForm,
    StatusForm,
    UploadForm,
    VersionForm,
)
from .models import Document, DocumentStatus, DocumentVersion
from .s3_storage import StoreUnavailable
from .storage import BlobState, blob_key, is_storage_full
from .view_helpers import (
    _audit_confidential_view,
    _folder_choices,
    _folder_or_404,
    _space_organisations,
    blob_unavailable_page,
)

PREVIEWABLE = frozenset(t.mimetype for t in TYPES.values() if t.previewable)


@bp.app_context_processor
def _labels():
    return {
        "classification_labels": CLASSIFICATION_LABELS,
        "status_labels": STATUS_LABELS,
        "history_label": history_label,
    }


def _status_label(value: str | None) -> str:
    try:
        return str(STATUS_LABELS[DocumentStatus(value)])
    except ValueError:
        return value or ""


def history_label(event: AuditEvent) -> str:
    """One line of a document's history, in the reader's language."""
    details = event.details or {}
    if event.action == "document.status_changed":
        label = _(
            "status van ‘%(before)s’ naar ‘%(after)s’",
            before=_status_label(details.get("before")),
            after=_status_label(details.get("after")),
        )
        if details.get("round"):
            label += " " + _("(commentaarronde %(n)s)", n=details["round"])
        return label
    # Only the event's own line is translated, not every kind's for each event.
    labels = {
        "document.uploaded": lambda: _("versie %(n)s geüpload", n=details.get("version", 1)),
        "document.version_added": lambda: _(
            "versie %(n)s toegevoegd", n=details.get("version", "")
        ),
        "document.version_restored": lambda: _(
            "versie %(old)s teruggezet als versie %(n)s",
            old=details.get("from", ""),
            n=details.get("version", ""),
        ),
        "document.updated": lambda: _("gegevens gewijzigd"),
        "document.moved": lambda: _("verplaatst"),
        "document.restored": lambda: _("uit de prullenbak gehaald"),
        "document.narrowing_changed": lambda: _("zichtbaarheid gewijzigd"),
    }
    label = labels.get(event.action)
    return label() if label else event.action


@bp.get("/werkruimtes/<int:space_id>/documenten")
@login_required
def index(space_id):
    """The documents of one folder, paginated and sortable; folders first."""
    space = load_or_404(Space, space_id, "space.view")
    folder = _folder_or_404(space, query_int("map"), "space.view")
    folder_form = FolderForm(parent=folder.id if folder else 0)
    folder_form.parent.choices = _folder_choices(space)
    return _index_page(space, folder, folder_form)


def _index_page(space: Space, folder, folder_form: FolderForm, status: int = 200):
    """One folder's page; `folder_form` with its errors when a new folder was refused."""
    sort = request.args.get("sorteer", "naam")
    descending = request.args.get("volgorde") == "af"
    subfolders = queries.subfolders(space, folder)
    page = paginate(queries.folder_documents(current_user, space, folder, sort, descending))
    return render_template(
        "documents/index.html",
        space=space,
        folder=folder,
        subfolders=subfolders,
        page=page,
        sort=sort,
        descending=descending,
        folder_form=folder_form,
        document_path=path_before_id("documents.show", "document_id"),
        status_labels=translated(STATUS_LABELS),  # once for the list, not once per row
        # where each document came from, in a space whose kind shows it (a case space)
        provenance=hooks.for_space(space).provenance(page.items),
    ), status


def _provenance(documents: list[Document]) -> dict:
    """Where each of `documents` came from (a case document: its supplier and legal basis),
    shown wherever such a document is listed."""
    return hooks.provenance(documents)


def _upload_form(space: Space, formdata=None) -> UploadForm:
    form = (
        UploadForm(formdata)
        if formdata is not None
        else UploadForm(classification=space.classification.value, folder=query_int("map", 0))
    )
    form.folder.choices = _folder_choices(space)
    form.narrowing.choices = _space_organisations(space)
    # in a case space the uploader names the legal basis; elsewhere the field goes
    hooks.for_space(space).prepare_upload_form(form, space)
    return form


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/werkruimtes/<int:space_id>/documenten/uploaden", methods=["GET", "POST"])
@login_required
def upload(space_id):
    """Upload one or more files; each becomes a document (JSON answers for the drop zone)."""
    space = load_or_404(Space, space_id, "space.upload")
    if request.method == "POST":
        _folder_or_404(space, form_int("folder"))  # a guessed folder id: 404
    form = _upload_form(space, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        files = [f for f in request.files.getlist("files") if f and f.filename]
        if not files:
            form.files.errors = [_("Kies minstens één bestand.")]
        else:
            return _store_uploads(space, form, files)
    if _wants_json() and request.method == "POST":
        return jsonify(ok=False, errors=_form_messages(form)), 422
    status = 422 if request.method == "POST" else 200
    return render_template("documents/upload.html", space=space, form=form), status


def _store_uploads(space, form, files):
    folder = _folder_or_404(space, form.folder.data)
    refusals = []
    # Compared as the file will be stored: the name cleaned (no path, no control characters).
    names = {f.filename: clean_filename(f.filename) for f in files}
    existing = queries.same_name(current_user, space, folder, names.values())
    choice = form.same_name.data if form.same_name.data in ("version", "both") else None
    if existing and choice is None:
        return _ask_same_name(space, form, existing)

    def refused(error: ServiceError) -> None:
        refusals.append(error)
        _audit_refusal(error)

    def store(f):
        upload = service.Upload(f.stream, f.filename, f.mimetype)
        document = existing.get(names[f.filename].lower()) if choice == "version" else None
        if document is not None:
            if not can(current_user, "document.edit", document):
                raise ServiceError(
                    _(
                        "U mag geen nieuwe versie toevoegen aan ‘%(title)s’. Kies ‘Beide houden’.",
                        title=document.title,
                    ),
                    "same_name",
                )
            service.add_version(document, upload, actor=current_user)
            return document
        return service.upload_document(
            space,
            upload,
            folder=folder,
            description=form.description.data or "",
            tags=form.tags.data or "",
            classification=Classification(form.classification.data),
            narrowing=form.narrowing.data,
            legal_basis_id=_legal_basis(form),
            purpose=_purpose(form),
            actor=current_user,
        )

    def upload_all():  # all or nothing: a refusal rolls back the whole batch
        return [store(f) for f in files]

    documents = run_use_case(form, upload_all, on_refusal=refused)
    if documents is REFUSED:
        [error] = refusals
        status = 413 if isinstance(error, service.UploadTooLarge) else 422
        if _wants_json():
            return jsonify(ok=False, errors=[error.message]), status
        return render_template("documents/upload.html", space=space, form=form), status
    if _wants_json():
        _flash_uploaded(documents)  # shown on the folder the drop zone goes to next
        return jsonify(
            ok=True,
            documents=[
                {"id": d.id, "title": d.title, "url": url_for(".show", document_id=d.id)}
                for d in documents
            ],
        )
    _flash_uploaded(documents)
    return redirect(url_for(".index", space_id=space.id, map=folder.id if folder else None))


def _flash_uploaded(documents) -> None:
    """The success message, also after the drop zone's uploads (one request per file)."""
    if len(documents) == 1:
        flash(_("‘%(title)s’ is geüpload.", title=documents[0].title), "success")
    else:
        flash(
            ngettext("%(num)d document geüpload.", "%(num)d documenten geüpload.", len(documents)),
            "success",
        )


def _ask_same_name(space, form, existing: dict, status: int = 409):
    """A file has the name of a document in the folder: ask whether it is a new version of it
    or a document of its own, and upload nothing yet."""
    titles = ", ".join(f"‘{d.title}’" for d in {d.id: d for d in existing.values()}.values())
    question = _(
        "In deze map staat al een document met dezelfde naam: %(titles)s. Voegt u het bestand "
        "toe als nieuwe versie, of houdt u beide?",
        titles=titles,
    )
    if not form.same_name.errors:
        form.same_name.errors = [question]
    if _wants_json():
        choices = [{"value": value, "label": str(label)} for value, label in form.same_name.choices]
        return jsonify(
            ok=False, same_name=True, errors=list(form.same_name.errors), choices=choices
        ), status
    form.same_name.data = None
    return render_template(
        "documents/upload.html", space=space, form=form, ask_same_name=True
    ), status


def _legal_basis(form: UploadForm) -> int | None:
    """The legal basis named on the upload form (case spaces only)."""
    return form.legal_basis.data if "legal_basis" in form else None


def _purpose(form: UploadForm) -> str:
    """Why the document is shared (case spaces only; empty: the case's purpose)."""
    return (form.purpose.data or "") if "purpose" in form else ""


def _audit_refusal(error: ServiceError) -> None:
    """An infected file or an unreachable scanner is audited after the rollback, on its own."""
    if isinstance(error, service.UploadRefused):
        service.record_refusal(error, actor=current_user)


def _form_messages(form) -> list[str]:
    return [*form.form_errors, *(e for f in form for e in f.errors)]


@bp.post("/werkruimtes/<int:space_id>/mappen")
@login_required
def create_folder(space_id):
    """A new folder, in the root or in another folder."""
    space = load_or_404(Space, space_id, "space.upload")
    form = FolderForm()
    form.parent.choices = _folder_choices(space)
    valid = {value for value, _label in form.parent.choices}
    if form.validate_on_submit():
        parent = _folder_or_404(space, form.parent.data)
        folder = run_use_case(
            form,
            lambda: service.create_folder(space, form.name.data, parent, actor=current_user),
            success=lambda folder: _("De map %(name)s is gemaakt.", name=folder.name),
        )
        if folder is not REFUSED:
            return redirect(url_for(".index", space_id=space.id, map=folder.id))
    # refused: the page the form was on, the typed name kept and the reason next to it
    shown = _folder_or_404(space, form.parent.data if form.parent.data in valid else 0)
    return _index_page(space, shown, form, 422)


@bp.post("/werkruimtes/<int:space_id>/mappen/<int:folder_id>/verwijderen")
@login_required
def trash_folder(space_id, folder_id):
    """Move a folder with everything in it to the trash."""
    space = load_or_404(Space, space_id, "space.edit_all")
    folder = _folder_or_404(space, folder_id, "space.edit_all")
    if folder is None:  # 0 names the space's root, which is no folder to trash
        abort(404)
    run_use_case(
        None,
        lambda: service.trash_folder(folder, actor=current_user),
        success=_("De map %(name)s staat in de prullenbak.", name=folder.name),
    )
    return redirect(url_for(".index", space_id=space.id))


@bp.get("/documenten/<int:document_id>")
@login_required
def show(document_id):
    """A document: its metadata, versions, history, text and comments."""
    document = load_or_404(Document, document_id, "document.view")
    space = db.session.get(Space, document.space_id)
    _audit_confidential_view(document, space)
    return render_show(document)


def render_show(document: Document, *, status: int = 200, **panel_overrides):
    """The document page; a refused comment form comes back through `panel_overrides`."""
    space = db.session.get(Space, document.space_id)
    versions = db.session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .options(
            db.joinedload(DocumentVersion.created_by), db.joinedload(DocumentVersion.extracted)
        )
        .order_by(DocumentVersion.number.desc())
    ).all()
    if "latest" in inspect(document).unloaded:
        # The newest version is among those just loaded: no second SELECT for the page's
        # download button, the text and the comments panel.
        newest = next((v for v in versions if v.number == document.latest_number), None)
        set_committed_value(document, "latest", newest)
    return render_template(
        "documents/show.html",
        document=document,
        space=space,
        provenance=case_document(document),
        versions=versions,
        version_form=VersionForm(),
        status_form=StatusForm.for_document(document),
        history=_history(document),
        previewable=PREVIEWABLE,
        text_labels=TEXT_STATUS_LABELS,
        **text_context(document),
        comments=comments_panel(document, **panel_overrides),
    ), status


register_subject(
    CommentSubject(
        kind="document",
        model=Document,
        comment_action="document.comment",
        manage_action="document.manage_drafts",
        load=partial(load_or_404, Document),
        render_again=partial(render_show, status=422),
        url=lambda document: f"/documenten/{document.id}",
        post_url=lambda document: url_for("comments.create", document_id=document.id),
        mentions_url=lambda document: url_for("comments.mentions", document_id=document.id),
    )
)


#: What the document's history shows (the audit log holds more, e.g. every download).
HISTORY_ACTIONS = (
    "document.uploaded",
    "document.version_added",
    "document.version_restored",
    "document.updated",
    "document.status_changed",
    "document.moved",
    "document.restored",
    "document.narrowing_changed",
)


def _history(document: Document) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.target_type == "document",
            AuditEvent.target_id == str(document.id),
            AuditEvent.action.in_(HISTORY_ACTIONS),
        )
        .options(db.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(50)
    ).all()


@bp.route("/documenten/<int:document_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(document_id):
    """Title, description, tags, label, status and narrowing."""
    document = load_or_404(Document, document_id, "document.edit")
    space = db.session.get(Space, document.space_id)
    form = MetadataForm(data=_metadata_values(document))
    form.narrowing.choices = _space_organisations(space)
    edit = Edit(form, document, lambda: _metadata_values(document))
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.update_metadata(
                document,
                title=form.title.data,
                description=form.description.data or "",
                tags=form.tags.data or "",
                classification=Classification(form.classification.data),
                narrowing=form.narrowing.data,
                actor=current_user,
            ),
            success=_("De gegevens zijn opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", document_id=document.id))
    page = render_template("documents/edit.html", document=document, space=space, form=form)
    return page, edit.status


def _metadata_values(document: Document) -> dict:
    """The document's metadata as its edit form shows it."""
    return {
        "title": document.title,
        "description": document.description,
        "tags": ", ".join(document.tag_list),
        "classification": document.classification.value,
        "narrowing": [n.organisation_id for n in document.narrowing],
    }


@bp.post("/documenten/<int:document_id>/versies")
@login_required
def add_version(document_id):
    """Upload a new version; every earlier one is kept."""
    document = load_or_404(Document, document_id, "document.edit")
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if len(files) != 1:
        flash(_("Kies één bestand voor de nieuwe versie."), "error")
        return redirect(url_for(".show", document_id=document.id)), 303
    version = run_use_case(
        None,
        lambda: service.add_version(
            document, service.Upload(files[0].stream, files[0].filename), actor=current_user
        ),
        success=lambda version: _("Versie %(n)d is toegevoegd.", n=version.number),
        on_refusal=_audit_refusal,
    )
    if version is REFUSED:
        return redirect(url_for(".show", document_id=document.id)), 303
    return redirect(url_for(".show", document_id=document.id))


def _version_or_404(document: Document, number: int) -> DocumentVersion:
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


def _send_version(document: Document, version: DocumentVersion, *, inline: bool):
    mimetype = version.mimetype if inline else "application/octet-stream"
    store = service.store()
    prefix = current_app.config.get("DOWNLOAD_ACCEL_PREFIX")
    if store.kind == "s3":
        response = _send_from_s3(store, version, mimetype, inline=inline)
    elif prefix:
        response = _accel_redirect(prefix, version, mimetype, inline=inline)
    else:
        response = send_file(
            store.path(version.sha256),
            mimetype=mimetype,
            as_attachment=not inline,
            download_name=version.filename,
            etag=version.sha256,
            conditional=True,
            max_age=0,
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        # A preview may show a PDF or an image, and can never run script or reach out.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; object-src 'self'; base-uri 'none';"
            " frame-ancestors 'none'; sandbox"
        )
    return response


def _accel_redirect(prefix: str, version: DocumentVersion, mimetype: str, *, inline: bool):
    """Leave the bytes to nginx: an empty answer whose X-Accel-Redirect names the blob in an
    `internal` location (docs/deployment.md). nginx keeps these headers and serves ranges;
    the app answers a matching If-None-Match with 304 itself, as send_file would."""
    response = current_app.response_class(mimetype=mimetype)
    response.set_etag(version.sha256)
    if request.if_none_match.contains(version.sha256):
        response.status_code = 304
        return response
    response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + blob_key(version.sha256)
    response.headers.set(
        "Content-Disposition",
        "inline" if inline else "attachment",
        **_filename_parameters(version.filename),
    )
    return response


def _send_from_s3(store, version: DocumentVersion, mimetype: str, *, inline: bool):
    """A download from the object store: a 302 to a presigned URL that is valid S3_URL_EXPIRES
    seconds and makes the store answer with our Content-Type and Content-Disposition (ranges
    are the store's); with S3_DOWNLOAD=accel, an X-Accel-Redirect to that URL through nginx;
    or, with S3_DOWNLOAD=stream, the object streamed through the app. A
    preview is always streamed: the sandboxing Content-Security-Policy and nosniff must come
    with what the browser renders, and no store sets those headers."""
    response = current_app.response_class(mimetype=mimetype)
    response.set_etag(version.sha256)
    if request.if_none_match.contains(version.sha256):
        response.status_code = 304
        return response
    disposition = _content_disposition(version.filename, inline=inline)
    mode = current_app.config["S3_DOWNLOAD"]
    if inline or mode == "stream":
        return _stream_object(store, version, response, disposition)
    url = store.presigned_url(
        version.sha256,
        expires=int(current_app.config["S3_URL_EXPIRES"]),
        disposition=disposition,
        mimetype=mimetype,
    )
    if mode == "accel":
        # nginx fetches the presigned URL from the store itself (deploy/nginx/
        # neig-s3-downloads.conf): the store need not be reachable by browsers, and no
        # worker waits for the bytes.
        address = urlsplit(url)
        prefix = current_app.config["S3_ACCEL_PREFIX"].rstrip("/")
        response.headers["X-Accel-Redirect"] = f"{prefix}{address.path}?{address.query}"
        response.headers["Content-Disposition"] = disposition
        return response
    response.status_code = 302
    response.headers["Location"] = url
    return response


def _stream_object(store, version: DocumentVersion, response, disposition: str):
    """The object in chunks, one range (the whole, or what Range asks; If-Range must name
    this version's ETag) as send_file answers it; the worker holds only a chunk at a time."""
    response.headers["Content-Disposition"] = disposition
    response.headers["Accept-Ranges"] = "bytes"
    wanted = request.range
    if "If-Range" in request.headers and request.if_range.etag != version.sha256:
        wanted = None  # a date or another ETag: the whole version, as RFC 9110 says
    start, stop = 0, version.size
    if wanted is not None:
        bounds = wanted.range_for_length(version.size)
        if bounds is None:
            response.status_code = 416
            response.headers["Content-Range"] = f"bytes */{version.size}"
            return response
        start, stop = bounds
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{version.size}"
    if stop == start:  # an empty range reads nothing
        response.content_length = 0
        return response
    body = store.open(version.sha256, start, stop)
    response.response = _chunks(body)
    response.content_length = stop - start
    response.direct_passthrough = True
    response.call_on_close(body.close)
    return response


def _chunks(body, size: int = 256 * 1024):
    while chunk := body.read(size):
        yield chunk


def _content_disposition(name: str, *, inline: bool) -> str:
    headers = Headers()
    headers.set(
        "Content-Disposition", "inline" if inline else "attachment", **_filename_parameters(name)
    )
    return headers["Content-Disposition"]


def _filename_parameters(name: str) -> dict[str, str]:
    """filename (ASCII) and, when needed, filename* (UTF-8), as send_file writes them."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
    return {"filename": name}


@bp.get("/documenten/<int:document_id>/versies/<int:number>/download")
@login_required
def download(document_id, number):
    """Download a version as an attachment (ranges and a strong ETag from its hash)."""
    document = load_or_404(Document, document_id, "document.download")
    return _audited_send(document, _version_or_404(document, number), inline=False)


@bp.get("/documenten/<int:document_id>/versies/<int:number>/voorbeeld")
@login_required
def preview(document_id, number):
    """Show a PDF or an image inline, sandboxed; anything else is not previewed."""
    document = load_or_404(Document, document_id, "document.download")
    version = _version_or_404(document, number)
    if version.mimetype not in PREVIEWABLE:
        abort(404)
    return _audited_send(document, version, inline=True)


def _audited_send(document: Document, version: DocumentVersion, *, inline: bool):
    """Every time content leaves, the log says who took which version; a 304 sends nothing."""
    if not version.scan_status.openable:
        # Held in quarantine until scanned, or found infected: nothing leaves.
        page = render_template("documents/scan_blocked.html", document=document, version=version)
        return page, 409
    # Its size only: rehashing every download is too slow; `neig blobs verify` does that.
    try:
        state = service.store().check(version.sha256, version.size, rehash=False)
    except StoreUnavailable as error:
        current_app.logger.error("Blob store unavailable: %s", error)
        return _refuse_unavailable(document, version, "unavailable", inline=inline)
    if state != BlobState.OK:
        return _refuse_unavailable(document, version, state.value, inline=inline)
    if not request.if_none_match.contains(version.sha256):
        commit_side_effect(
            audit.record,
            "document.previewed" if inline else "document.downloaded",
            actor=current_user,
            target=document,
            space_id=document.space_id,
            details={"version": version.number},
        )
    return _send_version(document, version, inline=inline)


def _refuse_unavailable(document, version, reason: str, *, inline: bool):
    """A version whose blob is gone or damaged: nothing is sent, and the log says it failed
    (never that it was downloaded)."""
    current_app.logger.error(
        "Blob %s of document %s version %s is %s",
        version.sha256,
        document.id,
        version.number,
        reason,
    )
    commit_side_effect(
        audit.record,
        "document.download_failed",
        actor=current_user,
        result="failure",
        target=document,
        space_id=document.space_id,
        details={"version": version.number, "reason": reason, "preview": inline},
    )
    return blob_unavailable_page(document, version)


@bp.app_errorhandler(OSError)
def _storage_full(error: OSError):
    """A full disk (or quota) while an upload is written: a clear 507, in JSON for the drop
    zone. The request's transaction is rolled back and the store removed its temporary file,
    so nothing is half-written. Any other OSError stays the server error it is."""
    if isinstance(error, StoreUnavailable):
        return _store_unavailable(error)
    if not is_storage_full(error):
        raise error
    db.session.rollback()
    current_app.logger.error("Blob store full: %s", error)
    message = _(
        "De opslag is vol: het bestand is niet opgeslagen. Probeer het later opnieuw en neem "
        "contact op met de beheerder als het blijft misgaan."
    )
    if _wants_json():
        return jsonify(ok=False, errors=[message]), 507
    return render_template("documents/storage_full.html", message=message), 507


@bp.post("/documenten/<int:document_id>/versies/<int:number>/terugzetten")
@login_required
def restore_version(document_id, number):
    """Make an old version the newest again, as a new version."""
    document = load_or_404(Document, document_id, "document.edit")
    version = _version_or_404(document, number)
    run_use_case(
        None,
        lambda: service.restore_version(document, version, actor=current_user),
        success=lambda new: _(
            "Versie %(old)d is teruggezet als versie %(new)d.", old=version.number, new=new.number
        ),
    )
    return redirect(url_for(".show", document_id=document.id))


@bp.route("/documenten/<int:document_id>/verplaatsen", methods=["GET", "POST"])
@login_required
def move(document_id):
    """Move a document to another folder of the same space."""
    document = load_or_404(Document, document_id, "document.edit")
    space = db.session.get(Space, document.space_id)
    form = MoveForm(folder=document.folder_id or 0)
    form.folder.choices = _folder_choices(space)
    if request.method == "POST":
        # A folder id from another space (or none at all) is 404, as when guessing any id.
        _folder_or_404(space, form_int("folder"), "document.edit")
    if form.validate_on_submit():
        folder = _folder_or_404(space, form.folder.data, "document.edit")
        done = run_use_case(
            form,
            lambda: service.move_document(document, folder, actor=current_user),
            success=_("Het document is verplaatst."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", document_id=document.id))
    status = 422 if form.is_submitted() else 200
    return render_template("documents/move.html", document=document, space=space, form=form), status


@bp.route("/documenten/<int:document_id>/kopieren", methods=["GET", "POST"])
@login_required
def copy(document_id):
    """Copy a document to another space the user may upload to."""
    document = load_or_404(Document, document_id, "document.view")
    space = db.session.get(Space, document.space_id)
    targets = [
        s
        for s in db.session.scalars(
            select(Space)
            .where(visible_spaces(current_user), Space.archived_at.is_(None), Space.id != space.id)
            .order_by(Space.name)
        )
        if can(current_user, "space.upload", s)
    ]
    form = CopyForm()
    form.space.choices = [(s.id, s.name) for s in targets]
    if form.validate_on_submit():
        target = load_or_404(Space, form.space.data, "space.upload")
        copied = run_use_case(
            form,
            lambda: service.copy_document(document, target, actor=current_user),
            success=_("Het document is gekopieerd naar %(space)s.", space=target.name),
        )
        if copied is not REFUSED:
            return redirect(url_for(".show", document_id=copied.id))
    status = 422 if form.is_submitted() else 200
    return render_template("documents/copy.html", document=document, space=space, form=form), status


@bp.post("/documenten/<int:document_id>/verwijderen")
@login_required
def delete(document_id):
    """Move a document to the space's trash."""
    document = load_or_404(Document, document_id, "document.delete")
    run_use_case(
        None,
        lambda: service.trash_document(document, actor=current_user),
        success=_("%(title)s staat in de prullenbak.", title=document.title),
    )
    return redirect(url_for(".index", space_id=document.space_id))


@bp.get("/werkruimtes/<int:space_id>/prullenbak")
@login_required
def trash(space_id):
    """What was deleted in this space, with restore and purge."""
    space = load_or_404(Space, space_id, "space.view")
    page = paginate(queries.trash(current_user, space))
    return render_template("documents/trash.html", space=space, page=page)


def _trashed_or_404(document_id: int, action: str) -> Document:
    document = db.session.scalar(
        select(Document).where(
            Document.id == document_id, visible_documents(current_user, in_trash=True)
        )
    )
    if document is None:
        not_found(action, target=("document", document_id))
    require(action, document)
    return document


@bp.post("/documenten/<int:document_id>/herstellen")
@login_required
def restore(document_id):
    """Take a document out of the trash."""
    document = _trashed_or_404(document_id, "document.restore")
    run_use_case(
        None,
        lambda: service.restore_document(document, actor=current_user),
        success=_("%(title)s is teruggezet.", title=document.title),
    )
    return redirect(url_for(".trash", space_id=document.space_id))


@bp.post("/documenten/<int:document_id>/definitief-verwijderen")
@login_required
def purge(document_id):
    """Remove a document from the trash for good."""
    document = _trashed_or_404(document_id, "document.purge")
    space_id, title = document.space_id, document.title
    run_use_case(
        None,
        lambda: service.purge_document(document, actor=current_user),
        success=_("%(title)s is definitief verwijderd.", title=title),
    )
    return redirect(url_for(".trash", space_id=space_id))


@bp.get("/zoeken")
@login_required
def search():
    """Search everything the user may read, in Dutch (neig_workspace/search/): documents (with
    the text of their current version), text drafts, comments, action items, knowledge
    articles, meetings and, in a session with MFA, the case material they take part in. One
    kind is listed at a time (?soort=; without it the first kind with hits), beside the count
    of every kind."""
    q = request.args.get("q", "").strip()[:200]
    sort = request.args.get("sorteer", "relevantie")
    sort = sort if sort in search_query.SORTS else "relevantie"
    asked = request.args.get("soort")
    filters = _search_filters()
    query = search_query.parse(q)
    context = {
        "q": q,
        "sort": sort,
        "kind": asked if asked in search_query.BY_KEY else "documenten",
        "filters": filters,
        "page": None,
        "kind_labels": search_hits.KIND_LABELS,
    }
    if not q or query.empty:
        return render_template("documents/search.html", **context)
    if asked not in search_query.BY_KEY and filters != search_query.Filters():
        asked = "documenten"  # the facets are the documents'
    kind = search_query.BY_KEY.get(asked)
    filtered = filters != search_query.Filters() and asked in search_query.DOCUMENT_KINDS
    # The listed kind is counted by its hits; without ?soort= the documents, or else the first
    # kind with hits. A facet narrows the page, not the count of its kind nor the facets' own.
    listed = kind or search_query.BY_KEY["documenten"]
    counted = search_query.kind_counts(current_user, query, but=listed)
    asked = asked_page()
    found = _found(query, listed, filters, sort, asked)
    whole = _found(query, listed, search_query.Filters(), sort, None) if filtered else found
    own = {listed.key: whole.count}  # a listed kind is counted by its hits, up to CAP
    if kind is None and not found.count:
        kind = search_query.BY_KEY[next((k for k, n in counted().items() if n), "documenten")]
        if kind is not listed:
            found = whole = _found(query, kind, filters, sort, asked)
            own[kind.key] = found.count
    kind = kind or listed
    total = min(found.count, search_query.CAP)
    page = known_page(found.ids, total, asked, lambda ids: search_query.load(kind, ids))
    documents = kind.key in search_query.DOCUMENT_KINDS
    context.update(
        kind=kind.key,
        page=page,
        hits=search_hits.hits(kind.key, page.items),
        cap=search_query.CAP,
        count_cap=search_query.COUNT_CAP,
        more=found.count > search_query.CAP,
        snippets=search_query.snippets([r.id for r in page.items], query, kind),
        facets=_facets(whole.facets, filters) if documents and found.count else None,
        facet_args=_facet_args(q, sort, kind.key, filters),
        period_labels=search_hits.PERIOD_LABELS,
        provenance=_provenance(page.items) if documents else {},
    )
    # Waited for last: the other kinds were counted meanwhile.
    context["kind_counts"] = {**counted(), **own}
    return render_template("documents/search.html", **context)


#: A facet shows this many options as links, the rest in a list to choose from.
FACET_LINKS = 10


def _found(query, kind, filters, sort: str, asked) -> search_query.Found:
    """search_query.find for the page: the page `asked` (None: only the count and the
    facets), with the facets of the documents' kinds when no facet filter narrows it (they
    count the matches without the filters)."""
    facets = kind.key in search_query.DOCUMENT_KINDS and filters == search_query.Filters()
    page = asked or (0, 0)
    return search_query.find(
        current_user, query, kind, filters, sort=sort, page=page, facets=facets
    )


def _facets(counts: dict, filters: search_query.Filters) -> dict:
    """The facets of the listed documents (`counts`: search_query.Found.facets, counted without
    the facet filters), each with the option `filters` chose: per facet (value, label, count)
    in the order shown."""
    shared = _("Gedeelde werkruimtes")
    return {
        "spaces": _facet(counts["spaces"], filters.space_id),
        "organisations": _facet(
            [(i, name or shared, n) for i, name, n in counts["organisations"]],
            filters.organisation_id,
        ),
        "periods": _facet(
            [(p, search_hits.PERIOD_LABELS[p], n) for p, n in counts["periods"]], filters.period
        ),
        "classifications": _facet(
            [(c.value, CLASSIFICATION_LABELS[c], n) for c, n in counts["classifications"]],
            filters.classification,
        ),
    }


def _facet(options: list[tuple], chosen) -> dict:
    """A facet's options: `links`, the first FACET_LINKS (and the chosen one), each a link;
    `more`, when there are more, every option as <option> tags to choose from (a facet of
    hundreds of spaces is written without a template call per option)."""
    links = options[:FACET_LINKS]
    links += [o for o in options[FACET_LINKS:] if str(o[0]) == str(chosen)]
    facet = {"links": links, "count": len(options), "more": None}
    if len(options) > len(links):
        labels = [(str(value), f"{label} ({count})") for value, label, count in options]
        facet["more"] = option_tags(labels, str(chosen))
    return facet


def _search_filters() -> search_query.Filters:
    """?werkruimte=, ?organisatie=, ?periode= and ?classificatie= from a facet link; anything
    else is no filter."""
    classification = request.args.get("classificatie")
    period = request.args.get("periode")
    valid = {c.value for c in Classification}
    return search_query.Filters(
        space_id=query_int("werkruimte"),
        classification=classification if classification in valid else None,
        organisation_id=query_int("organisatie"),
        period=period if period in search_query.PERIODS else None,
    )


def _facet_args(q: str, sort: str, kind: str, filters: search_query.Filters) -> dict:
    """The query string of the page as it is, for the facet links to change one part of."""
    return {
        "q": q,
        "sorteer": sort,
        "soort": kind,
        "werkruimte": filters.space_id,
        "organisatie": filters.organisation_id,
        "periode": filters.period,
        "classificatie": filters.classification,
    }


def _store_unavailable(error: StoreUnavailable):
    """The object store did not answer while an upload was stored (or a page read a blob): a
    503 that says so; the transaction is rolled back and the staged file removed."""
    db.session.rollback()
    current_app.logger.error("Blob store unavailable: %s", error)
    message = _(
        "De opslag is even niet bereikbaar: er is niets opgeslagen. Probeer het later opnieuw "
        "en neem contact op met de beheerder als het blijft misgaan."
    )
    if _wants_json():
        return jsonify(ok=False, errors=[message]), 503
    return render_template("documents/storage_unavailable.html", message=message), 503
