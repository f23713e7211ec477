"""The access id sets a request builds once (access/scope.py): the memberships loaded with the
account's session record, and which writes in the same request make them be built again."""

import pytest
from flask import g
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import joinedload

from neig_workspace.access import policy, scope
from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership
from tests.conftest import count_queries


def _at_the_keyboard(user_id: int) -> User:
    """The account as accounts/sessions.py loads it: with its memberships and organisations."""
    user = (
        db.session.scalars(
            select(User)
            .where(User.id == user_id)
            .options(joinedload(User.memberships).joinedload(Membership.organisation))
        )
        .unique()
        .one()
    )
    g._login_user = user
    return user


def test_the_memberships_loaded_with_the_account_need_no_query(app, personas):
    with app.test_request_context():
        user = _at_the_keyboard(personas.member_a.id)
        with count_queries(app) as statements:
            memberships = scope._memberships(user)
        assert statements == []
        assert memberships == [(m.organisation_id, OrgRole(m.role)) for m in user.memberships]
        assert memberships


@pytest.mark.parametrize("how", ["statement", "flush"])
def test_a_membership_ended_in_the_request_is_read_again(app, personas, how):
    """The loaded collection is not trusted once anything was written: a DELETE statement
    leaves it stale in the session, and the policy must see the new state."""
    with app.test_request_context():
        user = _at_the_keyboard(personas.member_a.id)
        assert policy.can(user, "directory.view")
        if how == "statement":
            db.session.execute(delete(Membership).where(Membership.user_id == user.id))
        else:
            for membership in list(user.memberships):
                db.session.delete(membership)
            db.session.flush()
        assert scope._memberships(user) == []
        assert not policy.can(user, "directory.view")
        db.session.rollback()


def test_a_recorded_read_keeps_the_request_filters_and_other_writes_forget_them(app, personas):
    with app.test_request_context():
        user = _at_the_keyboard(personas.member_a.id)
        policy.visible_spaces(user)
        audit.record("document.viewed", actor=user, target_type="document", target_id=1)
        db.session.flush()
        db.session.execute(text("SELECT 1"))
        assert "policy_filters" in g and not g.get("policy_written")
        user.name = user.name + " (changed)"
        db.session.flush()
        assert "policy_filters" not in g and g.policy_written
        db.session.rollback()


def test_a_write_statement_forgets_the_request_filters(app, personas):
    with app.test_request_context():
        user = _at_the_keyboard(personas.member_a.id)
        policy.visible_spaces(user)
        db.session.execute(
            update(Membership).where(Membership.user_id == user.id).values(role=OrgRole.MEMBER)
        )
        assert "policy_filters" not in g and g.policy_written
        db.session.rollback()
