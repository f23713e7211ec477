"""The policy for applications (their own matrix, as spaces and cases have): VNG's platform
admins review and decide; to everyone else an application does not exist, in SQL as well."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from neig_workspace.access.policy import can, visible_applications
from neig_workspace.accounts.models import User
from neig_workspace.applications.models import Application
from neig_workspace.extensions import db
from tests.conftest import db_ctx
from tests.security import route_table  # noqa: F401 - loads every route part before ours
from tests.security.routes_applications import plant

Y, N = True, False
COLUMNS = ("anonymous", "member_a", "org_admin_a", "member_b", "secretariat", "platform_admin")

# fmt: off
MATRIX = {
    #                          object           anon member org_ad oth_m secr  p.adm
    "application.review":     (None,           (N,   N,     N,     N,    N,    Y)),
    "application.view":       ("application",  (N,   N,     N,     N,    N,    Y)),
    "application.decide":     ("application",  (N,   N,     N,     N,    N,    Y)),
}
# fmt: on


def test_every_application_action_has_a_row():
    from neig_workspace.access.policy import ACTIONS

    assert set(MATRIX) == {action for action in ACTIONS if action.startswith("application.")}


def _users(personas) -> dict:
    users = {key: db.session.get(User, personas[key].id) for key in COLUMNS[1:]}
    users["anonymous"] = AnonymousUserMixin()
    return users


@pytest.mark.parametrize("action", list(MATRIX))
def test_can_per_action_and_persona(app, personas, action):
    object_key, answers = MATRIX[action]
    with db_ctx(app) as session:
        application = session.get(Application, plant(personas, None)["application"])
        users = _users(personas)
        obj = application if object_key else None
        got = tuple(can(users[column], action, obj) for column in COLUMNS)
    assert dict(zip(COLUMNS, got, strict=True)) == dict(zip(COLUMNS, answers, strict=True))


def test_only_platform_admins_find_applications_in_sql(app, personas):
    with db_ctx(app) as session:
        planted = plant(personas, None)["application"]
        session.commit()
        for column, user in _users(personas).items():
            found = session.scalars(select(Application.id).where(visible_applications(user)))
            assert list(found) == ([planted] if column == "platform_admin" else []), column


def test_a_deactivated_platform_admin_may_do_nothing(app, personas):
    with db_ctx(app) as session:
        application = session.get(Application, plant(personas, None)["application"])
        admin = session.get(User, personas.platform_admin.id)
        admin.active = False
        assert not can(admin, "application.review")
        assert not can(admin, "application.decide", application)
        assert (
            list(session.scalars(select(Application.id).where(visible_applications(admin)))) == []
        )
