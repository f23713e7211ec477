"""Shared set-up for the casework tests: a case opened through the service by a persona, with
participants, and quick access to the database."""

from datetime import datetime

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.cases import service
from neig_workspace.cases.legal_bases import ensure_default_legal_bases
from neig_workspace.cases.models import Case, ExplosiveType, LegalBasis, TargetType
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation

ADDRESS = "Coolsingel 40, 3011 AD Rotterdam"


def user(persona) -> User:
    return db.session.get(User, persona.id)


def org(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id)


def basis_id(name: str = "AVG art. 6 lid 1 sub e") -> int:
    ensure_default_legal_bases()
    return db.session.scalar(select(LegalBasis.id).where(LegalBasis.name == name))


def open_case(
    app,
    personas,
    *,
    creator="member_a",
    municipality="gemeente_a",
    participants=(
        ("politie", SpaceRole.CONTRIBUTOR, True, True),
        ("om", SpaceRole.VIEWER, True, False),
    ),
    address=ADDRESS,
    occurred_at=datetime(2025, 3, 14, 2, 30),
    **fields,
) -> int:
    """Open a case as `creator` (a persona key) with (org key, role, core, address access)
    participants; the creator's organisation joins as a core contributor with the address.
    Returns the case id."""
    with app.app_context():
        case = service.create_case(
            actor=user(personas[creator]),
            municipality=org(personas.orgs[municipality]),
            occurred_at=occurred_at,
            target_type=fields.pop("target_type", TargetType.WONING),
            explosive_type=fields.pop("explosive_type", ExplosiveType.ZWAAR_VUURWERK),
            legal_basis_id=basis_id(),
            purpose=fields.pop("purpose", "Aanpak van de explosie en nazorg"),
            postcode4=fields.pop("postcode4", "3011"),
            neighbourhood=fields.pop("neighbourhood", "Stadsdriehoek"),
            address=address,
            participants=[
                service.Participant(org(personas.orgs[key]), role, core, address_access)
                for key, role, core, address_access in participants
            ],
            **fields,
        )
        db.session.commit()
        return case.id


def case(case_id: int) -> Case:
    return db.session.get(Case, case_id)
