"""The municipality rule, one function of the case rules: a municipality opens cases only for
itself; the police, the OM and the secretariat for any active municipality. The case form's
choices, create_case and the case import all ask it."""

import pytest

from neig_workspace.access import policy
from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import User
from neig_workspace.cases import service
from neig_workspace.errors import ServiceError
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation


def _own(user) -> set[str] | None:
    own = policy.own_municipalities_only(user)
    return None if own is None else {organisation.slug for organisation in own}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("member_a", {"gemeente_a"}),
        ("org_admin_a", {"gemeente_a"}),
        ("member_b", {"gemeente_b"}),
        ("police", None),
        ("om", None),
        ("secretariat", None),
        # No case-opening organisation at all: no municipality either (and no case.create).
        ("housing", set()),
        ("platform_admin", set()),
    ],
)
def test_a_municipality_opens_cases_only_for_itself(app, personas, persona, expected):
    with app.app_context():
        user = db.session.get(User, personas[persona].id)
        assert _own(user) == expected
        assert policy.can(user, "case.create") == bool(expected is None or expected)


def test_a_member_of_a_municipality_and_the_police_opens_cases_for_any(app, personas):
    with app.app_context():
        user = db.session.get(User, personas.member_a.id)
        db.session.add(
            Membership(user=user, organisation_id=personas.orgs["politie"], role=OrgRole.MEMBER)
        )
        db.session.flush()
        db.session.expire(user, ["memberships"])
        assert _own(user) is None
        db.session.rollback()


def test_an_inactive_municipality_opens_no_case(app, personas):
    with app.app_context():
        municipality = db.session.get(Organisation, personas.orgs["gemeente_a"])
        municipality.active = False
        db.session.flush()
        user = db.session.get(User, personas.member_a.id)
        assert _own(user) == set()
        assert not policy.can(user, "case.create")
        db.session.rollback()


def test_create_case_asks_the_rule(app, personas):
    with app.app_context():
        user = db.session.get(User, personas.member_a.id)
        other = db.session.get(Organisation, personas.orgs["gemeente_b"])
        with pytest.raises(ServiceError, match="eigen gemeente"):
            service._check_creator(user, other, None)
        service._check_creator(
            user, db.session.get(Organisation, personas.orgs["gemeente_a"]), None
        )
        police = db.session.get(User, personas.police.id)
        service._check_creator(police, other, None)
