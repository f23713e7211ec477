"""The demo network: partners of the taskforce and the network, with users in every role."""

from sqlalchemy import func, select

from .access.roles import OrgRole, SpaceRole
from .accounts.models import User
from .accounts.passwords import hash_password
from .audit import service as audit
from .extensions import db
from .organisations.models import Membership, Organisation, OrgType
from .organisations.service import slugify
from .spaces.models import Classification, PrincipalType, SpaceKind
from .spaces.service import add_grant, create_organisation_space, create_space

DEMO_PASSWORD = "neig-demo-werkruimte-2025"  # noqa: S105  # nosec B105 # the documented password of the local demo, never deployed

#: (name, type, CBS code, mail domain)
DEMO_ORGANISATIONS = [
    ("VNG", OrgType.ASSOCIATION, None, "vng.example"),
    ("Ministerie van Justitie en Veiligheid", OrgType.MINISTRY, None, "jenv.example"),
    ("Secretariaat Offensief tegen Explosies", OrgType.SECRETARIAT, None, "ote.example"),
    ("Politie Eenheid Rotterdam", OrgType.POLICE, None, "politie-rotterdam.example"),
    ("Politie Eenheid Amsterdam", OrgType.POLICE, None, "politie-amsterdam.example"),
    (
        "Openbaar Ministerie, Arrondissementsparket Rotterdam",
        OrgType.PUBLIC_PROSECUTOR,
        None,
        "om-rotterdam.example",
    ),
    ("Aedes", OrgType.HOUSING, None, "aedes.example"),
    ("Woonstad Rotterdam", OrgType.HOUSING, None, "woonstad.example"),
    ("Verbond van Verzekeraars", OrgType.INSURER, None, "verzekeraars.example"),
    ("VNO-NCW en MKB-Nederland", OrgType.BUSINESS, None, "vnoncw-mkb.example"),
    ("Gemeente Rotterdam", OrgType.MUNICIPALITY, "GM0599", "rotterdam.example"),
    ("Gemeente Amsterdam", OrgType.MUNICIPALITY, "GM0363", "amsterdam.example"),
    ("Gemeente Den Haag", OrgType.MUNICIPALITY, "GM0518", "denhaag.example"),
    ("Gemeente Utrecht", OrgType.MUNICIPALITY, "GM0344", "utrecht.example"),
    ("Gemeente Eindhoven", OrgType.MUNICIPALITY, "GM0772", "eindhoven.example"),
    ("Gemeente Groningen", OrgType.MUNICIPALITY, "GM0014", "groningen.example"),
    ("Gemeente Tilburg", OrgType.MUNICIPALITY, "GM0855", "tilburg.example"),
    ("Gemeente Almere", OrgType.MUNICIPALITY, "GM0034", "almere.example"),
]

#: (e-mail, name, organisation, organisation role, global roles, description)
DEMO_USERS = [
    (
        "beheerder@vng.example",
        "Sanne de Vries",
        "VNG",
        OrgRole.ORG_ADMIN,
        {"platform_admin"},
        "platform admin (VNG) - asks for MFA enrolment at first login",
    ),
    (
        "secretariaat@ote.example",
        "Bram Jansen",
        "Secretariaat Offensief tegen Explosies",
        OrgRole.ORG_ADMIN,
        {"secretariat"},
        "taskforce secretariat",
    ),
    (
        "beheer@rotterdam.example",
        "Fatima El Amrani",
        "Gemeente Rotterdam",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, Gemeente Rotterdam",
    ),
    (
        "medewerker@rotterdam.example",
        "Thijs Bakker",
        "Gemeente Rotterdam",
        OrgRole.MEMBER,
        set(),
        "member, Gemeente Rotterdam",
    ),
    (
        "beheer@amsterdam.example",
        "Noor Visser",
        "Gemeente Amsterdam",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, Gemeente Amsterdam",
    ),
    (
        "medewerker@amsterdam.example",
        "Daan Smit",
        "Gemeente Amsterdam",
        OrgRole.MEMBER,
        set(),
        "member, Gemeente Amsterdam",
    ),
    (
        "agent@politie-rotterdam.example",
        "Kees Mulder",
        "Politie Eenheid Rotterdam",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, Politie Eenheid Rotterdam",
    ),
    (
        "officier@om-rotterdam.example",
        "Esther de Boer",
        "Openbaar Ministerie, Arrondissementsparket Rotterdam",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, OM Rotterdam",
    ),
    (
        "nazorg@woonstad.example",
        "Joost Meijer",
        "Woonstad Rotterdam",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, Woonstad Rotterdam",
    ),
    (
        "beleid@jenv.example",
        "Iris Hendriks",
        "Ministerie van Justitie en Veiligheid",
        OrgRole.MEMBER,
        set(),
        "member, Ministerie van JenV",
    ),
]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


