"""The demo (`make run`) keeps the separation of duties: its platform admin is a member of no
organisation and holds no grant, so it reaches no content; VNG's own work is done with the same
person's second account (issue 15)."""

from sqlalchemy import select

from neig_workspace import demo
from neig_workspace.access import policy
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from tests.security.test_separation_machine import reachable


def test_the_demo_platform_admin_holds_and_reaches_nothing(app):
    with app.app_context():
        demo.load_demo_network()
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.email == "beheerder@vng.example"))
        assert admin.is_platform_admin
        assert policy.platform_admins_holding_content() == []
        assert reachable(admin) == {}
        second = db.session.scalar(select(User).where(User.email == "s.devries@vng.example"))
        assert not second.is_platform_admin and reachable(second)  # VNG's work goes on
