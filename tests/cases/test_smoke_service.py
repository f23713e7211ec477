from neig_workspace.access import policy
from neig_workspace.cases.models import Case, CaseStatistic
from neig_workspace.extensions import db
from tests.cases.helpers import open_case, user


def test_open_case_core(app, personas):
    case_id = open_case(app, personas)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.reference.startswith("NEIG-")
        assert db.session.query(CaseStatistic).count() == 1
        with policy.assuming_mfa():
            assert policy.can(user(personas.member_a), "case.manage", case)
            assert policy.can(user(personas.police), "case.view", case)
            assert not policy.can(user(personas.member_b), "case.view", case)
            assert not policy.can(user(personas.platform_admin), "case.view", case)
