"""Use cases for a case's measures, aftercare tasks and timeline entries.

Each function changes the models in the caller's transaction and writes its audit event; the
view has checked the policy and commits once. Audit details hold ids and field names only (they
outlive the case's retention). What a non-core organisation is given is written in the case's
disclosure register; an e-mail about an item carries no case content, only a link.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..access import policy
from ..accounts.models import User
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..notifications.models import NotificationKind
from ..notifications.service import notify
from ..organisations.models import Membership, Organisation
from ..timeutil import utcnow
from . import service
from .items import ENTRY_TEXT_MAX, MEASURE_TYPE_LABELS, TASK_KIND_LABELS, entry_label
from .models import (
    AftercareKind,
    AftercareTask,
    Case,
    CaseOrganisation,
    EntryKind,
    LegalBasis,
    Measure,
    MeasureStatus,
    MeasureType,
    TaskStatus,
    TimelineEntry,
    TimelineNarrowing,
)


@dataclass
class MeasureData:
    type: MeasureType | None
    responsible_organisation_id: int | None
    status: MeasureStatus | None = MeasureStatus.VOORGENOMEN
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    #: why it is shared; empty: the case's purpose
    purpose: str = ""


@dataclass
class TaskData:
    kind: AftercareKind | None
    organisation_id: int | None
    owner_id: int | None = None
    status: TaskStatus | None = TaskStatus.OPEN
    description: str = ""
    due_date: date | None = None
    #: why it is shared; empty: the case's purpose
    purpose: str = ""


@dataclass
class EntryData:
    #: naive UTC, as every timestamp is stored
    occurred_at: datetime | None
    kind: EntryKind | None
    text: str
    legal_basis_id: int | None
    narrowing: list[int] = field(default_factory=list)
    #: why it is shared; empty: the case's purpose
    purpose: str = ""


def _participation(case: Case, organisation_id: int | None, field_name: str) -> CaseOrganisation:
    row = next((co for co in case.organisations if co.organisation_id == organisation_id), None)
    if row is None:
        raise ServiceError(_("Kies een organisatie die aan de casus deelneemt."), field_name)
    return row


def _disclose_to_limited(case, row: CaseOrganisation, item_type, item_id, label, *, actor):
    """A core organisation reads every item anyway; any other is given this one."""
    if not row.core:
        service.register_disclosure(case, row.organisation, item_type, item_id, label, actor=actor)


def _purpose(case: Case, purpose: str) -> str:
    """Why an item is shared: as given, else the case's purpose."""
    purpose = (purpose or "").strip()
    if len(purpose) > 1000:
        raise ServiceError(_("Gebruik hoogstens 1000 tekens."), "purpose")
    return purpose or case.purpose


def _changed(obj, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# --- measures -------------------------------------------------------------------------------


def _measure_values(case: Case, data: MeasureData) -> tuple[dict, CaseOrganisation]:
    if data.type is None:
        raise ServiceError(_("Kies een soort maatregel."), "type")
    row = _participation(case, data.responsible_organisation_id, "responsible_organisation_id")
    if data.status is None:
        raise ServiceError(_("Kies een status."), "status")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise ServiceError(_("De einddatum mag niet voor de startdatum liggen."), "end_date")
    values = {
        "type": data.type,
        "responsible_organisation_id": row.organisation_id,
        "status": data.status,
        "description": (data.description or "").strip(),
        "start_date": data.start_date,
        "end_date": data.end_date,
        "purpose": _purpose(case, data.purpose),
    }
    return values, row


def _measure_label(measure: Measure) -> str:
    return str(MEASURE_TYPE_LABELS[measure.type])


def add_measure(case: Case, data: MeasureData, *, actor) -> Measure:
    """Record a measure (the mayor's or another partner's) and who carries it out."""
    values, row = _measure_values(case, data)
    measure = Measure(case_id=case.id, created_by_id=actor.id, **values)
    db.session.add(measure)
    db.session.flush()
    audit.record(
        "case_measure.created",
        actor=actor,
        target_type="case_measure",
        target_id=measure.id,
        space_id=case.space_id,
        details={"case": case.id, "organisation": row.organisation_id},
    )
    _disclose_to_limited(case, row, "measure", measure.id, _measure_label(measure), actor=actor)
    return measure


def update_measure(measure: Measure, data: MeasureData, *, actor) -> list[str]:
    case = measure.case
    values, row = _measure_values(case, data)
    before = measure.responsible_organisation_id
    changed = _changed(measure, values)
    if not changed:
        return []
    measure.updated_at = utcnow()
    audit.record(
        "case_measure.updated",
        actor=actor,
        target_type="case_measure",
        target_id=measure.id,
        space_id=case.space_id,
        details={"case": case.id, "fields": changed},
    )
    if row.organisation_id != before:
        _disclose_to_limited(case, row, "measure", measure.id, _measure_label(measure), actor=actor)
    return changed


# --- aftercare tasks ------------------------------------------------------------------------


def may_own(case: Case, organisation_id: int, user_id: int) -> bool:
    """An active member of the organisation who may open the case (decided in SQL)."""
    query = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == user_id,
            Membership.organisation_id == organisation_id,
            policy.space_readers(case.space),
        )
    )
    return db.session.scalar(query) is not None


