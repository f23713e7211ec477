"""Action plans: the plans, the item list (filters, sorting, exports), the dashboard, the
report, the monthly attack figures, import, and an item's page (progress, milestones, linked
documents, history)."""

import tempfile
from datetime import date
from functools import partial
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.wsgi import wrap_file

from ..access.policy import (
    can,
    load_child_or_404,
    load_or_404,
    not_found,
    visible_documents,
)
from ..audit import service as audit
from ..comments.panel import panel as comments_panel
from ..comments.subjects import CommentSubject, register_subject
from ..documents.models import Document
from ..editing import Edit
from ..errors import ServiceError
from ..extensions import db
from ..formatting import date_long, date_short
from ..forms import REFUSED, ActionForm, commit_side_effect, run_use_case
from ..integers import parse_int
from ..links import path_before_id
from ..pagination import paginate
from ..spaces.models import Space
from ..translated import translated
from . import charts, imports, kpi, service
from . import export as exporting
from .forms import (
    HISTORY_LABELS,
    STATUS_LABELS,
    FilterForm,
    ImportForm,
    ItemForm,
    LineForm,
    LinkDocumentForm,
    MilestoneForm,
    PlanForm,
    ProgressForm,
    figures_form,
)
from .listing import (
    SORTS,
    ItemFilters,
    PlainItem,
    item_counts,
    items_query,
    plain_items,
    plan_spaces,
    plans,
)
from .models import (
    ActionItem,
    ActionItemChange,
    ActionItemDocument,
    ActionMilestone,
    ActionPlan,
    AttackFigure,
    ItemStatus,
    ProgressUpdate,
)

bp = Blueprint("actions", __name__)

#: The largest import file read into memory (a bigger one is refused by the importer).
IMPORT_READ_LIMIT = imports.MAX_BYTES + 1


@bp.app_context_processor
def _labels():
    return {"item_status_labels": STATUS_LABELS, "history_labels": HISTORY_LABELS}


# --- plans -----------------------------------------------------------------------------------


@bp.get("/actieplannen")
@login_required
def index():
    """The plans the user may see, with how many items each shows them."""
    return render_template(
        "actions/index.html",
        plans=plans(current_user),
        counts=item_counts(current_user),
        spaces=plan_spaces(current_user),
    )


def _plan_form(formdata=None, **data) -> PlanForm:
    form = PlanForm(formdata, data=data) if formdata is not None else PlanForm(data=data)
    form.attack_source.choices = kpi.source_choices()
    return form


def _plan_data(form: PlanForm) -> service.PlanData:
    return service.PlanData(
        name=form.name.data or "",
        description=form.description.data or "",
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        baseline_year=form.baseline_year.data,
        baseline_count=form.baseline_count.data,
        target_reduction_percent=form.target_reduction_percent.data,
        attack_source=form.attack_source.data or "",
    )


@bp.route("/werkruimtes/<int:space_id>/actieplannen/nieuw", methods=["GET", "POST"])
@login_required
def create_plan(space_id):
    """Start an action plan in a space (the secretariat, or the space's editors)."""
    space = load_or_404(Space, space_id, "action_plan.create")
    this_year = service.today().year
    return _plan_form_page(
        space,
        None,
        period_start=date(this_year, 1, 1),
        period_end=date(this_year, 12, 31),
        baseline_year=this_year - 1,
    )


