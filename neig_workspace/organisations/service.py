"""Organisation use cases: create, edit, deactivate and the members' roles. Callers commit."""

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..access import policy
from ..access.roles import OrgRole
from ..accounts.models import User
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..spaces.service import create_organisation_space
from .models import Membership, Organisation, OrgType


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "organisatie"


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while True:
        clause = Organisation.slug == slug
        if exclude_id is not None:
            clause = clause & (Organisation.id != exclude_id)
        if db.session.scalar(select(func.count()).where(clause)) == 0:
            return slug
        slug, n = f"{base[:75]}-{n}", n + 1


def _check_name_free(name: str, exclude_id: int | None = None) -> None:
    clause = func.lower(Organisation.name) == name.strip().lower()
    if exclude_id is not None:
        clause = clause & (Organisation.id != exclude_id)
    if db.session.scalar(select(func.count()).select_from(Organisation).where(clause)):
        raise ServiceError(_("Er bestaat al een organisatie met deze naam."), "name")


def _check_municipality_free(cbs_code: str | None, exclude_id: int | None = None) -> None:
    """One organisation per municipality: a second one would split its members."""
    if not cbs_code:
        return
    clause = Organisation.cbs_code == cbs_code
    if exclude_id is not None:
        clause = clause & (Organisation.id != exclude_id)
    if db.session.scalar(select(func.count()).select_from(Organisation).where(clause)):
        raise ServiceError(_("Deze gemeente heeft al een organisatie in het netwerk."), "cbs_code")


def create_organisation(
    name: str, org_type: OrgType, *, cbs_code: str | None = None, actor
) -> Organisation:
    _check_name_free(name)
    _check_municipality_free(cbs_code)
    org = Organisation(
        name=name.strip(), slug=_unique_slug(name), type=org_type, cbs_code=cbs_code or None
    )
    db.session.add(org)
    db.session.flush()
    audit.record(
        "organisation.created",
        actor=actor,
        target=org,
        details={"name": org.name, "type": org_type.value},
    )
    create_organisation_space(org, actor=actor)
    return org


def update_organisation(
    org: Organisation, *, name: str, org_type: OrgType, cbs_code: str | None, actor
) -> None:
    _check_name_free(name, exclude_id=org.id)
    _check_municipality_free(cbs_code, exclude_id=org.id)
    before = {"name": org.name, "type": org.type.value, "cbs_code": org.cbs_code}
    org.name = name.strip()
    org.type = org_type
    org.cbs_code = cbs_code or None
    after = {"name": org.name, "type": org.type.value, "cbs_code": org.cbs_code}
    if before != after:
        audit.record(
            "organisation.updated",
            actor=actor,
            target=org,
            details={"before": before, "after": after},
        )


def set_organisation_active(org: Organisation, active: bool, *, actor) -> None:
    if org.active == active:
        return
    org.active = active
    audit.record(
        "organisation.reactivated" if active else "organisation.deactivated",
        actor=actor,
        target=org,
    )


def add_member(org: Organisation, user, role: OrgRole, *, actor) -> Membership:
    policy.refuse_content_to(
        user,
        action="membership.create",
        actor=actor,
        target_type="organisation",
        target_id=org.id,
        field="user",
    )
    if user.membership_in(org.id) is not None:
        raise ServiceError(_("Deze persoon is al lid van deze organisatie."), "user")
    membership = Membership(user=user, organisation=org, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "membership.created",
        actor=actor,
        target=membership,
        details={"user_id": user.id, "organisation_id": org.id, "role": role.value},
    )
    return membership


def change_member_role(membership: Membership, role: OrgRole, *, actor) -> None:
    if membership.role == role:
        return
    if membership.role == OrgRole.ORG_ADMIN and _other_active_admins(membership) == 0:
        raise ServiceError(_("Een organisatie houdt minstens één beheerder."), "role")
    before = membership.role
    membership.role = role
    audit.record(
        "membership.role_changed",
        actor=actor,
        target=membership,
        details={"user_id": membership.user_id, "before": before.value, "after": role.value},
    )


def remove_member(membership: Membership, *, actor) -> None:
    if membership.role == OrgRole.ORG_ADMIN and _other_active_admins(membership) == 0:
        raise ServiceError(_("Een organisatie houdt minstens één beheerder."))
    audit.record(
        "membership.removed",
        actor=actor,
        target=membership,
        details={"user_id": membership.user_id, "organisation_id": membership.organisation_id},
    )
    db.session.delete(membership)


def _other_active_admins(membership: Membership) -> int:
    """Admins left besides this one; a deactivated account cannot run the organisation."""
    return db.session.scalar(
        select(func.count(Membership.id))
        .join(User, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == membership.organisation_id,
            Membership.role == OrgRole.ORG_ADMIN,
            Membership.id != membership.id,
            User.active.is_(True),
        )
    )
