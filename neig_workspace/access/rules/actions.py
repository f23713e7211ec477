"""Action plans: a plan is seen by whoever may read its space. The secretariat (where it may
read the space) and the space's editors run it: the plan, its lines, items, figures and
imports. Members of an item's lead or contributing organisations report its progress.
Narrowing an item only ever removes readers: the secretariat and the space's managers are not
exempt."""

from sqlalchemy import ColumnElement, exists, false, select

from ...actions.models import ActionItem, ActionItemNarrowing, ActionPlan
from ...spaces.models import Space, SpaceKind
from ..roles import SpaceRole
from ..scope import (
    _active,
    _grants_from,
    _in,
    _member_orgs,
    _open_space_ids,
    _per_request,
    visible_spaces,
)
from .spaces import _space_edit_all, _space_view, space_readers


def _space_run_plans(user, space: Space) -> bool:
    # A case keeps to its own items (measures, tasks, timeline): no action plans in it.
    if space.kind == SpaceKind.CASE:
        return False
    return _space_view(user, space) and (user.is_secretariat or _space_edit_all(user, space))


def _plan_view(user, plan: ActionPlan) -> bool:
    return _space_view(user, plan.space)


def _plan_manage(user, plan: ActionPlan) -> bool:
    return _space_run_plans(user, plan.space)


def _item_narrowed_out(user, item: ActionItem) -> bool:
    if not item.narrowing:
        return False
    member_orgs = {m.organisation_id for m in user.memberships if m.organisation.active}
    return not any(n.organisation_id in member_orgs for n in item.narrowing)


def _item_view(user, item: ActionItem) -> bool:
    return not _item_narrowed_out(user, item) and _plan_view(user, item.plan)


def _item_edit(user, item: ActionItem) -> bool:
    # An archived item is read-only until it is brought back.
    return item.archived_at is None and _item_view(user, item) and _plan_manage(user, item.plan)


def _item_archive(user, item: ActionItem) -> bool:
    return _item_view(user, item) and _plan_manage(user, item.plan)


def _item_partner(user, item: ActionItem) -> bool:
    """A member of the item's lead or a contributing organisation (an active one)."""
    partners = {item.lead_organisation_id, *item.contributor_ids}
    return any(m.organisation_id in partners and m.organisation.active for m in user.memberships)


def _item_report_progress(user, item: ActionItem) -> bool:
    if item.archived_at is not None or not _item_view(user, item):
        return False
    return _item_partner(user, item) or _plan_manage(user, item.plan)


def _item_comment(user, item: ActionItem) -> bool:
    return item.archived_at is None and _item_view(user, item)


@_per_request
def visible_action_plans(user) -> ColumnElement[bool]:
    """Plans in spaces whose content the user may read now."""
    if not _active(user):
        return false()
    return _in(ActionPlan.space_id, _open_space_ids(user))


def _item_not_narrowed_out(user) -> ColumnElement[bool]:
    narrowed = select(ActionItemNarrowing.item_id).where(
        ActionItemNarrowing.item_id == ActionItem.id
    )
    allowed = narrowed.where(_in(ActionItemNarrowing.organisation_id, _member_orgs(user)))
    return ~exists(narrowed) | exists(allowed)


@_per_request
def visible_action_items(user) -> ColumnElement[bool]:
    """Items the user may see, archived ones included: every list, count, chart and export of
    action items is filtered by this clause."""
    if not _active(user):
        return false()
    plans = select(ActionPlan.id).where(visible_action_plans(user))
    return _in(ActionItem.plan_id, plans) & _item_not_narrowed_out(user)


@_per_request
def spaces_running_plans(user) -> ColumnElement[bool]:
    """Open spaces in which the user may start a plan (the list of "new plan" choices; the
    create page still asks `action_plan.create`, which also wants MFA where the space does)."""
    if not _active(user):
        return false()
    clause = visible_spaces(user) & Space.archived_at.is_(None) & (Space.kind != SpaceKind.CASE)
    if user.is_secretariat:
        return clause
    return clause & _in(Space.id, _grants_from(user, SpaceRole.EDITOR))


def action_item_readers(item) -> ColumnElement[bool]:
    """Users who may see the action item (after an MFA login where it needs one), in SQL."""
    return space_readers(item.plan.space, item.narrowing_ids)


ACTIONS = {
    "action_plan.create": (Space, _space_run_plans),
    "action_plan.view": (ActionPlan, _plan_view),
    "action_plan.manage": (ActionPlan, _plan_manage),
    "action_plan.export": (ActionPlan, _plan_view),
    "action_item.view": (ActionItem, _item_view),
    "action_item.edit": (ActionItem, _item_edit),
    "action_item.archive": (ActionItem, _item_archive),
    "action_item.report_progress": (ActionItem, _item_report_progress),
    "action_item.comment": (ActionItem, _item_comment),
}
VIEW_ACTION = {ActionPlan: "action_plan.view", ActionItem: "action_item.view"}
VISIBLE = {ActionPlan: visible_action_plans, ActionItem: visible_action_items}
SUBJECTS = {"action_item": lambda user: select(ActionItem.id).where(visible_action_items(user))}
