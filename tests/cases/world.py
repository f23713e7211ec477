"""One case with every kind of participant, for the case matrices (policy and HTTP).

A case of Gemeente Rotterdam ("A") opened by org_admin_a (its manager). Participants:
  A          core, contributor, address access
  politie    core, contributor, address access; the police persona also manages the case
  om         core, viewer, no address
  corporatie not core (reads only what it is given), contributor
Items: measures and tasks of A and of the housing corporation; timeline entries open to the
core, narrowed to police + OM (supplied by the police) and narrowed to the corporation + A;
documents open, narrowed to police + OM (supplied by the police) and narrowed to the
corporation; a request by member_a to copy the police document out.
"""

import io
from dataclasses import dataclass

from neig_workspace.access.roles import SpaceRole
from neig_workspace.cases.models import (
    AftercareKind,
    AftercareTask,
    Case,
    CaseDocument,
    EntryKind,
    Measure,
    MeasureType,
    ReleaseAction,
    ReleaseRequest,
    TimelineEntry,
    TimelineNarrowing,
)
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import open_case, org, user

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

PARTICIPANTS = (
    ("politie", SpaceRole.CONTRIBUTOR, True, True),
    ("om", SpaceRole.VIEWER, True, False),
    ("corporatie", SpaceRole.CONTRIBUTOR, False, False),
)


@dataclass
class CaseWorld:
    ids: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["ids"][name]
        except KeyError as error:
            raise AttributeError(name) from error


def build_case_world(app, personas) -> CaseWorld:
    case_id = open_case(app, personas, creator="org_admin_a", participants=PARTICIPANTS)
    with app.app_context():
        case = db.session.get(Case, case_id)
        orgs = {
            key: org(personas.orgs[key]) for key in ("gemeente_a", "politie", "om", "corporatie")
        }
        spaces.add_grant(
            case.space,
            PrincipalType.USER,
            SpaceRole.MANAGER,
            user=user(personas.police),
            actor=None,
        )
        ids = {"case": case.id, "space": case.space_id}
        ids |= _measures_and_tasks(case, orgs)
        ids |= _entries(case, orgs, user(personas.org_admin_a))
        ids |= _documents(case, orgs, user(personas.org_admin_a))
        release = ReleaseRequest(
            case_id=case.id,
            item_type="document",
            item_id=ids["doc_police"],
            action=ReleaseAction.COPY,
            supplier_organisation_id=orgs["politie"].id,
            requested_by_id=personas.member_a.id,
        )
        db.session.add(release)
        db.session.commit()
        ids["release"] = release.id
    return CaseWorld(ids)


def _measures_and_tasks(case, orgs) -> dict:
    rows = {
        "measure_a": Measure(
            case_id=case.id,
            type=MeasureType.SLUITING_174A,
            responsible_organisation_id=orgs["gemeente_a"].id,
        ),
        "measure_housing": Measure(
            case_id=case.id,
            type=MeasureType.OVERIG,
            responsible_organisation_id=orgs["corporatie"].id,
        ),
        "task_a": AftercareTask(
            case_id=case.id, kind=AftercareKind.BEWONERSBRIEF, organisation_id=orgs["gemeente_a"].id
        ),
        "task_housing": AftercareTask(
            case_id=case.id,
            kind=AftercareKind.CONTACT_HUURDERS,
            organisation_id=orgs["corporatie"].id,
        ),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    return {key: row.id for key, row in rows.items()}


def _entries(case, orgs, author) -> dict:
    def entry(supplier, text, narrowed_to=()):
        row = TimelineEntry(
            case_id=case.id,
            occurred_at=utcnow().replace(microsecond=0),
            kind=EntryKind.NOTITIE,
            text=text,
            author_id=author.id,
            supplier_organisation_id=orgs[supplier].id,
            legal_basis_id=case.legal_basis_id,
            narrowing=[TimelineNarrowing(organisation_id=orgs[k].id) for k in narrowed_to],
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    return {
        "entry_open": entry("gemeente_a", "Melding ontvangen."),
        "entry_police": entry("politie", "Tactische informatie.", ("politie", "om")),
        "entry_housing": entry(
            "gemeente_a", "Contact met verhuurder.", ("corporatie", "gemeente_a")
        ),
    }


def _documents(case, orgs, author) -> dict:
    def document(name, supplier, narrowed_to=()):
        row = documents.upload_document(
            case.space,
            documents.Upload(io.BytesIO(PDF), name),
            narrowing=[orgs[k].id for k in narrowed_to],
            actor=author,
        )
        provenance = db.session.get(CaseDocument, row.id)
        if provenance is None:
            provenance = CaseDocument(
                document_id=row.id, case_id=case.id, legal_basis_id=case.legal_basis_id
            )
            db.session.add(provenance)
        provenance.supplier_organisation_id = orgs[supplier].id
        db.session.flush()
        return row.id

    return {
        "doc_open": document("verslag.pdf", "gemeente_a"),
        "doc_police": document("pv.pdf", "politie", ("politie", "om")),
        "doc_housing": document("schade.pdf", "corporatie", ("corporatie",)),
    }