@bp.route("/actieplannen/<int:plan_id>/instellingen", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id):
    """The plan's name, period, baseline, target and the source of the attack figures; its
    lines."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.manage")
    return _plan_form_page(plan.space, plan)


def _plan_form_page(space: Space, plan: ActionPlan | None, **defaults):
    """The form of a new plan in `space` (filled with `defaults`) or of `plan`'s settings, and
    its save: one use case, a stale edit answered as editing.py says."""
    form = _plan_form(
        request.form if request.method == "POST" else None,
        **(_plan_values(plan) if plan is not None else defaults),
    )
    edit = Edit(form, plan, lambda: _plan_values(plan) if plan is not None else {})
    if form.validate_on_submit():
        saved = edit.create_or_update(
            lambda: service.create_plan(space, _plan_data(form), actor=current_user),
            lambda: service.update_plan(plan, _plan_data(form), actor=current_user),
            created=_("Het actieplan is gemaakt."),
            updated=_("De gegevens zijn opgeslagen."),
        )
        if saved is not REFUSED:
            return redirect(url_for(".plan", plan_id=(plan or saved).id))
    if plan is None:
        page = render_template("actions/plan_form.html", form=form, space=space, plan=None)
        return page, edit.status
    return _render_plan_settings(plan, form, LineForm(formdata=None), edit.status)


def _plan_values(plan: ActionPlan) -> dict:
    """The plan as its settings form shows it."""
    return {
        "name": plan.name,
        "description": plan.description,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "baseline_year": plan.baseline_year,
        "baseline_count": plan.baseline_count,
        "target_reduction_percent": plan.target_reduction_percent,
        "attack_source": plan.attack_source,
    }


def _render_plan_settings(plan, form, line_form, status):
    return render_template(
        "actions/plan_form.html", form=form, line_form=line_form, space=plan.space, plan=plan
    ), status


@bp.post("/actieplannen/<int:plan_id>/actielijnen")
@login_required
def add_line(plan_id):
    """Add a line (theme) to the plan."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.manage")
    line_form = LineForm()
    if line_form.validate_on_submit():
        line = run_use_case(
            line_form, lambda: service.add_line(plan, line_form.name.data, actor=current_user)
        )
        if line is not REFUSED:
            flash(_("De actielijn %(name)s is toegevoegd.", name=line.name), "success")
            return redirect(url_for(".edit_plan", plan_id=plan.id))
    form = _plan_form(None, **_plan_values(plan))
    Edit(form, plan, lambda: _plan_values(plan)).stamp()
    return _render_plan_settings(plan, form, line_form, 422)


# --- the item list and its exports -----------------------------------------------------------


def _filters(plan: ActionPlan) -> tuple[FilterForm, ItemFilters]:
    """The list's filters from the query string; a value that does not parse is ignored."""
    form = FilterForm(request.args)
    form.lijn.choices = [("", _("alle actielijnen"))] + [
        (line.id, line.name) for line in plan.lines
    ]
    form.trekker.choices = [("", _("alle organisaties"))] + service.plan_organisation_choices(
        plan.space
    )
    form.validate()
    known = {s.value for s in ItemStatus}
    statuses = [ItemStatus(s) for s in form.status.data or [] if s in known]
    sort = request.args.get("sorteer", "code")
    filters = ItemFilters(
        text=(form.q.data or "").strip()[:200],
        line_id=form.lijn.data,
        lead_id=form.trekker.data,
        statuses=statuses,
        organisation_ids=(
            service.member_organisation_ids(current_user) if form.mijn.data else None
        ),
        overdue=bool(form.te_laat.data),
        attention=bool(form.aandacht.data),
        due_within=form.binnen.data if not form.binnen.errors else None,
        archived=bool(form.gearchiveerd.data),
        sort=sort if sort in SORTS else "code",
        descending=request.args.get("volgorde") == "af",
    )
    return form, filters


