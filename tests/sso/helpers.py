"""Helpers of the single sign-on tests: a provider for the police, accounts, and the flow."""

import html
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import User, UserSession
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.accounts.tokens import hash_token
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.sso import service
from neig_workspace.timeutil import utcnow
from tests.helpers import post_form
from tests.personas import PASSWORD, TOTP_SECRET

from .conftest import CLIENT_ID, CLIENT_SECRET, DOMAIN, MFA_ACR, through_provider


def make_provider(app, personas, issuer: str, **settings) -> int:
    """The police's provider, set up by the platform admin through the service."""
    values = {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "domains": [DOMAIN],
        "allow_password": True,
        "allow_account_creation": False,
        "mfa_acr_values": MFA_ACR,
        **settings,
    }
    with app.test_request_context():
        org = db.session.get(Organisation, personas.orgs["politie"])
        admin = db.session.get(User, personas.platform_admin.id)
        provider = service.save_provider(org, service.ProviderSettings(**values), actor=admin)
        db.session.commit()
        return provider.id


def make_user(
    app,
    personas,
    email: str,
    *,
    organisation: str | None = "politie",
    role: OrgRole = OrgRole.MEMBER,
    password: bool = False,
    totp: bool = False,
    platform_admin: bool = False,
) -> int:
    with app.app_context():
        user = User(
            email=email,
            name=email.split("@")[0].title(),
            password_hash=hash_password(PASSWORD) if password else None,
            is_platform_admin=platform_admin,
        )
        if totp:
            user.totp_secret_encrypted = mfa.encrypt_secret(TOTP_SECRET)
            user.mfa_enabled_at = utcnow()
        db.session.add(user)
        if organisation:
            org_id = personas.orgs[organisation]
            db.session.add(Membership(user=user, organisation_id=org_id, role=role))
        db.session.commit()
        return user.id


def start(client, email: str, password: str | None = None, next_url: str | None = None):
    """The login form: the address (and a password, when given)."""
    data = {"email": email}
    if password is not None:
        data["password"] = password
    if next_url is not None:
        data["next"] = next_url
    return post_form(client, "/inloggen", data)


def to_provider(client, email: str, issuer: str) -> str:
    """Type the address; return where our page sends the browser (the provider)."""
    return provider_url(start(client, email), issuer)


def provider_url(response, issuer: str) -> str:
    """The page that sends the browser on to the provider: its Refresh header (the link on
    the page says the same)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    refresh = response.headers.get("Refresh", "")
    assert refresh.startswith("0; url="), refresh
    url = refresh.removeprefix("0; url=")
    assert url.startswith(f"{issuer}/auth?"), url
    assert f'href="{html.escape(url)}"' in response.get_data(as_text=True)
    return url


def sso_login(client, email: str, issuer: str):
    """The whole round trip; returns (our callback's response, the callback path)."""
    callback = through_provider(to_provider(client, email, issuer))
    return client.get(callback), callback


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(path: str, **changes) -> str:
    parts = urlsplit(path)
    values = {**query(path), **changes}
    return f"{parts.path}?{urlencode(values)}"


def audit_events(app, action: str) -> list[tuple[str, int | None, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [(e.result, e.actor_id, dict(e.details or {})) for e in rows]


def refusal_reasons(app) -> list[str]:
    return [details["reason"] for _, _, details in audit_events(app, "auth.sso_refused")]


def current_session(app, client) -> UserSession | None:
    """The server-side session record behind the client's cookie."""
    with client.session_transaction() as cookie:
        token = cookie.get(SESSION_KEY)
    if token is None:
        return None
    with app.app_context():
        record = db.session.scalar(
            select(UserSession).where(UserSession.token_hash == hash_token(token))
        )
        if record is not None:
            db.session.expunge(record)
        return record


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200
