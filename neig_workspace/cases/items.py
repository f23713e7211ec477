"""Measures, aftercare tasks and the timeline of a case: their Dutch labels and what the case
page shows of them, each list filtered by the policy in SQL."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..access import policy
from ..accounts.models import User
from ..extensions import db
from ..formatting import date_short
from ..organisations.models import Membership, Organisation
from .models import (
    AftercareKind,
    AftercareTask,
    Case,
    CaseOrganisation,
    EntryKind,
    Measure,
    MeasureStatus,
    MeasureType,
    TaskStatus,
    TimelineEntry,
)

MEASURE_TYPE_LABELS = {
    MeasureType.SLUITING_174A: _l("Sluiting pand (art. 174a Gemeentewet)"),
    MeasureType.SLUITING_13B: _l("Sluiting (art. 13b Opiumwet)"),
    MeasureType.CAMERATOEZICHT_151C: _l("Cameratoezicht (art. 151c Gemeentewet)"),
    MeasureType.VEILIGHEIDSRISICOGEBIED_151B: _l("Veiligheidsrisicogebied (art. 151b Gemeentewet)"),
    MeasureType.GEBIEDSVERBOD_172A: _l("Gebiedsverbod (art. 172a Gemeentewet)"),
    MeasureType.OVERIG: _l("Overige maatregel"),
}

MEASURE_STATUS_LABELS = {
    MeasureStatus.VOORGENOMEN: _l("voorgenomen"),
    MeasureStatus.ACTIEF: _l("actief"),
    MeasureStatus.BEEINDIGD: _l("beëindigd"),
    MeasureStatus.INGETROKKEN: _l("ingetrokken"),
}

TASK_KIND_LABELS = {
    AftercareKind.BEWONERSBRIEF: _l("Bewonersbrief"),
    AftercareKind.BUURTBIJEENKOMST: _l("Buurtbijeenkomst"),
    AftercareKind.HERSTEL_SCHADE: _l("Herstel schade"),
    AftercareKind.CONTACT_HUURDERS: _l("Contact met huurders"),
    AftercareKind.SCHADEAFHANDELING: _l("Schadeafhandeling"),
    AftercareKind.ONDERSTEUNING_ONDERNEMER: _l("Ondersteuning ondernemer"),
    AftercareKind.OVERIG: _l("Overige nazorg"),
}

TASK_STATUS_LABELS = {
    TaskStatus.OPEN: _l("open"),
    TaskStatus.BEZIG: _l("bezig"),
    TaskStatus.GEREED: _l("gereed"),
}

ENTRY_KIND_LABELS = {
    EntryKind.GEBEURTENIS: _l("Gebeurtenis"),
    EntryKind.BESLUIT: _l("Besluit"),
    EntryKind.CONTACT: _l("Contact"),
    EntryKind.NOTITIE: _l("Notitie"),
}

#: The longest timeline text (a note, not a document: documents go into the case's files).
ENTRY_TEXT_MAX = 5000

LABELS = {
    "measure_types": MEASURE_TYPE_LABELS,
    "measure_statuses": MEASURE_STATUS_LABELS,
    "task_kinds": TASK_KIND_LABELS,
    "task_statuses": TASK_STATUS_LABELS,
    "entry_kinds": ENTRY_KIND_LABELS,
}


def participating_organisations(case: Case) -> list[CaseOrganisation]:
    """The case's organisations with their names, by name."""
    return list(
        db.session.scalars(
            select(CaseOrganisation)
            .join(Organisation, Organisation.id == CaseOrganisation.organisation_id)
            .where(CaseOrganisation.case_id == case.id)
            .options(joinedload(CaseOrganisation.organisation))
            .order_by(Organisation.name)
        )
    )


def owner_candidates(case: Case) -> list[tuple[User, int]]:
    """(user, organisation id) for every active member of a participating organisation who may
    open the case: who may own an aftercare task of that organisation."""
    rows = db.session.execute(
        select(User, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .join(CaseOrganisation, CaseOrganisation.organisation_id == Membership.organisation_id)
        .where(CaseOrganisation.case_id == case.id, policy.space_readers(case.space))
        .order_by(User.name, User.id)
    )
    return [(user, organisation_id) for user, organisation_id in rows]


def _measures(case: Case, user) -> list[Measure]:
    return list(
        db.session.scalars(
            select(Measure)
            .where(Measure.case_id == case.id, policy.visible_measures(user))
            .options(joinedload(Measure.responsible_organisation))
            .order_by(Measure.start_date.is_(None), Measure.start_date, Measure.id)
        )
    )


def _tasks(case: Case, user) -> list[AftercareTask]:
    return list(
        db.session.scalars(
            select(AftercareTask)
            .where(AftercareTask.case_id == case.id, policy.visible_tasks(user))
            .options(joinedload(AftercareTask.organisation), joinedload(AftercareTask.owner))
            .order_by(AftercareTask.due_date.is_(None), AftercareTask.due_date, AftercareTask.id)
        )
    )


def _entries(case: Case, user) -> list[TimelineEntry]:
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case.id, policy.visible_timeline_entries(user))
            .options(
                joinedload(TimelineEntry.author),
                joinedload(TimelineEntry.supplier),
                joinedload(TimelineEntry.legal_basis),
                selectinload(TimelineEntry.narrowing),
            )
            .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        )
    )


def _organisation_names(entries: list[TimelineEntry]) -> dict[int, str]:
    """The names of the organisations entries are narrowed to (in one query)."""
    ids = {n.organisation_id for entry in entries for n in entry.narrowing}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


def item_sections(case: Case, user) -> dict:
    """What the case page shows of the case's items, each list filtered by the policy in SQL,
    with what `user` may do (decided by the policy, per item where it differs)."""
    measures, tasks, entries = _measures(case, user), _tasks(case, user), _entries(case, user)
    names = _organisation_names(entries)
    return {
        "measures": measures,
        "tasks": tasks,
        "entries": entries,
        "narrowed_to": {
            e.id: sorted(names.get(n.organisation_id, "") for n in e.narrowing) for e in entries
        },
        "labels": LABELS,
        "can": {
            "add_measure": policy.can(user, "case.edit", case),
            "add_task": policy.can(user, "case.edit", case),
            "add_entry": policy.can(user, "case.contribute", case),
            "edit_measure": {m.id for m in measures if policy.can(user, "case_measure.edit", m)},
            "edit_task": {t.id for t in tasks if policy.can(user, "case_task.edit", t)},
            "update_task": {t.id for t in tasks if policy.can(user, "case_task.update", t)},
        },
    }


def entry_label(entry: TimelineEntry) -> str:
    """How the disclosure register names an entry: its kind and date, not its text."""
    return f"{ENTRY_KIND_LABELS[entry.kind]} {date_short(entry.occurred_at)}"
