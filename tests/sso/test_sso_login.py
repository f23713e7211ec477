"""Signing in through the police's own OpenID provider (a real oidc-provider on loopback):
the e-mail-first login page, the code flow with PKCE, state and nonce, every check of the
answer, who may sign in, MFA, and a provider that is down."""

import re

import pyotp
from sqlalchemy import select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.accounts.tokens import new_token
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.sso.models import SsoLoginAttempt
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import post_form
from tests.personas import PASSWORD, TOTP_SECRET

from .conftest import CLIENT_ID, free_port, through_provider
from .helpers import (
    audit_events,
    current_session,
    logged_in,
    make_provider,
    make_user,
    provider_url,
    query,
    refusal_reasons,
    sso_login,
    start,
    to_provider,
    with_query,
)

UNAVAILABLE = "De inlogdienst van uw organisatie is nu niet bereikbaar."
NOT_VALID = "Het antwoord van de inlogdienst van uw organisatie klopt niet"


def text(response) -> str:
    return response.get_data(as_text=True)


def has_password_field(response) -> bool:
    return 'name="password"' in text(response)


# --- the e-mail-first login page ---------------------------------------------------------------


def test_an_address_of_a_domain_with_a_provider_goes_there_with_pkce_state_and_nonce(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer)
    url = to_provider(client, "Agent@Politie.example", oidc_provider.issuer)
    params = query(url)
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://localhost/inloggen/sso/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a sha256, never the verifier
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["login_hint"] == "agent@politie.example"
    with db_ctx(app) as session:
        attempt = session.scalar(select(SsoLoginAttempt))
        assert attempt.code_verifier not in url and attempt.state_hash != params["state"]


