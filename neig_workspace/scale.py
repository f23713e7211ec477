"""`flask neig seed-scale`: the network at national scale, for measuring.

Bulk inserts with SQLAlchemy Core (lists of dicts, in batches) and explicit ids, so rows can
point at each other without reading anything back. Deterministic (a seeded random), so two runs
with the same figures give the same data. Refused in production and on a database that holds
anything beyond what the migrations seed (the legal bases).

What it makes, with the defaults (the figures of the measurement at national scale):
- 350 organisations (Gemeente Rotterdam, its police unit and OM first; municipalities, police
  units, OM parketten, housing corporations, insurers, business), 5,000 users with one
  membership each (the first member of each organisation its admin), one platform admin;
- 1,000 spaces: one per organisation (organisation: contributor, its admins: manager), shared
  spaces for the whole network (the Kennisbank, the Actieplan OTE), the rest restricted to some
  organisations and people; 10,000 case spaces, each with its case (the municipality, a police
  unit and an OM parket as participants, the creator as case manager);
- 45,000 grants in all; 100,000 documents with 110,000 versions, in folders, a few narrowed to
  some organisations, a few in the trash, a folder of 1,000 in a space Rotterdam reads; every
  version points at one of a handful of real blobs (content addressed, so they are shared) and
  has some 150 words of "extracted" text (version_texts), which the search index is built from
  at the end of the command (`neig search reindex`, with its progress bar);
- 2,000 action items in one plan, articles in the Kennisbank, 113,000 audit events and 20,000
  notifications;
- what else search counts (issue 20), in the same Dutch as the extracted texts: 20,000 comments
  on documents, action items and articles (replies, located, answered, resolved, a few
  deleted), 2,000 meetings with their folders (a third for the whole network), and on the
  cases 15,000 measures, 10,000 aftercare tasks and 30,000 timeline entries (some narrowed,
  with the disclosures that follow), 6,000 progress updates on the action items; left out,
  these figures follow the one they belong to (DERIVED), and they are made last, from a
  random of their own, so the rest of the seed is the same with or without them;
- the named user, a Rotterdam member, reads exactly --named-user-spaces spaces.

The audit events are chained exactly as `audit.service.record` chains them (`compute_hash` over
the same fields, following the newest existing event), so `neig audit verify` passes; a signed
checkpoint is written at the end when AUDIT_CHECKPOINT_EVERY is on.
"""

import hashlib
import io
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import click
from flask import current_app
from sqlalchemy import func, insert, select, text

from .access.roles import OrgRole, SpaceRole
from .accounts import mfa
from .accounts.models import User
from .accounts.passwords import hash_password
from .actions.models import (
    ActionItem,
    ActionItemChange,
    ActionLine,
    ActionPlan,
    ItemStatus,
    ProgressUpdate,
)
from .audit.models import AuditEvent
from .audit.service import _CHECKPOINT_DUE, _last, compute_hash
from .cases.items import entry_label
from .cases.models import (
    AftercareKind,
    AftercareTask,
    Case,
    CaseOrganisation,
    CaseStatistic,
    Disclosure,
    EntryKind,
    LegalBasis,
    Measure,
    MeasureStatus,
    MeasureType,
    TaskStatus,
    TimelineEntry,
)
from .comments.models import Comment, Decision
from .documents.models import Document, DocumentVersion, Folder, VersionText
from .documents.stores import blob_store
from .extensions import db
from .knowledge.models import Article, KnowledgeSpace
from .meetings.models import Meeting, MeetingAudience, MeetingKind
from .notifications.models import Notification
from .organisations.models import Membership, Organisation, OrgType
from .spaces.models import Space, SpaceGrant, SpaceVisit
from .timeutil import utcnow

#: A base32 TOTP secret for the named user and the admin (a throw-away database's accounts).
DEFAULT_TOTP_SECRET = "NEIGSCALEBENCHTOTPSECRETXYZ23456"  # noqa: S105  # nosec B105 # refused in production, like the demo password
DEFAULT_PASSWORD = "neig-schaal-meten-werkruimte-2026"  # noqa: S105  # nosec B105 # refused in production, like the demo password
NAMED_EMAIL = "schaal@rotterdam.example"
ADMIN_EMAIL = "beheer.schaal@vng.example"
BATCH = 5000

DEFAULTS = {
    "organisations": 350,
    "users": 5000,
    "spaces": 1000,
    "case_spaces": 10000,
    "grants": 45000,
    "documents": 100000,
    "versions": 110000,
    "cases": 10000,
    "action_items": 2000,
    "audit_events": 113000,
    "notifications": 20000,
    "articles": 200,
    "named_user_spaces": 300,
    "big_folder": 1000,
    # The rest of what search counts; None: in proportion to a figure above (DERIVED).
    "comments": None,
    "meetings": None,
    "measures": None,
    "tasks": None,
    "timeline_entries": None,
    "progress_updates": None,
}
#: A figure left out, as (the figure it follows, times, divided by): 20,000 comments on 100,000
#: documents, 2 meetings a space, 1.5 measures, 1 aftercare task and 3 timeline entries a case,
#: 3 progress updates an action item. Tiny figures (the tests') thus get tiny ones too.
DERIVED = {
    "comments": ("documents", 1, 5),
    "meetings": ("spaces", 2, 1),
    "measures": ("cases", 3, 2),
    "tasks": ("cases", 1, 1),
    "timeline_entries": ("cases", 3, 1),
    "progress_updates": ("action_items", 3, 1),
}

#: Tables whose rows mean "not an empty database" (the migrations seed only legal bases).
_CONTENT_TABLES = (Organisation, User, Space, Document, AuditEvent, Case)

_WORDS = [
    "verslag",
    "notulen",
    "plan van aanpak",
    "evaluatie",
    "werkafspraken",
    "convenant",
    "rapportage",
    "handreiking",
    "factsheet",
    "presentatie",
    "offerte",
    "besluitenlijst",
]
_PLACES = ["Noord", "Zuid", "Oost", "West", "Centrum", "Haven", "Delfshaven", "Charlois"]
#: The words the seeded "extracted" texts are made of: common ones, and rarer ones that only a
#: few hundred texts hold (so a search can find many documents or a few).
_TEXT_WORDS = (
    "de het een van en in op bij met voor na over door aan als dat die er is zijn wordt werd"
    " gemeente politie burgemeester woning woningen pand panden explosie explosies aanslag"
    " aanslagen bewoners buurt wijk straat voordeur schade herstel nazorg overleg afspraken"
    " signalen melding meldingen onderzoek verdachte verdachten aanpak maatregel maatregelen"
    " sluiting camera cameratoezicht gebiedsverbod bestuurlijke rapportage evaluatie verslag"
    " convenant handreiking partners samenwerking informatie delen casus casusoverleg"
    " ondernemer ondernemers verzekeraar corporatie huurders brief bijeenkomst veiligheid"
    " zorg preventie weerbaarheid signalering risico incident incidenten nacht avond"
).split()
_RARE_WORDS = (
    "handgranaat zandzakken kluisdeur brandvertrager vuurwerkbom rolluik glasschade"
    " portiekdeur scooter afpersing drugslab witwassen ondermijning loverboy bedreiging"
    " getuigenverklaring dashcam deurbelcamera sloopwoning stookolie benzinebom"
).split()


