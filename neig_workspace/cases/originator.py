"""Originator control: where a case item came from, and who may let it leave the case.

Every document in a case space records its supplying organisation and legal basis
(`CaseDocument`); a timeline entry carries them itself. An item supplied by organisation X
leaves its case (copy, link into another case, export, re-share to another participant) only
when the actor is a case manager of X, or holds an approved request for exactly that path,
which is then used up. Refusals raise `ReleaseNeeded`; the blueprint's error handler rolls back,
audits and explains (accountability_views.py).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..access import policy
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..formatting import date_short
from ..notifications.models import NotificationKind
from ..notifications.service import notify
from ..organisations.models import Organisation
from ..spaces.models import Space, SpaceKind
from ..timeutil import utcnow
from . import service
from .models import (
    Case,
    CaseDocument,
    LegalBasis,
    ReleaseAction,
    ReleaseRequest,
    ReleaseState,
    TimelineEntry,
    TimelineNarrowing,
)


@dataclass(frozen=True)
class Item:
    """A supplied item of a case: a document or a timeline entry."""

    case: Case
    type: str  # "document" or "entry"
    id: int
    label: str
    supplier_id: int


class ReleaseNeeded(Exception):  # noqa: N818 - reads as the answer it is
    """The item may not leave the case without the supplier's approval."""

    def __init__(
        self, item: Item, action: ReleaseAction, *, target_space_id=None, target_org_id=None
    ):
        supplier = db.session.get(Organisation, item.supplier_id)
        super().__init__(f"release needed: {item.type} {item.id} {action.value}")
        self.item, self.action, self.supplier = item, action, supplier
        self.target_space_id, self.target_org_id = target_space_id, target_org_id
        self.message = _(
            "Dit stuk is aangeleverd door %(org)s. Het mag de casus alleen verlaten met "
            "toestemming van een casusregisseur van %(org)s.",
            org=supplier.name,
        )


# --- provenance -------------------------------------------------------------------------------


def case_of_space(space_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.space_id == space_id))


def supplier_for(case: Case, actor) -> int:
    """The actor's organisation that takes part in the case, else their primary one."""
    taking_part = {co.organisation_id for co in case.organisations}
    for membership in actor.memberships:
        if membership.organisation_id in taking_part:
            return membership.organisation_id
    return actor.primary_organisation.id


def check_legal_basis(legal_basis_id: int | None) -> None:
    basis = db.session.get(LegalBasis, legal_basis_id) if legal_basis_id else None
    if basis is None or not basis.active:
        raise ServiceError(_("Kies een grondslag uit de lijst."), "legal_basis_id")


def record_provenance(document, *, actor, legal_basis_id=None, supplier_id=None, purpose=""):
    """Record where a document in a case space came from, on which basis and for what
    purpose (the case's unless given), and register who received it. Outside a case space
    this does nothing and returns None."""
    space = db.session.get(Space, document.space_id)
    if space.kind != SpaceKind.CASE:
        return None
    case = case_of_space(space.id)
    if case is None:
        return None
    legal_basis_id = legal_basis_id or case.legal_basis_id
    check_legal_basis(legal_basis_id)
    row = CaseDocument(
        document_id=document.id,
        case_id=case.id,
        supplier_organisation_id=supplier_id or supplier_for(case, actor),
        legal_basis_id=legal_basis_id,
        purpose=(purpose or "").strip() or case.purpose,
    )
    db.session.add(row)
    _keep_for_supplier(case, document, row.supplier_organisation_id)
    db.session.flush()
    audit.record(
        "case.document_supplied",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={
            "document": document.id,
            "supplier": row.supplier_organisation_id,
            "legal_basis": legal_basis_id,
        },
    )
    narrowing = [n.organisation_id for n in document.narrowing]
    for org_id in readers(case, narrowing) - {row.supplier_organisation_id}:
        _disclose(case, org_id, "document", document.id, document.title, actor, legal_basis_id)
    return row


def _disclose(case, org_id, item_type, item_id, label, actor, basis_id) -> None:
    org = db.session.get(Organisation, org_id)
    service.register_disclosure(
        case, org, item_type, item_id, label, actor=actor, basis_id=basis_id
    )


def _keep_for_supplier(case: Case, document, supplier_id: int) -> None:
    """A partner that is not core reads only what is narrowed to it: what it supplies without a
    narrowing goes to the core organisations and to itself, so it keeps reading its own."""
    if document.narrowing or supplier_id in readers(case, []):
        return
    from ..documents.models import DocumentNarrowing

    document.narrowing = [
        DocumentNarrowing(organisation_id=org_id)
        for org_id in sorted(readers(case, []) | {supplier_id})
    ]


