"""The disclosure register of a case (its rows, and as CSV for a supervisor or a subject
access request) and the case export, both CSV in the project's style (comments/export.py)."""

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ..access import policy
from ..audit import service as audit
from ..comments.export import CSV_DELIMITER, clean_text, format_datetime, neutralise_formula
from ..documents.models import Document
from ..extensions import db
from ..formatting import date_short, datetime_short
from ..organisations.models import Organisation
from . import originator
from .models import (
    AftercareTask,
    Case,
    CaseDocument,
    Disclosure,
    Measure,
    ReleaseAction,
    ReleaseRequest,
    ReleaseState,
    TimelineEntry,
)

#: What each kind of register row is about.
ITEM_TYPES = {
    "case": _l("Casusgegevens"),
    "address": _l("Volledig adres"),
    "document": _l("Document"),
    "entry": _l("Tijdlijnnotitie"),
    "measure": _l("Maatregel"),
    "task": _l("Nazorgtaak"),
}


def item_type_label(item_type: str) -> str:
    return str(ITEM_TYPES.get(item_type, item_type))


def register_query(case: Case, organisation_id: int | None = None):
    """The case's register rows, newest first; one query with whom and on which basis."""
    query = (
        select(Disclosure)
        .where(Disclosure.case_id == case.id)
        .options(
            db.joinedload(Disclosure.organisation),
            db.joinedload(Disclosure.legal_basis),
            db.joinedload(Disclosure.disclosed_by),
        )
        .order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc())
    )
    if organisation_id:
        query = query.where(Disclosure.organisation_id == organisation_id)
    return query


def _header() -> list[str]:
    return [
        _("Casus"),
        _("Organisatie"),
        _("Soort"),
        _("Wat"),
        _("Wanneer"),
        _("Grondslag"),
        _("Doel"),
        _("Door"),
    ]


#: Register rows about an item -> (model, the policy filter of that model).
_ITEM_FILTERS = {
    "document": lambda: (Document, policy.visible_documents),
    "entry": lambda: (TimelineEntry, policy.visible_timeline_entries),
    "measure": lambda: (Measure, policy.visible_measures),
    "task": lambda: (AftercareTask, policy.visible_tasks),
}


def visible_items(rows, user) -> set[tuple[str, int]]:
    """(item type, id) of the rows' items `user` may see: the register names an item only to
    whoever may see it (a document narrowed to the police is "a document" to the mayor)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.item_type in _ITEM_FILTERS and row.item_id is not None:
            wanted.setdefault(row.item_type, set()).add(row.item_id)
    seen = set()
    for item_type, ids in wanted.items():
        model, visible = _ITEM_FILTERS[item_type]()
        found = db.session.scalars(select(model.id).where(model.id.in_(ids), visible(user)))
        seen |= {(item_type, item_id) for item_id in found}
    return seen


def item_label(row: Disclosure, visible: set[tuple[str, int]]) -> str:
    about_an_item = row.item_type in _ITEM_FILTERS and row.item_id is not None
    if not about_an_item or (row.item_type, row.item_id) in visible:
        return row.item_label
    return _(
        "%(kind)s nr. %(id)s (niet zichtbaar voor u)",
        kind=item_type_label(row.item_type),
        id=row.item_id,
    )


def item_purpose(row: Disclosure, visible: set[tuple[str, int]]) -> str:
    """Why it was shared, beside the basis; withheld with the label of an item `visible`
    lacks (a purpose may say what the item is about)."""
    about_an_item = row.item_type in _ITEM_FILTERS and row.item_id is not None
    if not about_an_item or (row.item_type, row.item_id) in visible:
        return row.purpose
    return "—"


def _values(case: Case, row: Disclosure, visible: set[tuple[str, int]]) -> list[str]:
    return [
        case.reference,
        row.organisation.name,
        item_type_label(row.item_type),
        item_label(row, visible),
        format_datetime(row.disclosed_at),
        row.legal_basis.name,
        item_purpose(row, visible),
        row.disclosed_by.name if row.disclosed_by else "",
    ]


def export_csv(case: Case, *, actor, organisation_id: int | None = None) -> bytes:
    """The register as CSV (UTF-8 with BOM, ";"), cells that would run as a formula
    neutralised; audited."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
    )
    writer.writerow(_header())
    rows = db.session.scalars(register_query(case, organisation_id)).all()
    visible = visible_items(rows, actor)
    for row in rows:
        writer.writerow([neutralise_formula(clean_text(v)) for v in _values(case, row, visible)])
    audit.record(
        "case.disclosures_exported",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"organisation": organisation_id},
    )
    return buffer.getvalue().encode("utf-8-sig")


# --- the case export: the file as the user may see it -----------------------------------------


