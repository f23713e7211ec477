"""Named personas for tests (STYLE.md § Tests): two municipalities, the triangle partners,
the secretariat, a platform admin, and an anonymous visitor (no persona at all)."""

from dataclasses import dataclass

import pyotp

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import User
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from neig_workspace.timeutil import utcnow

PASSWORD = "paars-fietsventiel-onweer-42"  # noqa: S105 - test password, strong enough for zxcvbn
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class Persona:
    key: str
    id: int
    email: str
    name: str
    org_id: int | None
    password: str = PASSWORD
    totp_secret: str | None = None

    def totp(self, offset_steps: int = 0) -> str:
        import time

        return pyotp.TOTP(self.totp_secret).at(time.time() + offset_steps * 30)


#: key -> (organisation key, org role, platform admin, secretariat, MFA on)
PERSONAS = {
    "member_a": ("gemeente_a", OrgRole.MEMBER, False, False, False),
    "org_admin_a": ("gemeente_a", OrgRole.ORG_ADMIN, False, False, False),
    "member_b": ("gemeente_b", OrgRole.MEMBER, False, False, False),
    "org_admin_b": ("gemeente_b", OrgRole.ORG_ADMIN, False, False, False),
    "police": ("politie", OrgRole.MEMBER, False, False, False),
    "om": ("om", OrgRole.MEMBER, False, False, False),
    "housing": ("corporatie", OrgRole.MEMBER, False, False, False),
    "secretariat": ("secretariaat", OrgRole.MEMBER, False, True, False),
    "platform_admin": ("vng", OrgRole.MEMBER, True, False, True),
}

ORGANISATIONS = {
    "gemeente_a": ("Gemeente Rotterdam", OrgType.MUNICIPALITY, "GM0599"),
    "gemeente_b": ("Gemeente Amsterdam", OrgType.MUNICIPALITY, "GM0363"),
    "politie": ("Politie Eenheid Rotterdam", OrgType.POLICE, None),
    "om": ("OM Rotterdam", OrgType.PUBLIC_PROSECUTOR, None),
    "corporatie": ("Woonstad Rotterdam", OrgType.HOUSING, None),
    "secretariaat": ("Secretariaat OTE", OrgType.SECRETARIAT, None),
    "vng": ("VNG", OrgType.ASSOCIATION, None),
}


class Personas(dict):
    """persona key -> Persona, plus `orgs`: organisation key -> id."""

    orgs: dict[str, int]

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as error:
            raise AttributeError(key) from error


def create_personas() -> Personas:
    password_hash = hash_password(PASSWORD)
    orgs = {}
    for key, (name, org_type, cbs) in ORGANISATIONS.items():
        orgs[key] = Organisation(name=name, slug=key, type=org_type, cbs_code=cbs)
        db.session.add(orgs[key])
    result = Personas()
    users = {}
    for key, (org_key, role, admin, secretariat, with_mfa) in PERSONAS.items():
        user = User(
            email=f"{key.replace('_', '.')}@example.nl",
            name=key.replace("_", " ").title(),
            password_hash=password_hash,
            is_platform_admin=admin,
            is_secretariat=secretariat,
        )
        if with_mfa:
            user.totp_secret_encrypted = mfa.encrypt_secret(TOTP_SECRET)
            user.mfa_enabled_at = utcnow()
        db.session.add(user)
        db.session.add(Membership(user=user, organisation=orgs[org_key], role=role))
        users[key] = (user, org_key, with_mfa)
    db.session.commit()
    for key, (user, org_key, with_mfa) in users.items():
        result[key] = Persona(
            key,
            user.id,
            user.email,
            user.name,
            orgs[org_key].id,
            totp_secret=TOTP_SECRET if with_mfa else None,
        )
    result.orgs = {key: org.id for key, org in orgs.items()}
    return result
