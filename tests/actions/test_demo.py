"""`make run` shows a living plan: the demo's "Actieplan OTE" space gets the 2025 plan."""

from sqlalchemy import func, select

from neig_workspace.accounts.models import User
from neig_workspace.actions.models import (
    ActionItem,
    ActionPlan,
    AttackFigure,
    ItemStatus,
    ProgressUpdate,
)
from neig_workspace.demo import DEMO_ACTION_ITEMS, load_demo_network
from neig_workspace.extensions import db
from tests.helpers import login_as


def test_the_demo_plan_has_items_progress_and_figures(app):
    with app.app_context():
        load_demo_network()
        db.session.commit()
        plan = db.session.scalar(select(ActionPlan))
        assert plan.space.name == "Actieplan OTE"
        statuses = set(db.session.scalars(select(ActionItem.status)))
        assert len(DEMO_ACTION_ITEMS) >= 12
        assert db.session.scalar(select(func.count(ActionItem.id))) == len(DEMO_ACTION_ITEMS)
        assert {
            ItemStatus.DONE,
            ItemStatus.ON_TRACK,
            ItemStatus.AT_RISK,
            ItemStatus.DELAYED,
        } <= statuses
        assert db.session.scalar(select(func.count(ProgressUpdate.id))) >= 12
        assert db.session.scalar(select(func.count(AttackFigure.id))) == 12
        secretariat = db.session.scalar(
            select(User).where(User.email == "secretariaat@ote.example")
        )
        medewerker = db.session.scalar(
            select(User).where(User.email == "medewerker@amsterdam.example")
        )
        plan_id = plan.id
    for someone in (secretariat, medewerker):
        client = login_as(app, app.test_client(), someone)
        for page in ("", "/dashboard", "/rapportage"):
            assert client.get(f"/actieplannen/{plan_id}{page}").status_code == 200
    # R-04 is narrowed to the police, the OM and the secretariat.
    assert "R-04" in login_as(app, app.test_client(), secretariat).get(
        f"/actieplannen/{plan_id}"
    ).get_data(as_text=True)
    assert "R-04" not in client.get(f"/actieplannen/{plan_id}").get_data(as_text=True)
