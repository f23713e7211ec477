"""Single sign-on use cases: an organisation's provider settings, starting a sign-in, and
finishing it (who signs in, or why not). The actor is keyword-only, the audit event is written
in the same transaction, callers commit.

No user enumeration: before the provider has vouched for someone, what happens depends only on
the e-mail domain typed, never on whether an account exists.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..access import policy
from ..access.policy import mfa_required
from ..access.roles import OrgRole
from ..accounts import mfa
from ..accounts import service as accounts
from ..accounts.models import Invitation, User
from ..accounts.tokens import hash_token
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..text import single_line
from ..timeutil import utcnow
from . import client
from .models import IdentityProvider, IdentityProviderDomain, SsoLoginAttempt

#: A sign-in must come back from the provider within this time.
ATTEMPT_VALID_FOR = timedelta(minutes=10)
#: Finished or abandoned attempts are deleted after this time.
ATTEMPT_KEPT_FOR = timedelta(days=1)
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SECRET_PURPOSE = b"neig-sso-client-secret"


# --- the client secret, encrypted at rest ----------------------------------------------------


def encrypt_client_secret(secret: str) -> str:
    return mfa.derive_fernet(_SECRET_PURPOSE).encrypt(secret.encode()).decode()


def decrypt_client_secret(token: str) -> str | None:
    from cryptography.fernet import InvalidToken

    try:
        return mfa.derive_fernet(_SECRET_PURPOSE).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def _config(provider: IdentityProvider) -> client.ProviderConfig:
    secret = decrypt_client_secret(provider.client_secret_encrypted)
    if secret is None:  # the key changed since it was saved: an admin must enter it again
        raise client.SsoProtocolError("secret_unreadable")
    return client.ProviderConfig(provider.issuer, provider.client_id, secret)


# --- finding the provider of an address --------------------------------------------------------


def email_domain(email: str) -> str:
    return accounts.normalise_email(email).rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The switched-on provider that vouches for the address's domain, if any."""
    return db.session.scalar(
        select(IdentityProvider)
        .join(IdentityProviderDomain, IdentityProviderDomain.provider_id == IdentityProvider.id)
        .where(
            IdentityProviderDomain.domain == email_domain(email),
            IdentityProvider.enabled.is_(True),
        )
    )


def provider_of(organisation: Organisation) -> IdentityProvider | None:
    return db.session.scalar(
        select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id)
    )


# --- settings (platform admins) --------------------------------------------------------------


def parse_domains(text: str) -> list[str]:
    """Domains separated by commas, spaces or lines; lower-case, without a leading @."""
    names = [d.strip().lower().lstrip("@") for d in re.split(r"[\s,;]+", text or "")]
    return sorted({d for d in names if d})


def _check_domains(domains: list[str], provider: IdentityProvider | None) -> None:
    if not domains:
        raise ServiceError(_("Vul minstens één e-maildomein in."), "domains")
    for domain in domains:
        if not _DOMAIN_RE.match(domain):
            raise ServiceError(
                _("%(domain)s is geen geldig domein, zoals politie.nl.", domain=domain), "domains"
            )
    taken = db.session.execute(
        select(IdentityProviderDomain.domain, Organisation.name)
        .join(IdentityProvider, IdentityProvider.id == IdentityProviderDomain.provider_id)
        .join(Organisation, Organisation.id == IdentityProvider.organisation_id)
        .where(IdentityProviderDomain.domain.in_(domains))
        .where(IdentityProvider.id != (provider.id if provider else -1))
    ).first()
    if taken is not None:
        raise ServiceError(
            _(
                "Het domein %(domain)s hoort al bij de inlogdienst van %(org)s.",
                domain=taken.domain,
                org=taken.name,
            ),
            "domains",
        )


def _check_issuer(issuer: str) -> None:
    problem = client.issuer_problem(issuer, testing=current_app.testing)
    if problem == "insecure":
        raise ServiceError(_("Het adres van de inlogdienst moet met https:// beginnen."), "issuer")
    if problem is not None:
        raise ServiceError(
            _("Vul het adres van de inlogdienst in, zoals https://login.politie.nl."), "issuer"
        )


@dataclass
class ProviderSettings:
    """What a platform admin sets; an empty client_secret keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str
    domains: list[str]
    enabled: bool = True
    allow_password: bool = True
    allow_account_creation: bool = False
    mfa_acr_values: str = ""


def _snapshot(provider: IdentityProvider) -> dict:
    return {
        "enabled": provider.enabled,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "allow_password": provider.allow_password,
        "allow_account_creation": provider.allow_account_creation,
        "mfa_acr_values": provider.mfa_acr_values,
        "domains": provider.domain_names,
    }


def settings_of(provider: IdentityProvider) -> dict:
    """The provider's settings as the form shows them (never the secret)."""
    return {**_snapshot(provider), "domains": "\n".join(provider.domain_names)}


