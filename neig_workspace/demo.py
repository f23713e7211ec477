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
        None,  # a platform admin is a member of no organisation: no content (DESIGN.md)
        None,
        {"platform_admin"},
        "platform admin, no organisation and no content - asks for MFA enrolment at first login",
    ),
    (
        "s.devries@vng.example",
        "Sanne de Vries",
        "VNG",
        OrgRole.ORG_ADMIN,
        set(),
        "organisation admin, VNG: the platform admin's second account, for VNG's own work",
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
        if org_name is not None:
            db.session.add(Membership(user=user, organisation=organisations[org_name], role=role))
    db.session.flush()
    for org in organisations.values():
        create_organisation_space(org, actor=None)
    _demo_spaces(organisations)
    _demo_action_plan(organisations)
    _demo_comment_round()
    _demo_case(organisations)
    _demo_privacy()
    _demo_network(organisations)
    audit.record(
        "demo.loaded", details={"organisations": len(organisations), "users": len(DEMO_USERS)}
    )


def _demo_network(organisations: dict) -> None:
    """The network's own parts: applications, the knowledge base, meetings, the directory."""
    from .applications.demo import load_demo as applications
    from .directory.demo import load_demo as directory
    from .knowledge.demo import load_demo as knowledge
    from .meetings.demo import load_demo as meetings

    for load in (knowledge, meetings, directory, applications):
        load(organisations)


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


# --- action plans ----------------------------------------------------------------------------
#
# The "Actieplan OTE" space gets the 2025 plan: a dozen measures over the four lines, led by
# different partners, with progress reported by them, milestones, one item narrowed to the
# police, the OM and the secretariat, and the attacks per month of 2025 as the secretariat
# entered them. Dates of open items are set relative to the day the demo is loaded, so the
# dashboard and the "overdue" and "due soon" views always have something to show.

#: code, line, title, lead, contributors, responsible e-mail, due (a date, or days from today),
#: [(reported on, status or None, note)], narrowed to (organisation names)
DEMO_ACTION_ITEMS = [
    (
        "P-01",
        "Preventie",
        "Handelingskader voor burgemeesters bij explosies",
        "VNG",
        ["Ministerie van Justitie en Veiligheid", "Gemeente Rotterdam"],
        None,
        "2025-04-30",
        [
            ("2025-02-14", "op_schema", "Eerste versie besproken met de G4; reacties verwerkt."),
            ("2025-04-15", "afgerond", "Handelingskader vastgesteld en gedeeld in de Kennisbank."),
        ],
        [],
    ),
    (
        "P-02",
        "Preventie",
        "Campagne voor jongeren over de gevolgen van explosies",
        "Gemeente Amsterdam",
        ["Politie Eenheid Amsterdam"],
        "beheer@amsterdam.example",
        45,
        [
            (
                "2025-03-03",
                "op_schema",
                "Campagnebureau gekozen; eerste ronde in het voortgezet onderwijs.",
            )
        ],
        [],
    ),
    (
        "P-03",
        "Preventie",
        "Vroegsignalering van conflicten die tot aanslagen leiden",
        "Politie Eenheid Rotterdam",
        ["Gemeente Rotterdam", "Openbaar Ministerie, Arrondissementsparket Rotterdam"],
        "agent@politie-rotterdam.example",
        10,
        [
            ("2025-05-20", "op_schema", "Werkwijze beproefd in twee wijken."),
            ("2025-09-02", "risico", "Capaciteit voor de analyse ontbreekt na de zomer."),
        ],
        [],
    ),
    (
        "R-01",
        "Repressie",
        "Snellere vervolging van daders via snelrecht",
        "Openbaar Ministerie, Arrondissementsparket Rotterdam",
        ["Politie Eenheid Rotterdam"],
        "officier@om-rotterdam.example",
        120,
        [("2025-03-28", "op_schema", "Afspraken met de rechtbank over zittingscapaciteit.")],
        [],
    ),
    (
        "R-02",
        "Repressie",
        "Landelijk beeld van explosieven en leveranciers",
        "Politie Eenheid Rotterdam",
        [],
        None,
        -20,
        [
            ("2025-06-12", "op_schema", "Gegevens van de eenheden verzameld."),
            (
                "2025-10-01",
                "vertraagd",
                "Koppeling met de landelijke systemen loopt vertraging op.",
            ),
        ],
        [],
    ),
    (
        "R-03",
        "Repressie",
        "Kader voor sluiting van panden na een aanslag (art. 174a Gemeentewet)",
        "Gemeente Rotterdam",
        ["Openbaar Ministerie, Arrondissementsparket Rotterdam"],
        "beheer@rotterdam.example",
        "2025-06-30",
        [
            (
                "2025-06-18",
                "afgerond",
                "Modelbesluit en toelichting beschikbaar voor alle gemeenten.",
            )
        ],
        [],
    ),
    (
        "R-04",
        "Repressie",
        "Informatie-uitwisseling over criminele netwerken achter aanslagen",
        "Politie Eenheid Rotterdam",
        ["Openbaar Ministerie, Arrondissementsparket Rotterdam"],
        None,
        60,
        [("2025-07-07", "op_schema", "Convenant in concept; juridische toets loopt.")],
        [
            "Politie Eenheid Rotterdam",
            "Openbaar Ministerie, Arrondissementsparket Rotterdam",
            "Secretariaat Offensief tegen Explosies",
        ],
    ),
    (
        "W-01",
        "Weerbaarheid",
        "Preventieve maatregelen voor ondernemers (camera’s, verlichting)",
        "VNO-NCW en MKB-Nederland",
        ["Verbond van Verzekeraars"],
        None,
        9,
        [("2025-04-09", "op_schema", "Subsidieregeling opengesteld; 140 aanvragen binnen.")],
        [],
    ),
    (
        "W-02",
        "Weerbaarheid",
        "Afspraken met corporaties over huurders bij herhaalde aanslagen",
        "Aedes",
        ["Woonstad Rotterdam"],
        None,
        75,
        [],
        [],
    ),
    (
        "W-03",
        "Weerbaarheid",
        "Cameratoezicht in risicogebieden (art. 151c Gemeentewet)",
        "Gemeente Den Haag",
        [],
        None,
        "2025-09-30",
        [("2025-09-12", "afgerond", "Twaalf camera’s geplaatst; evaluatie volgt in het voorjaar.")],
        [],
    ),
    (
        "N-01",
        "Nazorg",
        "Nazorgprotocol voor bewoners en ondernemers",
        "Gemeente Utrecht",
        ["Aedes", "Verbond van Verzekeraars"],
        None,
        30,
        [("2025-05-02", "op_schema", "Protocol getest na twee aanslagen in Utrecht.")],
        [],
    ),
    (
        "N-02",
        "Nazorg",
        "Snellere schadeafhandeling door verzekeraars",
        "Verbond van Verzekeraars",
        [],
        None,
        -5,
        [("2025-08-19", "risico", "Niet alle verzekeraars sluiten zich aan.")],
        [],
    ),
    (
        "N-03",
        "Nazorg",
        "Slachtofferhulp na een aanslag in de eigen straat",
        "Gemeente Eindhoven",
        [],
        None,
        "2025-11-30",
        [("2025-03-10", "vervallen", "Opgegaan in het nazorgprotocol (N-01).")],
        [],
    ),
]

#: Attacks per month in 2025 as the secretariat entered them (baseline 2024: 1,100).
DEMO_ATTACKS_2025 = [112, 88, 84, 79, 81, 76, 74, 71, 78, 83, 86, 104]


def _demo_action_plan(organisations: dict) -> None:
    from datetime import date, datetime, time, timedelta

    from .actions import service as actions
    from .actions.models import ItemStatus
    from .spaces.models import Space

    secretariat = db.session.scalar(select(User).where(User.email == "secretariaat@ote.example"))
    space = db.session.scalar(select(Space).where(Space.name == "Actieplan OTE"))
    today = actions.today()
    plan = actions.create_plan(
        space,
        actions.PlanData(
            name="Actieplan Offensief tegen Explosies 2025",
            description=(
                "De maatregelen van de taskforce: van preventie en repressie tot weerbaarheid en"
                " nazorg. Doel: in 2025 minstens 10% minder (pogingen tot) aanslagen dan in 2024."
            ),
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
        ),
        actor=secretariat,
    )
    lines = {line.name: line.id for line in plan.lines}
    users = {u.email: u for u in db.session.scalars(select(User))}
    for (
        code,
        line,
        title,
        lead,
        contributors,
        responsible,
        due,
        updates,
        narrowed,
    ) in DEMO_ACTION_ITEMS:
        due_date = date.fromisoformat(due) if isinstance(due, str) else today + timedelta(days=due)
        item = actions.create_item(
            plan,
            actions.ItemData(
                code=code,
                title=title,
                line_id=lines[line],
                lead_organisation_id=organisations[lead].id,
                contributor_ids=[organisations[name].id for name in contributors],
                responsible_email=responsible or "",
                start_date=date(2025, 1, 15),
                due_date=max(due_date, date(2025, 1, 31)),
                narrowing_ids=[organisations[name].id for name in narrowed],
            ),
            actor=secretariat,
        )
        reporter = _demo_reporter(users, lead, secretariat)
        for reported_on, status, note in updates:
            day = min(date.fromisoformat(reported_on), today)
            update = actions.report_progress(
                item, note=note, reported_on=day, status=ItemStatus(status), actor=reporter
            )
            # Back-dated like the rest of the demo: posted on the day it reports on.
            update.created_at = datetime.combine(day, time(10))
            item.last_update_at = update.created_at
        if code == "P-02":
            actions.add_milestone(
                item, title="Lesmateriaal klaar", due_date=date(2025, 2, 28), actor=secretariat
            )
            done = actions.add_milestone(
                item, title="Eerste scholen bereikt", due_date=None, actor=secretariat
            )
            actions.set_milestone_done(done, True, actor=reporter)
    actions.set_attack_figures(
        plan,
        2025,
        {
            month: count
            for month, count in enumerate(DEMO_ATTACKS_2025, start=1)
            if date(2025, month, 1) <= today
        },
        actor=secretariat,
    )


def _demo_reporter(users: dict, lead: str, fallback):
    """A demo user of the lead organisation, or the secretariat where the lead has none."""
    for email, _name, org_name, _role, _global, _description in DEMO_USERS:
        if org_name == lead:
            return users[email]
    return fallback


# --- end action plans ------------------------------------------------------------------------


# --- drafts and comments ---------------------------------------------------------------------

DEMO_DRAFT = """# Handreiking nazorg na een explosie

Deze handreiking beschrijft wat gemeente, corporatie en verzekeraar doen in de eerste week na
een explosie bij een woning of bedrijfspand.

## De eerste 24 uur

De gemeente stuurt binnen 24 uur een bewonersbrief aan de directe omgeving, met een
telefoonnummer voor vragen en schademeldingen.

De woningcorporatie neemt dezelfde dag contact op met de huurders van beschadigde woningen.

## De eerste week

- een buurtbijeenkomst met burgemeester, politie en corporatie;
- een afspraak over het herstel van de schade;
- een vast aanspreekpunt voor getroffen bewoners.
"""


def _demo_comment_round() -> None:
    """A text draft in the Werkgroep Nazorg, in a comment round, with the first comments."""
    from datetime import timedelta

    from .comments import service as comments
    from .documents import drafts
    from .spaces.models import Space
    from .timeutil import utcnow

    space = db.session.scalar(select(Space).where(Space.name == "Werkgroep Nazorg"))
    users = {u.email: u for u in db.session.scalars(select(User))}
    author = users["beheer@rotterdam.example"]
    draft = drafts.create_text_draft(
        space, title="Handreiking nazorg na een explosie", text=DEMO_DRAFT, actor=author
    )
    invited = [
        org.id for org in comments.round_candidates(draft) if org.name != "Gemeente Rotterdam"
    ]
    comments.start_round(
        draft,
        deadline=utcnow() + timedelta(days=14),
        organisation_ids=invited,
        message="Graag uw reactie op de termijnen en de rolverdeling.",
        actor=author,
    )
    comments.post_comment(
        draft,
        body="Binnen 24 uur is voor ons haalbaar als de gemeente ons direct belt. "
        "Kunnen we dat opnemen?",
        paragraph=4,
        actor=users["nazorg@woonstad.example"],
    )
    comments.post_comment(
        draft,
        body="Wij missen de schadeafhandeling door verzekeraars in de eerste week.",
        paragraph=5,
        actor=users["medewerker@amsterdam.example"],
    )


# --- end drafts and comments ----------------------------------------------------------------


# --- casework --------------------------------------------------------------------------------
#
# One case in Rotterdam, opened by the municipality's case worker with the local triangle: the
# police and the OM take part as core partners, Woonstad for its aftercare only (it sees what is
# given to it). The municipality and the police may read the full address.


def _demo_privacy() -> None:
    """Privacy statements for the local triangle's space and for cases about a home, and this
    period's access reviews, so the register and the reviews have something to show."""
    from flask import current_app

    from .cases.legal_bases import active_legal_bases
    from .cases.models import TargetType
    from .privacy.service import PrivacyFields, save_for_case_type, save_for_space
    from .reviews.service import open_reviews
    from .spaces.models import Space
    from .timeutil import utcnow

    bases = {basis.name: basis.id for basis in active_legal_bases()}
    triangle = db.session.scalar(select(Space).where(Space.name == "Driehoek Rotterdam"))
    save_for_space(
        triangle,
        PrivacyFields(
            purpose="Afstemming in de lokale driehoek over de aanpak van explosies in Rotterdam.",
            legal_basis_id=bases["Gemeentewet art. 172 en 174a"],
            data_categories="Namen van betrokkenen, adressen, politiële informatie op hoofdlijnen.",
            retention="2 jaar na het laatste overleg",
            contact="privacy@rotterdam.example",
        ),
        actor=None,
    )
    save_for_case_type(
        TargetType.WONING,
        PrivacyFields(
            purpose="Aanpak van een explosie bij een woning: maatregelen en nazorg voor bewoners.",
            legal_basis_id=bases["Convenant aanpak explosies"],
            data_categories="Adres, namen van bewoners en eigenaar, schade, genomen maatregelen.",
            retention="5 jaar na afsluiten van de casus",
            contact="De privacyfunctionaris van de gemeente van de casus",
        ),
        actor=None,
    )
    open_reviews(utcnow(), current_app.config["ACCESS_REVIEW_MONTHS"])


def _demo_case(organisations: dict) -> None:
    from datetime import timedelta

    from .cases import service as cases
    from .cases.legal_bases import active_legal_bases, ensure_default_legal_bases
    from .cases.models import ExplosiveType, TargetType
    from .timeutil import local, to_utc, utcnow

    ensure_default_legal_bases()
    basis = next(b for b in active_legal_bases() if b.name == "Convenant aanpak explosies")
    creator = db.session.scalar(select(User).where(User.email == "medewerker@rotterdam.example"))
    # 03:15 Dutch time, six days ago, stored as UTC like every moment.
    day = local(utcnow()) - timedelta(days=6)
    when = to_utc(day.replace(hour=3, minute=15, second=0, microsecond=0))
    cases.create_case(
        actor=creator,
        municipality=organisations["Gemeente Rotterdam"],
        occurred_at=when,
        target_type=TargetType.WONING,
        explosive_type=ExplosiveType.ZWAAR_VUURWERK,
        legal_basis_id=basis.id,
        purpose="Aanpak van de explosie, sluiting van de woning en nazorg voor de buurt.",
        postcode4="3011",
        neighbourhood="Stadsdriehoek",
        address="Voorbeeldstraat 1, 3011 AA Rotterdam",
        damage="Voordeur en twee ramen vernield; gevel beroet.",
        injured=0,
        description="Explosie bij de voordeur van een portiekwoning, 's nachts. Geen gewonden.",
        participants=[
            cases.Participant(
                organisations["Politie Eenheid Rotterdam"], SpaceRole.EDITOR, True, True
            ),
            cases.Participant(
                organisations["Openbaar Ministerie, Arrondissementsparket Rotterdam"],
                SpaceRole.CONTRIBUTOR,
                True,
                False,
            ),
            cases.Participant(
                organisations["Woonstad Rotterdam"], SpaceRole.CONTRIBUTOR, False, False
            ),
            cases.Participant(organisations["Gemeente Rotterdam"], SpaceRole.EDITOR, True, True),
        ],
    )