@bp.get("/actieplannen/<int:plan_id>")
@login_required
def plan(plan_id):
    """The plan's items: filtered, sorted and paginated."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.view")
    form, filters = _filters(plan)
    today = service.today()
    page = paginate(items_query(plan, current_user, filters, today))
    return render_template(
        "actions/plan.html",
        plan=plan,
        form=form,
        filters=filters,
        page=page,
        today=today,
        item_status_labels=translated(STATUS_LABELS),  # once for the list, not once per row
        item_path=path_before_id("actions.item", "item_id"),
    )


def _send_export(plan: ActionPlan, kind: str):
    """The filtered list, every label formatted once; the audit event is committed before
    anything is sent. CSV goes out while it is written; XLSX is written row by row to a
    temporary file that is then sent (a zip needs its end before it can be read)."""
    _form, filters = _filters(plan)
    today = service.today()
    items = plain_items(plan, current_user, filters, today)
    table = exporting.rows(items, today)
    if kind == "csv":
        body = exporting.csv_chunks(table)
    else:
        body = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
        exporting.write_xlsx(plan.name, table, body)
        body.seek(0)
        body = wrap_file(request.environ, body)
    commit_side_effect(
        audit.record,
        "action_plan.exported",
        actor=current_user,
        target=plan,
        space_id=plan.space_id,
        details={"format": kind, "items": len(items), "filters": filters.as_args()},
    )
    name = exporting.filename(plan.name, kind, today)
    return Response(
        body,
        content_type=exporting.MIMETYPES[kind],  # complete: `mimetype=` adds a second charset
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        direct_passthrough=kind == "xlsx",
    )


@bp.get("/actieplannen/<int:plan_id>/export.csv")
@login_required
def export_csv(plan_id):
    """The filtered list as CSV (every page of it)."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.export")
    return _send_export(plan, "csv")


@bp.get("/actieplannen/<int:plan_id>/export.xlsx")
@login_required
def export_xlsx(plan_id):
    """The filtered list as an Excel workbook."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.export")
    return _send_export(plan, "xlsx")


# --- dashboard and report --------------------------------------------------------------------


@bp.get("/actieplannen/<int:plan_id>/dashboard")
@login_required
def dashboard(plan_id):
    """Items per status per line, progress over time, attacks against the target."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.view")
    today = service.today()
    return render_template(
        "actions/dashboard.html",
        plan=plan,
        data=charts.dashboard(plan, current_user, today),
        today=today,
    )


