"""The directory's rules in the policy: who may open it, and which organisations and people
its SQL filters let through."""

from sqlalchemy import select

from neig_workspace.access.policy import can, listed_contacts, visible_directory_organisations
from neig_workspace.accounts.models import User
from neig_workspace.directory.models import DirectoryProfile
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from tests.directory.helpers import deactivate_org, deactivate_user, loose_user, opt_in


def _user(persona):
    return db.session.get(User, persona.id)


def test_network_members_may_view_the_directory(app, personas):
    loose = loose_user(app)
    deactivate_org(app, personas.orgs["gemeente_b"])
    with app.test_request_context():
        assert can(_user(personas.member_a), "directory.view")
        assert can(_user(personas.platform_admin), "directory.view")
        assert not can(_user(personas.member_b), "directory.view")  # only org is deactivated
        assert not can(db.session.get(User, loose.id), "directory.view")
        assert can(db.session.get(User, loose.id), "directory.edit_own")


def test_a_deactivated_viewer_sees_no_organisation(app, personas):
    deactivate_user(app, personas.member_a)
    with app.test_request_context():
        clause = visible_directory_organisations(_user(personas.member_a))
        assert db.session.scalars(select(Organisation.id).where(clause)).all() == []


def test_listed_contacts_are_opted_in_active_users_of_active_organisations(app, personas):
    opt_in(app, personas.member_a, "organisation", "name")
    opt_in(app, personas.org_admin_a, "name", "email")  # not listed: no organisation choice
    opt_in(app, personas.police, "organisation")
    deactivate_org(app, personas.orgs["politie"])
    with app.test_request_context():
        listed = db.session.scalars(
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .join(DirectoryProfile, DirectoryProfile.user_id == User.id)
            .where(listed_contacts(_user(personas.member_b)))
        ).all()
    assert listed == [personas.member_a.id]
