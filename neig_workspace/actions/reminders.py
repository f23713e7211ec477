"""Reminders to the leads of items that need an update (`flask neig send-reminders`).

An item is reminded about when it is open (not done or cancelled), not archived, due within
DUE_WITHIN days or overdue, and has had no progress update for STALE_AFTER days. The reminder
goes to the item's responsible person, or, while nobody is named, to the admins of the lead
organisation; through the notification centre (and its e-mail), which asks the policy again
whether each recipient may see the item. Someone reminded about an item is not reminded about
it again within REMIND_AGAIN_AFTER days.
"""

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..access.roles import OrgRole
from ..accounts.models import User
from ..extensions import db
from ..notifications.models import Notification, NotificationKind
from ..notifications.service import notify
from ..organisations.models import Membership, Organisation
from ..spaces.models import Space
from ..timeutil import utcnow
from .models import OPEN_STATUSES, ActionItem, ActionPlan
from .service import dutch_date

DUE_WITHIN = timedelta(days=14)
STALE_AFTER = timedelta(days=30)
REMIND_AGAIN_AFTER = timedelta(days=7)


def items_needing_a_reminder(now: datetime):
    """The items to remind about, with their plan and space, in one query."""
    today = dutch_date(now)
    return db.session.scalars(
        select(ActionItem)
        .join(ActionPlan, ActionPlan.id == ActionItem.plan_id)
        .join(Space, Space.id == ActionPlan.space_id)
        .where(
            ActionItem.archived_at.is_(None),
            ActionItem.status.in_(OPEN_STATUSES),
            ActionItem.due_date.is_not(None),
            ActionItem.due_date <= today + DUE_WITHIN,
            or_(
                ActionItem.last_update_at.is_(None),
                ActionItem.last_update_at < now - STALE_AFTER,
            ),
            Space.archived_at.is_(None),
        )
        .options(
            db.contains_eager(ActionItem.plan).contains_eager(ActionPlan.space),
            db.joinedload(ActionItem.responsible),
        )
        .order_by(ActionItem.due_date, ActionItem.id)
    ).all()


def _lead_admins(org_ids: set[int]) -> dict[int, list[User]]:
    """The active admins of each lead organisation, in one query."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(Membership.organisation_id, User)
        .join(User, User.id == Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.organisation_id.in_(org_ids),
            Membership.role == OrgRole.ORG_ADMIN,
            User.active.is_(True),
            Organisation.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    admins: dict[int, list[User]] = {}
    for org_id, user in rows:
        admins.setdefault(org_id, []).append(user)
    return admins


def _recently_reminded(item_ids: list[int], now: datetime) -> set[tuple[int, int]]:
    """(user, item) pairs reminded within REMIND_AGAIN_AFTER."""
    if not item_ids:
        return set()
    rows = db.session.execute(
        select(Notification.user_id, Notification.subject_id).where(
            Notification.kind == NotificationKind.ACTION_ITEM_DUE,
            Notification.subject_type == "action_item",
            Notification.subject_id.in_(item_ids),
            Notification.created_at >= now - REMIND_AGAIN_AFTER,
        )
    )
    return {(user_id, item_id) for user_id, item_id in rows}


def _recipients(item: ActionItem, admins: dict[int, list[User]]) -> list[User]:
    responsible = item.responsible
    if (
        responsible is not None
        and responsible.active
        and responsible.membership_in(item.lead_organisation_id) is not None
    ):
        return [responsible]
    return admins.get(item.lead_organisation_id, [])


def _excerpt(item: ActionItem, today) -> str:
    due = item.due_date.strftime("%d-%m-%Y")
    if item.due_date < today:
        when = _("De einddatum (%(date)s) is verstreken.", date=due)
    else:
        when = _("De einddatum is %(date)s.", date=due)
    if item.last_update_at is None:
        last = _("Er is nog geen voortgang gemeld.")
    else:
        last = _(
            "De laatste voortgang is van %(date)s.",
            date=item.last_update_at.strftime("%d-%m-%Y"),
        )
    return f"{when} {last} {_('Meld de voortgang of pas de planning aan.')}"


def send_item_reminders(now: datetime | None = None) -> int:
    """Notify the leads of items due within 14 days or overdue without an update in 30 days;
    returns the number of notifications made. The caller commits."""
    now = now or utcnow()
    today = dutch_date(now)
    items = items_needing_a_reminder(now)
    admins = _lead_admins({item.lead_organisation_id for item in items})
    reminded = _recently_reminded([item.id for item in items], now)
    sent = 0
    for item in items:
        for recipient in _recipients(item, admins):
            if (recipient.id, item.id) in reminded:
                continue
            with force_locale(recipient.locale or "nl"):
                excerpt = _excerpt(item, today)
            notification = notify(
                recipient,
                kind=NotificationKind.ACTION_ITEM_DUE,
                subject_type="action_item",
                subject_id=item.id,
                url=f"/actiepunten/{item.id}",
                title=f"{item.code} {item.title}",
                excerpt=excerpt,
                confidential=item.plan.space.classification.needs_mfa,
            )
            # notify() answers None for someone who may not see the item, and an existing
            # notification for a duplicate: only a new one counts.
            if notification is not None and notification in db.session.new:
                reminded.add((recipient.id, item.id))
                sent += 1
    return sent