def test_the_page_depends_on_the_domain_only_never_on_the_account(app, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    known = provider_url(start(app.test_client(), "agent@politie.example"), oidc_provider.issuer)
    unknown = provider_url(
        start(app.test_client(), "niemand@politie.example"), oidc_provider.issuer
    )
    assert set(query(known)) == set(query(unknown))
    # Without a provider: the password step, the same page for an account and for nobody.
    member = start(app.test_client(), personas.member_a.email)
    nobody = start(app.test_client(), "niemand@example.nl")
    assert member.status_code == nobody.status_code == 200
    assert has_password_field(member) and "Vul uw wachtwoord in." in text(member)

    def page(response, typed):
        html = text(response).replace(typed, "EMAIL")
        return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="CSRF"', html)

    assert page(member, personas.member_a.email) == page(nobody, "niemand@example.nl")


def test_password_step_keeps_the_address_and_then_logs_in(client, personas):
    response = start(client, personas.member_a.email)
    assert f'value="{personas.member_a.email}"' in text(response)
    assert not logged_in(client)
    assert start(client, personas.member_a.email, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_disabled_provider_leaves_the_domain_to_passwords(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer, enabled=False)
    make_user(app, personas, "agent@politie.example", password=True)
    assert start(client, "agent@politie.example").status_code == 200
    assert start(client, "agent@politie.example", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_password_where_the_provider_allows_passwords_still_logs_in(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_password=True)
    make_user(app, personas, "rechercheur@politie.example", password=True)
    assert start(client, "rechercheur@politie.example", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_password_is_refused_where_the_provider_forbids_passwords(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_password=False)
    make_user(app, personas, "rechercheur@politie.example", password=True)
    response = start(client, "rechercheur@politie.example", PASSWORD)
    assert response.status_code == 422
    assert "Uw organisatie laat u inloggen via haar eigen inlogdienst" in text(response)
    assert not has_password_field(response)
    assert not logged_in(client)
    assert audit_events(app, "auth.login")[-1][0] == "failure"
    assert audit_events(app, "auth.login")[-1][2]["reason"] == "password_not_allowed"
    # The same answer for an address nobody has: the domain decides, not the account.
    other = start(client, "niemand@politie.example", "iets-anders-12345")
    assert other.status_code == 422 and not has_password_field(other)


# --- a good sign-in ----------------------------------------------------------------------------


def test_good_login_with_mfa_at_the_provider(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    user_id = make_user(app, personas, "agent@politie.example")
    with client.session_transaction() as cookie:
        cookie[SESSION_KEY] = "planted-by-an-attacker"
    response, _ = sso_login(client, "agent@politie.example", oidc_provider.issuer)
    assert response.status_code == 302 and response.location == "/"
    assert logged_in(client)
    record = current_session(app, client)
    assert record.user_id == user_id and record.mfa_verified is True
    with client.session_transaction() as cookie:
        assert cookie[SESSION_KEY] != "planted-by-an-attacker"
    ((result, actor, details),) = audit_events(app, "auth.sso_login")
    assert (result, actor, details["linked"], details["mfa_asserted"]) == (
        "success",
        user_id,
        "member",
        True,
    )
    assert details["amr"] == ["pwd", "otp"]
    assert audit_events(app, "auth.login")[-1][2] == {"method": "sso", "mfa": True}


def test_login_follows_a_local_next_path(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    response = start(client, "agent@politie.example", next_url="/account/sessies")
    callback = through_provider(provider_url(response, oidc_provider.issuer))
    assert client.get(callback).location == "/account/sessies"


def test_mfa_at_the_provider_means_no_totp_even_when_enrolled(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "sleutel@politie.example", totp=True, platform_admin=True)
    response, _ = sso_login(client, "sleutel@politie.example", oidc_provider.issuer)
    assert response.location == "/"
    assert client.get("/beheer/organisaties").status_code == 200


def test_a_configured_acr_counts_as_mfa(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "niveau@politie.example")
    response, _ = sso_login(client, "niveau@politie.example", oidc_provider.issuer)
    assert response.location == "/"
    assert current_session(app, client).mfa_verified is True


def test_without_mfa_at_the_provider_the_session_has_none(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "rechercheur@politie.example")
    response, _ = sso_login(client, "rechercheur@politie.example", oidc_provider.issuer)
    assert response.location == "/"
    assert current_session(app, client).mfa_verified is False


def test_without_mfa_at_the_provider_the_totp_code_is_asked(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    user_id = make_user(app, personas, "beheerder@politie.example", totp=True, platform_admin=True)
    response, _ = sso_login(client, "beheerder@politie.example", oidc_provider.issuer)
    assert response.status_code == 302 and response.location.endswith("/inloggen/verificatie")
    assert not logged_in(client)
    code = pyotp.TOTP(TOTP_SECRET).now()
    response = post_form(client, "/inloggen/verificatie", {"code": code})
    assert response.status_code == 302 and response.location == "/"
    assert current_session(app, client).mfa_verified is True
    assert client.get("/beheer/organisaties").status_code == 200
    last = audit_events(app, "auth.login")[-1]
    assert last[1] == user_id and last[2]["method"] == "sso" and last[2]["mfa"] is True


def test_an_account_that_must_use_mfa_but_has_no_password_needs_it_from_the_provider(
    app, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "beheerder@politie.example", platform_admin=True)
    make_user(app, personas, "sleutel@politie.example", platform_admin=True)
    refused, _ = sso_login(app.test_client(), "beheerder@politie.example", oidc_provider.issuer)
    assert refused.status_code == 403
    assert "tweestapsverificatie verplicht" in text(refused)
    assert refusal_reasons(app) == ["mfa_required"]
    # With the provider's second factor the enrolment gate does not stop them.
    client = app.test_client()
    response, _ = sso_login(client, "sleutel@politie.example", oidc_provider.issuer)
    assert response.location == "/"
    overview = client.get("/")
    assert overview.status_code == 200, overview.location
    assert client.get("/beheer/organisaties").status_code == 200


# --- the checks of the provider's answer -----------------------------------------------------


def test_a_wrong_state_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    callback = through_provider(to_provider(client, "agent@politie.example", oidc_provider.issuer))
    response = client.get(with_query(callback, state="een-andere-state-" + "x" * 30))
    assert response.status_code == 400
    assert "Deze inlogpoging is verlopen of al gebruikt." in text(response)
    assert not logged_in(client)
    assert refusal_reasons(app) == ["state_mismatch"]


def test_a_callback_this_browser_did_not_start_is_refused(app, personas, oidc_provider):
    """Login CSRF: someone else's (valid, unused) callback link opened in our browser."""
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    attacker, victim = app.test_client(), app.test_client()
    callback = through_provider(
        to_provider(attacker, "agent@politie.example", oidc_provider.issuer)
    )
    response = victim.get(callback)
    assert response.status_code == 400 and not logged_in(victim)


def test_a_replayed_callback_is_refused_even_with_the_old_cookie(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    callback = through_provider(to_provider(client, "agent@politie.example", oidc_provider.issuer))
    with client.session_transaction() as cookie:
        state = cookie["sso_state"]
    assert client.get(callback).location == "/"
    post_form(client, "/uitloggen", {}, token_from="/account")
    # The same callback again, with the state put back in the cookie as it was.
    with client.session_transaction() as cookie:
        cookie["sso_state"] = state
    response = client.get(callback)
    assert response.status_code == 400 and not logged_in(client)
    assert refusal_reasons(app) == ["state_mismatch"]


def test_a_used_code_is_refused_by_the_provider_under_a_new_state(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    first = through_provider(to_provider(client, "agent@politie.example", oidc_provider.issuer))
    assert client.get(first).location == "/"
    post_form(client, "/uitloggen", {}, token_from="/account")
    # A new sign-in, but the old code slipped into its callback.
    second = through_provider(to_provider(client, "agent@politie.example", oidc_provider.issuer))
    response = client.get(with_query(second, code=query(first)["code"]))
    assert response.status_code == 400 and NOT_VALID in text(response)
    assert not logged_in(client)
    assert refusal_reasons(app) == ["token_refused"]


def test_an_answer_naming_another_issuer_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    callback = through_provider(to_provider(client, "agent@politie.example", oidc_provider.issuer))
    response = client.get(with_query(callback, iss="https://login.boef.example"))
    assert response.status_code == 400 and not logged_in(client)
    assert refusal_reasons(app) == ["issuer_mismatch"]


def test_a_provider_whose_metadata_names_another_issuer_is_not_used(
    app, client, personas, oidc_provider
):
    # Configured as localhost, but the provider there says it is 127.0.0.1.
    issuer = f"http://localhost:{oidc_provider.port}"
    make_provider(app, personas, issuer)
    response = start(client, "agent@politie.example")
    assert response.status_code == 503 and UNAVAILABLE in text(response)
    ((_, _, details),) = audit_events(app, "auth.sso_refused")
    assert (details["reason"], details["stage"]) == ("issuer_mismatch", "start")


def test_an_expired_id_token_is_refused(app, client, personas, provider_in_the_past):
    make_provider(app, personas, provider_in_the_past.issuer)
    make_user(app, personas, "agent@politie.example")
    response, _ = sso_login(client, "agent@politie.example", provider_in_the_past.issuer)
    assert response.status_code == 400 and NOT_VALID in text(response)
    assert not logged_in(client)
    assert refusal_reasons(app) == ["expired"]


def test_an_id_token_with_another_nonce_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    url = to_provider(client, "agent@politie.example", oidc_provider.issuer)
    # The token is made for another request (an injected or replayed ID token).
    tampered = url.replace(f"nonce={query(url)['nonce']}", "nonce=" + "n" * 32)
    response = client.get(through_provider(tampered))
    assert response.status_code == 400 and not logged_in(client)
    assert refusal_reasons(app) == ["nonce"]


def test_the_provider_refusing_the_login_is_shown(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    # No such account at the provider: it answers access_denied.
    response, _ = sso_login(client, "onbekend@politie.example", oidc_provider.issuer)
    assert response.status_code == 400
    assert "is niet afgerond" in text(response)
    assert refusal_reasons(app) == ["provider_error"]


# --- who may sign in ---------------------------------------------------------------------------


def test_an_address_outside_the_providers_domains_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "uitzendkracht@elders.example")
    response, _ = sso_login(client, "uitzendkracht@politie.example", oidc_provider.issuer)
    assert response.status_code == 403 and not logged_in(client)
    assert "hoort" in text(response)
    ((_, _, details),) = audit_events(app, "auth.sso_refused")
    assert details["reason"] == "domain_not_allowed"
    assert details["email"] == "uitzendkracht@elders.example"


def test_an_unverified_address_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "onbevestigd@politie.example")
    response, _ = sso_login(client, "onbevestigd@politie.example", oidc_provider.issuer)
    assert response.status_code == 403 and not logged_in(client)
    assert "niet bevestigd" in text(response)
    assert refusal_reasons(app) == ["email_not_verified"]


def test_a_deactivated_user_is_refused(app, client, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    user_id = make_user(app, personas, "vertrokken@politie.example")
    with db_ctx(app) as session:
        session.get(User, user_id).active = False
        session.commit()
    response, _ = sso_login(client, "vertrokken@politie.example", oidc_provider.issuer)
    assert response.status_code == 403 and not logged_in(client)
    assert "Uw account is gedeactiveerd." in text(response)
    assert audit_events(app, "auth.sso_refused")[0][1:] == (
        user_id,
        {
            "reason": "user_inactive",
            "stage": "callback",
            "email": "vertrokken@politie.example",
            "organisation_id": personas.orgs["politie"],
        },
    )


def test_a_deactivated_organisation_is_refused(app, personas, oidc_provider):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example")
    # Deactivated between the start and the provider's answer ...
    client = app.test_client()
    url = to_provider(client, "agent@politie.example", oidc_provider.issuer)
    with db_ctx(app) as session:
        session.get(Organisation, personas.orgs["politie"]).active = False
        session.commit()
    response = client.get(through_provider(url))
    assert response.status_code == 403 and not logged_in(client)
    assert "gedeactiveerd" in text(response)
    # ... and before: the login page says so at once.
    other = start(app.test_client(), "agent@politie.example")
    assert other.status_code == 403 and "gedeactiveerd" in text(other)
    assert refusal_reasons(app) == ["organisation_inactive", "organisation_inactive"]


def test_no_account_and_no_invitation_is_refused_and_creates_nobody(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_account_creation=False)
    response, _ = sso_login(client, "nieuw@politie.example", oidc_provider.issuer)
    assert response.status_code == 403 and not logged_in(client)
    assert "U heeft nog geen account" in text(response)
    with db_ctx(app) as session:
        assert session.scalar(select(User).where(User.email == "nieuw@politie.example")) is None
    assert refusal_reasons(app) == ["no_account"]


def test_a_member_of_another_organisation_is_no_member_of_this_one(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer)
    make_user(app, personas, "agent@politie.example", organisation="gemeente_a")
    response, _ = sso_login(client, "agent@politie.example", oidc_provider.issuer)
    assert response.status_code == 403 and not logged_in(client)
    assert refusal_reasons(app) == ["no_account"]


def test_where_the_organisation_allows_it_a_first_login_creates_a_member(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_account_creation=True)
    response, _ = sso_login(client, "nieuw@politie.example", oidc_provider.issuer)
    assert response.location == "/" and logged_in(client)
    with db_ctx(app) as session:
        user = session.scalar(select(User).where(User.email == "nieuw@politie.example"))
        assert user.name == "Nieuwe Agent" and user.password_hash is None
        (membership,) = user.memberships
        assert membership.organisation_id == personas.orgs["politie"]
        assert membership.role == OrgRole.MEMBER
    assert audit_events(app, "auth.sso_login")[0][2]["linked"] == "created"
    assert audit_events(app, "user.created")[0][2]["via"] == "sso"


def test_a_pending_invitation_is_accepted_through_the_provider(
    app, client, personas, oidc_provider
):
    make_provider(app, personas, oidc_provider.issuer, allow_account_creation=False)
    _, token_hash = new_token()
    with db_ctx(app) as session:
        invitation = Invitation(
            email="genodigde@politie.example",
            organisation_id=personas.orgs["politie"],
            role=OrgRole.ORG_ADMIN,
            token_hash=token_hash,
            expires_at=utcnow().replace(year=utcnow().year + 1),
        )
        session.add(invitation)
        session.commit()
        invitation_id = invitation.id
    response, _ = sso_login(client, "genodigde@politie.example", oidc_provider.issuer)
    assert response.location == "/" and logged_in(client)
    with db_ctx(app) as session:
        user = session.scalar(select(User).where(User.email == "genodigde@politie.example"))
        membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.role == OrgRole.ORG_ADMIN
        invitation = session.get(Invitation, invitation_id)
        assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id
    assert audit_events(app, "auth.sso_login")[0][2]["linked"] == "invitation"
    assert [r for r, _, _ in audit_events(app, "invitation.accepted")] == ["success"]


# --- a provider that is down -------------------------------------------------------------------


def test_a_provider_that_is_down_is_said_and_the_password_still_offered(app, client, personas):
    make_provider(app, personas, f"http://127.0.0.1:{free_port()}", allow_password=True)
    make_user(app, personas, "agent@politie.example", password=True)
    response = start(client, "agent@politie.example")
    assert response.status_code == 503
    assert UNAVAILABLE in text(response)
    assert has_password_field(response)
    assert 'value="agent@politie.example"' in text(response)
    ((_, _, details),) = audit_events(app, "auth.sso_refused")
    assert (details["reason"], details["stage"]) == ("provider_unavailable", "start")
    assert start(client, "agent@politie.example", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_provider_that_is_down_offers_no_password_where_none_is_allowed(app, client, personas):
    make_provider(app, personas, f"http://127.0.0.1:{free_port()}", allow_password=False)
    response = start(client, "agent@politie.example")
    assert response.status_code == 503 and UNAVAILABLE in text(response)
    assert not has_password_field(response)
