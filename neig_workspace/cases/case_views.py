"""The case list, opening, showing and changing a case, participants, links, the address and
the access log. Every list is filtered by the policy in SQL; every read of the case, its
address or its documents is in the audit log, which the case managers can read."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from ..access.policy import (
    can,
    load_child_or_404,
    not_found,
    own_municipalities_only,
    visible_cases,
    visible_documents,
)
from ..access.roles import SpaceRole
from ..accounts.models import User
from ..accounts.service import find_user_by_email
from ..documents.models import Document
from ..editing import Edit
from ..errors import ServiceError
from ..extensions import db
from ..forms import REFUSED, ActionForm, commit_side_effect, run_use_case
from ..links import path_before_id
from ..organisations.models import Organisation, OrgType
from ..pagination import paginate
from ..spaces.models import PrincipalType, SpaceGrant
from ..timeutil import local
from ..translated import translated
from . import queries, service
from .blueprint import bp, load_case
from .forms import (
    EXPLOSIVE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
    AccessLogFilterForm,
    CaseFilterForm,
    CaseUserForm,
    EditCaseForm,
    LinkForm,
    NewCaseForm,
    ParticipantChangeForm,
    ParticipantForm,
    StatusForm,
)
from .legal_bases import active_legal_bases
from .models import Case, CaseLink, CaseOrganisation, CaseStatus


@bp.app_context_processor
def _labels():
    return {
        "case_status_labels": STATUS_LABELS,
        "case_target_labels": TARGET_LABELS,
        "case_explosive_labels": EXPLOSIVE_LABELS,
        "case_role_labels": ROLE_LABELS,
    }


# --- the list ---------------------------------------------------------------------------------


@bp.get("/casussen")
def index():
    """The cases the user takes part in, newest incident first."""
    form = CaseFilterForm(request.args)
    municipalities = queries.case_municipalities(current_user)
    form.gemeente.choices = [("", _("Alle"))] + municipalities
    statuses = {s.value for s in CaseStatus}
    page = paginate(
        queries.case_list(
            current_user,
            status=CaseStatus(form.status.data) if form.status.data in statuses else None,
            municipality_id=form.gemeente.data or None,
            text=form.q.data or "",
        )
    )
    return render_template(
        "cases/index.html",
        form=form,
        page=page,
        may_create=can(current_user, "case.create"),
        # translated once for the list, not once for each row
        case_status_labels=translated(STATUS_LABELS),
        case_target_labels=translated(TARGET_LABELS),
        case_path=path_before_id("cases.show", "case_id"),
    )


# --- opening a case ---------------------------------------------------------------------------


def _municipality_choices() -> list[tuple]:
    """A municipality member opens cases for their own municipality; the police, the OM and
    the secretariat for any active municipality."""
    own = own_municipalities_only(current_user)
    if own is not None:
        organisations = sorted(own, key=lambda o: o.name)
    else:
        organisations = db.session.scalars(
            select(Organisation)
            .where(Organisation.type == OrgType.MUNICIPALITY, Organisation.active.is_(True))
            .order_by(Organisation.name)
        ).all()
    return [(o.id, o.name) for o in organisations]


def _organisation_choices(exclude=()) -> list[tuple]:
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).all()
    return [("", _("Kies een organisatie"))] + [
        (o.id, o.name) for o in organisations if o.id not in exclude
    ]


def _basis_choices() -> list[tuple]:
    return [("", _("Kies een grondslag"))] + [(b.id, b.name) for b in active_legal_bases()]


def _new_case_form() -> NewCaseForm:
    form = NewCaseForm()
    form.municipality_id.choices = _municipality_choices()
    form.legal_basis_id.choices = _basis_choices()
    organisations = _organisation_choices()
    for _n, org_field, _role, _core, _address in form.participant_rows():
        org_field.choices = organisations
    return form


def _participants(form: NewCaseForm) -> list[service.Participant]:
    chosen = []
    for _n, org_field, role, core, address in form.participant_rows():
        if not org_field.data:
            continue
        organisation = db.session.get(Organisation, org_field.data)
        if organisation is None or role.data is None:
            raise ServiceError(_("Kies een organisatie uit de lijst."), org_field.name)
        chosen.append(service.Participant(organisation, role.data, core.data, address.data))
    return chosen


def _open_case(form: NewCaseForm) -> Case:
    municipality = db.session.get(Organisation, form.municipality_id.data or 0)
    case = service.create_case(
        actor=current_user,
        municipality=municipality,
        address=form.address.data or "",
        participants=_participants(form),
        **form.case_fields(),
    )
    for email in form.people_emails():
        _add_person(case, email, form.people_role.data, "people")
    return case


@bp.route("/casussen/nieuw", methods=["GET", "POST"])
def create():
    """Open a case: the incident, its legal basis and purpose, and who takes part."""
    if not can(current_user, "case.create"):
        abort(403)
    form = _new_case_form()
    if form.validate_on_submit():
        case = run_use_case(form, lambda: _open_case(form), success=_("De casus is aangemaakt."))
        if case is not REFUSED:
            return redirect(url_for(".show", case_id=case.id))
    status = 422 if form.is_submitted() else 200
    return render_template("cases/new.html", form=form), status


# --- the case page ----------------------------------------------------------------------------


def _participant_rows(case: Case) -> list[tuple[CaseOrganisation, SpaceRole | None]]:
    """The participating organisations, each with its role in the case space."""
    roles = dict(
        db.session.execute(
            select(SpaceGrant.organisation_id, SpaceGrant.role).where(
                SpaceGrant.space_id == case.space_id,
                SpaceGrant.principal_type == PrincipalType.ORGANISATION,
            )
        ).all()
    )
    rows = db.session.scalars(
        select(CaseOrganisation)
        .where(CaseOrganisation.case_id == case.id)
        .options(db.joinedload(CaseOrganisation.organisation))
    ).all()
    if "organisations" in inspect(case).unloaded:
        # The same rows: the policy's checks of the case's items read them, one SELECT fewer.
        set_committed_value(case, "organisations", list(rows))
    rows = sorted(rows, key=lambda row: row.organisation.name)
    return [
        (row, SpaceRole(roles[row.organisation_id]) if row.organisation_id in roles else None)
        for row in rows
    ]


def _status_form(case: Case, formdata=None) -> StatusForm | None:
    if not can(current_user, "case.change_status", case):
        return None
    form = StatusForm(formdata) if formdata is not None else StatusForm(formdata=None)
    form.status.choices = [(s.value, STATUS_LABELS[s]) for s in service.TRANSITIONS[case.status]]
    return form


def _render_case(case: Case, *, status_form=None, link_form=None, status: int = 200):
    """The case page; every time it is shown, the read is in the case's access log."""
    from .items import item_sections  # helper B's module; imported late to keep them apart

    commit_side_effect(service.record_opening, case, actor=current_user._get_current_object())
    may_edit = can(current_user, "case.edit", case)
    page = render_template(
        "cases/show.html",
        case=case,
        status_form=status_form or _status_form(case),
        link_form=link_form or (LinkForm(formdata=None) if may_edit else None),
        may_edit=may_edit,
        may_manage=can(current_user, "case.manage", case),
        may_read_address=can(current_user, "case.read_address", case),
        participants=_participant_rows(case),
        linked=service.linked_cases(case, current_user),
        # hit / no-hit: only the case's managers are told whom to contact
        matches=service.matches(case) if can(current_user, "case.manage", case) else [],
        items=item_sections(case, current_user),
        action_form=ActionForm(formdata=None),
    )
    return page, status