@bp.get("/actieplannen/<int:plan_id>/rapportage")
@login_required
def report(plan_id):
    """The progress report for the taskforce meeting: the dashboard's figures and every
    item's latest update, laid out for print."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.view")
    today = service.today()
    items = plain_items(plan, current_user, ItemFilters(sort="lijn"), today)
    by_line = {}
    for row in _report_rows(items, today):
        by_line.setdefault(row.line_id, (row.line_name, []))[1].append(row)
    # The session is saved before a streamed page is rendered: what the page would take from
    # it (the flash messages it shows, the form token it carries) is taken now.
    get_flashed_messages()
    generate_csrf()
    page = stream_template(
        "actions/report.html",
        plan=plan,
        data=charts.dashboard(plan, current_user, today),
        lines=list(by_line.values()),
        today=today,
    )
    return Response(_in_pieces(page), mimetype="text/html")


def _in_pieces(fragments, size: int = 64 * 1024):
    """Join a template's many small fragments into pieces of about `size` characters: the page
    goes out while it is rendered, without one write per fragment."""
    buffer, length = [], 0
    for fragment in fragments:
        buffer.append(fragment)
        length += len(fragment)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


class ReportRow(NamedTuple):
    """One item of the report, every label and date already text (the template only writes)."""

    id: int
    line_id: int
    line_name: str
    code: str
    title: str
    status: str
    status_label: str
    lead: str
    contributors: str
    due_iso: str
    due_text: str
    overdue: bool
    update_date: str
    update_organisation: str
    update_note: str
    has_update: bool
    narrowed: bool


def _report_rows(items: list[PlainItem], today: date) -> list[ReportRow]:
    """The report's items with their labels and dates formatted once per distinct value: with
    2,000 items, translating and formatting per item in the template was most of the page."""
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    long_dates: dict[date, str] = {}
    short_dates: dict[date, str] = {}

    def long_date(value: date) -> str:
        if value not in long_dates:
            long_dates[value] = date_long(value)
        return long_dates[value]

    def short_date(value: date) -> str:
        if value not in short_dates:
            short_dates[value] = date_short(value)
        return short_dates[value]

    rows = []
    for item in items:
        rows.append(
            ReportRow(
                id=item.id,
                line_id=item.line_id,
                line_name=item.line_name,
                code=item.code,
                title=item.title,
                status=item.status.value,
                status_label=labels[item.status],
                lead=item.lead,
                contributors=", ".join(item.contributors),
                due_iso=item.due_date.isoformat() if item.due_date else "",
                due_text=short_date(item.due_date) if item.due_date else "",
                overdue=item.is_overdue(today),
                update_date=long_date(item.update_on) if item.update_on else "",
                update_organisation=item.update_organisation,
                update_note=item.update_note,
                has_update=item.update_on is not None,
                narrowed=item.narrowed,
            )
        )
    return rows


# --- attack figures --------------------------------------------------------------------------


def _month_labels() -> dict[int, str]:
    return {m: format_date(date(2000, m, 1), "MMMM") for m in range(1, 13)}


@bp.route("/actieplannen/<int:plan_id>/aanslagen", methods=["GET", "POST"])
@login_required
def figures(plan_id):
    """The attacks per month of one year, entered by the secretariat."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.manage")
    years = list(range(plan.period_start.year, plan.period_end.year + 1))
    year = parse_int(request.values.get("jaar", "")) or years[0]
    if year not in years:
        abort(404)
    values = dict(
        db.session.execute(
            select(AttackFigure.month, AttackFigure.attacks).where(
                AttackFigure.plan_id == plan.id, AttackFigure.year == year
            )
        ).all()
    )
    formdata = request.form if request.method == "POST" else None
    form = figures_form(year, values, _month_labels(), formdata)
    doubts = []
    if form.validate_on_submit():
        entered = {m: getattr(form, f"month_{m}").data for m in range(1, 13)}
        changed = {m: v for m, v in entered.items() if v != values.get(m)}
        doubts = service.doubtful_figures(plan, year, changed, _month_labels())
        if not doubts or form.confirm.data:  # else: asked first, the figures kept in the form
            done = run_use_case(
                form,
                lambda: service.set_attack_figures(plan, year, entered, actor=current_user),
                success=_("De cijfers van %(year)d zijn opgeslagen.", year=year),
            )
            if done is not REFUSED:
                return redirect(url_for(".figures", plan_id=plan.id, jaar=year))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "actions/figures.html", plan=plan, form=form, year=year, years=years, doubts=doubts
    ), status


# --- import ----------------------------------------------------------------------------------