def _writer(buffer):
    return csv.writer(buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n")


def _row(writer, *values) -> None:
    writer.writerow(
        [neutralise_formula(clean_text(str(v) if v is not None else "")) for v in values]
    )


def _when(moment) -> str:
    if moment is None:
        return ""
    return datetime_short(moment) if hasattr(moment, "hour") else date_short(moment)


def _case_rows(writer, case: Case) -> None:
    section = _("Casus")
    for label, value in (
        (_("Referentie"), case.reference),
        (_("Gemeente"), case.municipality.name),
        (_("Datum en tijd"), _when(case.occurred_at)),
        (_("Soort doelwit"), case.target_type.value),
        (_("Soort explosief"), case.explosive_type.value),
        (_("Postcode (4 cijfers)"), case.postcode4),
        (_("Buurt"), case.neighbourhood),
        (_("Gewonden"), case.injured),
        (_("Status"), case.status.value),
        (_("Grondslag"), case.legal_basis.name),
        (_("Doel"), case.purpose),
    ):
        _row(writer, section, label, value, "", "", "")


def _measure_and_task_rows(writer, case: Case, actor) -> None:
    measures = db.session.scalars(
        select(Measure)
        .where(Measure.case_id == case.id, policy.visible_measures(actor))
        .options(db.joinedload(Measure.responsible_organisation))
        .order_by(Measure.id)
    )
    for m in measures:
        period = " – ".join(_when(d) for d in (m.start_date, m.end_date) if d)
        text = f"{m.type.value}: {m.description}" if m.description else m.type.value
        _row(
            writer,
            _("Maatregel"),
            text,
            period,
            m.status.value,
            m.responsible_organisation.name,
            "",
        )
    tasks = db.session.scalars(
        select(AftercareTask)
        .where(AftercareTask.case_id == case.id, policy.visible_tasks(actor))
        .options(db.joinedload(AftercareTask.organisation))
        .order_by(AftercareTask.id)
    )
    for t in tasks:
        text = f"{t.kind.value}: {t.description}" if t.description else t.kind.value
        _row(
            writer,
            _("Nazorgtaak"),
            text,
            _when(t.due_date),
            t.status.value,
            t.organisation.name,
            "",
        )


class _Gate:
    """Which supplied items the export may carry: the actor's own organisations' items, items
    of organisations they manage the case for, and items with an approved export request
    (used up by this export). The rest is counted per supplier."""

    def __init__(self, case: Case, actor):
        self.case, self.actor = case, actor
        self.own = {m.organisation_id for m in actor.memberships}
        self.approvals = {
            (r.item_type, r.item_id): r
            for r in db.session.scalars(
                select(ReleaseRequest).where(
                    ReleaseRequest.case_id == case.id,
                    ReleaseRequest.requested_by_id == actor.id,
                    ReleaseRequest.action == ReleaseAction.EXPORT,
                    ReleaseRequest.state == ReleaseState.APPROVED,
                )
            )
        }
        self.omitted: dict[int, int] = {}

    def allows(self, item_type: str, item_id: int, supplier_id: int | None) -> bool:
        if supplier_id is None or supplier_id in self.own:
            return True
        approval = self.approvals.pop((item_type, item_id), None)
        if approval is not None:
            originator.use(approval, actor=self.actor)
            return True
        self.omitted[supplier_id] = self.omitted.get(supplier_id, 0) + 1
        return False


def _entry_rows(writer, case: Case, gate: _Gate) -> None:
    entries = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case.id, policy.visible_timeline_entries(gate.actor))
        .options(db.joinedload(TimelineEntry.supplier), db.joinedload(TimelineEntry.legal_basis))
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    )
    for e in entries:
        if gate.allows("entry", e.id, e.supplier_organisation_id):
            text = f"{e.kind.value}: {e.text}"
            _row(
                writer,
                _("Tijdlijn"),
                text,
                _when(e.occurred_at),
                "",
                e.supplier.name,
                e.legal_basis.name,
            )


def _document_rows(writer, case: Case, gate: _Gate) -> None:
    rows = db.session.execute(
        select(Document, CaseDocument)
        .outerjoin(CaseDocument, CaseDocument.document_id == Document.id)
        .where(Document.space_id == case.space_id, policy.visible_documents(gate.actor))
        .options(db.joinedload(CaseDocument.supplier), db.joinedload(CaseDocument.legal_basis))
        .order_by(Document.title, Document.id)
    ).all()
    for document, provenance in rows:
        supplier = provenance.supplier_organisation_id if provenance else None
        if gate.allows("document", document.id, supplier):
            _row(
                writer,
                _("Document"),
                document.title,
                _when(document.updated_at),
                document.status.value,
                provenance.supplier.name if provenance else "",
                provenance.legal_basis.name if provenance else "",
            )


def _omitted_rows(writer, gate: _Gate) -> None:
    if not gate.omitted:
        return
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(gate.omitted))
        ).all()
    )
    for org_id, count in sorted(gate.omitted.items()):
        _row(writer, _("Weggelaten"), omitted_message(count, names[org_id]), "", "", "", "")


def omitted_message(count: int, organisation: str) -> str:
    return ngettext(
        "%(num)d stuk weggelaten: toestemming van %(org)s nodig",
        "%(num)d stukken weggelaten: toestemming van %(org)s nodig",
        count,
        org=organisation,
    )


def export_case_csv(case: Case, *, actor) -> bytes:
    """The case file as `actor` may see it, without items other organisations supplied unless
    they approved their export; audited."""
    buffer = io.StringIO(newline="")
    writer = _writer(buffer)
    writer.writerow(
        [
            _("Onderdeel"),
            _("Omschrijving"),
            _("Datum"),
            _("Status"),
            _("Organisatie"),
            _("Grondslag"),
        ]
    )
    _case_rows(writer, case)
    _measure_and_task_rows(writer, case, actor)
    gate = _Gate(case, actor)
    _entry_rows(writer, case, gate)
    _document_rows(writer, case, gate)
    _omitted_rows(writer, gate)
    audit.record(
        "case.exported",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"omitted": sum(gate.omitted.values())},
    )
    return buffer.getvalue().encode("utf-8-sig")
