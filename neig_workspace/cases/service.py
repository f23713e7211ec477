"""Case use cases: open a case, change it, its participants, status, links and address.

Each function changes the models in the caller's transaction and writes its audit event; the
view commits once. Audit details never hold personal data (they outlive the case's retention):
they name fields that changed, not their values.
"""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select
from sqlalchemy import text as sql_text

from ..access import policy
from ..access.roles import SpaceRole
from ..accounts.mfa import derive_fernet, derive_key
from ..accounts.models import User
from ..audit import service as audit
from ..audit.models import AuditEvent
from ..errors import ServiceError
from ..extensions import db
from ..notifications.models import NotificationKind
from ..notifications.service import notify
from ..organisations.models import Organisation, OrgType
from ..spaces import service as spaces
from ..spaces.models import Classification, PrincipalType, SpaceGrant, SpaceKind
from ..timeutil import local, utcnow
from .items import entry_label
from .models import (
    AftercareTask,
    Case,
    CaseDocument,
    CaseLink,
    CaseMatch,
    CaseOrganisation,
    CaseStatistic,
    CaseStatus,
    Disclosure,
    ExplosiveType,
    LegalBasis,
    Measure,
    TargetType,
    TimelineEntry,
    TimelineNarrowing,
)

#: The status a case may move to from each status; a closed case is reopened to "in behandeling".
TRANSITIONS = {
    CaseStatus.GEMELD: (CaseStatus.IN_BEHANDELING, CaseStatus.NAZORG, CaseStatus.AFGESLOTEN),
    CaseStatus.IN_BEHANDELING: (CaseStatus.NAZORG, CaseStatus.AFGESLOTEN),
    CaseStatus.NAZORG: (CaseStatus.IN_BEHANDELING, CaseStatus.AFGESLOTEN),
    CaseStatus.AFGESLOTEN: (CaseStatus.IN_BEHANDELING,),
}

#: Organisation types that may be core partners (the local triangle, and the secretariat).
CORE_TYPES = (OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.PUBLIC_PROSECUTOR, OrgType.SECRETARIAT)

#: The fields of a case a form may change (update_case); the address has its own path.
CASE_FIELDS = (
    "occurred_at",
    "target_type",
    "explosive_type",
    "postcode4",
    "neighbourhood",
    "damage",
    "injured",
    "description",
    "legal_basis_id",
    "purpose",
)

POSTCODE4 = re.compile(r"^[1-9][0-9]{3}$")


@dataclass(frozen=True)
class Participant:
    """An organisation taking part, with its role and what it reads beyond what it is given."""

    organisation: Organisation
    role: SpaceRole = SpaceRole.CONTRIBUTOR
    core: bool = True
    address_access: bool = False


# --- the address: encrypted at rest, and a keyed hash for hit / no-hit ------------------------


def normalise_address(address: str) -> str:
    """One spelling per address: case, accents, punctuation and spacing do not matter, and a
    postcode is written without its space ("Coolsingel 40, 3011 AD" == "coolsingel 40 3011ad")."""
    text = unicodedata.normalize("NFKD", address or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\b([1-9][0-9]{3})\s+([a-z]{2})\b", r"\1\2", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def address_hash(address: str) -> str:
    """HMAC-SHA256 of the normalised address under a key of its own (HKDF from the secret)."""
    key = derive_key(b"neig-case-address-hash")
    return hmac.new(key, normalise_address(address).encode(), hashlib.sha256).hexdigest()


def _encrypt_address(address: str) -> str:
    return derive_fernet(b"neig-case-address").encrypt(address.encode()).decode()


def decrypt_address(case: Case) -> str:
    if case.address_encrypted is None:
        return ""
    try:
        return derive_fernet(b"neig-case-address").decrypt(case.address_encrypted.encode()).decode()
    except InvalidToken:
        return ""


def _set_address(case: Case, address: str) -> bool:
    """Store (or clear) the full address; True when it changed."""
    address = " ".join((address or "").split())
    new_hash = address_hash(address) if address else None
    if new_hash == case.address_hash:
        return False
    case.address_encrypted = _encrypt_address(address) if address else None
    case.address_hash = new_hash
    if case.id is not None:  # a match was about the old address: it goes on both sides
        db.session.execute(
            delete(CaseMatch).where(
                (CaseMatch.case_id == case.id) | (CaseMatch.other_case_id == case.id)
            )
        )
    return True


#: Case pages shown again to the same reader within this time are the same opening: the
#: redirect after a change, a reload, the way back from a tab. One opening is one line.
OPENING_WINDOW = timedelta(minutes=10)


def record_opening(case: Case, *, actor) -> None:
    """Write "case opened" to the case's access log, unless this reader's previous opening of
    it was within OPENING_WINDOW (the log says when someone was in the case, not how often the
    page was drawn). Decided from the log itself, never from anything the browser sends."""
    recent = db.session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.space_id == case.space_id,
            AuditEvent.at >= utcnow() - OPENING_WINDOW,
            AuditEvent.action == "case.viewed",
            AuditEvent.actor_id == actor.id,
            AuditEvent.target_id == str(case.id),
        )
        .limit(1)
    )
    if recent is None:
        audit.record("case.viewed", actor=actor, target=case, space_id=case.space_id)