@bp.route("/actieplannen/<int:plan_id>/importeren", methods=["GET", "POST"])
@login_required
def import_items(plan_id):
    """Import items from CSV or XLSX: check first (a dry run), then all or nothing."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.manage")
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Kies een bestand.")]
        else:
            dry_run = request.form.get("stap") != "importeren"
            data = upload.stream.read(IMPORT_READ_LIMIT)
            result = run_use_case(
                form,
                lambda: imports.import_items(plan, data, actor=current_user, dry_run=dry_run),
                success=lambda done: _("%(n)d actiepunt(en) geïmporteerd.", n=done.imported),
                keep=lambda done: done.imported,  # a dry run, or a bad file: nothing is kept
            )
            if result.imported:
                return redirect(url_for(".plan", plan_id=plan.id))
    failed = form.is_submitted() and (result is None or not result.ok)
    return render_template(
        "actions/import.html", plan=plan, form=form, result=result
    ), 422 if failed else 200


# --- items -----------------------------------------------------------------------------------


def _item_form(plan: ActionPlan, formdata=None, **data) -> ItemForm:
    form = ItemForm(formdata, data=data) if formdata is not None else ItemForm(data=data)
    organisations = service.plan_organisation_choices(plan.space)
    form.line.choices = [("", _("(kies een actielijn)"))] + [(x.id, x.name) for x in plan.lines]
    form.lead_organisation.choices = [("", _("(kies een organisatie)"))] + organisations
    form.contributors.choices = organisations
    form.narrowing.choices = organisations
    return form


def _item_data(form: ItemForm) -> service.ItemData:
    return service.ItemData(
        code=form.code.data or "",
        title=form.title.data or "",
        description=form.description.data or "",
        line_id=form.line.data,
        lead_organisation_id=form.lead_organisation.data,
        contributor_ids=list(form.contributors.data or []),
        responsible_email=form.responsible.data or "",
        status=ItemStatus(form.status.data),
        start_date=form.start_date.data,
        due_date=form.due_date.data,
        narrowing_ids=list(form.narrowing.data or []),
    )


@bp.route("/actieplannen/<int:plan_id>/actiepunten/nieuw", methods=["GET", "POST"])
@login_required
def create_item(plan_id):
    """A new item (the secretariat, or the space's editors)."""
    plan = load_or_404(ActionPlan, plan_id, "action_plan.manage")
    return _item_form_page(plan, None)


@bp.route("/actiepunten/<int:item_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_item(item_id):
    """Change an item's fields; every change is kept in its history."""
    item = load_or_404(ActionItem, item_id, "action_item.edit")
    return _item_form_page(item.plan, item)


def _item_form_page(plan: ActionPlan, item: ActionItem | None):
    """The form of a new item in `plan` or of `item`, and its save: one use case, a stale edit
    answered as editing.py says."""
    values = _item_values(item) if item is not None else {"status": ItemStatus.NOT_STARTED.value}
    form = _item_form(plan, request.form if request.method == "POST" else None, **values)
    edit = Edit(form, item, lambda: _item_values(item) if item is not None else {})
    if form.validate_on_submit():
        saved = edit.create_or_update(
            lambda: service.create_item(plan, _item_data(form), actor=current_user),
            lambda: service.update_item(item, _item_data(form), actor=current_user),
            created=lambda new: _("Actiepunt %(code)s is aangemaakt.", code=new.code),
            updated=_("De gegevens zijn opgeslagen."),
        )
        if saved is not REFUSED:  # the item's page warns of dates outside the plan's period
            return redirect(url_for(".item", item_id=(item or saved).id))
    page = render_template("actions/item_form.html", plan=plan, item=item, form=form)
    return page, edit.status


def _item_values(item: ActionItem) -> dict:
    """The item as its edit form shows it."""
    return {
        "code": item.code,
        "title": item.title,
        "description": item.description,
        "line": item.line_id,
        "lead_organisation": item.lead_organisation_id,
        "contributors": item.contributor_ids,
        "responsible": item.responsible.email if item.responsible else "",
        "status": item.status.value,
        "start_date": item.start_date,
        "due_date": item.due_date,
        "narrowing": item.narrowing_ids,
    }


def _document_choices(item: ActionItem) -> list[tuple]:
    """Documents of the plan's space the user may read and that are not linked yet."""
    linked = select(ActionItemDocument.document_id).where(ActionItemDocument.item_id == item.id)
    rows = db.session.execute(
        select(Document.id, Document.title)
        .where(
            Document.space_id == item.plan.space_id,
            visible_documents(current_user),
            Document.id.not_in(linked),
        )
        .order_by(Document.title)
        .limit(500)
    ).all()
    return [("", _("(kies een document)"))] + [(doc_id, title) for doc_id, title in rows]


def _render_item(item: ActionItem, status: int = 200, **forms):
    plan = item.plan
    updates = db.session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.item_id == item.id)
        .options(db.joinedload(ProgressUpdate.author), db.joinedload(ProgressUpdate.organisation))
        .order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())
    ).all()
    history = db.session.scalars(
        select(ActionItemChange)
        .where(ActionItemChange.item_id == item.id)
        .options(db.joinedload(ActionItemChange.actor))
        .order_by(ActionItemChange.id.desc())
    ).all()
    documents = db.session.scalars(
        select(Document)
        .join(ActionItemDocument, ActionItemDocument.document_id == Document.id)
        .where(ActionItemDocument.item_id == item.id, visible_documents(current_user))
        .order_by(Document.title)
    ).all()
    # The history names documents by id; only those the reader may see get their title.
    named = {
        int(value)
        for change in history
        if change.field.startswith("document_")
        for value in (change.old_value, change.new_value)
        if value.isdigit()
    }
    titles = {}
    if named:
        titles = dict(
            db.session.execute(
                select(Document.id, Document.title).where(
                    Document.id.in_(named), visible_documents(current_user)
                )
            ).all()
        )
    may_report = can(current_user, "action_item.report_progress", item)
    may_edit = can(current_user, "action_item.edit", item)
    if may_report and "progress_form" not in forms:
        forms["progress_form"] = ProgressForm(formdata=None, data={"reported_on": service.today()})
    if may_edit and "milestone_form" not in forms:
        forms["milestone_form"] = MilestoneForm(formdata=None)
    if may_report and "document_form" not in forms:
        forms["document_form"] = LinkDocumentForm(formdata=None)
    if "document_form" in forms:
        forms["document_form"].document.choices = _document_choices(item)
    return render_template(
        "actions/item.html",
        item=item,
        plan=plan,
        updates=updates,
        history=history,
        documents=documents,
        document_titles=titles,
        today=service.today(),
        period_warning=service.period_warning(item),
        may_report=may_report,
        may_edit=may_edit,
        action_form=ActionForm(),
        comments=forms.pop("comments", None) or comments_panel(item),
        **forms,
    ), status


