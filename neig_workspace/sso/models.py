"""Single sign-on: an organisation's own OpenID Connect provider, the e-mail domains it vouches
for, and the sign-ins under way (each a single-use ticket)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned
from ..extensions import db
from ..timeutil import utcnow


class IdentityProvider(Versioned, db.Model):
    """The OpenID provider of one organisation (at most one each)."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    #: Off: the domains sign in with a password, as if there were no provider.
    enabled: Mapped[bool] = mapped_column(default=True)
    #: The issuer identifier; its metadata comes from <issuer>/.well-known/openid-configuration.
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: Fernet token (key derived from MFA_ENCRYPTION_KEY or SECRET_KEY); never shown again.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    #: Members of the organisation may also sign in with a password.
    allow_password: Mapped[bool] = mapped_column(default=True)
    #: A first sign-in without an account or invitation creates one (as `member`).
    allow_account_creation: Mapped[bool] = mapped_column(default=False)
    #: Space-separated `acr` values that mean the provider checked a second factor.
    mfa_acr_values: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    domains: Mapped[list["IdentityProviderDomain"]] = relationship(
        back_populates="provider",
        cascade="all, delete-orphan",
        order_by="IdentityProviderDomain.domain",
    )

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]

    @property
    def acr_values(self) -> set[str]:
        return set(self.mfa_acr_values.split())

    def __repr__(self) -> str:
        return f"<IdentityProvider {self.id} org={self.organisation_id} {self.issuer!r}>"


class IdentityProviderDomain(db.Model):
    """An e-mail domain whose addresses sign in through one provider (a domain has one)."""

    __tablename__ = "identity_provider_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id"), index=True)
    #: Lower-case, e.g. "politie.nl"; unique over all providers.
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    provider: Mapped[IdentityProvider] = relationship(back_populates="domains")

    def __repr__(self) -> str:
        return f"<IdentityProviderDomain {self.domain!r} provider={self.provider_id}>"


class SsoLoginAttempt(db.Model):
    """One sign-in sent to a provider: the state (hashed), the nonce and the PKCE verifier.

    Used once: the callback marks it used before anything else, so neither a replayed callback
    nor a replayed cookie can finish a sign-in twice.
    """

    __tablename__ = "sso_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the `state` parameter (the browser's session holds the state itself).
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    #: The address typed on the login page (the provider's answer decides who signs in).
    login_hint: Mapped[str] = mapped_column(String(254))
    #: Where to go after the sign-in (a local path).
    next_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]

    provider: Mapped[IdentityProvider] = relationship()

    def __repr__(self) -> str:
        return f"<SsoLoginAttempt {self.id} provider={self.provider_id} used={self.used_at}>"