def read_address(case: Case, *, actor) -> str:
    """The full address, for whoever may read it; every read is audited."""
    audit.record("case.address_viewed", actor=actor, target=case, space_id=case.space_id)
    return decrypt_address(case)


# --- opening a case -------------------------------------------------------------------------


#: The first key of the advisory lock that numbers cases ("NEIG" in ASCII); the year is the other.
_NUMBERING_LOCK = 0x4E454947


def _next_number(year: int) -> int:
    """The year's next number. Cases opened at the same moment take their numbers one after
    the other: on PostgreSQL a lock held until the transaction ends (the second waits, then
    sees the first's case); SQLite lets one writer in at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sql_text("SELECT pg_advisory_xact_lock(:lock, :year)"),
            {"lock": _NUMBERING_LOCK, "year": year},
        )
    highest = db.session.scalar(select(func.max(Case.number)).where(Case.year == year))
    return (highest or 0) + 1


class CaseInvalid(ServiceError):
    """Every problem with a case's fields at once; the first is the message and field."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = errors


def _check_fields(
    *, municipality: Organisation, postcode4: str, injured: int, legal_basis_id: int
) -> None:
    errors = []
    if municipality is None or municipality.type != OrgType.MUNICIPALITY or not municipality.active:
        errors.append(ServiceError(_("Kies een gemeente."), "municipality_id"))
    if postcode4 and not POSTCODE4.match(postcode4):
        errors.append(
            ServiceError(
                _("Vul de vier cijfers van de postcode in, bijvoorbeeld 3011."), "postcode4"
            )
        )
    if injured is None or injured < 0:
        errors.append(ServiceError(_("Het aantal gewonden is nul of meer."), "injured"))
    basis = db.session.get(LegalBasis, legal_basis_id) if legal_basis_id else None
    if basis is None or not basis.active:
        errors.append(ServiceError(_("Kies een grondslag uit de lijst."), "legal_basis_id"))
    if errors:
        raise CaseInvalid(errors)


def create_case(
    *,
    actor,
    municipality: Organisation,
    occurred_at: datetime,
    target_type: TargetType,
    explosive_type: ExplosiveType,
    legal_basis_id: int,
    purpose: str = "",
    postcode4: str = "",
    neighbourhood: str = "",
    address: str = "",
    damage: str = "",
    injured: int = 0,
    description: str = "",
    participants: list[Participant] = (),
    on_behalf_of: Organisation | None = None,
) -> Case:
    """Open a case in a case space of its own, with the creator as case manager."""
    policy.refuse_content_to(actor, action="case.create", actor=actor, self_allowed=True)
    _check_creator(actor, municipality, on_behalf_of)
    postcode4 = (postcode4 or "").strip()
    _check_fields(
        municipality=municipality,
        postcode4=postcode4,
        injured=injured,
        legal_basis_id=legal_basis_id,
    )
    year = utcnow().year
    number = _next_number(year)
    reference = f"NEIG-{year}-{number:04d}"
    space = spaces.create_space(
        SpaceKind.CASE,
        _("Casus %(reference)s", reference=reference),
        classification=Classification.ZAAKVERTROUWELIJK,
        mfa_required=True,
        actor=actor,
    )
    case = Case(
        reference=reference,
        year=year,
        number=number,
        space_id=space.id,
        municipality_id=municipality.id,
        occurred_at=occurred_at,
        target_type=target_type,
        explosive_type=explosive_type,
        postcode4=postcode4,
        neighbourhood=neighbourhood.strip(),
        damage=damage.strip(),
        injured=injured,
        description=description.strip(),
        legal_basis_id=legal_basis_id,
        purpose=purpose.strip(),
        created_by_id=actor.id,
    )
    db.session.add(case)
    _set_address(case, address)
    db.session.flush()
    db.session.add(_statistic_for(case, CaseStatistic(case_id=case.id)))
    audit.record(
        "case.created",
        actor=actor,
        target=case,
        space_id=space.id,
        details={"reference": reference, "municipality": municipality.id},
    )
    spaces.add_grant(
        space, PrincipalType.USER, SpaceRole.MANAGER, user=actor, actor=actor, creator=True
    )
    creator_org = on_behalf_of or actor.primary_organisation
    wanted = {p.organisation.id: p for p in participants}
    wanted.setdefault(creator_org.id, Participant(creator_org, SpaceRole.CONTRIBUTOR, True, True))
    for participant in wanted.values():
        add_participant(case, participant, actor=actor, announce=False)
    _check_matches(case, actor=actor)
    return case


