"""Privacy statements and the processing register (AVG art. 30).

A space's statement is kept by its managers; the statements of the case types by the platform
admins. Who receives the data is worked out from the grants each time, never typed. A space
labelled `vertrouwelijk` or higher cannot be created, or raised to that label, without one.
Callers commit."""

import csv
import io
from dataclasses import dataclass, fields

from flask_babel import gettext as _
from sqlalchemy import select, union

from ..access import policy
from ..accounts.models import User
from ..actions.export import safe_text
from ..audit import service as audit
from ..cases.models import Case, LegalBasis, TargetType
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..queries import ids_in
from ..spaces.models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind
from ..timeutil import utcnow
from .models import PrivacyStatement


class PrivacyIncomplete(ServiceError):
    """Every empty field of a statement at once; the first is the message and field."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = errors


@dataclass(frozen=True)
class PrivacyFields:
    purpose: str
    legal_basis_id: int | None
    data_categories: str
    retention: str
    contact: str

    def cleaned(self) -> "PrivacyFields":
        def clean(value):
            return value.strip() if isinstance(value, str) else value

        return PrivacyFields(**{f.name: clean(getattr(self, f.name)) for f in fields(self)})


def _messages() -> dict[str, str]:
    return {
        "purpose": _("Beschrijf het doel van de verwerking."),
        "legal_basis_id": _("Kies de grondslag."),
        "data_categories": _("Noem de soorten persoonsgegevens."),
        "retention": _("Vul de bewaartermijn in."),
        "contact": _("Vul een contactpersoon of -adres in."),
    }


def needs_statement(kind: SpaceKind, classification: Classification) -> bool:
    """A space with material of `vertrouwelijk` or higher states what it does with it (a case
    space has its case type's statement)."""
    return kind != SpaceKind.CASE and classification.rank >= Classification.VERTROUWELIJK.rank


def any_filled(values: PrivacyFields) -> bool:
    return any(getattr(values.cleaned(), f.name) for f in fields(values))


def check_complete(values: PrivacyFields | None) -> PrivacyFields:
    """The fields, trimmed; every empty one (or an unknown, retired basis) is refused at once."""
    values = (values or PrivacyFields("", None, "", "", "")).cleaned()
    errors = [
        ServiceError(message, name)
        for name, message in _messages().items()
        if not getattr(values, name)
    ]
    if values.legal_basis_id and not _active_basis(values.legal_basis_id):
        errors.append(ServiceError(_messages()["legal_basis_id"], "legal_basis_id"))
    if errors:
        raise PrivacyIncomplete(errors)
    return values


def _active_basis(basis_id: int) -> bool:
    basis = db.session.get(LegalBasis, basis_id)
    return basis is not None and basis.active


def statement_of_space(space: Space) -> PrivacyStatement | None:
    if space.kind == SpaceKind.CASE:
        case_type = db.session.scalar(select(Case.target_type).where(Case.space_id == space.id))
        return statement_of_case_type(case_type) if case_type else None
    return db.session.scalar(select(PrivacyStatement).where(PrivacyStatement.space_id == space.id))


def statement_of_case_type(case_type: TargetType) -> PrivacyStatement | None:
    return db.session.scalar(
        select(PrivacyStatement).where(PrivacyStatement.case_type == TargetType(case_type).value)
    )


def save_for_space(space: Space, values: PrivacyFields | None, *, actor) -> PrivacyStatement:
    if space.kind == SpaceKind.CASE:
        raise ValueError("a case space shares its case type's statement")
    statement = statement_of_space(space) or PrivacyStatement(space_id=space.id)
    return _save(statement, values, actor=actor, space_id=space.id)


def save_for_case_type(case_type: TargetType, values, *, actor) -> PrivacyStatement:
    statement = statement_of_case_type(case_type) or PrivacyStatement(
        case_type=TargetType(case_type).value
    )
    return _save(statement, values, actor=actor, space_id=None)


def _save(statement: PrivacyStatement, values, *, actor, space_id) -> PrivacyStatement:
    values = check_complete(values)
    created = statement.id is None
    before = None if created else values_of(statement)
    for name in ("purpose", "legal_basis_id", "data_categories", "retention", "contact"):
        setattr(statement, name, getattr(values, name))
    after = values_of(statement)
    if before == after:
        return statement
    statement.updated_at = utcnow()
    statement.updated_by_id = actor.id if actor is not None else None
    db.session.add(statement)
    db.session.flush()
    audit.record(
        "privacy.created" if created else "privacy.updated",
        actor=actor,
        target=statement,
        target_type="privacy_statement",
        space_id=space_id,
        details={"case_type": statement.case_type, "changed": _changed(before, after)},
    )
    return statement


def values_of(statement: PrivacyStatement | None) -> dict:
    """The fields a person fills in, by name (empty for no statement yet)."""
    if statement is None:
        return {}
    return {
        "purpose": statement.purpose,
        "legal_basis_id": statement.legal_basis_id,
        "data_categories": statement.data_categories,
        "retention": statement.retention,
        "contact": statement.contact,
    }


def _changed(before: dict | None, after: dict) -> list[str]:
    return sorted(name for name in after if before is None or before[name] != after[name])


def check_classification(space: Space, classification: Classification) -> None:
    """Raising a space to `vertrouwelijk` or higher needs its statement first."""
    if needs_statement(space.kind, classification) and statement_of_space(space) is None:
        raise ServiceError(
            _(
                "Een werkruimte vanaf ‘vertrouwelijk’ heeft een privacyverklaring nodig. "
                "Vul die eerst in (Privacy) en kies dan deze classificatie."
            ),
            "classification",
        )


# --- who receives the data, from the grants ----------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    #: Every active organisation of the network (a grant to the whole network).
    network: bool
    #: The organisations the grants reach: by a grant to them or their admins, or to one of
    #: their members in person.
    organisations: list[str]


def recipients(space: Space) -> Recipients:
    """Whom the space's grants reach, as organisations."""
    return recipients_of([space.id])[space.id]


def recipients_of(space_ids: list[int]) -> dict[int, Recipients]:
    """Whom each space's grants reach, in two queries whatever the number of spaces: the
    organisations granted (or their admins), and those of persons granted in person."""
    if not space_ids:
        return {}
    network = set(
        db.session.scalars(
            select(SpaceGrant.space_id).where(
                ids_in(SpaceGrant.space_id, space_ids),
                SpaceGrant.principal_type == PrincipalType.NETWORK,
            )
        )
    )
    direct = select(SpaceGrant.space_id, SpaceGrant.organisation_id.label("org_id")).where(
        ids_in(SpaceGrant.space_id, space_ids), SpaceGrant.organisation_id.is_not(None)
    )
    in_person = (
        select(SpaceGrant.space_id, Membership.organisation_id.label("org_id"))
        .join(Membership, Membership.user_id == SpaceGrant.user_id)
        .join(User, User.id == SpaceGrant.user_id)
        .where(ids_in(SpaceGrant.space_id, space_ids), User.active.is_(True))
    )
    reached = union(direct, in_person).subquery()
    rows = db.session.execute(
        select(reached.c.space_id, Organisation.name)
        .join(Organisation, Organisation.id == reached.c.org_id)
        .where(Organisation.active.is_(True))
        .distinct()
        .order_by(reached.c.space_id, Organisation.name)
    )
    names: dict[int, list[str]] = {space_id: [] for space_id in space_ids}
    for space_id, name in rows:
        names[space_id].append(name)
    return {
        space_id: Recipients(network=space_id in network, organisations=names[space_id])
        for space_id in space_ids
    }


# --- the processing register -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    name: str
    #: The space (None for a case type's row).
    space: Space | None
    statement: PrivacyStatement | None
    recipients: Recipients | None


def register(user, organisation: Organisation | None = None) -> list[RegisterRow]:
    """The register: each live space the user may list (policy.register_spaces) with its
    statement (or none yet: a gap to fill), then the case types'. Recipients per space are
    worked out for the CSV and the page alike."""
    rows = db.session.execute(
        select(Space, PrivacyStatement)
        .outerjoin(PrivacyStatement, PrivacyStatement.space_id == Space.id)
        .where(policy.register_spaces(user, organisation), Space.archived_at.is_(None))
        .options(db.joinedload(PrivacyStatement.legal_basis))
        .order_by(Space.name, Space.id)
    ).all()
    reach = recipients_of([space.id for space, _statement in rows])
    result = [
        RegisterRow(space.name, space, statement, reach[space.id]) for space, statement in rows
    ]
    statements = {
        s.case_type: s
        for s in db.session.scalars(
            select(PrivacyStatement)
            .where(PrivacyStatement.case_type.is_not(None))
            .options(db.joinedload(PrivacyStatement.legal_basis))
        )
    }
    for case_type in TargetType:
        result.append(RegisterRow(case_type.value, None, statements.get(case_type.value), None))
    return result


def csv_bytes(header: list[str], rows) -> bytes:
    """A CSV download: UTF-8 with BOM, ";", every cell quoted and a cell that would run as a
    formula neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_text(str(value)) for value in row])
    return out.getvalue().encode("utf-8-sig")


def export_register(rows: list[RegisterRow], labels: dict, user, organisation=None) -> bytes:
    """The register as CSV, one line per space or case type; the export is audited (the
    caller commits)."""
    audit.record(
        "privacy.register_exported",
        actor=user,
        target=organisation,
        details={"rows": len(rows)},
    )
    header = [
        _("Verwerking"),
        _("Soort"),
        _("Doel"),
        _("Grondslag"),
        _("Persoonsgegevens"),
        _("Ontvangers"),
        _("Bewaartermijn"),
        _("Contact"),
        _("Bijgewerkt"),
    ]
    return csv_bytes(header, (_csv_line(row, labels) for row in rows))


def _csv_line(row: RegisterRow, labels: dict) -> list[str]:
    statement = row.statement
    kind = labels["space"] if row.space is not None else labels["case_type"]
    name = row.name if row.space is not None else labels["case_types"][row.name]
    if statement is None:
        return [name, kind, labels["missing"], "", "", _recipients_text(row, labels), "", "", ""]
    return [
        name,
        kind,
        statement.purpose,
        statement.legal_basis.name,
        statement.data_categories,
        _recipients_text(row, labels),
        statement.retention,
        statement.contact,
        statement.updated_at.strftime("%Y-%m-%d"),
    ]


def _recipients_text(row: RegisterRow, labels: dict) -> str:
    if row.recipients is None:
        return labels["case_recipients"]
    if row.recipients.network:
        return labels["network"]
    return ", ".join(row.recipients.organisations)