def save_provider(
    organisation: Organisation, settings: ProviderSettings, *, actor: User
) -> IdentityProvider:
    """Create or change the organisation's provider; audited, never with the secret."""
    issuer = settings.issuer.strip()
    _check_issuer(issuer)
    provider = provider_of(organisation)
    _check_domains(settings.domains, provider)
    secret = settings.client_secret.strip()
    if provider is None and not secret:
        raise ServiceError(_("Vul het clientgeheim in."), "client_secret")
    before = _snapshot(provider) if provider is not None else None
    if provider is None:
        provider = IdentityProvider(organisation=organisation)
        db.session.add(provider)
    else:
        client.forget(provider.issuer)
    provider.enabled = settings.enabled
    provider.issuer = issuer
    provider.client_id = settings.client_id.strip()
    provider.allow_password = settings.allow_password
    provider.allow_account_creation = settings.allow_account_creation
    provider.mfa_acr_values = " ".join(settings.mfa_acr_values.split())
    if secret:
        provider.client_secret_encrypted = encrypt_client_secret(secret)
    _replace_domains(provider, settings.domains)
    provider.updated_at = utcnow()
    db.session.flush()
    after = _snapshot(provider)
    changed = {
        k: {"before": before[k], "after": v} for k, v in after.items() if before and before[k] != v
    }
    if before is None:
        audit.record(
            "sso.provider_created",
            actor=actor,
            target=provider,
            details={"organisation_id": organisation.id, **after},
        )
    elif changed or secret:
        audit.record(
            "sso.provider_updated",
            actor=actor,
            target=provider,
            details={
                "organisation_id": organisation.id,
                "changes": changed,
                "secret_replaced": bool(secret),
            },
        )
    return provider


def _replace_domains(provider: IdentityProvider, domains: list[str]) -> None:
    keep = set(domains)
    for existing in list(provider.domains):
        if existing.domain not in keep:
            provider.domains.remove(existing)
    db.session.flush()  # removed rows go first, so a domain can move between lines
    present = set(provider.domain_names)
    for domain in domains:
        if domain not in present:
            provider.domains.append(IdentityProviderDomain(domain=domain))


# --- refusals ------------------------------------------------------------------------------


#: reason -> (HTTP status, message) for the person at the login page.
def _messages() -> dict[str, tuple[int, str]]:
    invalid = _(
        "Het antwoord van de inlogdienst van uw organisatie klopt niet, daarom bent u niet "
        "ingelogd. Probeer het opnieuw. Lukt het dan nog niet, neem dan contact op met de "
        "beheerder van uw organisatie."
    )
    return {
        "state_mismatch": (
            400,
            _("Deze inlogpoging is verlopen of al gebruikt. Log opnieuw in."),
        ),
        "provider_error": (
            400,
            _("Het inloggen bij de inlogdienst van uw organisatie is niet afgerond."),
        ),
        "provider_disabled": (
            403,
            _("Inloggen via de inlogdienst van uw organisatie staat uit."),
        ),
        "organisation_inactive": (
            403,
            _(
                "Uw organisatie is gedeactiveerd in NEIG Werkruimte. Inloggen via haar "
                "inlogdienst is daarom niet mogelijk."
            ),
        ),
        "provider_unavailable": (
            503,
            _(
                "De inlogdienst van uw organisatie is nu niet bereikbaar. Probeer het later "
                "opnieuw."
            ),
        ),
        "email_not_verified": (
            403,
            _(
                "Uw inlogdienst heeft uw e-mailadres niet bevestigd. Daarom kunt u zo niet "
                "inloggen. Neem contact op met de beheerder van uw organisatie."
            ),
        ),
        "domain_not_allowed": (
            403,
            _(
                "U bent bij de inlogdienst ingelogd met een e-mailadres dat niet bij deze "
                "inlogdienst hoort. Log daar in met het adres van uw organisatie."
            ),
        ),
        "user_inactive": (
            403,
            _("Uw account is gedeactiveerd. Neem contact op met de beheerder van uw organisatie."),
        ),
        "no_account": (
            403,
            _(
                "U heeft nog geen account in NEIG Werkruimte. Vraag de beheerder van uw "
                "organisatie om een uitnodiging."
            ),
        ),
        "mfa_required": (
            403,
            _(
                "Voor uw account is tweestapsverificatie verplicht, maar uw inlogdienst heeft "
                "die niet gevraagd. Neem contact op met de beheerder van uw organisatie."
            ),
        ),
        "platform_admin": (
            403,
            _(
                "Een account van een platformbeheerder kan niet via de inlogdienst van een "
                "organisatie lid worden en krijgt geen toegang tot inhoud. Wie het platform "
                "beheert en ook voor een partner werkt, gebruikt daarvoor een tweede account."
            ),
        ),
        "invalid": (400, invalid),
    }


