"""The list of legal bases for sharing case data, kept by the platform admins."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from .models import LegalBasis

#: A starting list (name, description); platform admins add, edit and retire bases.
DEFAULT_LEGAL_BASES = (
    (
        "AVG art. 6 lid 1 sub e",
        "Vervulling van een taak van algemeen belang of openbaar gezag (openbare orde, nazorg).",
    ),
    (
        "Wpg art. 20",
        "Verstrekking van politiegegevens binnen een samenwerkingsverband.",
    ),
    (
        "Wpg art. 19",
        "Verstrekking van politiegegevens voor een zwaarwegend algemeen belang.",
    ),
    (
        "Wjsg art. 39f",
        "Verstrekking van strafvorderlijke gegevens aan derden door het OM.",
    ),
    (
        "Gemeentewet art. 172 en 174a",
        "Handhaving van de openbare orde door de burgemeester.",
    ),
    (
        "Convenant aanpak explosies",
        "Het convenant van de lokale driehoek en partners over gegevensdeling bij explosies.",
    ),
)


def active_legal_bases() -> list[LegalBasis]:
    return list(
        db.session.scalars(
            select(LegalBasis).where(LegalBasis.active.is_(True)).order_by(LegalBasis.name)
        )
    )


def ensure_default_legal_bases(*, actor=None) -> int:
    """Add the starting list where a name is missing; returns how many were added."""
    existing = set(db.session.scalars(select(LegalBasis.name)))
    added = 0
    for name, description in DEFAULT_LEGAL_BASES:
        if name not in existing:
            basis = LegalBasis(name=name, description=description)
            db.session.add(basis)
            db.session.flush()
            audit.record("legal_basis.created", actor=actor, target=basis)
            added += 1
    return added


def save_legal_basis(basis: LegalBasis | None, *, name: str, description: str, active: bool, actor):
    """Create (basis None) or change a legal basis; a name is unique, whatever its case."""
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Vul een naam in."), "name")
    clash = db.session.scalar(
        select(LegalBasis.id).where(func.lower(LegalBasis.name) == name.lower())
    )
    if clash is not None and (basis is None or clash != basis.id):
        raise ServiceError(_("Er is al een grondslag met deze naam."), "name")
    created = basis is None
    if created:
        basis = LegalBasis(name=name)
        db.session.add(basis)
    basis.name = name
    basis.description = description.strip()
    basis.active = active
    db.session.flush()
    audit.record(
        "legal_basis.created" if created else "legal_basis.updated",
        actor=actor,
        target=basis,
        details={"name": name, "active": active},
    )
    return basis
