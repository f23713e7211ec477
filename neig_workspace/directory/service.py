"""The member directory: the organisations of the network, the contact persons who opted in,
and each user's own settings."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from ..access.policy import listed_contacts, visible_directory_organisations
from ..accounts.models import User
from ..audit import service as audit
from ..extensions import db
from ..organisations.models import Membership, Organisation, OrgType
from ..organisations.municipalities import by_code, municipalities
from ..timeutil import utcnow
from .models import FIELDS, DirectoryProfile

#: The filter value (and label) of organisations that work nationally, not in one province.
NATIONAL = "landelijk"
NATIONAL_LABEL = _l("Landelijk")


def provinces() -> list[str]:
    """The twelve provinces, from the municipality list shipped with the project."""
    return sorted({m.province for m in municipalities()})


def province_of(organisation: Organisation) -> str | None:
    """The province of a municipality (by its CBS code); None for a national partner."""
    municipality = by_code().get(organisation.cbs_code or "")
    return municipality.province if municipality else None


def organisations_query(user, *, org_type: str = "", province: str = "", q: str = "") -> Select:
    """The directory's organisations, filtered in SQL by type, province and name."""
    query = select(Organisation).where(visible_directory_organisations(user))
    if org_type in {t.value for t in OrgType}:
        query = query.where(Organisation.type == OrgType(org_type))
    if province == NATIONAL:
        query = query.where(Organisation.type != OrgType.MUNICIPALITY)
    elif province in provinces():
        codes = [m.cbs_code for m in municipalities() if m.province == province]
        query = query.where(
            Organisation.type == OrgType.MUNICIPALITY, Organisation.cbs_code.in_(codes)
        )
    if q:
        # autoescape: a typed % or _ is a character to find, not a wildcard.
        query = query.where(Organisation.name.icontains(q, autoescape=True))
    return query.order_by(Organisation.name)


def contact_counts(user, organisation_ids: list[int]) -> dict[int, int]:
    """Listed contact persons per organisation for one page of the list, in one query."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        _contacts_select(user, select(Membership.organisation_id, func.count(User.id)))
        .where(Membership.organisation_id.in_(organisation_ids))
        .group_by(Membership.organisation_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class Contact:
    """What the directory shows of one person: only the fields they opted in to."""

    name: str | None
    job_title: str | None
    organisation: str | None
    email: str | None
    phone: str | None


def contacts(user, organisation: Organisation) -> list[Contact]:
    """The contact persons listed on an organisation's page, in one query."""
    rows = db.session.execute(
        _contacts_select(user, select(User, DirectoryProfile))
        .where(Membership.organisation_id == organisation.id)
        .order_by(DirectoryProfile.show_name.desc(), User.name, User.id)
    ).all()
    return [_contact(u, profile, organisation) for u, profile in rows]


def _contacts_select(user, query: Select) -> Select:
    return (
        query.select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(DirectoryProfile, DirectoryProfile.user_id == User.id)
        .where(listed_contacts(user))
    )


def _contact(user: User, profile: DirectoryProfile, organisation: Organisation) -> Contact:
    values = {
        "name": user.name,
        "job_title": profile.job_title or None,
        "organisation": organisation.name,
        "email": user.email,
        "phone": profile.phone or None,
    }
    shown = set(profile.shown())
    return Contact(**{name: values[name] if name in shown else None for name in FIELDS})


def profile_of(user) -> DirectoryProfile:
    """The user's settings; a fresh one (everything hidden) when they never saved any."""
    return db.session.get(DirectoryProfile, user.id) or DirectoryProfile(
        user_id=user.id, job_title="", phone="", **{f"show_{name}": False for name in FIELDS}
    )


def update_profile(user, *, job_title: str, phone: str, shown: set[str]) -> DirectoryProfile:
    """Save what the directory may show of `user` (their own choice) and audit the change."""
    profile = profile_of(user)
    db.session.add(profile)
    before = profile.shown()
    profile.job_title = job_title
    profile.phone = phone
    for name in FIELDS:
        setattr(profile, f"show_{name}", name in shown)
    profile.updated_at = utcnow()
    audit.record(
        "directory.settings_changed",
        actor=user,
        target_type="user",
        target_id=user.id,
        details={"shown_before": before, "shown": profile.shown()},
    )
    return profile