@bp.get("/casussen/<int:case_id>")
def show(case_id):
    return _render_case(load_case(case_id))


@bp.post("/casussen/<int:case_id>/status")
def change_status(case_id):
    case = load_case(case_id, "case.change_status")
    form = _status_form(case, request.form)
    if form.validate_on_submit():
        try:
            new_status = CaseStatus(form.status.data)
        except ValueError:
            new_status = None
        done = run_use_case(
            form,
            lambda: _change_status(case, new_status),
            success=_("De status is gewijzigd."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", case_id=case.id))
    return _render_case(case, status_form=form, status=422)


def _change_status(case: Case, new_status: CaseStatus | None) -> None:
    if new_status is None:
        raise ServiceError(_("Deze statuswijziging is niet mogelijk."), "status")
    service.change_status(case, new_status, actor=current_user)


@bp.get("/casussen/<int:case_id>/adres")
def address(case_id):
    """The full address on a page of its own, for the organisations given access; audited."""
    case = load_case(case_id, "case.read_address")
    full_address = commit_side_effect(service.read_address, case, actor=current_user)
    return render_template("cases/address.html", case=case, address=full_address)


# --- changing a case --------------------------------------------------------------------------


def _edit_values(case: Case) -> dict:
    """The case as its edit form shows it (never the full address: the form does not show it,
    and what is not shown is not compared, see editing.py)."""
    return {
        "occurred_date": local(case.occurred_at).date(),
        "occurred_time": local(case.occurred_at).time(),
        "target_type": case.target_type.value,
        "explosive_type": case.explosive_type.value,
        "postcode4": case.postcode4,
        "neighbourhood": case.neighbourhood,
        "damage": case.damage,
        "injured": case.injured,
        "description": case.description,
        "legal_basis_id": case.legal_basis_id,
        "purpose": case.purpose,
    }


def _edit_form(case: Case) -> EditCaseForm:
    if request.method == "POST":
        form = EditCaseForm()
    else:
        form = EditCaseForm(formdata=None, **_edit_values(case))
    form.legal_basis_id.choices = _basis_choices()
    form.address.description = _(
        "Laat leeg om het adres niet te wijzigen; het huidige adres wordt hier niet getoond. "
        "Alleen organisaties met toegang tot het adres zien het."
    )
    return form


def _new_address(form: EditCaseForm) -> str | None:
    """ "" removes the address, None leaves it as it is (the form never shows it)."""
    if form.remove_address.data:
        return ""
    return form.address.data or None


@bp.route("/casussen/<int:case_id>/bewerken", methods=["GET", "POST"])
def edit(case_id):
    case = load_case(case_id, "case.edit")
    form = _edit_form(case)
    edit = Edit(form, case, lambda: _edit_values(case))
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.update_case(
                case, actor=current_user, address=_new_address(form), **form.case_fields()
            ),
            success=_("De casus is opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", case_id=case.id))
    return render_template("cases/edit.html", case=case, form=form), edit.status


# --- participants -----------------------------------------------------------------------------


def _user_grants(case: Case) -> list[SpaceGrant]:
    return db.session.scalars(
        select(SpaceGrant)
        .where(
            SpaceGrant.space_id == case.space_id,
            SpaceGrant.principal_type == PrincipalType.USER,
        )
        .options(db.joinedload(SpaceGrant.user).selectinload(User.memberships))
        .order_by(SpaceGrant.id)
    ).all()


def _add_participant_form(case: Case, formdata=None) -> ParticipantForm:
    form = ParticipantForm(formdata) if formdata is not None else ParticipantForm(formdata=None)
    taking_part = {row.organisation_id for row in case.organisations}
    form.organisation_id.choices = _organisation_choices(exclude=taking_part)
    return form


def _render_participants(case, *, add_form=None, user_form=None, status=200):
    may_manage = can(current_user, "case.manage", case)
    rows = _participant_rows(case)
    change_forms = {}
    if may_manage:
        for row, role in rows:
            change_forms[row.organisation_id] = ParticipantChangeForm(
                formdata=None,
                prefix=f"org{row.organisation_id}",
                role=(role or SpaceRole.CONTRIBUTOR).value,
                core=row.core,
                address_access=row.address_access,
            )
    page = render_template(
        "cases/participants.html",
        case=case,
        participants=rows,
        user_grants=_user_grants(case),
        may_manage=may_manage,
        change_forms=change_forms,
        add_form=(add_form or _add_participant_form(case)) if may_manage else None,
        user_form=(user_form or CaseUserForm(formdata=None)) if may_manage else None,
        action_form=ActionForm(formdata=None),
    )
    return page, status


@bp.get("/casussen/<int:case_id>/deelnemers")
def participants(case_id):
    """Who takes part: the organisations with their role and reach, and named persons."""
    return _render_participants(load_case(case_id))


def _bring_in(case: Case, form: ParticipantForm):
    organisation = db.session.get(Organisation, form.organisation_id.data or 0)
    if organisation is None or form.role.data is None:
        raise ServiceError(_("Kies een organisatie uit de lijst."), "organisation_id")
    if service.participation(case, organisation.id) is not None:
        raise ServiceError(
            _("Deze organisatie neemt al deel. Wijzig haar rol in de lijst."), "organisation_id"
        )
    participant = service.Participant(
        organisation, form.role.data, form.core.data, form.address_access.data
    )
    return service.add_participant(case, participant, actor=current_user)


@bp.post("/casussen/<int:case_id>/deelnemers")
def add_participant(case_id):
    case = load_case(case_id, "case.manage")
    form = _add_participant_form(case, request.form)
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: _bring_in(case, form),
            success=_("De organisatie neemt nu deel aan de casus."),
        )
        if done is not REFUSED:
            return redirect(url_for(".participants", case_id=case.id))
    return _render_participants(case, add_form=form, status=422)


