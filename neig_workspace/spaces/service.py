"""Space use cases: create, edit, archive, and the grants that decide who is in a space."""

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, case, distinct, func, select

from ..access import policy
from ..access.roles import SpaceRole
from ..accounts.models import User
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..privacy import service as privacy_service
from ..timeutil import utcnow
from .models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind, SpaceVisit

#: Grants that reach the members (or admins) of one organisation.
ORGANISATION_PRINCIPALS = (PrincipalType.ORGANISATION, PrincipalType.ORGANISATION_ADMINS)


def create_space(
    kind: SpaceKind,
    name: str,
    *,
    description: str = "",
    classification: Classification = Classification.INTERN,
    mfa_required: bool = False,
    organisation=None,
    privacy=None,
    actor,
) -> Space:
    """A new space. Someone who creates one of `vertrouwelijk` or higher gives its privacy
    statement (`privacy`, privacy.service.PrivacyFields), or is refused field by field; the
    system (demo data, no actor) labels its spaces itself, as it names them."""
    if kind in (SpaceKind.SHARED, SpaceKind.RESTRICTED):  # the ones named in a form
        _check_name_free(name.strip(), actor)
    needed = actor is not None and privacy_service.needs_statement(kind, classification)
    with_statement = needed or (privacy is not None and privacy_service.any_filled(privacy))
    if with_statement:
        privacy_service.check_complete(privacy)
    space = Space(
        kind=kind,
        name=name.strip(),
        description=description.strip(),
        classification=classification,
        mfa_required=mfa_required,
        organisation=organisation,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(space)
    db.session.flush()
    audit.record(
        "space.created",
        actor=actor,
        target=space,
        space_id=space.id,
        details={"kind": kind.value, "name": space.name, "classification": classification.value},
    )
    if with_statement:
        privacy_service.save_for_space(space, privacy, actor=actor)
    return space


def create_organisation_space(organisation, *, actor) -> Space:
    """Each partner's own space: its members contribute, its admins manage."""
    space = create_space(
        SpaceKind.ORGANISATION, organisation.name, organisation=organisation, actor=actor
    )
    add_grant(
        space,
        PrincipalType.ORGANISATION,
        SpaceRole.CONTRIBUTOR,
        organisation=organisation,
        actor=actor,
    )
    add_grant(
        space,
        PrincipalType.ORGANISATION_ADMINS,
        SpaceRole.MANAGER,
        organisation=organisation,
        actor=actor,
    )
    return space


def update_space(
    space: Space,
    *,
    name: str,
    description: str,
    classification: Classification,
    mfa_required: bool,
    actor,
) -> None:
    before = _snapshot(space)
    if name.strip() != space.name:
        _check_name_free(name.strip(), actor, space)
    if classification != space.classification:
        privacy_service.check_classification(space, classification)
    space.name = name.strip()
    space.description = description.strip()
    space.classification = classification
    space.mfa_required = mfa_required
    after = _snapshot(space)
    if before != after:
        audit.record(
            "space.updated",
            actor=actor,
            target=space,
            space_id=space.id,
            details={"before": before, "after": after},
        )


def _check_name_free(name: str, actor, space: Space | None = None) -> None:
    """Two spaces with one name cannot be told apart in a list. Only spaces `actor` may know
    of count, so the refusal tells nothing of a space hidden from them; the system (demo
    data, no actor) names its spaces itself."""
    if actor is None:
        return
    clause = (func.lower(Space.name) == name.lower()) & policy.seeable_spaces(actor)
    if space is not None:
        clause &= Space.id != space.id
    if db.session.scalar(select(Space.id).where(clause).limit(1)) is not None:
        raise ServiceError(
            _("Er is al een werkruimte met de naam ‘%(name)s’. Kies een andere naam.", name=name),
            "name",
        )


def _snapshot(space: Space) -> dict:
    return {
        "name": space.name,
        "description": space.description,
        "classification": space.classification.value,
        "mfa_required": space.mfa_required,
    }


def set_archived(space: Space, archived: bool, *, actor) -> None:
    if (space.archived_at is not None) == archived:
        return
    space.archived_at = utcnow() if archived else None
    audit.record(
        "space.archived" if archived else "space.unarchived",
        actor=actor,
        target=space,
        space_id=space.id,
    )


def add_grant(
    space: Space,
    principal_type: PrincipalType,
    role: SpaceRole,
    *,
    user=None,
    organisation=None,
    actor,
    creator: bool = False,
) -> SpaceGrant:
    """Grant a role, or change the role of an existing grant for the same principal.

    A grant to a person never reaches a platform-admin account, and nobody grants themselves
    more than they hold already (but a case's creator, `creator`, who manages it)."""
    if principal_type == PrincipalType.USER:
        held = policy.space_role(user, space) if actor is not None and user is not None else None
        policy.refuse_content_to(
            user,
            action="grant.create",
            actor=actor,
            target_type="space",
            target_id=space.id,
            space_id=space.id,
            field="email",
            self_allowed=creator or (held is not None and held >= role),
        )
    elif organisation is not None:
        policy.refuse_content_to_members_of(
            organisation.id,
            action="grant.create",
            actor=actor,
            target_type="space",
            target_id=space.id,
            space_id=space.id,
            field="principal",
        )
    user_clause = SpaceGrant.user_id == user.id if user else SpaceGrant.user_id.is_(None)
    org_clause = (
        SpaceGrant.organisation_id == organisation.id
        if organisation
        else SpaceGrant.organisation_id.is_(None)
    )
    existing = db.session.scalar(
        select(SpaceGrant).where(
            SpaceGrant.space_id == space.id,
            SpaceGrant.principal_type == principal_type,
            user_clause,
            org_clause,
        )
    )
    if existing is not None:
        if existing.role != role:
            # Lowering the only manager grant would leave the space unmanaged, like removing it.
            if existing.role == SpaceRole.MANAGER and _manager_grant_count(space) <= 1:
                raise ServiceError(_("Een werkruimte houdt minstens één beheerder."), "role")
            before = SpaceRole(existing.role).name.lower()
            existing.role = role
            audit.record(
                "grant.changed",
                actor=actor,
                target=existing,
                target_type="space_grant",
                space_id=space.id,
                details={**_grant_details(existing), "before": before},
            )
        return existing
    grant = SpaceGrant(
        space=space,
        principal_type=principal_type,
        role=role,
        user=user,
        organisation=organisation,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        "grant.added",
        actor=actor,
        target=grant,
        target_type="space_grant",
        space_id=space.id,
        details=_grant_details(grant),
    )
    return grant


@dataclass(frozen=True)
class Reach:
    """Whom grants reach: the whole network, or so many organisations and persons."""

    network: bool
    organisations: int
    people: int
    #: The name of the one organisation, when the grants reach exactly one and no persons.
    only_organisation: str | None = None


def network_reach() -> Reach:
    """Whom a grant to the whole network would reach now: every active organisation and the
    active people in them (as the policy's network grant matches them), in one query."""
    organisations = select(func.count(Organisation.id)).where(Organisation.active.is_(True))
    people = (
        select(func.count(distinct(Membership.user_id)))
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .join(User, User.id == Membership.user_id)
        .where(Organisation.active.is_(True), User.active.is_(True))
    )
    row = db.session.execute(select(organisations.scalar_subquery(), people.scalar_subquery()))
    count_orgs, count_people = row.one()
    return Reach(network=True, organisations=count_orgs, people=count_people)


def sharing_of(space: Space) -> Reach:
    """Whom the space's grants reach, derived from its grants in one query: the header says
    it, so a space that was widened never still reads as the organisation's own."""
    row = db.session.execute(_sharing_query(), {"space_id": space.id}).one()
    network, organisations, people, name = row
    only = name if organisations == 1 and not people else None
    return Reach(bool(network), organisations, people, only)


@cache
def _sharing_query():
    """Built once per process: the header of every space page asks it, and building the
    statement and its cache key cost more than running it."""
    by_org = SpaceGrant.principal_type.in_(ORGANISATION_PRINCIPALS) & Organisation.active.is_(True)
    by_user = (SpaceGrant.principal_type == PrincipalType.USER) & User.active.is_(True)
    return (
        select(
            func.count(case((SpaceGrant.principal_type == PrincipalType.NETWORK, 1))),
            func.count(distinct(case((by_org, SpaceGrant.organisation_id)))),
            func.count(distinct(case((by_user, SpaceGrant.user_id)))),
            func.max(case((by_org, Organisation.name))),
        )
        .select_from(SpaceGrant)
        .outerjoin(Organisation, Organisation.id == SpaceGrant.organisation_id)
        .outerjoin(User, User.id == SpaceGrant.user_id)
        .where(SpaceGrant.space_id == bindparam("space_id"))
    )


def grant_network(space: Space, role: SpaceRole, *, confirmed: bool, actor) -> SpaceGrant:
    """Give every member of the network a role in the space. One click must not open a space
    to everyone: without the confirmation of someone told how many it reaches, nothing is
    granted."""
    if not confirmed:
        reach = network_reach()
        organisations = ngettext("%(num)d organisatie", "%(num)d organisaties", reach.organisations)
        people = ngettext("%(num)d persoon", "%(num)d personen", reach.people)
        raise ServiceError(
            _(
                "Het hele netwerk is nu %(organisations)s met %(people)s: zij krijgen allemaal "
                "toegang tot deze werkruimte. Vink de bevestiging aan als dat de bedoeling is.",
                organisations=organisations,
                people=people,
            ),
            "confirm_network",
        )
    return add_grant(space, PrincipalType.NETWORK, role, actor=actor)


def remove_grant(grant: SpaceGrant, *, actor) -> None:
    space = grant.space
    if SpaceRole(grant.role) == SpaceRole.MANAGER and _manager_grant_count(space) <= 1:
        raise ServiceError(_("Een werkruimte houdt minstens één beheerder."))
    audit.record(
        "grant.removed",
        actor=actor,
        target=grant,
        target_type="space_grant",
        space_id=space.id,
        details=_grant_details(grant),
    )
    db.session.delete(grant)


def _manager_grant_count(space: Space) -> int:
    return sum(1 for g in space.grants if SpaceRole(g.role) == SpaceRole.MANAGER)


def _grant_details(grant: SpaceGrant) -> dict:
    return {
        "principal_type": grant.principal_type.value,
        "user_id": grant.user_id,
        "organisation_id": grant.organisation_id,
        "role": SpaceRole(grant.role).name.lower(),
    }


def record_visit(space: Space, user) -> None:
    visit = db.session.get(SpaceVisit, (user.id, space.id))
    if visit is None:
        db.session.add(SpaceVisit(user_id=user.id, space_id=space.id))
    else:
        visit.visited_at = utcnow()


# --- retention hold: nothing of the space is destroyed by `flask neig retention` --------------


def hold_retention(space: Space, reason: str, *, actor) -> None:
    """Put the space on hold (a pending legal matter, an inquiry); the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Geef een reden voor het blokkeren."), field="reason")
    space.retention_hold_at = space.retention_hold_at or utcnow()
    space.retention_hold_reason = reason
    audit.record(
        "space.retention_held",
        actor=actor,
        target=space,
        space_id=space.id,
        details={"reason": reason},
    )


def release_retention(space: Space, *, actor) -> None:
    if space.retention_hold_at is None:
        raise ServiceError(_("Deze werkruimte is niet geblokkeerd."))
    space.retention_hold_at = None
    space.retention_hold_reason = ""
    audit.record("space.retention_released", actor=actor, target=space, space_id=space.id)
