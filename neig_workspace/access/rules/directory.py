"""The member directory and the dashboard. The directory is for the network only: active users
with a membership of an active organisation. It lists active organisations, and of their active
members only those who opted in to being listed (DirectoryProfile.show_organisation), showing
only the fields they opted in to. The dashboard adds no rules of its own: it reads through the
visible_* filters."""

from sqlalchemy import ColumnElement, Select, exists, false, select

from ...accounts.models import User
from ...directory.models import DirectoryProfile
from ...organisations.models import Membership, Organisation
from ..scope import _active, _in, _is_network_member, _member_orgs, _network_member, _per_request


def _own_settings(user, obj=None) -> bool:
    # Anyone signed in decides what the directory may show of them (can() checks active).
    return True


@_per_request
def visible_directory_organisations(user) -> ColumnElement[bool]:
    """Organisations in the directory: the active ones, for network members only."""
    if not _active(user):
        return false()
    return Organisation.active.is_(True) & _is_network_member(user)


@_per_request
def listed_contacts(user) -> ColumnElement[bool]:
    """Memberships (joined with User and DirectoryProfile) the directory shows to `user`: an
    active user who opted in, in an organisation of the directory."""
    if not _active(user):
        return false()
    organisations = select(Organisation.id).where(visible_directory_organisations(user))
    return (
        User.active.is_(True)
        & DirectoryProfile.show_organisation.is_(True)
        & _in(Membership.organisation_id, organisations)
    )


@_per_request
def email_visible_to(viewer) -> ColumnElement[bool]:
    """Users whose e-mail address `viewer` may see where people are picked by name (mention
    suggestions): colleagues in one of the viewer's active organisations, and whoever the
    directory shows to the viewer with their address (listed, and opted in to the e-mail)."""
    if not _active(viewer):
        return false()
    colleague = (
        select(Membership.user_id)
        .where(Membership.user_id == User.id)
        .where(_in(Membership.organisation_id, _member_orgs(viewer)))
    )
    listed = (
        select(Membership.user_id)
        .join(DirectoryProfile, DirectoryProfile.user_id == Membership.user_id)
        .where(Membership.user_id == User.id, DirectoryProfile.show_email.is_(True))
        .where(listed_contacts(viewer))
    )
    return exists(colleague) | exists(listed)


def my_organisation_ids(user) -> Select:
    """SELECT of the ids of the active organisations `user` is a member of (the dashboard's
    "my organisation leads, contributes to, is invited to")."""
    return _member_orgs(user)


ACTIONS = {
    "directory.view": (None, _network_member),
    "directory.edit_own": (None, _own_settings),
}
# A directory page is an organisation's, looked up by its slug (policy.directory_organisation_or_404).
VIEW_ACTION = {}
VISIBLE = {}
SUBJECTS = {}