def _check_creator(actor, municipality: Organisation, on_behalf_of) -> None:
    allowed = policy.case_creator_organisations(actor)
    if not allowed:
        raise ServiceError(_("U kunt geen casus aanmaken."), "municipality_id")
    own = policy.own_municipalities_only(actor)
    if own is not None:
        if municipality is None or municipality.id not in {o.id for o in own}:
            raise ServiceError(
                _("Een gemeente maakt alleen casussen aan voor de eigen gemeente."),
                "municipality_id",
            )
    if on_behalf_of is not None and on_behalf_of.id not in {o.id for o in allowed}:
        raise ServiceError(_("Kies een organisatie waarvan u lid bent."), "organisation_id")


def _statistic_for(case: Case, statistic: CaseStatistic) -> CaseStatistic:
    statistic.month = local(case.occurred_at).date().replace(day=1)
    statistic.municipality_id = case.municipality_id
    statistic.target_type = case.target_type
    statistic.explosive_type = case.explosive_type
    return statistic


# --- changing a case ------------------------------------------------------------------------


def update_case(case: Case, *, actor, address: str | None = None, **fields) -> list[str]:
    """Change the case's fields (and, when given, the full address); returns what changed."""
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"not a case field: {sorted(unknown)}")
    fields["postcode4"] = (fields.get("postcode4", case.postcode4) or "").strip()
    _check_fields(
        municipality=case.municipality,
        postcode4=fields["postcode4"],
        injured=fields.get("injured", case.injured),
        legal_basis_id=fields.get("legal_basis_id", case.legal_basis_id),
    )
    changed = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    if address is not None and _set_address(case, address):
        changed.append("address")
    if not changed:
        return []
    case.updated_at = utcnow()
    statistic = db.session.scalar(select(CaseStatistic).where(CaseStatistic.case_id == case.id))
    if statistic is not None:
        _statistic_for(case, statistic)
    audit.record(
        "case.updated",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"fields": changed},
    )
    if "address" in changed:
        _check_matches(case, actor=actor)
    return changed


def change_status(case: Case, status: CaseStatus, *, actor) -> None:
    if status == case.status:
        return
    if status not in TRANSITIONS[case.status]:
        raise ServiceError(_("Deze statuswijziging is niet mogelijk."), "status")
    before = case.status
    case.status = status
    case.closed_at = utcnow() if status.is_closed else None
    case.updated_at = utcnow()
    action = "case.reopened" if before.is_closed else "case.status_changed"
    audit.record(
        action,
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"from": before.value, "to": status.value},
    )
    announce(case, NotificationKind.CASE_UPDATE, actor=actor)


# --- participants ---------------------------------------------------------------------------


def participation(case: Case, organisation_id: int) -> CaseOrganisation | None:
    return db.session.get(CaseOrganisation, (case.id, organisation_id))


def _org_grant(case: Case, organisation_id: int) -> SpaceGrant | None:
    return db.session.scalar(
        select(SpaceGrant).where(
            SpaceGrant.space_id == case.space_id,
            SpaceGrant.principal_type == PrincipalType.ORGANISATION,
            SpaceGrant.organisation_id == organisation_id,
        )
    )