def _render_item_again(item: ActionItem, **panel_overrides):
    """The item's page again with a refused comment or reply as typed (422)."""
    return _render_item(item, 422, comments=comments_panel(item, **panel_overrides))


register_subject(
    CommentSubject(
        kind="action_item",
        model=ActionItem,
        comment_action="action_item.comment",
        manage_action="action_item.edit",
        load=partial(load_or_404, ActionItem),
        render_again=_render_item_again,
        url=lambda item: f"/actiepunten/{item.id}",
        post_url=lambda item: url_for("comments.create_on_item", item_id=item.id),
        mentions_url=lambda item: url_for("comments.mentions_on_item", item_id=item.id),
    )
)


@bp.get("/actiepunten/<int:item_id>")
@login_required
def item(item_id):
    """An item: its details, milestones, progress, linked documents and history."""
    item = load_or_404(ActionItem, item_id, "action_item.view")
    if item.plan.space.requires_mfa:
        commit_side_effect(
            audit.record,
            "action_item.viewed",
            actor=current_user,
            target=item,
            space_id=item.plan.space_id,
        )
    return _render_item(item)


@bp.post("/actiepunten/<int:item_id>/voortgang")
@login_required
def report_progress(item_id):
    """A progress update, with an optional new status (lead and contributing partners)."""
    item = load_or_404(ActionItem, item_id, "action_item.report_progress")
    form = ProgressForm()
    if form.validate_on_submit():
        status = ItemStatus(form.status.data) if form.status.data else None
        update = run_use_case(
            form,
            lambda: service.report_progress(
                item,
                note=form.note.data,
                reported_on=form.reported_on.data,
                status=status,
                actor=current_user,
            ),
            success=_("De voortgang is opgeslagen."),
        )
        if update is not REFUSED:
            return redirect(url_for(".item", item_id=item.id, _anchor=f"voortgang-{update.id}"))
    return _render_item(item, 422, progress_form=form)


@bp.post("/actiepunten/<int:item_id>/archiveren")
@login_required
def archive_item(item_id):
    """Archive an item: it leaves the list, the counts and the charts, and stays readable."""
    item = load_or_404(ActionItem, item_id, "action_item.archive")
    run_use_case(
        None,
        lambda: service.set_item_archived(item, True, actor=current_user),
        success=_("Actiepunt %(code)s is gearchiveerd.", code=item.code),
    )
    return redirect(url_for(".plan", plan_id=item.plan_id))


@bp.post("/actiepunten/<int:item_id>/terugzetten")
@login_required
def unarchive_item(item_id):
    """Bring an archived item back."""
    item = load_or_404(ActionItem, item_id, "action_item.archive")
    run_use_case(
        None,
        lambda: service.set_item_archived(item, False, actor=current_user),
        success=_("Actiepunt %(code)s is teruggezet.", code=item.code),
    )
    return redirect(url_for(".item", item_id=item.id))