def readers(case: Case, narrowing: list[int]) -> set[int]:
    """The participating organisations that may read an item with this narrowing: core ones
    when it is not narrowed, else those in the narrowing."""
    if not narrowing:
        return {co.organisation_id for co in case.organisations if co.core}
    return {co.organisation_id for co in case.organisations} & set(narrowing)


def document_item(document) -> Item | None:
    row = policy.case_document(document)
    if row is None:
        return None
    case = db.session.get(Case, row.case_id)
    return Item(case, "document", document.id, document.title, row.supplier_organisation_id)


def entry_item(entry: TimelineEntry) -> Item:
    label = _("Tijdlijnnotitie van %(date)s", date=date_short(entry.occurred_at))
    return Item(entry.case, "entry", entry.id, label, entry.supplier_organisation_id)


# --- may it leave? ----------------------------------------------------------------------------


def manages_supplier(actor, item: Item) -> bool:
    """A case manager who belongs to the supplying organisation decides for it."""
    member_orgs = {m.organisation_id for m in actor.memberships}
    return item.supplier_id in member_orgs and policy.can(actor, "case.manage", item.case)


def _same_target(target_space_id, target_org_id) -> list:
    """Exactly this target: an approval to copy to one space is no approval for another."""
    return [
        ReleaseRequest.target_space_id.is_(None)
        if target_space_id is None
        else ReleaseRequest.target_space_id == target_space_id,
        ReleaseRequest.target_organisation_id.is_(None)
        if target_org_id is None
        else ReleaseRequest.target_organisation_id == target_org_id,
    ]


def _approved(actor, item: Item, action, *, target_space_id=None, target_org_id=None):
    return db.session.scalar(
        select(ReleaseRequest)
        .where(
            ReleaseRequest.case_id == item.case.id,
            ReleaseRequest.item_type == item.type,
            ReleaseRequest.item_id == item.id,
            ReleaseRequest.action == action,
            ReleaseRequest.state == ReleaseState.APPROVED,
            ReleaseRequest.requested_by_id == actor.id,
            *_same_target(target_space_id, target_org_id),
        )
        .order_by(ReleaseRequest.id)
        .limit(1)
    )


def use(request: ReleaseRequest, *, actor) -> None:
    request.state = ReleaseState.USED
    request.used_at = utcnow()
    audit.record(
        "case.release_used",
        actor=actor,
        target=request.case,
        space_id=request.case.space_id,
        details=_ids(request),
    )


def check_release(actor, item: Item, action, *, target_space_id=None, target_org_id=None):
    """Let the item go, using up an approval where one is needed; raise ReleaseNeeded otherwise."""
    if manages_supplier(actor, item):
        return
    request = _approved(
        actor, item, action, target_space_id=target_space_id, target_org_id=target_org_id
    )
    if request is None:
        raise ReleaseNeeded(
            item, action, target_space_id=target_space_id, target_org_id=target_org_id
        )
    use(request, actor=actor)


def record_refusal(error: ReleaseNeeded, *, actor) -> None:
    """Audit a refused path out of the case (after the rollback, on its own)."""
    audit.record(
        "case.release_refused",
        actor=actor,
        result="denied",
        target=error.item.case,
        space_id=error.item.case.space_id,
        details={
            "item_type": error.item.type,
            "item_id": error.item.id,
            "action": error.action.value,
            "supplier": error.item.supplier_id,
            "target_space": error.target_space_id,
            "target_organisation": error.target_org_id,
        },
    )


# --- the document paths out -------------------------------------------------------------------


def check_copy(document, target: Space, *, actor) -> Item | None:
    """A copy of a case document to another space (a link when that space is a case's)."""
    item = document_item(document)
    if item is None:
        return None
    action = ReleaseAction.LINK if target.kind == SpaceKind.CASE else ReleaseAction.COPY
    check_release(actor, item, action, target_space_id=target.id)
    return item


def record_copy_provenance(original, copy, *, actor) -> None:
    """A copy into a case space keeps the original's supplier and basis when it came from a
    case (its originator still decides about it), else it is supplied by the actor."""
    row = policy.case_document(original)
    if row is None:
        record_provenance(copy, actor=actor)
        return
    record_provenance(
        copy,
        actor=actor,
        legal_basis_id=row.legal_basis_id,
        supplier_id=row.supplier_organisation_id,
        purpose=row.purpose,
    )


def _widened_to(case: Case, before: list[int], after: list[int]) -> set[int]:
    return readers(case, after) - readers(case, before)


