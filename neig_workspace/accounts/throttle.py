"""Login throttling that cannot be turned against the owner of an account.

Three limits guard password attempts (Flask-Limiter, keyed as below):
- per address, whatever the account (RATELIMIT_LOGIN_PER_IP): one address guessing many;
- per account *and* address (RATELIMIT_LOGIN_PER_ACCOUNT): one address guessing one account. A
  guesser elsewhere fills their own count, not the owner's;
- per account from every address together (RATELIMIT_LOGIN_ACCOUNT_WIDE, higher): many
  addresses guessing one account. Past it, only addresses this account is known to use may
  try on: those it logged in from before, or completed a password reset from (which proves its
  mailbox). The platform admins hear of it once an hour per account.
"""

from flask import current_app, g, request
from limits import RateLimitItemPerHour
from sqlalchemy import select

from ..audit.models import AuditEvent
from ..extensions import client_ip, db, limiter, submitted_email
from . import alerts
from .models import User

#: Audit events that show an address is the account's own.
OWN_ADDRESS_EVENTS = ("auth.login", "account.password_reset")
#: At most one alert per account in this window, however long the attack lasts.
ALERT_ONCE_PER = RateLimitItemPerHour(1)


def per_ip_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_IP"]


def per_account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT"]


def account_wide_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT_WIDE"]


def account_and_address() -> str:
    """Rate-limit key: the account typed into the form, from this client's address."""
    return f"{submitted_email()}|ip:{client_ip()}"


def no_password() -> bool:
    # The address alone checks no secret and says nothing of the account: only the IP limit.
    return not request.form.get("password")


def _submitted_user() -> User | None:
    email = submitted_email().removeprefix("account:")
    return db.session.scalar(select(User).where(User.email == email)) if email else None


def is_usual_address() -> bool:
    """Has the account typed into the form logged in, or reset its password, from this
    address before? Asked once per request."""
    if "usual_address" not in g:
        user = _submitted_user()
        g.usual_address = (
            user is not None
            and db.session.scalar(
                select(AuditEvent.id)
                .where(
                    AuditEvent.actor_id == user.id,
                    AuditEvent.action.in_(OWN_ADDRESS_EVENTS),
                    AuditEvent.result == "success",
                    AuditEvent.ip == client_ip(),
                )
                .limit(1)
            )
            is not None
        )
    return g.usual_address


def exempt_from_account_wide_limit() -> bool:
    return no_password() or is_usual_address()


def account_wide_limit_reached(request_limit) -> None:
    """Flask-Limiter's on_breach: alert the platform admins, once an hour per account. The
    alert is committed here: the 429 page that follows rolls the request back."""
    user = _submitted_user()
    if user is None:  # no account to warn about; the failed-login spike alert counts these
        return
    if not limiter.limiter.hit(ALERT_ONCE_PER, "login-alert", str(user.id)):
        return
    alerts.account_under_attack(user, limit=str(request_limit.limit))
    db.session.commit()
