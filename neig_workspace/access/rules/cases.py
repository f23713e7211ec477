"""Casework: a case is read through its case space: a grant there makes a participant, and the
space asks for a second factor. Within the case, core organisations (the local triangle) read
every item that is not narrowed; any other participating organisation reads only what was given
to it: items narrowed to it, its own aftercare tasks and the measures it carries out. A platform
admin without a grant sees nothing of a case, not even that it exists."""

from sqlalchemy import ColumnElement, exists, false, select

from ...cases.models import (
    AftercareTask,
    Case,
    CaseDocument,
    Measure,
    ReleaseRequest,
    TimelineEntry,
    TimelineNarrowing,
)
from ...documents.models import Document
from ...extensions import db
from ...organisations.models import Organisation, OrgType
from ...spaces.models import SpaceKind
from ..roles import SpaceRole
from ..scope import (
    _active,
    _core_case_space_ids,
    _grants_from,
    _has_role,
    _in,
    _member_org_ids,
    _member_orgs,
    _network_member,
    _open_space_ids,
    _per_request,
    _platform_admin_only,
    _row_exists,
)

#: Members of these may open a case (a municipality for itself); the secretariat too.
CASE_CREATOR_TYPES = (OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.PUBLIC_PROSECUTOR)


def case_creator_organisations(user) -> list[Organisation]:
    """The active organisations in whose name `user` may open a case."""
    return [
        m.organisation
        for m in user.memberships
        if m.organisation.active
        and (m.organisation.type in CASE_CREATOR_TYPES or user.is_secretariat)
    ]


def own_municipalities_only(user) -> list[Organisation] | None:
    """A municipality opens cases only for itself: for a user whose case-opening organisations
    are all municipalities, those municipalities (none at all for someone who may not open a
    case); None for the police, the OM and the secretariat, who open cases for any active
    municipality. The case form, `create_case` and the case import all ask this."""
    allowed = case_creator_organisations(user)
    if not user.is_secretariat and all(o.type == OrgType.MUNICIPALITY for o in allowed):
        return allowed
    return None


def _case_create(user, obj=None) -> bool:
    return bool(case_creator_organisations(user))


def _case_core(user, case: Case) -> bool:
    member_orgs = _member_org_ids(user)
    return any(co.core and co.organisation_id in member_orgs for co in case.organisations)


def _case_role(user, case: Case, minimum: SpaceRole) -> bool:
    return case.space.archived_at is None and _has_role(user, case.space, minimum)


def _case_view(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.VIEWER)


def _case_contribute(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.CONTRIBUTOR)


def _case_edit(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.EDITOR) and _case_core(user, case)


def _case_manage(user, case: Case) -> bool:
    return _case_role(user, case, SpaceRole.MANAGER) and _case_core(user, case)


def _case_read_address(user, case: Case) -> bool:
    if not case.has_address or not _case_view(user, case):
        return False
    member_orgs = _member_org_ids(user)
    return any(co.address_access and co.organisation_id in member_orgs for co in case.organisations)


def _manages_a_case(user, obj=None) -> bool:
    """A case manager somewhere (a manager grant in a core organisation of a case): who looks
    up, for a resident's request, the cases they manage at an address (hit / no-hit). A
    platform admin holds no grant, so never."""
    if not _active(user):
        return False
    managed = (
        select(Case.id)
        .where(
            visible_cases(user),
            _in(Case.space_id, _grants_from(user, SpaceRole.MANAGER)),
            _in(Case.space_id, _core_case_space_ids(user)),
        )
        .limit(1)
    )
    return db.session.scalar(managed) is not None


def _measure_view(user, measure: Measure) -> bool:
    if not _case_view(user, measure.case):
        return False
    return _case_core(user, measure.case) or measure.responsible_organisation_id in _member_org_ids(
        user
    )


def _measure_edit(user, measure: Measure) -> bool:
    return _measure_view(user, measure) and _case_edit(user, measure.case)


def _task_view(user, task: AftercareTask) -> bool:
    if not _case_view(user, task.case):
        return False
    return _case_core(user, task.case) or task.organisation_id in _member_org_ids(user)


def _task_edit(user, task: AftercareTask) -> bool:
    return _task_view(user, task) and _case_edit(user, task.case)


def _task_update(user, task: AftercareTask) -> bool:
    """Report on a task: its owner, a contributing member of its organisation, or an editor."""
    if not _task_view(user, task):
        return False
    if task.owner_id == user.id or _case_edit(user, task.case):
        return True
    return task.organisation_id in _member_org_ids(user) and _case_contribute(user, task.case)


def _entry_view(user, entry: TimelineEntry) -> bool:
    if not _case_view(user, entry.case):
        return False
    if not entry.narrowing:
        return _case_core(user, entry.case)
    member_orgs = _member_org_ids(user)
    return any(n.organisation_id in member_orgs for n in entry.narrowing)


def _entry_reshare(user, entry: TimelineEntry) -> bool:
    return _entry_view(user, entry) and _case_edit(user, entry.case)


