"""Security alerts (BIO 5.17.01, 5.18.02): a spike of failed logins, and every login of a
privileged account, land in the audit log as `security.alert` and are mailed to platform admins."""

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import mail
from ..audit import service as audit
from ..audit.models import AuditEvent
from ..extensions import client_ip, db
from ..timeutil import utcnow
from .models import User


def failed_login_recorded() -> None:
    """Alert once when failed logins in the window reach the threshold (not at every one after)."""
    threshold = current_app.config["ALERT_FAILED_LOGINS"]
    window = timedelta(minutes=current_app.config["ALERT_WINDOW_MINUTES"])
    failures = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "auth.login",
            AuditEvent.result == "failure",
            AuditEvent.at > utcnow() - window,
        )
    )
    if failures == threshold:
        details = {
            "kind": "failed_login_spike",
            "failures": failures,
            "minutes": window.seconds // 60,
        }
        _alert(details, subject=_l("Veel mislukte inlogpogingen in NEIG Werkruimte"))


def account_under_attack(user: User, *, limit: str) -> None:
    """More password attempts on one account, from several addresses, than the account-wide
    limit allows: addresses the account never used are refused from now on. The account is
    the target, not the actor: its owner did nothing."""
    details = {
        "kind": "account_login_limit",
        "user_id": user.id,
        "email": user.email,
        "limit": limit,
    }
    subject = _l("Veel inlogpogingen op één account in NEIG Werkruimte")
    _alert(details, subject=subject, about=user)


def privileged_login(user: User) -> None:
    details = {"kind": "privileged_login", "user_id": user.id, "email": user.email}
    _alert(details, subject=_l("Inlog met een beheeraccount in NEIG Werkruimte"), user=user)


def rate_limits_counted_per_process() -> None:
    """Redis, where the login limits are counted, is unreachable: each web process counts on
    its own until it answers again, so an attacker gets more attempts."""
    details = {"kind": "rate_limit_storage_down"}
    _alert(
        details,
        subject=_l("Redis onbereikbaar: inlogpogingen tellen per proces in NEIG Werkruimte"),
    )


def _alert(details: dict, *, subject, user: User | None = None, about: User | None = None) -> None:
    """`user` did it (logged in): the actor; `about` had it done to them: the target."""
    audit.record("security.alert", actor=user, target=about, result="success", details=details)
    user = user or about
    admins = db.session.scalars(
        select(User).where(User.is_platform_admin.is_(True), User.active.is_(True))
    ).all()
    for admin in admins:
        with force_locale(admin.locale):
            body = render_template(
                "mail/security_alert.txt", details=details, user=user, ip=client_ip(), at=utcnow()
            )
            mail.queue(admin.email, str(subject), body)