def _task_values(case: Case, data: TaskData) -> tuple[dict, CaseOrganisation]:
    if data.kind is None:
        raise ServiceError(_("Kies een soort nazorg."), "kind")
    row = _participation(case, data.organisation_id, "organisation_id")
    if data.owner_id is not None and not may_own(case, row.organisation_id, data.owner_id):
        raise ServiceError(
            _("Kies als eigenaar iemand van de uitvoerende organisatie die de casus kan openen."),
            "owner_id",
        )
    if data.status is None:
        raise ServiceError(_("Kies een status."), "status")
    values = {
        "kind": data.kind,
        "organisation_id": row.organisation_id,
        "owner_id": data.owner_id,
        "status": data.status,
        "description": (data.description or "").strip(),
        "due_date": data.due_date,
        "purpose": _purpose(case, data.purpose),
    }
    return values, row


def _tell_assignees(task: AftercareTask, case: Case, *, actor) -> None:
    """The owner, or without one every member of the organisation who may read the task, is
    told (the reference and a link; the e-mail holds no case content)."""
    if task.owner_id is not None:
        users = [db.session.get(User, task.owner_id)]
    else:
        users = db.session.scalars(
            select(User).where(policy.space_readers(case.space, [task.organisation_id]))
        ).all()
    for user in users:
        notify(
            user,
            kind=NotificationKind.CASE_TASK,
            subject_type="case_task",
            subject_id=task.id,
            url=f"/casussen/{case.id}#taak-{task.id}",
            title=case.reference,
            actor=actor,
            confidential=True,
        )


def add_task(case: Case, data: TaskData, *, actor) -> AftercareTask:
    """Give an aftercare task to a participating organisation (and, optionally, a person)."""
    values, row = _task_values(case, data)
    task = AftercareTask(case_id=case.id, created_by_id=actor.id, **values)
    db.session.add(task)
    db.session.flush()
    audit.record(
        "case_task.created",
        actor=actor,
        target_type="case_task",
        target_id=task.id,
        space_id=case.space_id,
        details={"case": case.id, "organisation": row.organisation_id, "owner": task.owner_id},
    )
    _disclose_to_limited(case, row, "task", task.id, TASK_KIND_LABELS[task.kind], actor=actor)
    _tell_assignees(task, case, actor=actor)
    return task


def update_task(task: AftercareTask, data: TaskData, *, actor) -> list[str]:
    case = task.case
    values, row = _task_values(case, data)
    changed = _changed(task, values)
    if not changed:
        return []
    task.updated_at = utcnow()
    audit.record(
        "case_task.updated",
        actor=actor,
        target_type="case_task",
        target_id=task.id,
        space_id=case.space_id,
        details={"case": case.id, "fields": changed},
    )
    if "organisation_id" in changed:
        _disclose_to_limited(case, row, "task", task.id, TASK_KIND_LABELS[task.kind], actor=actor)
    if {"organisation_id", "owner_id"} & set(changed):
        _tell_assignees(task, case, actor=actor)
    return changed


def update_task_status(task: AftercareTask, status: TaskStatus | None, *, actor) -> bool:
    """Report how far a task is; True when the status changed."""
    if status is None:
        raise ServiceError(_("Kies een status."), "status")
    if status == task.status:
        return False
    before = task.status
    task.status = status
    task.updated_at = utcnow()
    audit.record(
        "case_task.status_changed",
        actor=actor,
        target_type="case_task",
        target_id=task.id,
        space_id=task.case.space_id,
        details={"case": task.case_id, "from": before.value, "to": status.value},
    )
    return True