def load_demo_network() -> None:
    """Create every demo organisation and user; the caller commits."""
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: every demo account shares it
    organisations = {}
    for name, org_type, cbs_code, _domain in DEMO_ORGANISATIONS:
        org = Organisation(name=name, slug=slugify(name), type=org_type, cbs_code=cbs_code)
        db.session.add(org)
        organisations[name] = org
    db.session.flush()
    for email, name, org_name, role, global_roles, _description in DEMO_USERS:
        user = User(
            email=email,
            name=name,
            password_hash=password_hash,
            is_platform_admin="platform_admin" in global_roles,
            is_secretariat="secretariat" in global_roles,
        )
        db.session.add(user)
        db.session.add(Membership(user=user, organisation=organisations[org_name], role=role))
    db.session.flush()
    for org in organisations.values():
        create_organisation_space(org, actor=None)
    _demo_spaces(organisations)
    audit.record(
        "demo.loaded", details={"organisations": len(organisations), "users": len(DEMO_USERS)}
    )


#: (name, kind, classification, description, network role, {organisation: role})
DEMO_SPACES = [
    (
        "Kennisbank",
        SpaceKind.SHARED,
        Classification.INTERN,
        "Handelingskaders, best practices en geanonimiseerde casuïstiek van het netwerk.",
        SpaceRole.CONTRIBUTOR,
        {"VNG": SpaceRole.MANAGER},
    ),
    (
        "Actieplan OTE",
        SpaceKind.SHARED,
        Classification.INTERN,
        "Het actieplan van het Offensief tegen Explosies en de voortgang per maatregel.",
        SpaceRole.VIEWER,
        {"Secretariaat Offensief tegen Explosies": SpaceRole.MANAGER},
    ),
    (
        "Driehoek Rotterdam",
        SpaceKind.RESTRICTED,
        Classification.ZAAKVERTROUWELIJK,
        "De lokale driehoek van Rotterdam: burgemeester, politie en Openbaar Ministerie.",
        None,
        {
            "Gemeente Rotterdam": SpaceRole.MANAGER,
            "Politie Eenheid Rotterdam": SpaceRole.CONTRIBUTOR,
            "Openbaar Ministerie, Arrondissementsparket Rotterdam": SpaceRole.CONTRIBUTOR,
        },
    ),
    (
        "Werkgroep Nazorg",
        SpaceKind.RESTRICTED,
        Classification.INTERN,
        "Gemeenten, corporaties en verzekeraars over nazorg na een aanslag.",
        None,
        {
            "Gemeente Rotterdam": SpaceRole.MANAGER,
            "Gemeente Amsterdam": SpaceRole.CONTRIBUTOR,
            "Woonstad Rotterdam": SpaceRole.CONTRIBUTOR,
            "Aedes": SpaceRole.CONTRIBUTOR,
            "Verbond van Verzekeraars": SpaceRole.CONTRIBUTOR,
        },
    ),
]


def _demo_spaces(organisations: dict) -> None:
    for name, kind, label, description, network_role, org_roles in DEMO_SPACES:
        space = create_space(kind, name, description=description, classification=label, actor=None)
        if network_role is not None:
            add_grant(space, PrincipalType.NETWORK, network_role, actor=None)
        for org_name, role in org_roles.items():
            add_grant(
                space,
                PrincipalType.ORGANISATION,
                role,
                organisation=organisations[org_name],
                actor=None,
            )


def demo_accounts() -> list[tuple[str, str]]:
    return [(email, description) for email, _n, _o, _r, _g, description in DEMO_USERS]
