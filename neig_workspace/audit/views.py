"""The audit log for platform admins: browse and filter. It names only what the admin could
read: every other event shows as its kind and id (the policy decides, one query per page)."""

import re
from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask_babel import get_locale, to_utc
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from ..access.policy import (
    audit_actors_named,
    audit_events_named,
    require,
    visible_audit_events,
)
from ..accounts.models import User
from ..extensions import db
from ..forms import option_tags
from ..pagination import keyset_page
from ..translated import translated
from . import labels, sentences
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")

RESULTS = ("success", "failure", "denied")

#: How an event's target is named when the admin may not read it.
KIND_NAMES = {
    "document": _l("een document"),
    "folder": _l("een map"),
    "comment": _l("een reactie"),
    "comment_round": _l("een commentaarronde"),
    "action_plan": _l("een actieplan"),
    "action_item": _l("een actiepunt"),
    "article": _l("een artikel"),
    "meeting": _l("een bijeenkomst"),
    "case": _l("een casus"),
    "case_measure": _l("een maatregel"),
    "case_task": _l("een nazorgtaak"),
    "case_entry": _l("een tijdlijnitem"),
    "case_release_request": _l("een verzoek om vrijgave"),
    "space": _l("een werkruimte"),
    "space_grant": _l("een toegangsrecht"),
}
#: Targets that are a space or a case themselves: not "in a space".
_OWN_SPACES = ("space", "case")


def _date_arg(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d")
    except ValueError:
        return None


@bp.get("")
@login_required
def index():
    """Every audit event, newest first, paged by id; filter by action, actor, result and date."""
    require("audit.view")
    filters = {
        "action": request.args.get("actie", "").strip(),
        "actor": request.args.get("gebruiker", "").strip().lower(),
        "result": request.args.get("resultaat", ""),
        "from": _date_arg("van"),
        "to": _date_arg("tot"),
    }
    query = select(AuditEvent).where(visible_audit_events(current_user))
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"], autoescape=True))
    if filters["actor"]:
        # Only where the actor is shown: counting someone's case events would tell too much.
        query = query.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(
                    or_(
                        User.email.contains(filters["actor"], autoescape=True),
                        func.lower(User.name).contains(filters["actor"], autoescape=True),
                    )
                )
            ),
            audit_actors_named(current_user),
        )
    if filters["result"] in RESULTS:
        query = query.where(AuditEvent.result == filters["result"])
    # The dates are days in the user's time zone, as the page shows them; stored times are UTC.
    if filters["from"]:
        query = query.where(AuditEvent.at >= to_utc(filters["from"]))
    if filters["to"]:
        query = query.where(AuditEvent.at < to_utc(filters["to"] + timedelta(days=1)))
    query = query.options(db.joinedload(AuditEvent.actor), db.joinedload(AuditEvent.actor_org))
    page = keyset_page(query, AuditEvent.id)
    return render_template(
        "audit/index.html",
        page=page,
        shown=_shown(page.items),
        filters=filters,
        results=RESULTS,
        action_options=option_tags(_action_choices(), filters["action"]),
        labels=labels,
        # each label translated once per language, not once per row
        action_label=_action_label,
        result_labels=translated(labels.RESULT_LABELS),
        target_labels=translated(labels.TARGET_LABELS),
        unknown_target=str(labels.UNKNOWN_TARGET),
        readable=readable_details,
    )


def _action_label(action: str) -> str:
    return translated(sentences.LABELS).get(action) or sentences.label(action)


def _action_choices() -> list[tuple[str, str]]:
    """(code, label) of every action, by label: the filter's list, sorted once per language."""
    locale = str(get_locale())
    if locale not in _ACTION_CHOICES:
        _ACTION_CHOICES[locale] = sorted(translated(sentences.LABELS).items(), key=_by_label)
    return _ACTION_CHOICES[locale]


#: The filter's (code, label) list per language.
_ACTION_CHOICES: dict[str, list[tuple[str, str]]] = {}


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


def readable_details(details: dict | None) -> list[tuple[str, str]]:
    """An event's details as (label, value) lines; the raw JSON is shown beside them."""
    field_labels = translated(labels.FIELD_LABELS)
    return [(field_labels.get(key, key), _value(value)) for key, value in (details or {}).items()]


def _value(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        field_labels = translated(labels.FIELD_LABELS)
        return "; ".join(f"{field_labels.get(k, k)}: {_value(v)}" for k, v in value.items())
    return _CONTROL.sub(_escaped, str(value))


#: Control characters (CR, LF, …) in a detail read as their escape, as in the raw JSON: a value
#: cannot start what looks like a line of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escaped(match: re.Match) -> str:
    return match.group(0).encode("unicode_escape").decode("ascii")


def _shown(events: list[AuditEvent]) -> dict[int, tuple[str | None, bool]]:
    """event id -> (what to say instead of its details, or None to show them; whether its
    actor is shown), for one page in one query."""
    if not events:
        return {}
    rows = db.session.execute(
        select(
            AuditEvent.id,
            audit_events_named(current_user).label("named"),
            audit_actors_named(current_user).label("actor_named"),
        ).where(AuditEvent.id.in_([e.id for e in events]))
    )
    named = {row.id: (bool(row.named), bool(row.actor_named)) for row in rows}
    said: dict[tuple, str] = {}  # one sentence per kind of target, not one per event
    return {e.id: (None if named[e.id][0] else _hidden(e, said), named[e.id][1]) for e in events}


def _hidden(event: AuditEvent, said: dict[tuple, str]) -> str:
    in_space = event.space_id is not None and event.target_type not in _OWN_SPACES
    key = (event.target_type, in_space)
    if key not in said:
        kind = KIND_NAMES.get(event.target_type or "", _l("een object"))
        if in_space:
            said[key] = _("%(kind)s in een werkruimte waar u geen toegang toe hebt", kind=kind)
        else:
            said[key] = _("%(kind)s waar u geen toegang toe hebt", kind=kind)
    return said[key]