# --- the timeline ---------------------------------------------------------------------------


def supplier_for(case: Case, user) -> Organisation:
    """The organisation an entry comes from: the user's first organisation that takes part in
    the case, else their primary organisation."""
    taking_part = {co.organisation_id for co in case.organisations}
    for membership in user.memberships:
        if membership.organisation_id in taking_part:
            return membership.organisation
    return user.primary_organisation


def _entry_checks(case: Case, data: EntryData) -> tuple[str, LegalBasis]:
    if data.occurred_at is None:
        raise ServiceError(_("Vul een datum en tijd in."), "occurred_at")
    if data.kind is None:
        raise ServiceError(_("Kies een soort."), "kind")
    text = (data.text or "").strip()
    if not text:
        raise ServiceError(_("Vul de tekst in."), "text")
    if len(text) > ENTRY_TEXT_MAX:
        raise ServiceError(
            _("De tekst is te lang: hoogstens %(max)d tekens.", max=ENTRY_TEXT_MAX), "text"
        )
    basis = db.session.get(LegalBasis, data.legal_basis_id) if data.legal_basis_id else None
    if basis is None or not basis.active:
        raise ServiceError(_("Kies een grondslag uit de lijst."), "legal_basis_id")
    taking_part = {co.organisation_id for co in case.organisations}
    if not set(data.narrowing) <= taking_part:
        raise ServiceError(_("Kies alleen organisaties die aan de casus deelnemen."), "narrowing")
    return text, basis


def _narrowing(case: Case, chosen: list[int], supplier: Organisation) -> list[int]:
    """Narrowing never hides an entry from its supplier. A supplier outside the core that
    narrows nothing gives the entry to the core and keeps it itself (un-narrowed, only the
    core would read it)."""
    core = {co.organisation_id for co in case.organisations if co.core}
    if not chosen and supplier.id in core:
        return []
    wanted = set(chosen) or core
    return sorted(wanted | {supplier.id})


def add_entry(case: Case, data: EntryData, *, actor) -> TimelineEntry:
    """Add a dated entry to the timeline. Entries are never changed: a correction is a new
    entry."""
    text, basis = _entry_checks(case, data)
    supplier = supplier_for(case, actor)
    narrowing = _narrowing(case, data.narrowing, supplier)
    entry = TimelineEntry(
        case_id=case.id,
        occurred_at=data.occurred_at,
        kind=data.kind,
        text=text,
        author_id=actor.id,
        supplier_organisation_id=supplier.id,
        legal_basis_id=basis.id,
        purpose=_purpose(case, data.purpose),
        narrowing=[TimelineNarrowing(organisation_id=org_id) for org_id in narrowing],
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "case_entry.created",
        actor=actor,
        target_type="case_entry",
        target_id=entry.id,
        space_id=case.space_id,
        details={
            "case": case.id,
            "supplier": supplier.id,
            "legal_basis": basis.id,
            "narrowing": narrowing,
        },
    )
    readers = _reader_organisations(case, narrowing)
    label = entry_label(entry)
    for row in readers:
        if row.organisation_id != supplier.id:
            service.register_disclosure(
                case, row.organisation, "entry", entry.id, label, actor=actor, basis_id=basis.id
            )
    _tell_readers(case, [row.organisation_id for row in readers], actor=actor)
    return entry


def _reader_organisations(case: Case, narrowing: list[int]) -> list[CaseOrganisation]:
    """The participating organisations that read the entry: those it is narrowed to, or else
    the core."""
    if narrowing:
        return [co for co in case.organisations if co.organisation_id in narrowing]
    return [co for co in case.organisations if co.core]


def _tell_readers(case: Case, organisation_ids: list[int], *, actor) -> None:
    """Only who may read the entry is told that the case changed (the reference and a link);
    an unread notice about the same case is not repeated."""
    if not organisation_ids:
        return
    users = db.session.scalars(
        select(User).where(policy.space_readers(case.space, organisation_ids))
    ).all()
    for user in users:
        notify(
            user,
            kind=NotificationKind.CASE_UPDATE,
            subject_type="case",
            subject_id=case.id,
            url=f"/casussen/{case.id}#tijdlijn",
            title=case.reference,
            actor=actor,
            confidential=True,
        )
