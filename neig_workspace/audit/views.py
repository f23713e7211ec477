"""The audit log for platform admins: browse and filter."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask_babel import to_utc
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access.policy import require, visible_audit_events
from ..accounts.models import User
from ..extensions import db
from ..pagination import paginate
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")

RESULTS = ("success", "failure", "denied")


def _date_arg(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d")
    except ValueError:
        return None


@bp.get("")
@login_required
def index():
    """Every audit event, newest first; filter by action, actor, result and date."""
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
        query = query.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(User.email.contains(filters["actor"], autoescape=True))
            )
        )
    if filters["result"] in RESULTS:
        query = query.where(AuditEvent.result == filters["result"])
    # The dates are days in the user's time zone, as the page shows them; stored times are UTC.
    if filters["from"]:
        query = query.where(AuditEvent.at >= to_utc(filters["from"]))
    if filters["to"]:
        query = query.where(AuditEvent.at < to_utc(filters["to"] + timedelta(days=1)))
    query = query.options(db.joinedload(AuditEvent.actor), db.joinedload(AuditEvent.actor_org))
    return render_template(
        "audit/index.html",
        page=paginate(query.order_by(AuditEvent.id.desc())),
        filters=filters,
        results=RESULTS,
    )