class ScaleError(click.ClickException):
    pass


@dataclass
class Counts:
    organisations: int
    users: int
    spaces: int
    case_spaces: int
    grants: int
    documents: int
    versions: int
    cases: int
    action_items: int
    audit_events: int
    notifications: int
    articles: int
    named_user_spaces: int
    big_folder: int
    comments: int | None = None
    meetings: int | None = None
    measures: int | None = None
    tasks: int | None = None
    timeline_entries: int | None = None
    progress_updates: int | None = None

    def resolved(self) -> "Counts":
        """The figures left out (None) in proportion to the one they follow (DERIVED)."""
        figures = dict(vars(self))
        for name, (base, times, per) in DERIVED.items():
            if figures[name] is None:
                figures[name] = figures[base] * times // per
        return Counts(**figures)


def derived_help(name: str) -> str:
    """The help of a figure that follows another (the CLI's option)."""
    base, times, per = DERIVED[name]
    factor = f"{times}/{per}" if per > 1 else str(times)
    default = Counts(**DEFAULTS).resolved()
    return (
        f"default: --{base.replace('_', '-')} x {factor}"
        f" ({getattr(default, name):,} at the defaults)"
    )


@dataclass
class Report:
    """What was written, per table, and the seconds it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    named_user_id: int = 0
    admin_id: int = 0
    big_folder_id: int | None = None
    big_folder_space_id: int | None = None


def database_has_content() -> bool:
    return any(
        db.session.scalar(select(func.count()).select_from(model)) for model in _CONTENT_TABLES
    )


class _Ids:
    """The next free id per table (explicit ids: rows point at each other without reading)."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def take(self, model, count: int = 1) -> int:
        table = model.__table__.name
        if table not in self.next:
            self.next[table] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        first = self.next[table]
        self.next[table] += count
        return first


def _insert(model, rows: list[dict], report: Report, echo) -> None:
    """Insert in batches; one line per table with the count and the time it took."""
    if not rows:
        return
    started = time.monotonic()
    table = model.__table__ if hasattr(model, "__table__") else model
    keys = set().union(*(row.keys() for row in rows))
    for key in keys:  # one statement needs the same keys in every row
        default = table.columns[key].default
        value = default.arg if default is not None and default.is_scalar else None
        for row in rows:
            row.setdefault(key, value)
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])
    report.rows[table.name] = report.rows.get(table.name, 0) + len(rows)
    echo(f"  {table.name:<24} {len(rows):>8} rows  {time.monotonic() - started:6.1f} s")