def _participation_or_404(case: Case, organisation_id: int) -> CaseOrganisation:
    """An organisation's participation in this case; one that takes no part is an audited
    refusal."""
    row = service.participation(case, organisation_id)
    if row is None:
        not_found("case.manage", target=("organisation", organisation_id))
    return row


@bp.post("/casussen/<int:case_id>/deelnemers/<int:org_id>")
def update_participant(case_id, org_id):
    case = load_case(case_id, "case.manage")
    row = _participation_or_404(case, org_id)
    form = ParticipantChangeForm(prefix=f"org{org_id}")
    if form.validate_on_submit() and form.role.data is not None:
        participant = service.Participant(
            row.organisation, form.role.data, form.core.data, form.address_access.data
        )
        done = run_use_case(
            form,
            lambda: service.add_participant(case, participant, actor=current_user),
            success=_("De deelname is gewijzigd."),
        )
        if done is not REFUSED:
            return redirect(url_for(".participants", case_id=case.id))
    for error in [e for errors in form.errors.values() for e in errors] or [_("Kies een rol.")]:
        flash(error, "error")
    return redirect(url_for(".participants", case_id=case.id))


@bp.post("/casussen/<int:case_id>/deelnemers/<int:org_id>/verwijderen")
def remove_participant(case_id, org_id):
    case = load_case(case_id, "case.manage")
    row = _participation_or_404(case, org_id)
    form = ActionForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.remove_participant(case, row.organisation, actor=current_user),
            success=_("De organisatie neemt niet meer deel aan de casus."),
        )
        if done is REFUSED:
            for error in form.form_errors + [e for v in form.errors.values() for e in v]:
                flash(error, "error")
    return redirect(url_for(".participants", case_id=case.id))