def _release_decide(user, request: ReleaseRequest) -> bool:
    """A case manager of the supplying organisation answers a pending request."""
    return (
        request.state == "pending"
        and _case_manage(user, request.case)
        and request.supplier_organisation_id in _member_org_ids(user)
    )


def _release_view(user, request: ReleaseRequest) -> bool:
    if not _case_view(user, request.case):
        return False
    if request.requested_by_id == user.id:
        return True
    return _case_manage(user, request.case) and (
        request.supplier_organisation_id in _member_org_ids(user)
    )


@_per_request
def visible_cases(user) -> ColumnElement[bool]:
    """Cases the user takes part in and may open now (a grant, and MFA in the session)."""
    if not _active(user):
        return false()
    return _in(Case.space_id, _open_space_ids(user))


# A case item's case, looked up by its key: `case_id IN (SELECT the user's cases)` made
# PostgreSQL read every measure of the network to count the few a search had found.


def _in_visible_case(case_id, user) -> ColumnElement[bool]:
    return _row_exists(Case.id, case_id, visible_cases(user))


def _in_core_case(case_id, user) -> ColumnElement[bool]:
    return _row_exists(Case.id, case_id, _in(Case.space_id, _core_case_space_ids(user)))


@_per_request
def visible_measures(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    return _in_visible_case(Measure.case_id, user) & (
        _in_core_case(Measure.case_id, user)
        | _in(Measure.responsible_organisation_id, _member_orgs(user))
    )


@_per_request
def visible_tasks(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    return _in_visible_case(AftercareTask.case_id, user) & (
        _in_core_case(AftercareTask.case_id, user)
        | _in(AftercareTask.organisation_id, _member_orgs(user))
    )


@_per_request
def visible_timeline_entries(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    narrowed = select(TimelineNarrowing.entry_id).where(
        TimelineNarrowing.entry_id == TimelineEntry.id
    )
    allowed = narrowed.where(_in(TimelineNarrowing.organisation_id, _member_orgs(user)))
    given_to_all = ~exists(narrowed) & _in_core_case(TimelineEntry.case_id, user)
    return _in_visible_case(TimelineEntry.case_id, user) & (given_to_all | exists(allowed))


@_per_request
def visible_release_requests(user) -> ColumnElement[bool]:
    if not _active(user):
        return false()
    managed = select(Case.id).where(
        visible_cases(user),
        _in(Case.space_id, _grants_from(user, SpaceRole.MANAGER)),
        _in(Case.space_id, _core_case_space_ids(user)),
    )
    to_decide = _in(ReleaseRequest.case_id, managed) & _in(
        ReleaseRequest.supplier_organisation_id, _member_orgs(user)
    )
    own = (ReleaseRequest.requested_by_id == user.id) & _in_visible_case(
        ReleaseRequest.case_id, user
    )
    return own | to_decide


def case_document(document: Document) -> CaseDocument | None:
    """Where a document in a case came from (None outside cases)."""
    if document.space.kind != SpaceKind.CASE:
        return None
    return db.session.get(CaseDocument, document.id)


ACTIONS = {
    "case.create": (None, _case_create),
    "case.import": (None, _case_create),
    "case.statistics": (None, _network_member),
    "case.view": (Case, _case_view),
    "case.contribute": (Case, _case_contribute),
    "case.edit": (Case, _case_edit),
    "case.change_status": (Case, _case_edit),
    "case.manage": (Case, _case_manage),
    "case.view_access_log": (Case, _case_manage),
    "case.view_disclosures": (Case, _case_manage),
    "case.read_address": (Case, _case_read_address),
    "case.search_address": (None, _manages_a_case),
    "case_measure.view": (Measure, _measure_view),
    "case_measure.edit": (Measure, _measure_edit),
    "case_task.view": (AftercareTask, _task_view),
    "case_task.edit": (AftercareTask, _task_edit),
    "case_task.update": (AftercareTask, _task_update),
    "case_entry.view": (TimelineEntry, _entry_view),
    "case_entry.reshare": (TimelineEntry, _entry_reshare),
    "case_release.view": (ReleaseRequest, _release_view),
    "case_release.decide": (ReleaseRequest, _release_decide),
    "legal_basis.manage": (None, _platform_admin_only),
}
VIEW_ACTION = {
    Case: "case.view",
    Measure: "case_measure.view",
    AftercareTask: "case_task.view",
    TimelineEntry: "case_entry.view",
    ReleaseRequest: "case_release.view",
}
VISIBLE = {
    Case: visible_cases,
    Measure: visible_measures,
    AftercareTask: visible_tasks,
    TimelineEntry: visible_timeline_entries,
    ReleaseRequest: visible_release_requests,
}
SUBJECTS = {
    "case": lambda user: select(Case.id).where(visible_cases(user)),
    "case_task": lambda user: select(AftercareTask.id).where(visible_tasks(user)),
}