def _fix_sequences(report: Report) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the new rows."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if table.name not in report.rows or "id" not in table.columns:
            continue
        if not table.columns["id"].autoincrement or not table.columns["id"].primary_key:
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608  # nosec B608 # our own table names
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def _org_types(count: int, rng: random.Random) -> list[str]:
    """Rotterdam, its police unit and OM parket first; then mostly municipalities."""
    first = [OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.PUBLIC_PROSECUTOR][:count]
    rest = count - len(first)
    others = []
    if rest > 20:
        share = {
            OrgType.POLICE: 9,
            OrgType.PUBLIC_PROSECUTOR: 9,
            OrgType.HOUSING: 12,
            OrgType.INSURER: 5,
            OrgType.BUSINESS: 5,
        }
        for kind, n in share.items():
            others += [kind] * max(1, rest * n // 350)
    others += [OrgType.MUNICIPALITY] * (rest - len(others))
    rng.shuffle(others)
    return [str(t) for t in first + others]


_TYPE_PREFIX = {
    OrgType.MUNICIPALITY: "Gemeente",
    OrgType.POLICE: "Politie Eenheid",
    OrgType.PUBLIC_PROSECUTOR: "OM Parket",
    OrgType.HOUSING: "Woningcorporatie",
    OrgType.INSURER: "Verzekeraar",
    OrgType.BUSINESS: "Ondernemersvereniging",
}


def _blobs(echo) -> list[tuple[str, int]]:
    """A handful of small real PDFs in the blob store; every version points at one of them."""
    store = blob_store(current_app.config)
    blobs = []
    for n in range(8):
        body = f"BT /F1 12 Tf 72 720 Td (NEIG schaaldocument {n}) Tj ET\n" * (1 + 40 * n)
        content = (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
            + f"% {body}".encode()
            + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        )
        sha256 = hashlib.sha256(content).hexdigest()
        if not store.exists(sha256):
            store.commit(store.stage(io.BytesIO(content), max_size=len(content)))
        blobs.append((sha256, len(content)))
    echo(f"  {'blobs (files)':<24} {len(blobs):>8} files")
    return blobs


def seed_scale(
    counts: Counts,
    *,
    password: str = DEFAULT_PASSWORD,
    totp_secret: str = DEFAULT_TOTP_SECRET,
    seed: int = 18,
    echo=click.echo,
) -> Report:
    """Write the whole network; the caller commits. Raises ScaleError on figures that do not
    fit together."""
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311  # nosec B311 # test data, not a secret
    c = counts.resolved()
    report = Report()
    ids = _Ids()
    now = utcnow().replace(microsecond=0)
    year_ago = now - timedelta(days=365)

    def moment() -> datetime:
        return year_ago + timedelta(seconds=rng.randrange(365 * 24 * 3600))

    # --- checks -----------------------------------------------------------------------------
    if c.organisations < 3:
        raise ScaleError("At least 3 organisations (Rotterdam, its police unit and OM).")
    if c.users < c.organisations + 2:
        raise ScaleError("At least as many users as organisations, plus 2.")
    if c.cases != c.case_spaces:
        raise ScaleError("Every case has a case space of its own: --cases = --case-spaces.")
    shared_count = max(2, c.spaces // 100)
    restricted_count = c.spaces - c.organisations - shared_count
    if restricted_count < 1:
        raise ScaleError(f"--spaces must be above organisations + {shared_count} (shared).")
    if c.versions < c.documents:
        raise ScaleError("Every document has a version: --versions >= --documents.")

    # --- organisations, users, memberships --------------------------------------------------
    types = _org_types(c.organisations, rng)
    org0 = ids.take(Organisation, c.organisations)
    org_ids = list(range(org0, org0 + c.organisations))
    rotterdam, police_rdam, om_rdam = org_ids[0], org_ids[1], org_ids[2]
    org_rows = []
    for n, (org_id, kind) in enumerate(zip(org_ids, types, strict=True)):
        name = (
            ["Gemeente Rotterdam", "Politie Eenheid Rotterdam", "OM Rotterdam"][n]
            if n < 3
            else (f"{_TYPE_PREFIX[OrgType(kind)]} {n:03d}")
        )
        slug = ["rotterdam", "politie-rotterdam", "om-rotterdam"][n] if n < 3 else f"org-{n:03d}"
        org_rows.append({"id": org_id, "name": name, "slug": slug, "type": kind})
    by_type = defaultdict(list)
    for org_id, kind in zip(org_ids, types, strict=True):
        by_type[kind].append(org_id)
    municipalities = [o for o in by_type[OrgType.MUNICIPALITY] if o != rotterdam]
    police = by_type[OrgType.POLICE]
    om = by_type[OrgType.PUBLIC_PROSECUTOR]
    _insert(Organisation, org_rows, report, echo)

    password_hash = hash_password(password)
    secret = mfa.encrypt_secret(totp_secret)
    user0 = ids.take(User, c.users)
    user_ids = list(range(user0, user0 + c.users))
    admin_id, named_id = user_ids[0], user_ids[1]
    report.admin_id, report.named_user_id = admin_id, named_id
    members: dict[int, list[int]] = defaultdict(list)
    rotterdam_share = max(2, c.users * 3 // 100)
    user_rows, membership_rows = [], []
    member_ids = user_ids[1:]
    for n, user_id in enumerate(member_ids):
        org = rotterdam if n < rotterdam_share else org_ids[(n - rotterdam_share) % len(org_ids)]
        members[org].append(user_id)
    org_of = {u: o for o, us in members.items() for u in us}
    for user_id in user_ids:
        if user_id == admin_id:
            email, name = ADMIN_EMAIL, "Beheerder Schaal"
        elif user_id == named_id:
            email, name = NAMED_EMAIL, "Medewerker Schaal Rotterdam"
        else:
            email, name = f"gebruiker{user_id}@org{org_of[user_id]}.example", f"Gebruiker {user_id}"
        with_mfa = user_id in (admin_id, named_id) or rng.random() < 0.6
        user_rows.append(
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": password_hash,
                "is_platform_admin": user_id == admin_id,
                "totp_secret_encrypted": secret if with_mfa else None,
                "mfa_enabled_at": now if with_mfa else None,
                "created_at": moment(),
            }
        )
    _insert(User, user_rows, report, echo)
    membership_rows = [
        {
            "user_id": user_id,
            "organisation_id": org,
            # Rotterdam's first member is the named user, a member: its second is the admin.
            "role": OrgRole.ORG_ADMIN if k == (org == rotterdam) else OrgRole.MEMBER,
        }
        for org, us in members.items()
        for k, user_id in enumerate(us)
    ]
    _insert(Membership, membership_rows, report, echo)

    # --- spaces and grants ------------------------------------------------------------------
    grants: list[dict] = []
    granted: set[tuple] = set()

    def grant(space_id, principal, role, *, user=None, org=None):
        key = (space_id, principal, user, org)
        if key in granted:
            return False
        granted.add(key)
        grants.append(
            {
                "space_id": space_id,
                "principal_type": principal,
                "user_id": user,
                "organisation_id": org,
                "role": int(role),
            }
        )
        return True

    space_rows = []
    sp0 = ids.take(Space, c.spaces + c.case_spaces)
    org_space = {}
    for n, org in enumerate(org_ids):
        space_id = sp0 + n
        org_space[org] = space_id
        space_rows.append(
            {
                "id": space_id,
                "kind": "organisation",
                "name": f"Werkruimte {org_rows[n]['name']}",
                "classification": "intern",
                "organisation_id": org,
            }
        )
        grant(space_id, "organisation", SpaceRole.CONTRIBUTOR, org=org)
        grant(space_id, "organisation_admins", SpaceRole.MANAGER, org=org)
    shared = list(range(sp0 + c.organisations, sp0 + c.organisations + shared_count))
    kennisbank, plan_space = shared[0], shared[1]
    for n, space_id in enumerate(shared):
        name = ["Kennisbank", "Actieplan OTE"][n] if n < 2 else f"Netwerkbreed overleg {n}"
        space_rows.append(
            {"id": space_id, "kind": "shared", "name": name, "classification": "openbaar"}
        )
        grant(space_id, "network", SpaceRole.VIEWER)
    restricted = list(range(shared[-1] + 1, sp0 + c.spaces))
    for n, space_id in enumerate(restricted):
        place = _PLACES[n % len(_PLACES)]
        space_rows.append(
            {
                "id": space_id,
                "kind": "restricted",
                "name": f"Werkgroep {place} {n:03d}",
                "classification": "vertrouwelijk" if n % 10 == 9 else "intern",
            }
        )

    # The named user's spaces: the own organisation's, the shared ones, Rotterdam's cases,
    # restricted spaces granted to Rotterdam, and restricted spaces granted to them by name.
    available = c.named_user_spaces - 1 - shared_count
    if available < 0:
        raise ScaleError(f"--named-user-spaces must be at least {1 + shared_count}.")
    rotterdam_cases = min(c.cases * 2 // 100, available // 3) if municipalities else c.cases
    rotterdam_restricted = min(len(restricted), (available - rotterdam_cases) // 2)
    by_name = available - rotterdam_cases - rotterdam_restricted
    if by_name > len(restricted) - rotterdam_restricted or rotterdam_cases > available:
        raise ScaleError("Not enough spaces for --named-user-spaces; raise --spaces.")
    for k, space_id in enumerate(restricted):
        if k < rotterdam_restricted:
            grant(space_id, "organisation", SpaceRole.CONTRIBUTOR, org=rotterdam)
        else:  # an owner organisation other than Rotterdam
            grant(space_id, "organisation", SpaceRole.EDITOR, org=rng.choice(org_ids[1:]))
    for space_id in restricted[rotterdam_restricted : rotterdam_restricted + by_name]:
        grant(space_id, "user", SpaceRole.VIEWER, user=named_id)

    # Cases, each in a case space of its own.
    legal_basis = db.session.scalar(select(func.min(LegalBasis.id)))
    if legal_basis is None:
        raise ScaleError("No legal basis: run `flask db upgrade` first.")
    case_space0 = sp0 + c.spaces
    case0 = ids.take(Case, c.cases)
    case_rows, case_org_rows, stat_rows = [], [], []
    case_municipality = {}
    per_year = defaultdict(int)
    for n in range(c.cases):
        case_id, space_id = case0 + n, case_space0 + n
        municipality = rotterdam if n < rotterdam_cases else rng.choice(municipalities)
        case_municipality[case_id] = municipality
        occurred = moment() - timedelta(days=365 * rng.randrange(4))
        per_year[occurred.year] += 1
        reference = f"NEIG-{occurred.year}-{per_year[occurred.year]:04d}"
        creator = rng.choice(
            [u for u in members.get(municipality, []) if u != named_id] or [user_ids[-1]]
        )
        status = rng.choice(["gemeld", "in_behandeling", "in_behandeling", "nazorg", "afgesloten"])
        space_rows.append(
            {
                "id": space_id,
                "kind": "case",
                "name": f"Casus {reference}",
                "classification": "zaakvertrouwelijk",
                "mfa_required": True,
                "created_by_id": creator,
            }
        )
        case_rows.append(
            {
                "id": case_id,
                "reference": reference,
                "year": occurred.year,
                "number": per_year[occurred.year],
                "space_id": space_id,
                "municipality_id": municipality,
                "occurred_at": occurred,
                "target_type": rng.choice(["woning", "woning", "bedrijfspand", "voertuig"]),
                "explosive_type": rng.choice(["zwaar_vuurwerk", "handgranaat", "onbekend"]),
                "postcode4": f"{3000 + rng.randrange(100)}",
                "neighbourhood": rng.choice(_PLACES),
                "description": "Explosie bij de voordeur; schade aan de gevel.",
                "status": status,
                "legal_basis_id": legal_basis,
                "purpose": "Aanpak explosies (convenant)",
                "created_by_id": creator,
                "created_at": occurred,
                "closed_at": occurred + timedelta(days=90) if status == "afgesloten" else None,
            }
        )
        stat_rows.append(
            {
                "case_id": case_id,
                "month": occurred.date().replace(day=1),
                "municipality_id": municipality,
                "target_type": case_rows[-1]["target_type"],
                "explosive_type": case_rows[-1]["explosive_type"],
            }
        )
        grant(space_id, "user", SpaceRole.MANAGER, user=creator)
        partners = [(municipality, SpaceRole.CONTRIBUTOR, True)]
        if municipality == rotterdam:
            partners += [
                (police_rdam, SpaceRole.CONTRIBUTOR, True),
                (om_rdam, SpaceRole.VIEWER, False),
            ]
        else:
            partners += [
                (rng.choice(police or [police_rdam]), SpaceRole.CONTRIBUTOR, True),
                (rng.choice(om or [om_rdam]), SpaceRole.VIEWER, False),
            ]
        for org, role, core in partners:
            grant(space_id, "organisation", role, org=org)
            case_org_rows.append(
                {"case_id": case_id, "organisation_id": org, "core": core, "added_by_id": creator}
            )

    # The rest of the grants: more organisations and people on the restricted spaces (never
    # Rotterdam or the named user, whose count of spaces is fixed above).
    others = org_ids[1:]
    people = [u for u in member_ids if u != named_id]
    missing = c.grants - len(grants)
    if missing < 0:
        raise ScaleError(f"--grants must be at least {len(grants)} for these figures.")
    attempts = 0
    while missing > 0:
        attempts += 1
        if attempts > 20 * c.grants:
            raise ScaleError("Cannot place that many grants; raise --spaces or --organisations.")
        space_id = rng.choice(restricted)
        if rng.random() < 0.25:
            placed = grant(space_id, "user", SpaceRole.CONTRIBUTOR, user=rng.choice(people))
        else:
            role = rng.choice([SpaceRole.VIEWER, SpaceRole.CONTRIBUTOR, SpaceRole.EDITOR])
            placed = grant(space_id, "organisation", role, org=rng.choice(others))
        missing -= placed
    _insert(Space, space_rows, report, echo)
    _insert(SpaceGrant, grants, report, echo)
    _insert(Case, case_rows, report, echo)
    _insert(CaseOrganisation, case_org_rows, report, echo)
    _insert(CaseStatistic, stat_rows, report, echo)

    # Organisations that read each restricted space (narrowing picks among them).
    readers = defaultdict(list)
    for row in grants:
        if row["principal_type"] == "organisation":
            readers[row["space_id"]].append(row["organisation_id"])

    # --- folders, documents, versions, blobs ------------------------------------------------
    blobs = _blobs(echo)
    non_case = list(range(sp0, sp0 + c.spaces))
    folder_rows = []
    folders_of = defaultdict(list)
    folder0 = ids.take(Folder, 4 * c.spaces + 1)
    next_folder = folder0
    for space_id in non_case:
        for k in range(rng.randrange(5)):
            folder_rows.append(
                {
                    "id": next_folder,
                    "space_id": space_id,
                    "name": f"{rng.choice(_WORDS).capitalize()} {2022 + k}",
                }
            )
            folders_of[space_id].append(next_folder)
            next_folder += 1
    # The folder of 1,000 documents, in a space Rotterdam reads.
    big_space = restricted[0] if rotterdam_restricted else org_space[rotterdam]
    big_folder = next_folder
    folder_rows.append({"id": big_folder, "space_id": big_space, "name": "Archief verslagen"})
    report.big_folder_id, report.big_folder_space_id = big_folder, big_space
    _insert(Folder, folder_rows, report, echo)

    doc0 = ids.take(Document, c.documents)
    doc_rows, narrow_rows, case_doc_rows = [], [], []
    classification_of = {row["id"]: row["classification"] for row in space_rows}
    case_docs = min(c.cases, c.documents // 10)
    big = min(c.big_folder, c.documents - case_docs)
    rotterdam_root = min(100, c.documents - case_docs - big)
    for n in range(c.documents):
        doc_id = doc0 + n
        folder = None
        if n < case_docs:
            space_id = case_space0 + n
        elif n < case_docs + big:
            space_id, folder = big_space, big_folder
        elif n < case_docs + big + rotterdam_root:
            space_id = org_space[rotterdam]
        else:
            space_id = rng.choice(non_case)
            if folders_of[space_id] and rng.random() < 0.7:
                folder = rng.choice(folders_of[space_id])
        created = moment()
        word = rng.choice(_WORDS)
        deleted = n >= case_docs and rng.random() < 0.01
        doc_rows.append(
            {
                "id": doc_id,
                "space_id": space_id,
                "folder_id": folder,
                "title": f"{word.capitalize()} {rng.choice(_PLACES)} {n}",
                "description": f"Het {word} van het overleg.",
                "tags": word,
                "status": rng.choice(["concept", "vastgesteld", "vastgesteld"]),
                "classification": classification_of[space_id],
                "latest_number": 1,
                "created_at": created,
                "updated_at": created,
                "created_by_id": rng.choice(people),
                "deleted_at": created + timedelta(days=1) if deleted else None,
                "trash_batch": f"scale-{doc_id}" if deleted else None,
            }
        )
        if n < case_docs:
            case_id = case0 + n
            case_doc_rows.append(
                {
                    "document_id": doc_id,
                    "case_id": case_id,
                    "supplier_organisation_id": case_municipality[case_id],
                    "legal_basis_id": legal_basis,
                }
            )
        elif space_id in restricted and rng.random() < 0.05 and readers[space_id]:
            narrow_rows.append(
                {"document_id": doc_id, "organisation_id": rng.choice(readers[space_id])}
            )
    # Further versions on random documents (not in case spaces).
    extra = defaultdict(int)
    for _ in range(c.versions - c.documents):
        extra[rng.randrange(case_docs, c.documents) if c.documents > case_docs else 0] += 1
    version_rows = []
    for n, row in enumerate(doc_rows):
        row["latest_number"] = 1 + extra[n]
        for number in range(1, 2 + extra[n]):
            sha256, size = blobs[(n + number) % len(blobs)]
            version_rows.append(
                {
                    "document_id": row["id"],
                    "number": number,
                    "filename": f"{row['title'].lower().replace(' ', '-')}.pdf",
                    "mimetype": "application/pdf",
                    "size": size,
                    "sha256": sha256,
                    "created_at": row["created_at"] + timedelta(hours=number - 1),
                    "created_by_id": row["created_by_id"],
                    "scan_status": "not_scanned",
                }
            )
    _insert(Document, doc_rows, report, echo)
    version0 = ids.take(DocumentVersion, len(version_rows))
    for n, row in enumerate(version_rows):
        row["id"] = version0 + n
    _insert(DocumentVersion, version_rows, report, echo)
    _insert(VersionText, _version_texts(version_rows, now), report, echo)
    _insert(_table("document_narrowings"), narrow_rows, report, echo)
    _insert(_table("case_documents"), case_doc_rows, report, echo)

    # --- the action plan, the Kennisbank ------------------------------------------------------
    plan_id = ids.take(ActionPlan)
    _insert(
        ActionPlan,
        [
            {
                "id": plan_id,
                "space_id": plan_space,
                "name": "Actieplan OTE",
                "period_start": date(now.year, 1, 1),
                "period_end": date(now.year + 1, 12, 31),
            }
        ],
        report,
        echo,
    )
    line_names = ["Preventie", "Signalering", "Repressie", "Weerbaarheid", "Nazorg", "Overig"]
    line0 = ids.take(ActionLine, len(line_names))
    _insert(
        ActionLine,
        [
            {"id": line0 + k, "plan_id": plan_id, "name": name, "position": k}
            for k, name in enumerate(line_names)
        ],
        report,
        echo,
    )
    item0 = ids.take(ActionItem, c.action_items)
    item_rows, contributor_rows, item_narrow_rows = [], [], []
    for n in range(c.action_items):
        lead = rng.choice(org_ids)
        start = date(now.year, 1, 1) + timedelta(days=rng.randrange(200))
        item_rows.append(
            {
                "id": item0 + n,
                "plan_id": plan_id,
                "line_id": line0 + n % len(line_names),
                "code": f"A{n + 1:04d}",
                "title": f"Maatregel {n + 1}: {rng.choice(_WORDS)} {rng.choice(_PLACES)}",
                "description": "Uitvoeren volgens de afspraken in het actieplan.",
                "lead_organisation_id": lead,
                "status": rng.choice(["niet_gestart", "op_schema", "risico", "vertraagd"]),
                "start_date": start,
                "due_date": start + timedelta(days=rng.randrange(30, 400)),
                "last_update_at": moment(),
            }
        )
        if rng.random() < 0.3:
            contributor = rng.choice(org_ids)
            if contributor != lead:
                contributor_rows.append({"item_id": item0 + n, "organisation_id": contributor})
        if rng.random() < 0.05:
            item_narrow_rows.append({"item_id": item0 + n, "organisation_id": lead})
    _insert(ActionItem, item_rows, report, echo)
    _insert(_table("action_item_contributors"), contributor_rows, report, echo)
    _insert(_table("action_item_narrowings"), item_narrow_rows, report, echo)

    _insert(KnowledgeSpace, [{"space_id": kennisbank}], report, echo)
    article0 = ids.take(Article, c.articles)
    kinds = ["best_practice", "handelingskader", "casuistiek", "factsheet"]
    themes = ["preventie", "signalering", "aanpak", "nazorg", "weerbaarheid", "samenwerking"]
    article_rows = [
        {
            "id": article0 + n,
            "space_id": kennisbank,
            "title": f"{rng.choice(_WORDS).capitalize()}: aanpak in {rng.choice(_PLACES)} {n}",
            "summary": "Wat werkte, en wat niet.",
            "body": "Een beschrijving van de aanpak.\n\nMet de lessen die we leerden.",
            "kind": rng.choice(kinds),
            "organisation_id": rng.choice(org_ids),
            "published_at": moment(),
        }
        for n in range(c.articles)
    ]
    _insert(Article, article_rows, report, echo)
    _insert(
        _table("article_themes"),
        [{"article_id": row["id"], "theme": rng.choice(themes)} for row in article_rows],
        report,
        echo,
    )

    # --- notifications, visits -------------------------------------------------------------
    named_spaces = [org_space[rotterdam], *shared]
    named_spaces += restricted[: rotterdam_restricted + by_name]
    named_spaces += [case_space0 + n for n in range(rotterdam_cases)]
    notification_rows = []
    for n in range(c.notifications):
        user_id = named_id if n < min(40, c.notifications // 10) else rng.choice(people)
        doc = doc_rows[rng.randrange(len(doc_rows))] if doc_rows else None
        created = moment()
        notification_rows.append(
            {
                "user_id": user_id,
                "kind": rng.choice(["reply", "mention", "action_item_update", "round_invitation"]),
                "subject_type": "document",
                "subject_id": doc["id"] if doc else 1,
                "url": f"/documenten/{doc['id'] if doc else 1}",
                "title": f"Nieuwe reactie op {doc['title'] if doc else 'een document'}",
                "excerpt": "Graag nog even naar paragraaf 3 kijken.",
                "actor_id": rng.choice(people),
                "created_at": created,
                "read_at": created + timedelta(hours=2) if rng.random() < 0.5 else None,
            }
        )
    _insert(Notification, notification_rows, report, echo)
    visits = [
        {"user_id": named_id, "space_id": space_id, "visited_at": moment()}
        for space_id in named_spaces[::2]
    ]
    _insert(SpaceVisit, visits, report, echo)

    # --- comments, meetings, case items, progress updates (a random of their own) -----------
    world = _world(
        now=now,
        org_ids=org_ids,
        people=people,
        org_of=org_of,
        shared=shared,
        doc_rows=doc_rows,
        item_rows=item_rows,
        article_rows=article_rows,
        case_rows=case_rows,
        grants=grants,
        members=members,
        named_id=named_id,
        admins={
            r["organisation_id"]: [r["user_id"]]
            for r in membership_rows
            if r["role"] == OrgRole.ORG_ADMIN
        },
        case_org_rows=case_org_rows,
        contributor_rows=contributor_rows,
        narrow_rows=narrow_rows,
    )
    kinds_rng = random.Random(f"{seed}-kinds")  # noqa: S311  # nosec B311 # test data, not a secret
    _seed_kinds(c, world, ids, kinds_rng, report, echo)

    # --- the audit log, chained -------------------------------------------------------------
    _audit(
        c.audit_events,
        report,
        echo,
        rng,
        ids,
        (year_ago, now),
        user_ids,
        org_of,
        doc_rows,
        (case0, case_space0, c.cases),
    )

    db.session.flush()
    _fix_sequences(report)
    report.seconds = time.monotonic() - started
    return report


def _version_texts(version_rows: list[dict], now: datetime) -> list[dict]:
    """The text "read" from each version's file: some 150 words of casework Dutch, a rarer
    word in one text of fifty, so the search index is built over text the size of a short
    report (the blobs themselves are a handful of tiny PDFs)."""
    rng = random.Random(len(version_rows))  # noqa: S311  # nosec B311 # its own, so the rest of the seed stays as it was
    rows = []
    for row in version_rows:
        words = rng.choices(_TEXT_WORDS, k=150)
        if rng.random() < 0.02:
            words[rng.randrange(len(words))] = rng.choice(_RARE_WORDS)
        sentences = [" ".join(words[k : k + 15]).capitalize() + "." for k in range(0, 150, 15)]
        rows.append(
            {
                "version_id": row["id"],
                "status": "ok",
                "text": " ".join(sentences),
                "extractor": "seed-scale",
                "extracted_at": now,
            }
        )
    return rows


def _table(name: str):
    return db.metadata.tables[name]


def _audit(count, report, echo, rng, ids, period, user_ids, org_of, doc_rows, cases) -> None:
    """Audit events in time order, chained after the newest existing one exactly as
    `audit.service.record` does (same fields, same `compute_hash`)."""
    if count <= 0:
        return
    started = time.monotonic()
    year_ago, now = period
    case0, case_space0, cases = cases
    _previous_id, previous_hash = _last()
    first = ids.take(AuditEvent, count)
    span = (now - year_ago).total_seconds()
    times = sorted(rng.random() * span for _ in range(count))
    non_case_docs = [row for row in doc_rows if row["space_id"] < case_space0]
    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    rows = []
    for n in range(count):
        at = year_ago + timedelta(seconds=times[n])
        actor = rng.choice(user_ids[1:])
        roll = rng.random()
        target_type = target_id = space_id = None
        details: dict = {}
        if roll < 0.35:
            action = "auth.login"
            target_type, target_id = "user", str(actor)
        elif roll < 0.45 and cases:
            case_id = case0 + rng.randrange(cases)
            action, target_type, target_id = "case.viewed", "case", str(case_id)
            space_id = case_space0 + (case_id - case0)
        elif non_case_docs:
            doc = non_case_docs[rng.randrange(len(non_case_docs))]
            action = rng.choice(
                ["document.viewed", "document.downloaded", "document.uploaded", "comment.created"]
            )
            target_type, target_id, space_id = "document", str(doc["id"]), doc["space_id"]
            if action == "document.uploaded":
                details = {"title": doc["title"], "version": 1}
        else:
            action = "auth.logout"
        event = SimpleNamespace(
            id=first + n,
            at=at,
            actor_id=actor,
            actor_org_id=org_of.get(actor),
            action=action,
            result="success",
            target_type=target_type,
            target_id=target_id,
            space_id=space_id,
            ip="127.0.0.1",
            user_agent=agent,
            details=details,
            prev_hash=previous_hash,
        )
        event.hash = previous_hash = compute_hash(event)
        rows.append(vars(event))
    echo(f"  {'(audit hashes)':<24} {count:>8} chained {time.monotonic() - started:6.1f} s")
    _insert(AuditEvent, rows, report, echo)
    if current_app.config.get("AUDIT_CHECKPOINT_EVERY"):
        db.session.info[_CHECKPOINT_DUE] = True  # signed at the commit, as record() does


# --- what else search counts: comments, meetings, case items, progress updates -----------------


@dataclass
class _World:
    """What the rest of the seed made, as the searchable kinds below need it."""

    now: datetime
    org_ids: list[int]
    #: Members of each organisation, the named user left out (whose figures stay as they were).
    staff: dict[int, list[int]]
    people: list[int]
    org_of: dict[int, int]
    #: The organisations that read each space (through a grant; the network: all of them).
    space_orgs: dict[int, list[int]]
    #: Who may organise a meeting in each space that is not a case's (editor and above).
    organisers: dict[int, list[int]]
    shared: list[int]
    case_space_ids: set[int]
    doc_rows: list[dict]
    narrowed_to: dict[int, int]
    item_rows: list[dict]
    item_orgs: dict[int, list[int]]
    article_rows: list[dict]
    case_rows: list[dict]
    participants: dict[int, list[tuple[int, bool]]]


def _world(**parts) -> _World:
    """The lookups of `_World` from the rows of the seed."""
    grants, members, named_id = parts.pop("grants"), parts.pop("members"), parts.pop("named_id")
    admins, org_ids = parts.pop("admins"), parts["org_ids"]
    case_space_ids = {row["space_id"] for row in parts["case_rows"]}
    staff = {org: [u for u in us if u != named_id] for org, us in members.items()}
    space_orgs, organisers = defaultdict(list), defaultdict(list)
    for row in grants:
        space_id, principal = row["space_id"], row["principal_type"]
        if principal == "network":
            space_orgs[space_id] = org_ids
        elif principal == "organisation" and space_orgs[space_id] is not org_ids:
            space_orgs[space_id].append(row["organisation_id"])
        if row["role"] < SpaceRole.EDITOR or space_id in case_space_ids:
            continue
        if principal == "organisation":
            organisers[space_id] += staff.get(row["organisation_id"], [])
        elif principal == "organisation_admins":
            organisers[space_id] += admins.get(row["organisation_id"], [])
        elif principal == "user" and row["user_id"] != named_id:
            organisers[space_id].append(row["user_id"])
    participants = defaultdict(list)
    for row in parts.pop("case_org_rows"):
        participants[row["case_id"]].append((row["organisation_id"], row["core"]))
    item_orgs = defaultdict(list)
    for row in parts["item_rows"]:
        item_orgs[row["id"]].append(row["lead_organisation_id"])
    for row in parts.pop("contributor_rows"):
        item_orgs[row["item_id"]].append(row["organisation_id"])
    narrowed_to = {row["document_id"]: row["organisation_id"] for row in parts.pop("narrow_rows")}
    return _World(
        case_space_ids=case_space_ids,
        staff=staff,
        space_orgs=space_orgs,
        organisers=organisers,
        participants=participants,
        item_orgs=item_orgs,
        narrowed_to=narrowed_to,
        **parts,
    )


def _text(rng: random.Random, count: int) -> str:
    """Some `count` words of casework Dutch from the documents' vocabulary: a rarer word in one
    text of fifty, and now and then a title word ("verslag", "plan van aanpak")."""
    words = rng.choices(_TEXT_WORDS, k=count)
    if rng.random() < 0.02:
        words[rng.randrange(count)] = rng.choice(_RARE_WORDS)
    if rng.random() < 0.1:
        words.insert(rng.randrange(count), rng.choice(_WORDS))
    return " ".join(
        " ".join(words[k : k + 12]).capitalize() + "." for k in range(0, len(words), 12)
    )


def _after(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between `start` and `end` (`start` itself when it is not before `end`)."""
    if start >= end:
        return start
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds()) + 1))


def _someone(rng: random.Random, w: _World, orgs: list[int]) -> int:
    """A member of one of `orgs` (anyone, if they have none besides the named user)."""
    org = rng.choice(orgs) if orgs else None
    return rng.choice(w.staff.get(org) or w.people)


def _seed_kinds(c: Counts, w: _World, ids: _Ids, rng, report: Report, echo) -> None:
    """The searchable kinds the rest of the seed has none of, so search counts every kind at
    national scale. Each is made as its service makes it (readers as authors, narrowing and
    disclosures as the case's rules have them); they come last and from a random of their
    own, so the rest of the seed stays what it was."""
    if c.comments and not (w.doc_rows or w.item_rows or w.article_rows):
        raise ScaleError("Comments need documents, action items or articles.")
    if (c.measures or c.tasks or c.timeline_entries) and not w.case_rows:
        raise ScaleError("Measures, aftercare tasks and timeline entries need --cases.")
    if c.progress_updates and not w.item_rows:
        raise ScaleError("Progress updates need --action-items.")
    _comments(c.comments, w, ids, rng, report, echo)
    _meetings(c.meetings, w, ids, rng, report, echo)
    _case_items(c, w, ids, rng, report, echo)
    _progress_updates(c.progress_updates, w, ids, rng, report, echo)


def _comment_subject(w: _World, rng) -> dict:
    """A document (seven in ten), an action item or an article, with its readers."""
    roll = rng.random()
    if w.doc_rows and (roll < 0.7 or not (w.item_rows or w.article_rows)):
        doc = w.doc_rows[rng.randrange(len(w.doc_rows))]
        narrowed = w.narrowed_to.get(doc["id"])
        return {
            "document_id": doc["id"],
            "version_number": rng.randint(1, doc["latest_number"]),
            "since": doc["created_at"],
            "orgs": [narrowed] if narrowed else w.space_orgs[doc["space_id"]],
        }
    if w.item_rows and (roll < 0.9 or not w.article_rows):
        item = w.item_rows[rng.randrange(len(w.item_rows))]
        return {
            "action_item_id": item["id"],
            "since": item["last_update_at"],
            "orgs": w.item_orgs[item["id"]],
        }
    article = w.article_rows[rng.randrange(len(w.article_rows))]
    return {"article_id": article["id"], "since": article["published_at"], "orgs": w.org_ids}


def _comments(count, w: _World, ids, rng, report, echo) -> None:
    """Threads and replies (three in ten) by readers of their subject; some located ("p. 4"),
    answered by the editors with a decision, resolved, or deleted (a tombstone: no text)."""
    first = ids.take(Comment, count)
    rows, threads = [], []
    for n in range(count):
        parent = rows[rng.choice(threads)] if threads and rng.random() < 0.3 else None
        if parent is None:
            subject = _comment_subject(w, rng)
            orgs, since = subject.pop("orgs"), subject.pop("since")
        else:
            subject = {
                key: parent[key]
                for key in ("document_id", "action_item_id", "article_id", "version_number")
            }
            orgs, since = [parent["organisation_id"]], parent["created_at"]
        author = _someone(rng, w, orgs)
        created = _after(rng, since, w.now)
        deleted = rng.random() < 0.03
        row = {
            "document_id": None,
            "action_item_id": None,
            "article_id": None,
            "version_number": None,
            **subject,
            "id": first + n,
            "parent_id": parent["id"] if parent else None,
            "location": "",
            "body": "" if deleted else _text(rng, rng.randint(12, 60)),
            "author_id": author,
            "organisation_id": w.org_of.get(author),
            "created_at": created,
            "deleted_at": _after(rng, created, w.now) if deleted else None,
            "resolved_at": None,
            "resolved_by_id": None,
            "response": "",
            "decision": None,
            "responded_at": None,
            "responded_by_id": None,
        }
        if parent is None:
            threads.append(n)
            if row["document_id"] and rng.random() < 0.2:
                row["location"] = f"p. {rng.randint(1, 12)}"
            if row["document_id"] and rng.random() < 0.1:  # the comment table's answer
                row["response"] = _text(rng, rng.randint(8, 30))
                row["decision"] = rng.choice(list(Decision))
                row["responded_at"] = _after(rng, created, w.now)
                row["responded_by_id"] = _someone(rng, w, orgs)
            if not deleted and rng.random() < 0.1:
                row["resolved_at"] = _after(rng, created, w.now)
                row["resolved_by_id"] = author
        rows.append(row)
    _insert(Comment, rows, report, echo)


def _meetings(count, w: _World, ids, rng, report, echo) -> None:
    """Every third for the whole network in a shared space, the rest for the readers of an
    organisation's or a restricted space; each with its folder and the folder for the minutes
    (as `create_meeting` makes them), in the past year and the coming four months."""
    first, folder0 = ids.take(Meeting, count), ids.take(Folder, 2 * count)
    spaces = [s for s in w.space_orgs if s not in w.shared and s not in w.case_space_ids]
    rows, folders = [], []
    for n in range(count):
        network = n % 3 == 0 or not spaces
        space_id = rng.choice(w.shared if network else spaces)
        kind = rng.choice(list(MeetingKind))
        place = rng.choice(_PLACES)
        title = f"{kind.capitalize()} {rng.choice(_WORDS)} {place} {n + 1}"
        day = w.now.replace(hour=0, minute=0, second=0) + timedelta(days=rng.randrange(-365, 120))
        starts = day + timedelta(hours=rng.choice([8, 9, 12, 13, 18]))
        created = min(w.now, starts - timedelta(days=rng.randrange(7, 60)))
        online = kind == MeetingKind.WEBINAR or rng.random() < 0.2
        organiser = rng.choice(w.organisers[space_id]) if w.organisers[space_id] else None
        rows.append(
            {
                "id": first + n,
                "space_id": space_id,
                "folder_id": folder0 + 2 * n,
                "report_folder_id": folder0 + 2 * n + 1,
                "title": title,
                "description": _text(rng, rng.randint(30, 90)),
                "kind": kind,
                "audience": MeetingAudience.NETWORK if network else MeetingAudience.SPACE,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=rng.choice([1, 2, 3])),
                "location": "" if online else f"Stadhuis, zaal {place}",
                "online_url": f"https://vergaderen.example/neig-{n + 1}" if online else "",
                "capacity": rng.choice([None, None, 20, 40, 100]),
                "created_at": created,
                "created_by_id": organiser,
                "updated_at": created,
                "cancelled_at": created + timedelta(days=1) if rng.random() < 0.03 else None,
            }
        )
        folder = {"space_id": space_id, "created_at": created, "created_by_id": organiser}
        folders.append(
            {
                **folder,
                "id": folder0 + 2 * n,
                "parent_id": None,
                "name": f"Bijeenkomst {starts:%Y-%m-%d} {title}"[:200],
            }
        )
        folders.append(
            {
                **folder,
                "id": folder0 + 2 * n + 1,
                "parent_id": folder0 + 2 * n,
                "name": "Verslag en presentaties",
            }
        )
    _insert(Folder, folders, report, echo)
    _insert(Meeting, rows, report, echo)


def _case_of(n: int, w: _World, rng) -> dict:
    """Every case one before any gets two (so Rotterdam's, which come first, have some)."""
    return w.case_rows[n] if n < len(w.case_rows) else rng.choice(w.case_rows)


def _case_items(c: Counts, w: _World, ids, rng, report, echo) -> None:
    """Measures and aftercare tasks carried out by a core organisation (the municipality or
    the police); timeline entries supplied by either, mostly given to the whole core, some
    narrowed to the supplier alone or to the supplier and the OM (who then is in the
    disclosure register, as `add_entry` writes it)."""
    core = {cid: [o for o, is_core in orgs if is_core] for cid, orgs in w.participants.items()}
    limited = {
        cid: [o for o, is_core in orgs if not is_core] for cid, orgs in w.participants.items()
    }
    measure0 = ids.take(Measure, c.measures)
    measures = []
    for n in range(c.measures):
        case = _case_of(n, w, rng)
        start = _after(rng, case["occurred_at"], w.now).date()
        measures.append(
            {
                "id": measure0 + n,
                "case_id": case["id"],
                "type": rng.choice(list(MeasureType)),
                "description": _text(rng, rng.randint(15, 50)),
                "responsible_organisation_id": core[case["id"]][0 if rng.random() < 0.75 else -1],
                "start_date": start,
                "end_date": start + timedelta(days=rng.randrange(30, 365)),
                "status": rng.choice(list(MeasureStatus)),
                "purpose": case["purpose"],
                "created_at": _after(rng, case["occurred_at"], w.now),
                "created_by_id": case["created_by_id"],
            }
        )
    _insert(Measure, measures, report, echo)
    task0 = ids.take(AftercareTask, c.tasks)
    tasks = []
    for n in range(c.tasks):
        case = _case_of(n, w, rng)
        org = core[case["id"]][0 if rng.random() < 0.8 else -1]
        tasks.append(
            {
                "id": task0 + n,
                "case_id": case["id"],
                "kind": rng.choice(list(AftercareKind)),
                "description": _text(rng, rng.randint(10, 40)),
                "organisation_id": org,
                "owner_id": rng.choice(w.staff.get(org) or [None]) if rng.random() < 0.5 else None,
                "due_date": _after(rng, case["occurred_at"], w.now).date() + timedelta(days=30),
                "status": rng.choice(list(TaskStatus)),
                "purpose": case["purpose"],
                "created_at": _after(rng, case["occurred_at"], w.now),
                "created_by_id": case["created_by_id"],
            }
        )
    _insert(AftercareTask, tasks, report, echo)
    _timeline(c.timeline_entries, w, core, limited, ids, rng, report, echo)


def _timeline(count, w: _World, core, limited, ids, rng, report, echo) -> None:
    entry0 = ids.take(TimelineEntry, count)
    entries, narrowings, disclosures = [], [], []
    for n in range(count):
        case = _case_of(n, w, rng)
        supplier = core[case["id"]][0 if rng.random() < 0.6 else -1]
        occurred = _after(rng, case["occurred_at"], w.now)
        entry = {
            "id": entry0 + n,
            "case_id": case["id"],
            "occurred_at": occurred,
            "kind": rng.choice(list(EntryKind)),
            "text": _text(rng, rng.randint(15, 80)),
            "author_id": _someone(rng, w, [supplier]),
            "supplier_organisation_id": supplier,
            "legal_basis_id": case["legal_basis_id"],
            "purpose": case["purpose"],
            "created_at": _after(rng, occurred, min(w.now, occurred + timedelta(days=2))),
        }
        entries.append(entry)
        roll = rng.random()
        if roll < 0.85:
            continue  # given to the whole core, as most are
        given = (
            [supplier]
            if roll < 0.95 or not limited[case["id"]]
            else [supplier, limited[case["id"]][0]]
        )
        narrowings += [{"entry_id": entry["id"], "organisation_id": org} for org in sorted(given)]
        for org in given[1:]:
            disclosures.append(
                {
                    "case_id": case["id"],
                    "organisation_id": org,
                    "item_type": "entry",
                    "item_id": entry["id"],
                    "item_label": entry_label(SimpleNamespace(**entry))[:300],
                    "legal_basis_id": entry["legal_basis_id"],
                    "purpose": entry["purpose"],
                    "disclosed_at": entry["created_at"],
                    "disclosed_by_id": entry["author_id"],
                }
            )
    _insert(TimelineEntry, entries, report, echo)
    _insert(_table("case_timeline_narrowings"), narrowings, report, echo)
    disclosure0 = ids.take(Disclosure, len(disclosures))
    for n, row in enumerate(disclosures):
        row["id"] = disclosure0 + n
    _insert(Disclosure, disclosures, report, echo)


def _progress_updates(count, w: _World, ids, rng, report, echo) -> None:
    """Progress notes by the lead or a contributing organisation, the newest at the item's
    last update; the first moved the item from "niet gestart" to where it is now (with the
    line in its history that `report_progress` writes)."""
    per_item = defaultdict(int)
    for n in range(count):
        per_item[n if n < len(w.item_rows) else rng.randrange(len(w.item_rows))] += 1
    update0 = ids.take(ProgressUpdate, count)
    updates, changes = [], []
    for k, number in sorted(per_item.items()):
        item = w.item_rows[k]
        last = item["last_update_at"]
        times = sorted(last - timedelta(days=rng.randrange(1, 180)) for _ in range(number - 1))
        before = ItemStatus.NOT_STARTED
        for at in [*times, last]:
            author = _someone(rng, w, w.item_orgs[item["id"]])
            after = ItemStatus(item["status"]) if before != item["status"] else None
            updates.append(
                {
                    "id": update0 + len(updates),
                    "item_id": item["id"],
                    "reported_on": at.date(),
                    "note": _text(rng, rng.randint(12, 60)),
                    "status_before": before,
                    "status_after": after,
                    "author_id": author,
                    "organisation_id": w.org_of.get(author),
                    "created_at": at,
                }
            )
            if after is not None:
                changes.append(
                    {
                        "item_id": item["id"],
                        "at": at,
                        "actor_id": author,
                        "field": "status",
                        "old_value": before.value,
                        "new_value": after.value,
                    }
                )
                before = after
    _insert(ProgressUpdate, updates, report, echo)
    change0 = ids.take(ActionItemChange, len(changes))
    for n, row in enumerate(changes):
        row["id"] = change0 + n
    _insert(ActionItemChange, changes, report, echo)