def _milestone_or_404(item: ActionItem, milestone_id: int, action: str) -> ActionMilestone:
    """A milestone of this item only; another item's is an audited refusal."""
    return load_child_or_404(item, ActionMilestone, milestone_id, action)


@bp.post("/actiepunten/<int:item_id>/mijlpalen")
@login_required
def add_milestone(item_id):
    """Add a milestone with a date."""
    item = load_or_404(ActionItem, item_id, "action_item.edit")
    form = MilestoneForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.add_milestone(
                item, title=form.title.data, due_date=form.due_date.data, actor=current_user
            ),
            success=_("De mijlpaal is toegevoegd."),
        )
        if done is not REFUSED:
            return redirect(url_for(".item", item_id=item.id, _anchor="mijlpalen"))
    return _render_item(item, 422, milestone_form=form)


@bp.post("/actiepunten/<int:item_id>/mijlpalen/<int:milestone_id>/afvinken")
@login_required
def toggle_milestone(item_id, milestone_id):
    """Tick a milestone off, or open it again (those who report progress)."""
    item = load_or_404(ActionItem, item_id, "action_item.report_progress")
    milestone = _milestone_or_404(item, milestone_id, "action_item.report_progress")
    run_use_case(
        None, lambda: service.set_milestone_done(milestone, not milestone.done, actor=current_user)
    )
    return redirect(url_for(".item", item_id=item.id, _anchor="mijlpalen"))


@bp.post("/actiepunten/<int:item_id>/mijlpalen/<int:milestone_id>/verwijderen")
@login_required
def remove_milestone(item_id, milestone_id):
    """Remove a milestone (kept in the history)."""
    item = load_or_404(ActionItem, item_id, "action_item.edit")
    milestone = _milestone_or_404(item, milestone_id, "action_item.edit")
    run_use_case(
        None,
        lambda: service.remove_milestone(milestone, actor=current_user),
        success=_("De mijlpaal is verwijderd."),
    )
    return redirect(url_for(".item", item_id=item.id, _anchor="mijlpalen"))


@bp.post("/actiepunten/<int:item_id>/documenten")
@login_required
def link_document(item_id):
    """Link a document of the plan's space to the item."""
    item = load_or_404(ActionItem, item_id, "action_item.report_progress")
    form = LinkDocumentForm()
    form.document.choices = []
    if form.validate_on_submit():
        document = (
            db.session.scalar(
                select(Document).where(
                    Document.id == form.document.data, visible_documents(current_user)
                )
            )
            if form.document.data
            else None
        )

        def link():
            if document is None:
                raise ServiceError(_("Kies een document uit de lijst."), "document")
            service.link_document(item, document, actor=current_user)

        if run_use_case(form, link, success=_("Het document is gekoppeld.")) is not REFUSED:
            return redirect(url_for(".item", item_id=item.id, _anchor="documenten"))
    return _render_item(item, 422, document_form=form)


@bp.post("/actiepunten/<int:item_id>/documenten/<int:document_id>/ontkoppelen")
@login_required
def unlink_document(item_id, document_id):
    """Remove a document's link to the item (the document itself stays)."""
    item = load_or_404(ActionItem, item_id, "action_item.report_progress")
    # Only a link to a document the user may read: others do not learn that it exists.
    readable = db.session.scalar(
        select(Document.id).where(Document.id == document_id, visible_documents(current_user))
    )
    if readable is None or db.session.get(ActionItemDocument, (item.id, document_id)) is None:
        not_found("action_item.report_progress", target=("document", document_id))
    run_use_case(
        None,
        lambda: service.unlink_document(item, document_id, actor=current_user),
        success=_("Het document is ontkoppeld."),
    )
    return redirect(url_for(".item", item_id=item.id, _anchor="documenten"))
