"""Who may do what with a plan and its items (DOMAIN.md § What they do, item 2): a matrix per
role of `can()`, on the standard plan of helpers.world (a space the network reads, with
Gemeente Rotterdam's admins as editors):

- P-01: led by Gemeente Rotterdam (A), the police contributing;
- P-02: led by Gemeente Amsterdam (B);
- N-01: led by the police, narrowed to the police and the secretariat.

The secretariat and the space's editors run the plan; members of the lead and contributing
organisations report progress; everyone who sees an item may comment on it and export it.
"""

import pytest
from flask_login import AnonymousUserMixin

from neig_workspace.access.policy import can
from neig_workspace.actions import service
from neig_workspace.actions.models import ActionItem, ActionPlan
from neig_workspace.extensions import db
from neig_workspace.spaces.models import Space
from tests.actions.helpers import user

Y, N = True, False
COLUMNS = (
    "anon",
    "member_a",
    "org_admin_a",
    "member_b",
    "police",
    "om",
    "secretariat",
    "platform_admin",
)

# fmt: off
MATRIX = [
    # action                          object   anon member_a adm_a member_b police om   secr  p.adm
    ("action_plan.create",            "space", (N,   N,       Y,    N,       N,     N,   Y,    N)),
    ("action_plan.view",              "plan",  (N,   Y,       Y,    Y,       Y,     Y,   Y,    Y)),
    ("action_plan.manage",            "plan",  (N,   N,       Y,    N,       N,     N,   Y,    N)),
    ("action_plan.export",            "plan",  (N,   Y,       Y,    Y,       Y,     Y,   Y,    Y)),
    ("action_item.view",              "P-01",  (N,   Y,       Y,    Y,       Y,     Y,   Y,    Y)),
    ("action_item.edit",              "P-01",  (N,   N,       Y,    N,       N,     N,   Y,    N)),
    ("action_item.archive",           "P-01",  (N,   N,       Y,    N,       N,     N,   Y,    N)),
    ("action_item.report_progress",   "P-01",  (N,   Y,       Y,    N,       Y,     N,   Y,    N)),
    ("action_item.comment",           "P-01",  (N,   Y,       Y,    Y,       Y,     Y,   Y,    Y)),
    ("action_item.report_progress",   "P-02",  (N,   N,       Y,    Y,       N,     N,   Y,    N)),
    # Narrowed to the police and the secretariat: the space's editors are not exempt.
    ("action_item.view",              "N-01",  (N,   N,       N,    N,       Y,     N,   Y,    N)),
    ("action_item.edit",              "N-01",  (N,   N,       N,    N,       N,     N,   Y,    N)),
    ("action_item.report_progress",   "N-01",  (N,   N,       N,    N,       Y,     N,   Y,    N)),
    ("action_item.comment",           "N-01",  (N,   N,       N,    N,       Y,     N,   Y,    N)),
]
# fmt: on


def _users(personas):
    users = {key: user(personas[key]) for key in COLUMNS if key != "anon"}
    users["anon"] = AnonymousUserMixin()
    return users


def _object(world, key):
    if key == "space":
        return db.session.get(Space, world.space)
    if key == "plan":
        return db.session.get(ActionPlan, world.plan)
    return db.session.get(ActionItem, world.items[key])


@pytest.mark.parametrize(("action", "obj", "answers"), MATRIX, ids=lambda v: str(v))
def test_who_may_do_what(app, personas, world, action, obj, answers):
    with app.app_context():
        users = _users(personas)
        target = _object(world, obj)
        got = {column: can(users[column], action, target) for column in COLUMNS}
    assert got == dict(zip(COLUMNS, answers, strict=True))


def test_every_action_plan_action_is_in_the_matrix():
    from neig_workspace.access.policy import ACTIONS

    ours = {a for a in ACTIONS if a.startswith(("action_plan.", "action_item."))}
    assert ours == {action for action, _obj, _answers in MATRIX}


def test_an_archived_item_is_read_only_until_it_is_brought_back(app, personas, world):
    with app.app_context():
        item = db.session.get(ActionItem, world.items["P-01"])
        service.set_item_archived(item, True, actor=user(personas.secretariat))
        db.session.flush()
        users = _users(personas)
        assert can(users["member_a"], "action_item.view", item)
        assert not can(users["member_a"], "action_item.report_progress", item)
        assert not can(users["secretariat"], "action_item.edit", item)
        assert not can(users["police"], "action_item.comment", item)
        assert can(users["secretariat"], "action_item.archive", item)
        db.session.rollback()


def test_a_deactivated_lead_organisation_no_longer_reports(app, personas, world):
    from neig_workspace.organisations.models import Organisation

    with app.app_context():
        db.session.get(Organisation, personas.orgs["politie"]).active = False
        db.session.flush()
        item = db.session.get(ActionItem, world.items["P-01"])
        assert not can(user(personas.police), "action_item.report_progress", item)
        db.session.rollback()


def test_the_plan_list_offers_new_plans_only_where_the_user_may_start_one(
    app, personas, world, client_for
):
    new_plan = f"/werkruimtes/{world.space}/actieplannen/nieuw"
    assert new_plan in client_for("secretariat").get("/actieplannen").get_data(as_text=True)
    assert new_plan in client_for("org_admin_a").get("/actieplannen").get_data(as_text=True)
    page = client_for("member_a").get("/actieplannen").get_data(as_text=True)
    assert new_plan not in page
    assert f"/actieplannen/{world.plan}" in page
