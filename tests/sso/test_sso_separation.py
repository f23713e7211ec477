"""Single sign-on never provisions a platform-admin account into an organisation (issue 15,
separation of duties): not by the provider's account creation (a first sign-in), not by a
pending invitation. Refused in Dutch, audited as auth.sso_refused and separation.refused."""

import html

from sqlalchemy import select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation
from neig_workspace.accounts.tokens import new_token
from neig_workspace.organisations.models import Membership
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx

from .helpers import audit_events, logged_in, make_provider, make_user, refusal_reasons, sso_login

REFUSAL = "Een account van een platformbeheerder kan niet via de inlogdienst van een organisatie"
TWO_ACCOUNTS = "gebruikt daarvoor een tweede account"


def memberships(app, user_id) -> list[int]:
    with db_ctx(app) as session:
        return list(
            session.scalars(select(Membership.organisation_id).where(Membership.user_id == user_id))
        )


def assert_refused_and_audited(app, response, user_id) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 403
    assert REFUSAL in page and TWO_ACCOUNTS in page
    assert memberships(app, user_id) == []
    assert refusal_reasons(app) == ["platform_admin"]
    ((result, actor, details),) = audit_events(app, "separation.refused")
    assert result == "denied" and actor == user_id
    assert details == {"action": "sso.provision", "reason": "platform_admin", "account_id": user_id}


def test_a_first_sso_sign_in_does_not_make_a_platform_admin_a_member(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_account_creation=True)
    admin_id = make_user(
        app, personas, "beheerder@politie.example", organisation=None, platform_admin=True
    )
    response, _ = sso_login(client, "beheerder@politie.example", oidc_provider.issuer)
    assert not logged_in(client)
    assert_refused_and_audited(app, response, admin_id)


def test_a_pending_invitation_does_not_make_a_platform_admin_a_member_through_sso(
    app, client, personas, oidc_provider
):
    """An invitation sent before the account became an admin stays unaccepted."""
    make_provider(app, personas, oidc_provider.issuer, allow_account_creation=False)
    admin_id = make_user(
        app, personas, "beheerder@politie.example", organisation=None, platform_admin=True
    )
    _, token_hash = new_token()
    with db_ctx(app) as session:
        invitation = Invitation(
            email="beheerder@politie.example",
            organisation_id=personas.orgs["politie"],
            role=OrgRole.MEMBER,
            token_hash=token_hash,
            expires_at=utcnow().replace(year=utcnow().year + 1),
        )
        session.add(invitation)
        session.commit()
        invitation_id = invitation.id
    response, _ = sso_login(client, "beheerder@politie.example", oidc_provider.issuer)
    assert not logged_in(client)
    assert_refused_and_audited(app, response, admin_id)
    with db_ctx(app) as session:
        assert session.get(Invitation, invitation_id).accepted_at is None