class SsoRefused(Exception):
    """A sign-in through a provider that does not go ahead; audited by record_refusal()."""

    def __init__(
        self,
        reason: str,
        *,
        provider: IdentityProvider | None = None,
        user: User | None = None,
        email: str | None = None,
        detail: str = "",
        stage: str = "callback",
        shown_as: str | None = None,
    ):
        super().__init__(reason)
        self.reason = reason
        self.provider_id = provider.id if provider is not None else None
        self.organisation_id = provider.organisation_id if provider is not None else None
        #: May the person sign in with a password instead (shown on the login page)?
        self.allow_password = provider.allow_password if provider is not None else True
        self.user_id = user.id if user is not None else None
        self.email = email
        self.detail = detail[:200]
        self.stage = stage
        messages = _messages()
        self.status, self.message = messages.get(shown_as or reason, messages["invalid"])


def record_refusal(refused: SsoRefused) -> None:
    """Audit a refusal (after the caller rolled back whatever the attempt had changed)."""
    actor = db.session.get(User, refused.user_id) if refused.user_id else None
    details = {"reason": refused.reason, "stage": refused.stage}
    if refused.detail:
        details["detail"] = refused.detail
    if refused.email:
        details["email"] = refused.email[:254]
    if refused.organisation_id:
        details["organisation_id"] = refused.organisation_id
    audit.record(
        "auth.sso_refused",
        actor=actor,
        result="failure",
        target_type="identity_provider" if refused.provider_id else None,
        target_id=refused.provider_id,
        details=details,
    )
    if refused.reason == "platform_admin":  # the separation of duties logs its refusals alike
        audit.record(
            "separation.refused",
            actor=actor,
            result="denied",
            target_type="organisation",
            target_id=refused.organisation_id,
            details={
                "action": "sso.provision",
                "reason": "platform_admin",
                "account_id": refused.user_id,
            },
        )


def record_refused_password(email: str, *, provider: IdentityProvider) -> None:
    """A password typed for a domain whose provider allows none: a failed login, not checked."""
    audit.record(
        "auth.login",
        result="failure",
        target_type="identity_provider",
        target_id=provider.id,
        details={
            "email": accounts.normalise_email(email)[:254],
            "reason": "password_not_allowed",
        },
    )


def _protocol_refusal(error, provider: IdentityProvider, **kwargs) -> SsoRefused:
    if isinstance(error, client.ProviderUnavailable):
        return SsoRefused("provider_unavailable", provider=provider, detail=str(error), **kwargs)
    # Before the browser went to the provider, any fault of the provider (wrong issuer in its
    # metadata, no PKCE, unusable keys) means for the person at the login page: not usable now.
    shown_as = "provider_unavailable" if kwargs.get("stage") == "start" else None
    # The reason (issuer_mismatch, signature, audience, expired, nonce, token_refused, …) is for
    # the audit log; the person is told the answer was not valid.
    return SsoRefused(
        error.reason,
        provider=provider,
        detail=error.detail,
        shown_as=shown_as,
        **kwargs,
    )


# --- starting a sign-in --------------------------------------------------------------------


@dataclass(frozen=True)
class LoginStart:
    url: str
    state: str


def begin_login(
    provider: IdentityProvider, *, email: str, next_url: str, redirect_uri: str
) -> LoginStart:
    """Prepare the redirect to the provider (or refuse: organisation off, provider down)."""
    email = accounts.normalise_email(email)
    if not provider.organisation.active:
        raise SsoRefused("organisation_inactive", provider=provider, email=email, stage="start")
    try:
        request = client.authorization_request(
            _config(provider), redirect_uri=redirect_uri, login_hint=email
        )
    except (client.ProviderUnavailable, client.SsoProtocolError) as error:
        raise _protocol_refusal(error, provider, email=email, stage="start") from error
    db.session.execute(
        delete(SsoLoginAttempt).where(SsoLoginAttempt.created_at < utcnow() - ATTEMPT_KEPT_FOR)
    )
    db.session.add(
        SsoLoginAttempt(
            state_hash=hash_token(request.state),
            provider=provider,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            login_hint=email[:254],
            next_url=next_url[:500],
        )
    )
    return LoginStart(url=request.url, state=request.state)


# --- finishing it ----------------------------------------------------------------------------


def consume_attempt(state: str | None, expected_state: str | None) -> SsoLoginAttempt:
    """The attempt this browser started, marked used (the caller commits at once)."""
    if not state or not expected_state or not hmac.compare_digest(state, expected_state):
        raise SsoRefused("state_mismatch", detail="state differs from this browser's")
    attempt = db.session.scalar(
        select(SsoLoginAttempt).where(SsoLoginAttempt.state_hash == hash_token(state))
    )
    if attempt is None or attempt.used_at is not None:
        raise SsoRefused("state_mismatch", detail="unknown or used state")
    if attempt.created_at < utcnow() - ATTEMPT_VALID_FOR:
        raise SsoRefused("state_mismatch", provider=attempt.provider, detail="attempt expired")
    attempt.used_at = utcnow()
    return attempt