def add_participant(case: Case, participant: Participant, *, actor, announce: bool = True):
    """Bring an organisation in (or change its role and reach); audited, registered as a
    disclosure, and its members are told (without any case content in the e-mail)."""
    org = participant.organisation
    if not org.active:
        raise ServiceError(_("Deze organisatie is niet actief."), "organisation_id")
    policy.refuse_content_to_members_of(
        org.id,
        action="case.participant_add",
        actor=actor,
        target_type="case",
        target_id=case.id,
        space_id=case.space_id,
        field="organisation_id",
    )
    if participant.core and org.type not in CORE_TYPES:
        raise ServiceError(
            _(
                "Alleen de gemeente, de politie, het OM en het secretariaat kunnen kernpartner "
                "zijn; een andere partner ziet wat met hem gedeeld wordt."
            ),
            "core",
        )
    row = participation(case, org.id)
    is_new = row is None
    becomes_core = participant.core and (is_new or not row.core)
    if is_new:
        row = CaseOrganisation(case_id=case.id, organisation_id=org.id, added_by_id=actor.id)
        db.session.add(row)
        case.organisations.append(row)
    gained_address = participant.address_access and not row.address_access
    row.core = participant.core
    row.address_access = participant.address_access
    spaces.add_grant(
        case.space, PrincipalType.ORGANISATION, participant.role, organisation=org, actor=actor
    )
    audit.record(
        "case.participant_added" if is_new else "case.participant_changed",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={
            "organisation": org.id,
            "role": participant.role.name.lower(),
            "core": participant.core,
            "address_access": participant.address_access,
        },
    )
    if is_new:
        register_disclosure(case, org, "case", case.id, _("Casusgegevens"), actor=actor)
    if becomes_core:
        _disclose_open_items(case, org, actor=actor)
    if gained_address:
        register_disclosure(case, org, "address", case.id, _("Volledig adres"), actor=actor)
    if is_new and announce:
        _announce_to(case, _organisation_members(org.id), NotificationKind.CASE_ADDED, actor)
    return row


def _disclose_open_items(case: Case, org: Organisation, *, actor) -> None:
    """A core organisation reads every item that is not narrowed: register each it now
    receives (but what it supplied itself)."""
    from ..documents.models import Document, DocumentNarrowing

    documents = db.session.execute(
        select(Document.id, Document.title, CaseDocument.legal_basis_id)
        .join(CaseDocument, CaseDocument.document_id == Document.id)
        .where(
            CaseDocument.case_id == case.id,
            CaseDocument.supplier_organisation_id != org.id,
            Document.deleted_at.is_(None),
            ~exists().where(DocumentNarrowing.document_id == Document.id),
        )
    )
    for document_id, title, basis_id in documents:
        register_disclosure(
            case, org, "document", document_id, title, actor=actor, basis_id=basis_id
        )
    entries = db.session.scalars(
        select(TimelineEntry).where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.supplier_organisation_id != org.id,
            ~exists().where(TimelineNarrowing.entry_id == TimelineEntry.id),
        )
    )
    for entry in entries:
        register_disclosure(
            case,
            org,
            "entry",
            entry.id,
            entry_label(entry),
            actor=actor,
            basis_id=entry.legal_basis_id,
        )


def remove_participant(case: Case, organisation: Organisation, *, actor) -> None:
    row = participation(case, organisation.id)
    if row is None:
        raise ServiceError(_("Deze organisatie neemt niet deel aan de casus."), "organisation_id")
    grant = _org_grant(case, organisation.id)
    if grant is not None:
        spaces.remove_grant(grant, actor=actor)
    case.organisations.remove(row)
    db.session.delete(row)
    # Its people leave with it, unless another participating organisation brings them in.
    for person in _orphaned_person_grants(case, organisation.id):
        remove_user(case, person, actor=actor)
    audit.record(
        "case.participant_removed",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"organisation": organisation.id},
    )


def _orphaned_person_grants(case: Case, organisation_id: int) -> list[SpaceGrant]:
    """Personal grants in the case of members of `organisation_id` who belong to no other
    organisation that takes part."""
    from ..organisations.models import Membership

    still_taking_part = [co.organisation_id for co in case.organisations]
    elsewhere = select(Membership.user_id).where(Membership.organisation_id.in_(still_taking_part))
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    return list(
        db.session.scalars(
            select(SpaceGrant).where(
                SpaceGrant.space_id == case.space_id,
                SpaceGrant.principal_type == PrincipalType.USER,
                SpaceGrant.user_id.in_(members),
                SpaceGrant.user_id.not_in(elsewhere),
            )
        )
    )