def _add_person(case: Case, email: str, role: SpaceRole | None, field: str = "email") -> None:
    """Only an active user of a participating organisation; the answer is the same whether or
    not an account exists, so the form tells nothing about other organisations' users."""
    user = find_user_by_email(email)
    taking_part = {row.organisation_id for row in case.organisations}
    if (
        user is None
        or not user.active
        or not taking_part & {m.organisation_id for m in user.memberships}
        or role is None
    ):
        message = _("Geen actieve gebruiker van een deelnemende organisatie met dit e-mailadres.")
        if field != "email":  # a list of addresses: say which one
            message = f"{message} ({email})"
        raise ServiceError(message, field)
    service.add_user(case, user, role, actor=current_user)


@bp.post("/casussen/<int:case_id>/deelnemers/personen")
def add_case_user(case_id):
    case = load_case(case_id, "case.manage")
    form = CaseUserForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: _add_person(case, form.email.data, form.person_role.data),
            success=_("De persoon neemt nu deel aan de casus."),
        )
        if done is not REFUSED:
            return redirect(url_for(".participants", case_id=case.id))
    return _render_participants(case, user_form=form, status=422)


@bp.post("/casussen/<int:case_id>/deelnemers/personen/<int:grant_id>/verwijderen")
def remove_case_user(case_id, grant_id):
    case = load_case(case_id, "case.manage")
    grant = load_child_or_404(
        case.space,
        SpaceGrant,
        grant_id,
        "case.manage",
        where=(SpaceGrant.principal_type == PrincipalType.USER,),
    )
    form = ActionForm()
    if form.validate_on_submit():
        run_use_case(
            form,
            lambda: service.remove_user(case, grant, actor=current_user),
            success=_("De persoon neemt niet meer deel aan de casus."),
        )
    return redirect(url_for(".participants", case_id=case.id))