@dataclass(frozen=True)
class SsoLogin:
    user: User
    provider: IdentityProvider
    #: The provider checked a second factor: the workspace asks for no TOTP code.
    mfa_asserted: bool
    next_url: str


def finish_login(
    attempt: SsoLoginAttempt,
    *,
    code: str | None,
    iss: str | None,
    error: str | None,
    redirect_uri: str,
    now: int | None = None,
) -> SsoLogin:
    """Check the provider's answer and find (or, where allowed, make) the account."""
    provider = attempt.provider
    if not provider.enabled:
        raise SsoRefused("provider_disabled", provider=provider)
    if not provider.organisation.active:
        raise SsoRefused("organisation_inactive", provider=provider)
    if error or not code:
        raise SsoRefused("provider_error", provider=provider, detail=(error or "no code")[:64])
    try:
        config = _config(provider)
        client.check_response_issuer(config, iss)
        token = client.exchange_code(
            config, code=code, code_verifier=attempt.code_verifier, redirect_uri=redirect_uri
        )
        claims = client.validate_id_token(
            config,
            token["id_token"],
            nonce=attempt.nonce,
            access_token=token.get("access_token"),
            now=now,
        )
    except (client.ProviderUnavailable, client.SsoProtocolError) as failure:
        raise _protocol_refusal(failure, provider) from failure
    email = _vouched_email(claims, provider)
    user, linked = _account_for(email, claims, provider)
    mfa_asserted = client.asserts_mfa(claims, provider.acr_values)
    if not mfa_asserted and not user.mfa_enabled and not user.password_hash and mfa_required(user):
        # Enrolling in TOTP needs a password this account does not have.
        raise SsoRefused("mfa_required", provider=provider, user=user, email=email)
    amr = [a for a in claims.get("amr") or [] if isinstance(a, str)][:10]
    audit.record(
        "auth.sso_login",
        actor=user,
        target=user,
        details={
            "provider_id": provider.id,
            "organisation_id": provider.organisation_id,
            "linked": linked,
            "mfa_asserted": mfa_asserted,
            "amr": amr,
            "acr": str(claims.get("acr") or "")[:100],
        },
    )
    return SsoLogin(user, provider, mfa_asserted, attempt.next_url)


def _vouched_email(claims: dict, provider: IdentityProvider) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused("invalid", provider=provider, detail="no email claim")
    email = accounts.normalise_email(email)
    if claims.get("email_verified") is not True:
        raise SsoRefused("email_not_verified", provider=provider, email=email)
    if email_domain(email) not in provider.domain_names:
        raise SsoRefused("domain_not_allowed", provider=provider, email=email)
    return email


def _open_invitation(email: str, organisation: Organisation) -> Invitation | None:
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.email == email,
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    )


def _account_for(email: str, claims: dict, provider: IdentityProvider) -> tuple[User, str]:
    """An active member of the provider's organisation, by a pending invitation of that
    organisation, or (where the organisation allows it) a new member; else refused."""
    organisation = provider.organisation
    user = accounts.find_user_by_email(email)
    if user is not None and not user.active:
        raise SsoRefused("user_inactive", provider=provider, user=user, email=email)
    if user is not None and user.membership_in(organisation.id) is not None:
        return user, "member"
    if user is not None and not policy.may_receive_content(user):
        # A platform-admin account is never provisioned into an organisation (separation of
        # duties): not by a pending invitation, not by the provider's account creation.
        raise SsoRefused("platform_admin", provider=provider, user=user, email=email)
    invitation = _open_invitation(email, organisation)
    if invitation is None and not provider.allow_account_creation:
        raise SsoRefused("no_account", provider=provider, user=user, email=email)
    if user is None:
        user = _new_user(email, claims, provider)
    if invitation is not None:
        accounts.accept_invitation_existing_user(invitation, user)
        return user, "invitation"
    membership = Membership(user=user, organisation=organisation, role=OrgRole.MEMBER)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "membership.created",
        actor=user,
        target=membership,
        details={
            "organisation_id": organisation.id,
            "role": OrgRole.MEMBER.value,
            "via": "sso",
        },
    )
    return user, "created"


def _new_user(email: str, claims: dict, provider: IdentityProvider) -> User:
    """An account that signs in through the provider only (no password)."""
    name = claims.get("name")
    name = single_line(name)[:200] if isinstance(name, str) else ""
    user = User(email=email, name=name or email.partition("@")[0])
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=user,
        target=user,
        details={"via": "sso", "provider_id": provider.id},
    )
    return user