def add_user(case: Case, user: User, role: SpaceRole, *, actor) -> None:
    """A named person takes part; their organisation must take part too (core or not)."""
    policy.refuse_content_to(
        user,
        action="case.user_add",
        actor=actor,
        target_type="case",
        target_id=case.id,
        space_id=case.space_id,
        field="user_id",
        self_allowed=True,  # add_grant below refuses more than one holds already
    )
    member_orgs = {m.organisation_id for m in user.memberships}
    if not user.active or not member_orgs & {co.organisation_id for co in case.organisations}:
        raise ServiceError(
            _("Voeg eerst de organisatie van deze persoon toe aan de casus."), "user_id"
        )
    spaces.add_grant(case.space, PrincipalType.USER, role, user=user, actor=actor)
    audit.record(
        "case.user_added",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"user": user.id, "role": role.name.lower()},
    )
    _announce_to(case, [user], NotificationKind.CASE_ADDED, actor)


def remove_user(case: Case, grant: SpaceGrant, *, actor) -> None:
    if grant.space_id != case.space_id or grant.principal_type != PrincipalType.USER:
        raise ServiceError(_("Deze persoon neemt niet deel aan de casus."), "user_id")
    user_id = grant.user_id
    spaces.remove_grant(grant, actor=actor)
    audit.record(
        "case.user_removed",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"user": user_id},
    )


def item_purpose(case, item_type: str, item_id: int | None) -> str:
    """Why an item was shared: its own purpose, else the case's (the case and its address)."""
    found = _PURPOSE_OF.get(item_type)
    value = None
    if found is not None and item_id is not None:
        model, key = found()
        value = db.session.scalar(select(model.purpose).where(key == item_id))
    return value or case.purpose


#: item type -> (model, its key column), for the purpose the register writes beside the basis
_PURPOSE_OF = {
    "document": lambda: (CaseDocument, CaseDocument.document_id),
    "entry": lambda: (TimelineEntry, TimelineEntry.id),
    "measure": lambda: (Measure, Measure.id),
    "task": lambda: (AftercareTask, AftercareTask.id),
}


def register_disclosure(case, organisation, item_type, item_id, label, *, actor, basis_id=None):
    """Write one row of the disclosure register: `organisation` received this, now, on this
    basis and for the item's purpose."""
    db.session.add(
        Disclosure(
            case_id=case.id,
            organisation_id=organisation.id,
            item_type=item_type,
            item_id=item_id,
            item_label=str(label)[:300],
            legal_basis_id=basis_id or case.legal_basis_id,
            purpose=item_purpose(case, item_type, item_id),
            disclosed_by_id=actor.id if actor else None,
        )
    )


# --- telling participants (no case content leaves in an e-mail) ------------------------------


def _organisation_members(organisation_id: int) -> list[User]:
    from ..organisations.models import Membership

    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        )
    )


def participants(case: Case) -> list[User]:
    """Every active user who may open the case (after an MFA login)."""
    return list(db.session.scalars(select(User).where(policy.space_readers(case.space))))


def _announce_to(case: Case, users, kind: NotificationKind, actor) -> None:
    for user in users:
        notify(
            user,
            kind=kind,
            subject_type="case",
            subject_id=case.id,
            url=f"/casussen/{case.id}",
            title=case.reference,
            actor=actor,
            confidential=True,
        )


def announce(case: Case, kind: NotificationKind, *, actor) -> None:
    """Tell every participant that something changed in the case (the reference and a link)."""
    _announce_to(case, participants(case), kind, actor)


# --- links between cases (a series) ---------------------------------------------------------


def link_cases(case: Case, other: Case, *, actor) -> None:
    """Link two cases the actor may both edit; each side then shows the other by reference."""
    if other.id == case.id:
        raise ServiceError(_("Een casus kan niet aan zichzelf gekoppeld worden."), "reference")
    if not policy.can(actor, "case.edit", other):
        raise ServiceError(
            _("U kunt alleen casussen koppelen die u allebei mag bewerken."), "reference"
        )
    if db.session.get(CaseLink, (case.id, other.id)) is not None:
        raise ServiceError(_("Deze casussen zijn al gekoppeld."), "reference")
    db.session.add_all(
        [
            CaseLink(case_id=case.id, linked_case_id=other.id, created_by_id=actor.id),
            CaseLink(case_id=other.id, linked_case_id=case.id, created_by_id=actor.id),
        ]
    )
    for one, two in ((case, other), (other, case)):
        audit.record(
            "case.linked",
            actor=actor,
            target=one,
            space_id=one.space_id,
            details={"linked_case": two.id},
        )


