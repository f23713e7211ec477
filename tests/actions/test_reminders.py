"""Reminders (`send_item_reminders`): the leads of items due within 14 days or overdue, without
a progress update in 30 days, get a notification (and its e-mail) through the notification
centre; not again within a week."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from neig_workspace.actions import service
from neig_workspace.actions.models import ActionItem, ActionPlan, ItemStatus
from neig_workspace.actions.reminders import send_item_reminders
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.timeutil import utcnow
from tests.actions.helpers import make_item, user

# Naive UTC, as stored; "now" is the real clock, as the notifications' own time stamps are.
NOW = utcnow().replace(hour=8)
TODAY = NOW.date()


@pytest.fixture
def due_items(app, personas, world):
    """code -> id of items around the reminder's edges (see the test for which should ring)."""
    with app.app_context():
        plan = db.session.get(ActionPlan, world.plan)
        specs = {
            # code: (lead, responsible, due in days, last update days ago, status)
            "D-SOON": ("gemeente_a", "member.a@example.nl", 10, None, ItemStatus.ON_TRACK),
            "D-EDGE": ("gemeente_a", "member.a@example.nl", 14, 31, ItemStatus.ON_TRACK),
            "D-LATE": ("politie", None, -5, 40, ItemStatus.DELAYED),
            "D-FAR": ("gemeente_a", "member.a@example.nl", 15, None, ItemStatus.ON_TRACK),
            "D-FRESH": ("gemeente_a", "member.a@example.nl", 3, 29, ItemStatus.ON_TRACK),
            "D-DONE": ("gemeente_a", "member.a@example.nl", -3, None, ItemStatus.DONE),
            "D-GONE": ("gemeente_a", "member.a@example.nl", 2, None, ItemStatus.ON_TRACK),
            "D-ADMINS": ("gemeente_a", None, 1, None, ItemStatus.AT_RISK),
        }
        ids = {}
        for code, (lead, responsible, days, updated, status) in specs.items():
            item = make_item(
                plan,
                personas,
                code,
                lead=lead,
                status=status,
                responsible_email=responsible or "",
                due_date=TODAY + timedelta(days=days),
            )
            if updated is not None:
                item.last_update_at = NOW - timedelta(days=updated)
            if code == "D-GONE":
                service.set_item_archived(item, True, actor=user(personas.secretariat))
            ids[code] = item.id
        db.session.commit()
        return ids


def _reminders(app):
    with app.app_context():
        return sorted(
            (db.session.get(ActionItem, n.subject_id).code, n.user_id)
            for n in db.session.scalars(
                select(Notification).where(Notification.kind == NotificationKind.ACTION_ITEM_DUE)
            )
        )


def test_the_right_people_are_reminded_of_the_right_items(app, personas, due_items, outbox):
    with app.app_context():
        sent = send_item_reminders(NOW)
        db.session.commit()

    # D-LATE has no responsible person: the police's admins are told (the police persona is a
    # member, not an admin: nobody there). D-ADMINS: Gemeente Rotterdam's admin.
    assert _reminders(app) == [
        ("D-ADMINS", personas.org_admin_a.id),
        ("D-EDGE", personas.member_a.id),
        ("D-SOON", personas.member_a.id),
    ]
    assert sent == 3
    with app.app_context():
        note = db.session.scalar(
            select(Notification).where(Notification.subject_id == due_items["D-SOON"])
        )
        assert note.url == f"/actiepunten/{due_items['D-SOON']}"
        assert note.title.startswith("D-SOON ")
        assert "Er is nog geen voortgang gemeld." in note.excerpt
    subjects = [m["Subject"] for m in outbox()]
    assert any("D-SOON" in s for s in subjects)


def test_an_overdue_item_is_named_so(app, personas, due_items):
    with app.app_context():
        admin = user(personas.org_admin_a)
        from neig_workspace.access.roles import OrgRole
        from neig_workspace.organisations.models import Membership

        db.session.add(
            Membership(user=admin, organisation_id=personas.orgs["politie"], role=OrgRole.ORG_ADMIN)
        )
        db.session.commit()
        send_item_reminders(NOW)
        db.session.commit()
        note = db.session.scalar(
            select(Notification).where(Notification.subject_id == due_items["D-LATE"])
        )
        assert note.user_id == personas.org_admin_a.id
        assert "is verstreken" in note.excerpt
        assert (TODAY - timedelta(days=5)).strftime("%d-%m-%Y") in note.excerpt


def test_not_again_within_a_week(app, personas, due_items):
    with app.app_context():
        assert send_item_reminders(NOW) == 3
        db.session.commit()
        assert send_item_reminders(NOW) == 0
        for note in db.session.scalars(select(Notification)):
            note.created_at -= timedelta(days=8)
        db.session.commit()
        assert send_item_reminders(NOW) == 3
        db.session.commit()


def test_a_progress_update_stops_the_reminders(app, personas, due_items):
    with app.app_context():
        item = db.session.get(ActionItem, due_items["D-SOON"])
        item.last_update_at = NOW - timedelta(days=2)
        db.session.commit()
        send_item_reminders(NOW)
        db.session.commit()
    assert "D-SOON" not in [code for code, _user in _reminders(app)]


def test_nobody_is_reminded_of_an_item_they_may_not_see(app, personas, world, due_items):
    """A responsible person whose organisation lost the grant is not told (the notification
    centre asks the policy)."""
    from neig_workspace.spaces.models import PrincipalType, SpaceGrant

    with app.app_context():
        # The network grant goes: only the secretariat's organisation and A's admins remain.
        for grant in db.session.scalars(
            select(SpaceGrant).where(
                SpaceGrant.space_id == world.space,
                SpaceGrant.principal_type == PrincipalType.NETWORK,
            )
        ):
            db.session.delete(grant)
        db.session.commit()
        send_item_reminders(NOW)
        db.session.commit()
    assert _reminders(app) == [("D-ADMINS", personas.org_admin_a.id)]
