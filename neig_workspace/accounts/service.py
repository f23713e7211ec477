"""Account use cases: one function each, the actor keyword-only, the audit event in the same
transaction. Callers commit once."""

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import mail
from ..access import policy
from ..access.policy import mfa_required
from ..access.roles import OrgRole
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..timeutil import utcnow
from . import alerts, mfa, passwords, sessions
from .models import EmailChange, Invitation, PasswordReset, RecoveryCode, User
from .tokens import hash_token, new_token


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- login -----------------------------------------------------------------------------------


@dataclass
class LoginResult:
    user: User | None
    needs_mfa: bool = False


def check_credentials(email: str, password: str) -> LoginResult:
    """Verify e-mail and password; the same answer and comparable time for every failure."""
    user = find_user_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record(
            "auth.login",
            actor=user,
            result="failure",
            target=user,
            details={"email": normalise_email(email)[:254], "reason": _failure_reason(user, ok)},
        )
        alerts.failed_login_recorded()
        return LoginResult(None)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return LoginResult(user, needs_mfa=user.mfa_enabled)


def _failure_reason(user: User | None, password_ok: bool) -> str:
    if user is None:
        return "unknown_account"
    if not password_ok:
        return "wrong_password"
    return "inactive_account"


def complete_login(user: User, *, mfa_verified: bool, method: str = "password") -> None:
    sessions.start_session(user, mfa_verified=mfa_verified)
    user.last_login_at = utcnow()
    details = {"method": method, "mfa": mfa_verified}
    if user.is_platform_admin or user.is_secretariat:
        details["privileged"] = True
    audit.record("auth.login", actor=user, target=user, details=details)
    if details.get("privileged"):
        alerts.privileged_login(user)


def verify_second_factor(user: User, code: str) -> bool:
    """A TOTP code (single-use) or an unused recovery code."""
    secret = mfa.decrypt_secret(user.totp_secret_encrypted or "")
    if secret:
        step = mfa.matching_step(secret, code, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return True
    return _use_recovery_code(user, code)


def _use_recovery_code(user: User, code: str) -> bool:
    if len(mfa.normalise_recovery_code(code)) != 16:
        return False
    record = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == mfa.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if record is None:
        return False
    record.used_at = utcnow()
    audit.record("mfa.recovery_code_used", actor=user, target=user)
    return True


def record_failed_second_factor(user: User) -> None:
    audit.record("auth.mfa", actor=user, target=user, result="failure")


def logout(user: User) -> None:
    audit.record("auth.logout", actor=user, target=user)
    sessions.end_current_session("logout")


# --- MFA enrolment -----------------------------------------------------------------------------


def start_mfa_enrolment(user: User) -> str:
    """A fresh secret for enrolment, kept encrypted until confirmed."""
    secret = mfa.new_secret()
    user.totp_secret_encrypted = mfa.encrypt_secret(secret)
    user.totp_last_step = None
    return secret


def confirm_mfa(user: User, code: str, password: str, *, keep_session) -> list[str]:
    """Turn MFA on after re-authentication and a first good code; return the recovery codes."""
    if not passwords.verify_password(user.password_hash, password):
        raise ServiceError(_("Het wachtwoord klopt niet."), "password")
    secret = mfa.decrypt_secret(user.totp_secret_encrypted or "")
    step = mfa.matching_step(secret, code, None) if secret else None
    if step is None:
        raise ServiceError(_("Deze code klopt niet. Probeer de nieuwste code uit de app."), "code")
    user.totp_last_step = step
    user.mfa_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    if keep_session is not None:
        keep_session.mfa_verified = True
    audit.record("mfa.enabled", actor=user, target=user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = mfa.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=mfa.hash_recovery_code(c)) for c in codes
    )
    return codes