def unlink_cases(case: Case, other_id: int, *, actor) -> None:
    removed = db.session.execute(
        delete(CaseLink).where(
            ((CaseLink.case_id == case.id) & (CaseLink.linked_case_id == other_id))
            | ((CaseLink.case_id == other_id) & (CaseLink.linked_case_id == case.id))
        )
    ).rowcount
    if not removed:
        raise ServiceError(_("Deze casussen zijn niet gekoppeld."), "reference")
    audit.record(
        "case.unlinked",
        actor=actor,
        target=case,
        space_id=case.space_id,
        details={"linked_case": other_id},
    )


def linked_cases(case: Case, user) -> list[tuple[int, Case | None]]:
    """The linked cases, each with the case when `user` may open it and None otherwise (shown
    as "a case you have no access to", without details)."""
    ids = list(
        db.session.scalars(
            select(CaseLink.linked_case_id)
            .where(CaseLink.case_id == case.id)
            .order_by(CaseLink.linked_case_id)
        )
    )
    if not ids:
        return []
    visible = {
        c.id: c
        for c in db.session.scalars(
            select(Case).where(Case.id.in_(ids), policy.visible_cases(user))
        )
    }
    return [(case_id, visible.get(case_id)) for case_id in ids]


# --- hit / no-hit across municipalities -----------------------------------------------------


def _check_matches(case: Case, *, actor) -> None:
    """Another municipality's case at the same address: each side's managers are told that a
    match exists and whom to contact; neither learns anything of the other's case."""
    if case.address_hash is None:
        return
    others = db.session.scalars(
        select(Case).where(
            Case.address_hash == case.address_hash,
            Case.municipality_id != case.municipality_id,
            Case.id != case.id,
        )
    )
    for other in others:
        if db.session.get(CaseMatch, (case.id, other.id)) is not None:
            continue
        db.session.add_all(
            [
                CaseMatch(case_id=case.id, other_case_id=other.id),
                CaseMatch(case_id=other.id, other_case_id=case.id),
            ]
        )
        for one in (case, other):
            audit.record("case.address_match", target=one, space_id=one.space_id)
            _announce_to(one, case_managers(one), NotificationKind.CASE_MATCH, None)


def case_managers(case: Case) -> list[User]:
    """The users who manage the case: a manager grant, in a core organisation."""
    return [u for u in participants(case) if _is_manager(u, case)]


def _is_manager(user, case: Case) -> bool:
    with policy.assuming_mfa():
        return policy.can(user, "case.manage", case)


def matches(case: Case) -> list[dict]:
    """For each match: the other municipality and whom to contact there, nothing else."""
    others = db.session.scalars(
        select(Case)
        .join(CaseMatch, CaseMatch.other_case_id == Case.id)
        .where(CaseMatch.case_id == case.id)
    )
    return [
        {"municipality": other.municipality, "contacts": case_managers(other)} for other in others
    ]


# --- a resident's request: the cases a manager holds at an address ---------------------------


def search_address(address: str, *, actor, request_reference: str = "") -> list[dict]:
    """For a resident's request (AVG art. 15; docs/subject-requests.md): the cases `actor`
    manages at this address, found through the keyed hash (hit / no-hit), with the
    organisations that take part in each and the other municipalities' matches with whom to
    contact there. Cases the actor does not manage are not named, not even counted. Every
    search is audited with the request's reference and the number of hits, never the address
    (the hash's first 16 characters let an auditor join the steps of one request)."""
    key = address_hash(address)
    found = []
    candidates = db.session.scalars(
        select(Case).where(Case.address_hash == key, policy.visible_cases(actor)).order_by(Case.id)
    )
    for case in candidates:
        if not policy.can(actor, "case.manage", case):
            continue
        found.append(
            {
                "case": case,
                "organisations": [co.organisation for co in case.organisations],
                "matches": matches(case),
            }
        )
    audit.record(
        "case.address_searched",
        actor=actor,
        details={
            "request": request_reference.strip()[:100],
            "address_key": key[:16],
            "hits": len(found),
        },
    )
    return found