def reshare(item: Item, before: list[int], after: list[int], *, actor, basis_id) -> None:
    """A changed narrowing: every organisation that gains access needs the supplier's
    approval (narrowing further is always allowed), and is registered as a recipient."""
    for org_id in sorted(_widened_to(item.case, before, after) - {item.supplier_id}):
        check_release(actor, item, ReleaseAction.SHARE, target_org_id=org_id)
        _disclose(item.case, org_id, item.type, item.id, item.label, actor, basis_id)


def reshare_document(document, before: list[int], after: list[int], *, actor) -> None:
    item = document_item(document)
    if item is not None:
        row = db.session.get(CaseDocument, document.id)
        reshare(item, before, after, actor=actor, basis_id=row.legal_basis_id)


def share_entry(entry: TimelineEntry, narrowing: list[int], *, actor) -> bool:
    """Change who reads a timeline entry; returns whether anything changed."""
    participating = {co.organisation_id for co in entry.case.organisations}
    if set(narrowing) - participating:
        raise ServiceError(_("Kies organisaties die aan de casus deelnemen."), "narrowing")
    before, after = sorted(entry.narrowing_ids), sorted(set(narrowing))
    if before == after:
        return False
    reshare(entry_item(entry), before, after, actor=actor, basis_id=entry.legal_basis_id)
    entry.narrowing = [TimelineNarrowing(organisation_id=oid) for oid in after]
    audit.record(
        "case.entry_narrowing_changed",
        actor=actor,
        target=entry.case,
        space_id=entry.case.space_id,
        details={"entry": entry.id, "before": before, "after": after},
    )
    return True


# --- requests and decisions -------------------------------------------------------------------


def _ids(request: ReleaseRequest) -> dict:
    return {
        "request": request.id,
        "item_type": request.item_type,
        "item_id": request.item_id,
        "action": request.action.value,
        "supplier": request.supplier_organisation_id,
        "target_space": request.target_space_id,
        "target_organisation": request.target_organisation_id,
    }


def request_release(
    item: Item, action: ReleaseAction, *, target_space_id, target_org_id, reason, actor
):
    """Ask the supplier's case managers to let the item leave the case by one path."""
    if manages_supplier(actor, item):
        raise ServiceError(
            _("U bent casusregisseur van de leverancier: u heeft geen toestemming nodig."), "reason"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Vul een reden in."), "reason")
    pending = db.session.scalar(
        select(ReleaseRequest.id).where(
            ReleaseRequest.case_id == item.case.id,
            ReleaseRequest.item_type == item.type,
            ReleaseRequest.item_id == item.id,
            ReleaseRequest.action == action,
            ReleaseRequest.requested_by_id == actor.id,
            ReleaseRequest.state.in_([ReleaseState.PENDING, ReleaseState.APPROVED]),
            *_same_target(target_space_id, target_org_id),
        )
    )
    if pending is not None:
        raise ServiceError(_("U heeft hier al om gevraagd."), "reason")
    request = ReleaseRequest(
        case_id=item.case.id,
        item_type=item.type,
        item_id=item.id,
        action=action,
        supplier_organisation_id=item.supplier_id,
        target_space_id=target_space_id,
        target_organisation_id=target_org_id,
        reason=reason,
        requested_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "case.release_requested",
        actor=actor,
        target=item.case,
        space_id=item.case.space_id,
        details=_ids(request),
    )
    for manager in supplier_managers(item.case, item.supplier_id):
        _tell(manager, item.case, actor)
    return request


def supplier_managers(case: Case, supplier_id: int):
    return [
        u
        for u in service.case_managers(case)
        if supplier_id in {m.organisation_id for m in u.memberships}
    ]


def _tell(user, case: Case, actor) -> None:
    notify(
        user,
        kind=NotificationKind.CASE_RELEASE,
        subject_type="case",
        subject_id=case.id,
        url=f"/casussen/{case.id}/vrijgaven",
        title=case.reference,
        actor=actor,
        confidential=True,
    )


def decide_release(request: ReleaseRequest, *, approve: bool, note: str, actor) -> None:
    """A case manager of the supplier approves or refuses; the requester is told."""
    if not policy.can(actor, "case_release.decide", request):
        raise ServiceError(_("Dit verzoek kunt u niet (meer) beoordelen."), "decision")
    request.state = ReleaseState.APPROVED if approve else ReleaseState.REFUSED
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_note = (note or "").strip()
    audit.record(
        "case.release_approved" if approve else "case.release_refused",
        actor=actor,
        target=request.case,
        space_id=request.case.space_id,
        details=_ids(request),
    )
    _tell(request.requested_by, request.case, actor)