def _reauthenticate_with_mfa(user: User, password: str, code: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise ServiceError(_("Het wachtwoord klopt niet."), "password")
    if not verify_second_factor(user, code):
        raise ServiceError(_("Deze code klopt niet."), "code")


def regenerate_recovery_codes(user: User, password: str, code: str) -> list[str]:
    _reauthenticate_with_mfa(user, password, code)
    codes = _replace_recovery_codes(user)
    audit.record("mfa.recovery_codes_regenerated", actor=user, target=user)
    return codes


def disable_mfa(user: User, password: str, code: str) -> None:
    if mfa_required(user):
        raise ServiceError(_("Voor uw account is tweestapsverificatie verplicht."))
    _reauthenticate_with_mfa(user, password, code)
    user.mfa_enabled_at = None
    user.totp_secret_encrypted = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    audit.record("mfa.disabled", actor=user, target=user)


def unused_recovery_code_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


# --- profile, password and e-mail ----------------------------------------------------------


def update_profile(user: User, *, name: str, locale: str) -> None:
    user.name = name.strip()
    set_locale(user, locale)


def set_locale(user: User, locale: str) -> None:
    """The interface language, remembered on the account."""
    user.locale = locale


def change_password(user: User, current: str, new: str, *, keep_session) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise ServiceError(_("Het huidige wachtwoord klopt niet."), "current_password")
    _set_password(user, new, field="new_password")
    _expire_password_resets(user)
    _end_email_changes(user, reason="password_changed")  # a session thief's request ends too
    sessions.end_all_sessions(user, "password_changed", keep=keep_session)
    audit.record("account.password_changed", actor=user, target=user)


def _set_password(user: User, new: str, *, field: str) -> None:
    problem = passwords.password_problem(new, email=user.email, name=user.name)
    if problem:
        raise ServiceError(problem, field)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()


# --- e-mail address ----------------------------------------------------------------------------
# A change takes effect only when the link mailed to the new address is opened by the same
# account (logged in): it proves the mailbox and the account are one person's. Until then the
# address is not claimed, so a pending change blocks nobody; it expires like a reset link.


def mask_email(email: str) -> str:
    """The first character and the domain only (n…@example.nl): enough to recognise one's own
    address, without writing out a possibly foreign one (the full address is in the audit)."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def _address_taken(email: str, user: User) -> bool:
    """Another account has it, or someone was invited with it (the invitee must get it)."""
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        return True
    return (
        db.session.scalar(
            select(Invitation.id)
            .where(
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .limit(1)
        )
        is not None
    )


def _reauthenticate(user: User, password: str, code: str | None) -> None:
    """The password, and the second factor where the account has one (ASVS 7.5.1)."""
    if not passwords.verify_password(user.password_hash, password):
        raise ServiceError(_("Het wachtwoord klopt niet."), "password")
    if user.mfa_enabled and not verify_second_factor(user, code or ""):
        raise ServiceError(_("Deze code klopt niet."), "code")


def request_email_change(new_email: str, password: str, code: str | None, *, actor: User):
    """Mail a confirmation link to the new address and a notice to the current one."""
    _reauthenticate(actor, password, code)
    new_email = normalise_email(new_email)
    if new_email == actor.email:
        raise ServiceError(_("Dit is al uw e-mailadres."), "email")
    if _address_taken(new_email, actor):
        raise ServiceError(_("Dit e-mailadres is niet beschikbaar."), "email")
    _end_email_changes(actor, reason="replaced")
    token, token_hash = new_token()
    valid_for = current_app.config["EMAIL_CHANGE_VALID_FOR"]
    change = EmailChange(
        user=actor, new_email=new_email, token_hash=token_hash, expires_at=utcnow() + valid_for
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        "account.email_change_requested",
        actor=actor,
        target=actor,
        details={"change_id": change.id, "old": actor.email, "new": new_email},
    )
    link = mail.external_link("accounts.confirm_email_change", token=token)
    hours = int(valid_for.total_seconds() // 3600)
    _queue_mail(
        new_email,
        _l("Bevestig uw nieuwe e-mailadres"),
        "mail/email_change_confirm.txt",
        user=actor,
        link=link,
        hours=hours,
        locale=actor.locale,
    )
    # The current address hears of it at once, so a hijacked session cannot move the account
    # away unnoticed.
    _queue_mail(
        actor.email,
        _l("Wijziging van uw e-mailadres aangevraagd"),
        "mail/email_change_requested.txt",
        user=actor,
        new_email=mask_email(new_email),
    )
    return change


def pending_email_change(user: User) -> EmailChange | None:
    return db.session.scalar(
        select(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.confirmed_at.is_(None),
            EmailChange.cancelled_at.is_(None),
            EmailChange.expires_at > utcnow(),
        )
        .order_by(EmailChange.id.desc())
        .limit(1)
    )


def open_email_change(token: str, user: User) -> EmailChange | None:
    """The pending change of this link, if it is `user`'s (another account's is not found)."""
    change = db.session.scalar(
        select(EmailChange).where(EmailChange.token_hash == hash_token(token))
    )
    if change is None or change.user_id != user.id or not change.is_pending:
        return None
    return change


def confirm_email_change(change: EmailChange, *, actor: User) -> None:
    """The link was opened by the account that asked: the address changes now."""
    if change.user_id != actor.id or not change.is_pending:
        raise ServiceError(_("Deze link werkt niet meer."))
    if _address_taken(change.new_email, actor):
        raise ServiceError(_("Dit e-mailadres is inmiddels niet meer beschikbaar."))
    old = actor.email
    _queue_mail(
        old,
        _l("Uw e-mailadres is gewijzigd"),
        "mail/email_changed.txt",
        user=actor,
        new_email=mask_email(change.new_email),
    )
    actor.email = change.new_email
    change.confirmed_at = utcnow()
    _end_email_changes(actor, reason="replaced")
    audit.record(
        "account.email_changed",
        actor=actor,
        target=actor,
        details={"change_id": change.id, "old": old, "new": change.new_email},
    )


def record_refused_email_change(change: EmailChange, *, actor: User) -> None:
    """The address was taken while the change waited (another account, an invitation)."""
    audit.record(
        "account.email_change_refused",
        actor=actor,
        target=actor,
        result="failure",
        details={"change_id": change.id, "new": change.new_email},
    )


def cancel_email_change(*, actor: User) -> bool:
    """Withdraw the pending change, if there is one."""
    return _end_email_changes(actor, reason="cancelled") > 0


def _end_email_changes(user: User, *, reason: str) -> int:
    """End every pending change of `user` (a newer request, a new password, a withdrawal);
    audited when there was one. An expired one has ended by itself."""
    pending = db.session.scalars(
        select(EmailChange).where(
            EmailChange.user_id == user.id,
            EmailChange.confirmed_at.is_(None),
            EmailChange.cancelled_at.is_(None),
            EmailChange.expires_at > utcnow(),
        )
    ).all()
    for change in pending:
        change.cancelled_at = utcnow()
        audit.record(
            "account.email_change_cancelled",
            actor=user,
            target=user,
            details={"change_id": change.id, "reason": reason},
        )
    return len(pending)


# --- invitations ---------------------------------------------------------------------------


def invite(email: str, organisation: Organisation, role: OrgRole, *, actor: User) -> Invitation:
    """Invite someone to `organisation`; the e-mail holds a single-use link valid for 72 h."""
    email = normalise_email(email)
    if not organisation.active:
        raise ServiceError(_("Deze organisatie is niet actief."), "organisation")
    existing = find_user_by_email(email)
    policy.refuse_content_to(
        existing,
        action="invitation.create",
        actor=actor,
        target_type="organisation",
        target_id=organisation.id,
        field="email",
    )
    if existing is not None and existing.membership_in(organisation.id) is not None:
        raise ServiceError(_("Deze persoon is al lid van deze organisatie."), "email")
    replaced = _revoke_open_invitations(email, organisation, actor=actor)
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        organisation=organisation,
        role=role,
        invited_by=actor,
        token_hash=token_hash,
        expires_at=utcnow() + current_app.config["INVITATION_VALID_FOR"],
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.created",
        actor=actor,
        target=invitation,
        details={"email": email, "organisation_id": organisation.id, "role": role.value}
        | ({"replaces": replaced} if replaced else {}),
    )
    invitation.replaced = len(replaced)
    link = mail.external_link("accounts.accept_invitation", token=token)
    _queue_mail(
        email,
        _l("Uitnodiging voor NEIG Werkruimte"),
        "mail/invitation.txt",
        invitation=invitation,
        link=link,
        inviter=actor,
    )
    return invitation


def _revoke_open_invitations(email: str, organisation: Organisation, *, actor: User) -> list[int]:
    """Inviting again resends: one open link per address and organisation, the newest, so an
    earlier mail cannot be used any more (by whoever else may have read it)."""
    earlier = db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    ).all()
    for invitation in earlier:
        revoke_invitation(invitation, actor=actor)
    return [invitation.id for invitation in earlier]


def open_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or not invitation.is_open or not invitation.organisation.active:
        return None
    return invitation


def accept_invitation_new_user(invitation: Invitation, *, name: str, password: str) -> User:
    """The invitee has no account yet: create it with the chosen name and password."""
    if find_user_by_email(invitation.email) is not None:
        raise ServiceError(
            _(
                "Er bestaat al een account met dit e-mailadres. Log in om de uitnodiging aan te nemen."
            )
        )
    user = User(email=invitation.email, name=name.strip())
    _set_password(user, password, field="password")
    db.session.add(user)
    db.session.flush()
    _join(invitation, user)
    return user


def accept_invitation_existing_user(invitation: Invitation, user: User) -> None:
    """An existing account takes the invitation: it joins the organisation."""
    if user.email != invitation.email:
        raise ServiceError(_("Deze uitnodiging is voor een ander e-mailadres."))
    _join(invitation, user)


def _join(invitation: Invitation, user: User) -> None:
    # The invitee accepts for themselves; but an invitation they once sent themselves (before
    # that was refused) gives nothing, and a platform-admin account joins nothing, even when it
    # became an admin after the invitation was sent.
    policy.refuse_content_to(
        user,
        action="invitation.accept",
        actor=user,
        target_type="invitation",
        target_id=invitation.id,
        self_allowed=invitation.invited_by_id != user.id,
    )
    if user.membership_in(invitation.organisation_id) is None:
        membership = Membership(
            user=user, organisation=invitation.organisation, role=invitation.role
        )
        db.session.add(membership)
        db.session.flush()
        audit.record(
            "membership.created",
            actor=user,
            target=membership,
            details={"organisation_id": invitation.organisation_id, "role": invitation.role.value},
        )
    invitation.accepted_at = utcnow()
    invitation.accepted_user_id = user.id
    audit.record("invitation.accepted", actor=user, target=invitation)


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoked", actor=actor, target=invitation)


# --- password reset ------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        audit.record(
            "account.password_reset_requested",
            result="failure",
            details={"email": normalise_email(email)[:254]},
        )
        return
    token, token_hash = new_token()
    reset = PasswordReset(
        user=user,
        token_hash=token_hash,
        expires_at=utcnow() + current_app.config["PASSWORD_RESET_VALID_FOR"],
    )
    db.session.add(reset)
    audit.record("account.password_reset_requested", actor=user, target=user)
    link = mail.external_link("accounts.reset_password", token=token)
    _queue_mail(
        user.email, _l("Wachtwoord herstellen"), "mail/password_reset.txt", user=user, link=link
    )


def open_password_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    if not reset.user.active:
        return None
    return reset


def complete_password_reset(reset: PasswordReset, new_password: str, code: str | None) -> None:
    """Set the new password; an account with MFA must give a code too (ASVS 6.4.3)."""
    user = reset.user
    if user.mfa_enabled and not verify_second_factor(user, code or ""):
        raise ServiceError(_("Deze code klopt niet."), "code")
    _set_password(user, new_password, field="password")
    reset.used_at = utcnow()
    _expire_password_resets(user)
    _end_email_changes(user, reason="password_changed")
    sessions.end_all_sessions(user, "password_changed")
    audit.record("account.password_reset", actor=user, target=user)


def _expire_password_resets(user: User) -> None:
    """Once the password is set, no older reset link may set it again."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


