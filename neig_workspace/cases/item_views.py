"""Measures, aftercare tasks and the timeline of a case: adding and changing them. The lists
themselves are on the case page (items.item_sections)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user

from ..access.policy import load_child_or_404
from ..editing import Edit
from ..forms import REFUSED, run_use_case
from ..timeutil import utcnow
from . import item_service
from .blueprint import bp, load_case
from .item_forms import EntryForm, MeasureForm, TaskForm, TaskStatusForm
from .items import owner_candidates, participating_organisations
from .legal_bases import active_legal_bases
from .models import AftercareTask, Case, Measure


def _case_page(case: Case, anchor: str) -> str:
    return url_for("cases.show", case_id=case.id, _anchor=anchor)


def _load_item(model, case_id: int, item_id: int, action: str):
    """An item through the policy, and only under its own case (another case's id is an
    audited refusal)."""
    return load_child_or_404(load_case(case_id), model, item_id, action)


def _organisation_choices(case: Case) -> list[tuple]:
    choices = [("", _("Kies een organisatie"))]
    for row in participating_organisations(case):
        name = row.organisation.name
        choices.append(
            (row.organisation_id, name if row.core else _("%(name)s (beperkt)", name=name))
        )
    return choices


def _status(form) -> int:
    """A failed POST answers 422 (the values kept, the messages next to the fields)."""
    return 422 if form.is_submitted() else 200


# --- measures -------------------------------------------------------------------------------


def _measure_form(case: Case, **data) -> MeasureForm:
    form = MeasureForm(data=data) if request.method != "POST" else MeasureForm()
    form.responsible_organisation_id.choices = _organisation_choices(case)
    return form


def _measure_data(form: MeasureForm) -> item_service.MeasureData:
    return item_service.MeasureData(
        type=form.type.data,
        responsible_organisation_id=form.responsible_organisation_id.data,
        status=form.status.data,
        description=form.description.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        purpose=form.purpose.data or "",
    )


def _render_measure(case, form, measure=None, status=None):
    page = render_template("cases/measure_form.html", case=case, form=form, measure=measure)
    return page, status or _status(form)


@bp.route("/casussen/<int:case_id>/maatregelen/nieuw", methods=["GET", "POST"])
def add_measure(case_id):
    """Record a measure and the organisation that carries it out (case editors)."""
    case = load_case(case_id, "case.edit")
    return _measure_form_page(case, None)


@bp.route("/casussen/<int:case_id>/maatregelen/<int:measure_id>/bewerken", methods=["GET", "POST"])
def edit_measure(case_id, measure_id):
    """Change a measure: its dates, status or the organisation that carries it out."""
    measure = _load_item(Measure, case_id, measure_id, "case_measure.edit")
    return _measure_form_page(measure.case, measure)


def _measure_form_page(case: Case, measure: Measure | None):
    """The form of a new measure in `case` or of `measure`, and its save: one use case, a
    stale edit answered as editing.py says."""
    if measure is None:
        form = _measure_form(
            case, responsible_organisation_id=case.municipality_id, purpose=case.purpose
        )
    else:
        form = _measure_form(case, **_measure_values(measure))
    edit = Edit(form, measure, lambda: _measure_values(measure) if measure is not None else {})
    if form.validate_on_submit():
        saved = edit.create_or_update(
            lambda: item_service.add_measure(case, _measure_data(form), actor=current_user),
            lambda: item_service.update_measure(measure, _measure_data(form), actor=current_user),
            created=_("De maatregel is toegevoegd."),
            updated=_("De maatregel is opgeslagen."),
        )
        if saved is not REFUSED:
            return redirect(_case_page(case, f"maatregel-{(measure or saved).id}"))
    return _render_measure(case, form, measure, edit.status)


def _measure_values(measure: Measure) -> dict:
    """The measure as its edit form shows it."""
    return {
        "type": measure.type,
        "responsible_organisation_id": measure.responsible_organisation_id,
        "status": measure.status,
        "description": measure.description,
        "start_date": measure.start_date,
        "end_date": measure.end_date,
        "purpose": measure.purpose,
    }


# --- aftercare tasks ------------------------------------------------------------------------


def _owner_choices(case: Case) -> dict:
    """The possible owners grouped by organisation (a select with option groups)."""
    groups = {_("Geen eigenaar"): [("", _("De hele organisatie"))]}
    names = {
        row.organisation_id: row.organisation.name for row in participating_organisations(case)
    }
    for user, organisation_id in owner_candidates(case):
        groups.setdefault(names[organisation_id], []).append((user.id, user.name))
    return groups


def _task_form(case: Case, **data) -> TaskForm:
    form = TaskForm(data=data) if request.method != "POST" else TaskForm()
    form.organisation_id.choices = _organisation_choices(case)
    form.owner_id.choices = _owner_choices(case)
    return form


def _task_data(form: TaskForm) -> item_service.TaskData:
    return item_service.TaskData(
        kind=form.kind.data,
        organisation_id=form.organisation_id.data,
        owner_id=form.owner_id.data,
        status=form.status.data,
        description=form.description.data or "",
        due_date=form.due_date.data,
        purpose=form.purpose.data or "",
    )


def _render_task(case, form, task=None, status=None):
    page = render_template("cases/task_form.html", case=case, form=form, task=task)
    return page, status or _status(form)


@bp.route("/casussen/<int:case_id>/nazorg/nieuw", methods=["GET", "POST"])
def add_task(case_id):
    """Give an aftercare task to a participating organisation (case editors)."""
    case = load_case(case_id, "case.edit")
    return _task_form_page(case, None)


@bp.route("/casussen/<int:case_id>/nazorg/<int:task_id>/bewerken", methods=["GET", "POST"])
def edit_task(case_id, task_id):
    """Change an aftercare task: its organisation, owner, due date or status."""
    task = _load_item(AftercareTask, case_id, task_id, "case_task.edit")
    return _task_form_page(task.case, task)


def _task_form_page(case: Case, task: AftercareTask | None):
    """The form of a new aftercare task in `case` or of `task`, and its save: one use case, a
    stale edit answered as editing.py says."""
    form = _task_form(
        case, **(_task_values(task) if task is not None else {"purpose": case.purpose})
    )
    edit = Edit(form, task, lambda: _task_values(task) if task is not None else {})
    if form.validate_on_submit():
        saved = edit.create_or_update(
            lambda: item_service.add_task(case, _task_data(form), actor=current_user),
            lambda: item_service.update_task(task, _task_data(form), actor=current_user),
            created=_("De nazorgtaak is toegevoegd."),
            updated=_("De nazorgtaak is opgeslagen."),
        )
        if saved is not REFUSED:
            return redirect(_case_page(case, f"taak-{(task or saved).id}"))
    return _render_task(case, form, task, edit.status)


def _task_values(task: AftercareTask) -> dict:
    """The task as its edit form shows it."""
    return {
        "kind": task.kind,
        "organisation_id": task.organisation_id,
        "owner_id": task.owner_id,
        "status": task.status,
        "description": task.description,
        "due_date": task.due_date,
        "purpose": task.purpose,
    }


@bp.post("/casussen/<int:case_id>/nazorg/<int:task_id>/status")
def update_task_status(case_id, task_id):
    """Report how far a task is (its owner, its organisation's contributors, case editors)."""
    task = _load_item(AftercareTask, case_id, task_id, "case_task.update")
    form = TaskStatusForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: item_service.update_task_status(task, form.status.data, actor=current_user),
        )
        if done is not REFUSED:
            if done:
                flash(_("De status van de nazorgtaak is bijgewerkt."), "success")
            return redirect(_case_page(task.case, f"taak-{task.id}"))
    for error in [*form.status.errors, *form.form_errors]:
        flash(error, "error")
    if form.csrf_token.errors:
        flash(_("Het formulier is verlopen. Verstuur het opnieuw."), "error")
    return redirect(_case_page(task.case, f"taak-{task.id}"))


