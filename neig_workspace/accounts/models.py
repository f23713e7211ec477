"""Users, their login sessions, MFA recovery codes, invitations and password resets."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access.roles import OrgRole
from ..db_types import str_enum
from ..extensions import db
from ..timeutil import utcnow


# --- notifications: e-mail preference -------------------------------------------
class NotificationEmail(enum.StrEnum):
    """When a user gets e-mail about their notifications."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"


# --- end notifications ----------------------------------------------------------------------


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; empty for an account that only signs in through SSO.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    #: Interface language: "nl" or "en".
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    # notifications: e-mail per notification, a daily digest, or none.
    notification_email: Mapped[NotificationEmail] = mapped_column(
        str_enum(NotificationEmail, 16),
        default=NotificationEmail.IMMEDIATE,
        server_default=NotificationEmail.IMMEDIATE.value,  # accounts from before notifications
    )
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_secretariat: Mapped[bool] = mapped_column(default=False)
    #: TOTP secret, encrypted with a key derived from SECRET_KEY; set once enrolment starts.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    #: When MFA was confirmed; None means MFA is off.
    mfa_enabled_at: Mapped[datetime | None]
    #: The last TOTP time step accepted, so a code works once only (ASVS 6.5.1).
    totp_last_step: Mapped[int | None]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", order_by="Membership.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def primary_organisation(self):
        """The first organisation the user joined, used as the actor's organisation in audit."""
        return self.memberships[0].organisation if self.memberships else None

    def membership_in(self, organisation_id: int):
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def is_org_admin_of(self, organisation_id: int) -> bool:
        membership = self.membership_in(organisation_id)
        return membership is not None and membership.role == OrgRole.ORG_ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class UserSession(db.Model):
    """One login: the server-side record that makes sessions revocable (ASVS 7.4.1)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random identifier kept in the signed cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    #: Set once the second factor was given in this session (or none was needed at login).
    mfa_verified: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]
    #: logout, password_changed, deactivated, ended_by_user, ended_by_admin, expired
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} ended={self.ended_at}>"


class RecoveryCode(db.Model):
    """A single-use MFA recovery code, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id} used={self.used_at is not None}>"


class Invitation(db.Model):
    """An invitation to join an organisation; the e-mailed link holds a single-use token."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[OrgRole] = mapped_column(str_enum(OrgRole, 16), default=OrgRole.MEMBER)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    #: not stored: how many open invitations to the same address `service.invite` replaced
    replaced = 0

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.email!r} org={self.organisation_id}>"


class PasswordReset(db.Model):
    """A password reset request; the e-mailed link holds a single-use token valid for an hour."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"


class EmailChange(db.Model):
    """A requested change of a user's e-mail address. It takes effect only when the link mailed
    to the new address is opened by the same account; the link's token is stored hashed."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Lower-cased, as users.email. Not unique: a pending change holds no claim on the address.
    new_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    #: Withdrawn by the user, replaced by a newer request, or ended by a new password.
    cancelled_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_pending(self) -> bool:
        return (
            self.confirmed_at is None and self.cancelled_at is None and self.expires_at > utcnow()
        )

    def __repr__(self) -> str:
        return f"<EmailChange {self.id} user={self.user_id} pending={self.is_pending}>"