# --- administration ------------------------------------------------------------------------


def set_global_roles(user: User, *, platform_admin: bool, secretariat: bool, actor: User) -> None:
    if platform_admin:
        policy.refuse_promotion(user, actor=actor)
    before = {"platform_admin": user.is_platform_admin, "secretariat": user.is_secretariat}
    user.is_platform_admin = platform_admin
    user.is_secretariat = secretariat
    after = {"platform_admin": platform_admin, "secretariat": secretariat}
    if before != after:
        audit.record(
            "user.roles_changed",
            actor=actor,
            target=user,
            details={"before": before, "after": after},
        )


def deactivate_user(user: User, *, actor: User) -> None:
    if not user.active:
        return
    user.active = False
    user.deactivated_at = utcnow()
    sessions.end_all_sessions(user, "deactivated")
    audit.record("user.deactivated", actor=actor, target=user)


def reactivate_user(user: User, *, actor: User) -> None:
    if user.active:
        return
    user.active = True
    user.deactivated_at = None
    audit.record("user.reactivated", actor=actor, target=user)


def end_user_sessions(user: User, *, actor: User) -> None:
    sessions.end_all_sessions(user, "ended_by_admin")
    audit.record("user.sessions_ended", actor=actor, target=user)


def create_user(email: str, name: str, password: str, *, platform_admin: bool = False) -> User:
    """For `flask neig create-admin` and the demo data."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError(_("Er bestaat al een account met dit e-mailadres."), "email")
    user = User(email=email, name=name, is_platform_admin=platform_admin)
    _set_password(user, password, field="password")
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", target=user, details={"platform_admin": platform_admin})
    return user


# --- mail --------------------------------------------------------------------------------------


def _queue_mail(to: str, subject, template: str, *, locale: str | None = None, **context) -> None:
    """Render the message in the recipient's language and queue it until commit."""
    if locale is None:
        user = find_user_by_email(to)
        locale = user.locale if user else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        mail.queue(to, str(subject), render_template(template, **context))