# --- links between cases ----------------------------------------------------------------------


def _link(case: Case, reference: str) -> None:
    """Only a case the user may see and edit; any other answer is the same, so the form does
    not tell whether a case with that reference exists."""
    other = db.session.scalar(
        select(Case).where(Case.reference == reference.upper(), visible_cases(current_user))
    )
    if other is None or not can(current_user, "case.edit", other):
        raise ServiceError(
            _("Geen casus gevonden die u mag bewerken met dit kenmerk."), "reference"
        )
    service.link_cases(case, other, actor=current_user)


@bp.post("/casussen/<int:case_id>/koppelingen")
def link(case_id):
    case = load_case(case_id, "case.edit")
    form = LinkForm()
    if form.validate_on_submit():
        done = run_use_case(
            form, lambda: _link(case, form.reference.data), success=_("De casussen zijn gekoppeld.")
        )
        if done is not REFUSED:
            return redirect(url_for(".show", case_id=case.id))
    return _render_case(case, link_form=form, status=422)


@bp.post("/casussen/<int:case_id>/koppelingen/<int:other_id>/verwijderen")
def unlink(case_id, other_id):
    case = load_case(case_id, "case.edit")
    # A link is looked up inside its case: one that does not exist here is not found.
    if db.session.get(CaseLink, (case.id, other_id)) is None:
        not_found("case.edit", target=("case", other_id))
    form = ActionForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.unlink_cases(case, other_id, actor=current_user),
            success=_("De koppeling is verwijderd."),
        )
        if done is REFUSED:
            for error in form.form_errors:
                flash(error, "error")
    return redirect(url_for(".show", case_id=case.id))


# --- the access log ---------------------------------------------------------------------------


def _document_titles(events) -> dict[str, str]:
    """Titles of the documents read, as far as the reader of the log may see them."""
    ids = {int(e.target_id) for e in events if e.target_type == "document" and e.target_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Document.id, Document.title).where(
            Document.id.in_(ids), visible_documents(current_user)
        )
    ).all()
    return {str(document_id): title for document_id, title in rows}


@bp.get("/casussen/<int:case_id>/toegangslog")
def access_log(case_id):
    """Who read what of the case, and when: the case, its address and its documents."""
    case = load_case(case_id, "case.view_access_log")
    form = AccessLogFilterForm(request.args)
    readers = queries.case_readers(case)
    form.persoon.choices = [("", _("Iedereen"))] + [(u.id, u.name) for u in readers]
    page = paginate(queries.access_log(case, reader_id=form.persoon.data or None))
    return render_template(
        "cases/access_log.html",
        case=case,
        form=form,
        page=page,
        titles=_document_titles(page.items),
    )