# --- the timeline ---------------------------------------------------------------------------


def _entry_form(case: Case) -> EntryForm:
    if request.method == "POST":
        form = EntryForm()
    else:
        now = to_user_timezone(utcnow()).replace(second=0, microsecond=0, tzinfo=None)
        form = EntryForm(
            data={
                "occurred_at": now,
                "legal_basis_id": case.legal_basis_id,
                "purpose": case.purpose,
            }
        )
    form.legal_basis_id.choices = [("", _("Kies een grondslag"))] + [
        (basis.id, basis.name) for basis in active_legal_bases()
    ]
    form.narrowing.choices = [
        (row.organisation_id, row.organisation.name) for row in participating_organisations(case)
    ]
    return form


def _entry_data(form: EntryForm) -> item_service.EntryData:
    local = form.occurred_at.data
    return item_service.EntryData(
        occurred_at=to_utc(local) if local else None,
        kind=form.kind.data,
        text=form.text.data or "",
        legal_basis_id=form.legal_basis_id.data,
        purpose=form.purpose.data or "",
        narrowing=[org_id for org_id in (form.narrowing.data or []) if org_id is not None],
    )


@bp.route("/casussen/<int:case_id>/tijdlijn/nieuw", methods=["GET", "POST"])
def add_entry(case_id):
    """Add a dated entry to the timeline (contributors); entries are never changed."""
    case = load_case(case_id, "case.contribute")
    form = _entry_form(case)
    if form.validate_on_submit():
        entry = run_use_case(
            form,
            lambda: item_service.add_entry(case, _entry_data(form), actor=current_user),
            success=_("De regel is aan de tijdlijn toegevoegd."),
        )
        if entry is not REFUSED:
            return redirect(_case_page(case, f"regel-{entry.id}"))
    page = render_template("cases/entry_form.html", case=case, form=form)
    return page, _status(form)
