"""Importing cases from a CSV file: all or nothing.

Every row is checked first (the columns are listed in `COLUMNS` and in README.md § Casussen
importeren). A dry run ("Controleren") names every bad row by its line number in the file, with
the column and the reason, and saves nothing; an import saves nothing unless every row is valid,
and then opens each case through `service.create_case` with the importer as its creator, in the
caller's one transaction.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from ..access import policy
from ..access.roles import SpaceRole
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..integers import parse_int
from ..organisations.models import Organisation, OrgType
from ..tabular import ImportFileError, ImportResult, read_csv
from ..timeutil import to_utc
from . import service
from .forms import EXPLOSIVE_LABELS, STATUS_LABELS, TARGET_LABELS
from .models import CaseStatus, ExplosiveType, LegalBasis, TargetType

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
#: The columns of the file, in the order the page and README.md list them.
COLUMNS = (
    "gemeente",
    "datum",
    "tijd",
    "doelwit",
    "explosief",
    "postcode",
    "buurt",
    "adres",
    "schade",
    "gewonden",
    "omschrijving",
    "status",
    "grondslag",
)
REQUIRED = ("gemeente", "datum", "doelwit", "explosief", "grondslag")
_POSTCODE4 = re.compile(r"^[1-9][0-9]{3}$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_NEIGHBOURHOOD_MAX = 120


@dataclass
class RowResult:
    #: The row's line number in the file (the header is line 1).
    line: int
    errors: list[str] = field(default_factory=list)


def read_table(data: bytes) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every non-empty row, the header first."""
    if not data:
        raise ImportFileError(_("Het bestand is leeg."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Het bestand is groter dan 2 MB. Splits het in kleinere delen."))
    return read_csv(data, not_csv=_("Dit is geen CSV-bestand."), max_rows=MAX_ROWS)


def _key(text: str) -> str:
    """ "Geïmproviseerd explosief" -> "geimproviseerd_explosief": case, accents and spacing
    do not matter."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return "_".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _choices(enum, labels: dict) -> dict:
    choices = {}
    for member in enum:
        choices[_key(member.value)] = member
        choices[_key(str(labels.get(member, "")))] = member
    choices.pop("", None)
    return choices


class _Lookup:
    """What the file names -> rows and choices: municipalities, legal bases and the types."""

    def __init__(self, actor):
        self.municipalities = {}
        for org in db.session.scalars(
            select(Organisation).where(
                Organisation.type == OrgType.MUNICIPALITY, Organisation.active.is_(True)
            )
        ):
            for name in (org.cbs_code, org.name, org.name.removeprefix("Gemeente ")):
                if name:
                    self.municipalities[name.casefold()] = org
        self.bases = {
            basis.name.casefold(): basis
            for basis in db.session.scalars(select(LegalBasis).where(LegalBasis.active.is_(True)))
        }
        self.targets = _choices(TargetType, TARGET_LABELS)
        self.explosives = _choices(ExplosiveType, EXPLOSIVE_LABELS)
        self.explosives.setdefault("geimproviseerd_explosief", ExplosiveType.GEIMPROVISEERD)
        self.statuses = _choices(CaseStatus, STATUS_LABELS)
        own = policy.own_municipalities_only(actor)
        self.own = {o.id for o in own} if own is not None else None


# --- checking rows ---------------------------------------------------------------------------


@dataclass
class CaseRow:
    line: int
    fields: dict
    status: CaseStatus


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns = {}
    for index, cell in enumerate(header):
        name = _key(cell)
        if name in COLUMNS and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return columns, [
            _("De kopregel mist de kolom(men): %(columns)s.", columns=", ".join(missing))
        ]
    return columns, []


def _occurred_at(date_text: str, time_text: str, problems: list) -> datetime | None:
    day = None
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(date_text, fmt).date()
            break
        except ValueError:
            continue
    if day is None:
        problems.append(
            (
                "datum",
                _("‘%(value)s’ is geen datum; gebruik jjjj-mm-dd of dd-mm-jjjj.", value=date_text),
            )
        )
        return None
    if not time_text:
        return to_utc(datetime.combine(day, time()))
    match = _TIME.match(time_text)
    if match is None:
        problems.append(("tijd", _("‘%(value)s’ is geen tijd; gebruik uu:mm.", value=time_text)))
        return None
    return to_utc(datetime.combine(day, time(int(match[1]), int(match[2]))))


def _choice(value: str, choices: dict, column: str, problems: list, default=None):
    if not value and default is not None:
        return default
    found = choices.get(_key(value))
    if found is None:
        options = sorted({m.value for m in choices.values()})
        problems.append(
            (
                column,
                _(
                    "‘%(value)s’ is onbekend; kies uit %(choices)s.",
                    value=value,
                    choices=", ".join(options),
                ),
            )
        )
    return found


def _municipality(value: str, lookup: _Lookup, problems: list):
    org = lookup.municipalities.get(value.casefold())
    if org is None:
        problems.append(
            ("gemeente", _("‘%(value)s’ is geen gemeente in het netwerk.", value=value))
        )
    elif lookup.own is not None and org.id not in lookup.own:
        problems.append(("gemeente", _("U importeert alleen casussen van uw eigen gemeente.")))
    return org


def _injured(value: str, problems: list) -> int:
    if not value:
        return 0
    number = parse_int(value, minimum=0)  # also refuses what the column cannot hold
    if number is None:
        problems.append(("gewonden", _("Vul een heel getal van nul of meer in.")))
        return 0
    return number


def _check_row(cells: list[str], columns: dict[str, int], lookup: _Lookup) -> tuple:
    def cell(name):
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[tuple[str, str]] = []
    for name in REQUIRED:
        if not cell(name):
            problems.append((name, _("Deze kolom is verplicht.")))
    municipality = _municipality(cell("gemeente"), lookup, problems) if cell("gemeente") else None
    occurred_at = _occurred_at(cell("datum"), cell("tijd"), problems) if cell("datum") else None
    target = (
        _choice(cell("doelwit"), lookup.targets, "doelwit", problems) if cell("doelwit") else None
    )
    explosive = (
        _choice(cell("explosief"), lookup.explosives, "explosief", problems)
        if cell("explosief")
        else None
    )
    status = _choice(cell("status"), lookup.statuses, "status", problems, CaseStatus.GEMELD)
    basis = lookup.bases.get(cell("grondslag").casefold())
    if cell("grondslag") and basis is None:
        problems.append(
            ("grondslag", _("‘%(value)s’ is geen actieve grondslag.", value=cell("grondslag")))
        )
    if cell("postcode") and not _POSTCODE4.match(cell("postcode")):
        problems.append(
            ("postcode", _("Vul de vier cijfers van de postcode in, bijvoorbeeld 3011."))
        )
    if len(cell("buurt")) > _NEIGHBOURHOOD_MAX:
        problems.append(("buurt", _("Hooguit %(n)d tekens.", n=_NEIGHBOURHOOD_MAX)))
    fields = {
        "municipality": municipality,
        "occurred_at": occurred_at,
        "target_type": target,
        "explosive_type": explosive,
        "legal_basis_id": basis.id if basis else None,
        "postcode4": cell("postcode"),
        "neighbourhood": cell("buurt"),
        "address": cell("adres"),
        "damage": cell("schade"),
        "injured": _injured(cell("gewonden"), problems),
        "description": cell("omschrijving"),
    }
    return fields, status, [f"{column}: {message}" for column, message in problems]


def check(table: list[tuple[int, list[str]]], *, actor) -> tuple[ImportResult, list[CaseRow]]:
    """The result of every row and the data of the good ones, without saving anything."""
    result = ImportResult()
    if not table:
        result.file_errors.append(_("Het bestand heeft geen kopregel."))
        return result, []
    (_line, header), body = table[0], table[1:]
    columns, result.file_errors = _columns(header)
    if result.file_errors:
        return result, []
    if not body:
        result.file_errors.append(_("Het bestand bevat geen casussen."))
        return result, []
    if len(body) > MAX_ROWS:
        result.file_errors.append(
            _("Importeer hooguit %(n)d casussen tegelijk. Splits het bestand.", n=MAX_ROWS)
        )
        return result, []
    lookup = _Lookup(actor)
    rows = []
    for line, cells in body:
        fields, status, errors = _check_row(cells, columns, lookup)
        result.rows.append(RowResult(line, errors))
        rows.append(CaseRow(line, fields, status))
    return result, rows


# --- importing -------------------------------------------------------------------------------


def _create(row: CaseRow, *, actor) -> None:
    municipality = row.fields["municipality"]
    participants = []
    if municipality.id != actor.primary_organisation.id:
        participants.append(service.Participant(municipality, SpaceRole.CONTRIBUTOR, True, True))
    case = service.create_case(actor=actor, participants=participants, **row.fields)
    if row.status != CaseStatus.GEMELD:
        # The status the case already had elsewhere: part of opening it (audited as imported),
        # so no status-change notice goes out for each row.
        case.status = row.status
        case.closed_at = case.created_at if row.status.is_closed else None


def import_cases(data: bytes, *, actor, dry_run: bool) -> ImportResult:
    """Check every row; unless `dry_run`, open every case when all are valid (the caller
    commits), else nothing. A refusal of the service is reported on its row and the caller
    rolls back."""
    try:
        table = read_table(data)
    except ImportFileError as error:
        return ImportResult(file_errors=[str(error)])
    result, rows = check(table, actor=actor)
    if dry_run or not result.ok:
        return result
    for row, row_result in zip(rows, result.rows, strict=True):
        try:
            _create(row, actor=actor)
        except ServiceError as error:
            row_result.errors.append(error.message)
            return result
    result.imported = len(rows)
    audit.record("case.imported", actor=actor, details={"cases": result.imported})
    return result
