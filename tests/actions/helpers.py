"""Shared set-up for the action plan tests: the plan space, a plan and items made through the
service (as the secretariat), and quick access to the database."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.actions import service
from neig_workspace.actions.models import (
    ActionItem,
    ActionItemContributor,
    ActionItemNarrowing,
    ActionPlan,
    ItemStatus,
    ProgressUpdate,
)
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow


@dataclass
class World:
    """Ids of the planted objects: the space, the plan, its lines and items by code."""

    space: int
    plan: int
    lines: dict[str, int]
    items: dict[str, int] = field(default_factory=dict)


def user(persona) -> User:
    return db.session.get(User, persona.id)


def plan_space(personas, *, network: bool = True) -> Space:
    """ "Actieplan OTE": the network reads it, the secretariat's organisation too; the admins of
    Gemeente Rotterdam are editors (so they run plans here as well)."""
    space = spaces.create_space(SpaceKind.SHARED, "Actieplan OTE", actor=None)
    if network:
        spaces.add_grant(space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
    else:
        for key in ("gemeente_a", "politie", "secretariaat"):
            spaces.add_grant(
                space,
                PrincipalType.ORGANISATION,
                SpaceRole.VIEWER,
                organisation=db.session.get(Organisation, personas.orgs[key]),
                actor=None,
            )
    spaces.add_grant(
        space,
        PrincipalType.ORGANISATION,
        SpaceRole.VIEWER,
        organisation=db.session.get(Organisation, personas.orgs["secretariaat"]),
        actor=None,
    )
    spaces.add_grant(
        space,
        PrincipalType.ORGANISATION_ADMINS,
        SpaceRole.EDITOR,
        organisation=db.session.get(Organisation, personas.orgs["gemeente_a"]),
        actor=None,
    )
    return space


def make_plan(space: Space, *, actor=None, start=date(2025, 1, 1), end=date(2025, 12, 31)):
    return service.create_plan(
        space,
        service.PlanData(
            name="Actieplan Offensief tegen Explosies 2025",
            period_start=start,
            period_end=end,
            baseline_year=2024,
            baseline_count=1100,
            target_reduction_percent=10,
        ),
        actor=actor,
    )


def line_id(plan: ActionPlan, name: str) -> int:
    return next(line.id for line in plan.lines if line.name == name)


def make_item(plan: ActionPlan, personas, code: str, lead: str = "gemeente_a", **kw):
    """An item through the service, as the secretariat; `lead`, `contributors` and `narrowing`
    are organisation keys of tests/personas.py."""
    data = service.ItemData(
        code=code,
        title=kw.pop("title", f"Maatregel {code}"),
        line_id=line_id(plan, kw.pop("line", "Preventie")),
        lead_organisation_id=personas.orgs[lead],
        contributor_ids=[personas.orgs[k] for k in kw.pop("contributors", [])],
        narrowing_ids=[personas.orgs[k] for k in kw.pop("narrowing", [])],
        status=kw.pop("status", ItemStatus.NOT_STARTED),
        **kw,
    )
    return service.create_item(plan, data, actor=user(personas.secretariat))


def world(app, personas, *, network: bool = True) -> World:
    """The standard plan: P-01 led by Rotterdam with the police, P-02 led by Amsterdam, and N-01
    led by the police, narrowed to the police and the secretariat."""
    with app.app_context():
        space = plan_space(personas, network=network)
        plan = make_plan(space, actor=user(personas.secretariat))
        items = {
            "P-01": make_item(plan, personas, "P-01", contributors=["politie"]),
            "N-01": make_item(
                plan,
                personas,
                "N-01",
                lead="politie",
                line="Repressie",
                narrowing=["politie", "secretariaat"],
                title="Geheime maatregel",
            ),
        }
        if network:
            items["P-02"] = make_item(plan, personas, "P-02", lead="gemeente_b", line="Nazorg")
        db.session.commit()
        return World(
            space=space.id,
            plan=plan.id,
            lines={line.name: line.id for line in plan.lines},
            items={code: item.id for code, item in items.items()},
        )


def item(item_id: int) -> ActionItem:
    return db.session.get(ActionItem, item_id)


STATUSES = list(ItemStatus)


def bulk_items(plan_id: int, personas, start: int, stop: int) -> None:
    """Items start..stop-1 in bulk: every third with contributors, every tenth narrowed to the
    police and the secretariat, every other one with two progress updates."""
    plan = db.session.get(ActionPlan, plan_id)
    lines = [line.id for line in plan.lines]
    orgs = [personas.orgs[k] for k in ("gemeente_a", "gemeente_b", "politie", "om", "corporatie")]
    now = utcnow()
    rows = []
    for i in range(start, stop):
        status = STATUSES[i % len(STATUSES)]
        due = date(2025, 1, 1) + timedelta(days=i % 365)
        rows.append(
            {
                "plan_id": plan_id,
                "line_id": lines[i % len(lines)],
                "code": f"Q-{i:05d}",
                "title": f"Maatregel {i}",
                "description": "",
                "lead_organisation_id": orgs[i % len(orgs)],
                "responsible_id": personas.member_a.id if i % 5 == 0 else None,
                "status": status,
                "due_date": due,
                "completed_on": due if status == ItemStatus.DONE else None,
                "last_update_at": now if i % 2 == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(ActionItem), rows)
    ids = dict(
        db.session.execute(
            select(ActionItem.code, ActionItem.id).where(ActionItem.code.like("Q-%"))
        ).all()
    )
    new = [(i, ids[f"Q-{i:05d}"]) for i in range(start, stop)]
    contributors = [
        {"item_id": item_id, "organisation_id": org}
        for i, item_id in new
        if i % 3 == 0
        for org in (orgs[(i + 1) % len(orgs)], orgs[(i + 2) % len(orgs)])
    ]
    narrowing = [
        {"item_id": item_id, "organisation_id": personas.orgs[key]}
        for i, item_id in new
        if i % 10 == 0
        for key in ("politie", "secretariaat")
    ]
    updates = [
        {
            "item_id": item_id,
            "reported_on": date(2025, 3, 1) + timedelta(days=n),
            "note": f"Voortgang {n}",
            "status_before": ItemStatus.NOT_STARTED,
            "author_id": personas.member_a.id,
            "organisation_id": personas.orgs["gemeente_a"],
            "created_at": now,
        }
        for i, item_id in new
        if i % 2 == 0
        for n in (1, 2)
    ]
    for model, values in (
        (ActionItemContributor, contributors),
        (ActionItemNarrowing, narrowing),
        (ProgressUpdate, updates),
    ):
        if values:
            db.session.execute(insert(model), values)
    db.session.commit()
