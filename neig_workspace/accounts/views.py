"""Login, MFA, invitations, password reset and the user's own account pages."""

from urllib.parse import quote

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import extensions
from ..access.policy import mfa_required, not_found
from ..errors import ServiceError
from ..extensions import db, limiter
from ..formatting import datetime_short
from ..forms import REFUSED, ActionForm, commit_side_effect, run_use_case
from ..sso import STATE_SESSION_KEY as SSO_STATE_KEY
from ..sso import service as sso_service
from ..sso.forms import EmailFirstLoginForm
from ..timeutil import utcnow
from ..web import safe_next
from . import mfa, service, sessions, throttle, user_agents
from .forms import (
    AcceptInvitationForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    MfaEnrolForm,
    MfaLoginForm,
    MfaReauthForm,
    ProfileForm,
    ResetPasswordForm,
)
from .login_flow import PENDING_MFA_KEY, after_first_factor, render_login
from .models import User

bp = Blueprint("accounts", __name__)

PENDING_MFA_SECONDS = 300
ENROL_SECRET_KEY = "mfa_enrol_started"  # noqa: S105  # nosec B105 # a session key, not a secret


login_ip_limit = throttle.per_ip_limit
_login_account_limit = throttle.per_account_limit


def _pending_user_key():
    pending = session.get(PENDING_MFA_KEY) or {}
    return f"mfa:{pending.get('user_id')}"


def _reset_user_key():
    # The reset form also takes a second factor: limit guesses per account, as at login.
    reset = service.open_password_reset((request.view_args or {}).get("token", ""))
    return f"mfa:{reset.user_id if reset else None}"


def _current_user_mfa_key():
    # Re-authentication asks for a code too: limit guesses per account, as at login.
    return f"mfa:{current_user.get_id()}"


def _count_failed_code(user: User):
    """`on_refusal` of a use case that asks for the second factor again: a wrong code is logged
    as a failed MFA attempt (after the rollback)."""

    def record(error: ServiceError) -> None:
        if error.field == "code":
            service.record_failed_second_factor(user)

    return record


# --- login ---------------------------------------------------------------------------------


@bp.route("/inloggen", methods=["GET", "POST"])
# Flask-Limiter checks the limits of one period in the order they are added (bottom up) and
# stops at the first one exceeded: the account-wide one comes last, so an attempt the address's
# own limits refuse does not count against the account.
@limiter.limit(
    throttle.account_wide_limit,
    methods=["POST"],
    key_func=extensions.submitted_email,
    exempt_when=throttle.exempt_from_account_wide_limit,
    on_breach=throttle.account_wide_limit_reached,
)
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(
    _login_account_limit,
    methods=["POST"],
    key_func=throttle.account_and_address,
    exempt_when=throttle.no_password,
)
def login():
    """Log in: the e-mail address first, then the password or the organisation's provider.

    What this page does depends on the address's domain only, never on whether an account
    exists (no user enumeration). Both fields together log in at once with the password.
    """
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = EmailFirstLoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        if form.email.errors and not form.password.data:
            # Without a usable address the page cannot tell whether a password is needed:
            # ask for both, as the one-step form did.
            form.password.errors = [*form.password.errors, _("Vul uw wachtwoord in.")]
        status = 422 if form.is_submitted() else 200
        return render_login(form=form, status=status)
    provider = sso_service.provider_for_email(form.email.data)
    if provider is not None and not form.password.data:
        return _to_identity_provider(form, provider)
    if provider is not None and not provider.allow_password:
        return _refuse_password(form, provider)
    if not form.password.data:
        # The second step, on the same page: the address kept, the password asked for.
        return render_login(form=form, password_step=True)
    result = run_use_case(
        form, lambda: service.check_credentials(form.email.data, form.password.data)
    )
    if result.user is None:
        form.form_errors.append(_("Het e-mailadres of het wachtwoord klopt niet."))
        form.password.data = ""
        return render_login(form=form, status=422)
    return after_first_factor(result.user, safe_next(form.next.data))


def _to_identity_provider(form, provider):
    """Send the browser to the organisation's provider (or say why that cannot be now)."""
    try:
        start = run_use_case(
            form,
            lambda: sso_service.begin_login(
                provider,
                email=form.email.data,
                next_url=safe_next(form.next.data),
                redirect_uri=url_for("sso.callback", _external=True),
            ),
        )
    except sso_service.SsoRefused as refused:  # not a ServiceError: it has its own answer
        db.session.rollback()
        commit_side_effect(sso_service.record_refusal, refused)
        return render_login(
            form=form,
            notice=refused.message,
            show_password=refused.allow_password,
            status=refused.status,
        )
    if start is REFUSED:  # a service's refusal, next to its field
        return render_login(form=form, status=422)
    session[SSO_STATE_KEY] = start.state
    # Not a redirect: the CSP's form-action 'self' also governs where a form's redirects may
    # lead, so a browser would stop a POST that redirects to the provider. A page that sends
    # the browser on (Refresh, with a link to follow by hand) is a navigation of its own.
    return (
        render_template("sso/redirect.html", url=start.url, organisation=provider.organisation),
        200,
        {"Refresh": f"0; url={start.url}"},
    )


def _refuse_password(form, provider):
    """This domain's organisation signs in through its provider only."""
    run_use_case(
        form, lambda: sso_service.record_refused_password(form.email.data, provider=provider)
    )
    form.form_errors.append(
        _(
            "Uw organisatie laat u inloggen via haar eigen inlogdienst, niet met een "
            "wachtwoord. Kies Verder om daar in te loggen."
        )
    )
    return render_login(form=form, show_password=False, status=422)


def _pending_mfa_user() -> User | None:
    pending = session.get(PENDING_MFA_KEY)
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_MFA_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    return user if user is not None and user.active and user.mfa_enabled else None


@bp.route("/inloggen/verificatie", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_pending_user_key)
def login_mfa():
    """Second step of the login: a TOTP code or a recovery code."""
    user = _pending_mfa_user()
    if user is None:
        session.pop(PENDING_MFA_KEY, None)
        flash(_("Log opnieuw in; de vorige poging is verlopen."), "warning")
        return redirect(url_for(".login"))
    form = MfaLoginForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/login_mfa.html", form=form
        ), 422 if form.is_submitted() else 200
    if not service.verify_second_factor(user, form.code.data):
        run_use_case(form, lambda: service.record_failed_second_factor(user))
        form.code.errors = [_("Deze code klopt niet. Probeer de nieuwste code uit de app.")]
        form.code.data = ""
        return render_template("accounts/login_mfa.html", form=form), 422
    pending = session.get(PENDING_MFA_KEY, {})
    next_url = pending.get("next") or url_for("web.index")
    method = pending.get("method", "password")
    run_use_case(form, lambda: service.complete_login(user, mfa_verified=True, method=method))
    return redirect(safe_next(next_url))


@bp.post("/uitloggen")
@login_required
def logout():
    """End this session."""
    run_use_case(
        None,
        lambda: service.logout(current_user._get_current_object()),
        success=_("U bent uitgelogd."),
    )
    return redirect(url_for(".login"))


# --- password reset ------------------------------------------------------------------------


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"])
# Per account and address: a flood elsewhere must not keep the owner from asking for a link.
@limiter.limit(_login_account_limit, methods=["POST"], key_func=throttle.account_and_address)
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/forgot_password.html", form=form
        ), 422 if form.is_submitted() else 200
    run_use_case(form, lambda: service.request_password_reset(form.email.data))
    return render_template("accounts/forgot_password_sent.html", email=form.email.data)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"])
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_reset_user_key)
def reset_password(token):
    """Choose a new password with the e-mailed link (and the second factor, if on)."""
    reset = service.open_password_reset(token)
    if reset is None:
        return render_template("accounts/token_invalid.html", kind="reset"), 404
    form = ResetPasswordForm()
    needs_code = reset.user.mfa_enabled
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.complete_password_reset(reset, form.password.data, form.code.data),
            success=_("Uw wachtwoord is gewijzigd. Log in met het nieuwe wachtwoord."),
            on_refusal=_count_failed_code(reset.user),
        )
        if done is not REFUSED:
            return redirect(url_for(".login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form, needs_code=needs_code), status


# --- invitations ---------------------------------------------------------------------------


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"])
def accept_invitation(token):
    """Accept an invitation: set a name and password, or join with the existing account."""
    invitation = service.open_invitation(token)
    if invitation is None:
        return render_template("accounts/token_invalid.html", kind="invitation"), 404
    existing = service.find_user_by_email(invitation.email)
    if existing is not None:
        return _accept_as_existing(invitation, existing)
    form = AcceptInvitationForm()
    if form.validate_on_submit():

        def accept():
            user = service.accept_invitation_new_user(
                invitation, name=form.name.data, password=form.password.data
            )
            service.complete_login(user, mfa_verified=False, method="invitation")
            return user

        user = run_use_case(form, accept, success=_("Welkom bij NEIG Werkruimte."))
        if user is not REFUSED:
            if mfa_required(user):
                return redirect(url_for(".mfa_enrol"))
            return redirect(url_for("web.index"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    ), status


def _accept_as_existing(invitation, existing: User):
    if not current_user.is_authenticated or current_user.id != existing.id:
        flash(_("Log in met uw account om de uitnodiging aan te nemen."), "info")
        if current_user.is_authenticated:
            return render_template(
                "accounts/invitation_other_account.html", invitation=invitation
            ), 403
        return redirect(url_for(".login", next=request.path))
    if request.method == "POST":  # CSRFProtect has checked the token
        joined = run_use_case(
            None,
            lambda: service.accept_invitation_existing_user(invitation, existing),
            success=_("U bent nu lid van %(org)s.", org=invitation.organisation.name),
        )
        if joined is REFUSED:  # a platform-admin account joins nothing (audited)
            return render_template(
                "accounts/accept_invitation_existing.html", invitation=invitation
            ), 403
        return redirect(url_for("web.index"))
    return render_template("accounts/accept_invitation_existing.html", invitation=invitation)


# --- own account -----------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """The user's own account: name, language and links to security settings."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        run_use_case(
            form,
            lambda: service.update_profile(user, name=form.name.data, locale=form.locale.data),
            success=_("Uw gegevens zijn opgeslagen."),
        )
        return redirect(url_for(".profile"))
    status = 422 if form.is_submitted() else 200
    pending = service.pending_email_change(user)
    return render_template("accounts/profile.html", form=form, pending_email=pending), status


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session of this user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
                keep_session=g.get("user_session"),
            ),
            success=_("Uw wachtwoord is gewijzigd. Uw andere sessies zijn beëindigd."),
        )
        if done is not REFUSED:
            return redirect(url_for(".profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/account/e-mailadres", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_current_user_mfa_key)
def change_email():
    """Ask to change the e-mail address: password (and code), then a link to the new one."""
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.request_email_change(
                form.email.data, form.password.data, form.code.data, actor=user
            ),
            success=_(
                "We hebben een link gestuurd naar %(email)s. Uw e-mailadres verandert pas "
                "als u die link opent terwijl u bent ingelogd.",
                email=service.normalise_email(form.email.data),
            ),
            on_refusal=_count_failed_code(user),
        )
        if done is not REFUSED:
            return redirect(url_for(".profile"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/change_email.html",
        form=form,
        needs_code=user.mfa_enabled,
        pending=service.pending_email_change(user),
    ), status


@bp.route("/account/e-mailadres/bevestigen/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token):
    """The link from the new address: confirm, logged in as the account that asked."""
    user = current_user._get_current_object()
    change = service.open_email_change(token, user)
    if change is None:
        return render_template("accounts/token_invalid.html", kind="email_change"), 404
    form = ActionForm()
    if form.validate_on_submit():
        new_email = change.new_email
        done = run_use_case(
            form,
            lambda: service.confirm_email_change(change, actor=user),
            success=_("Uw e-mailadres is gewijzigd in %(email)s.", email=new_email),
            # the refusal is audited on its own, after the rollback
            on_refusal=lambda error: service.record_refused_email_change(change, actor=user),
        )
        if done is not REFUSED:
            return redirect(url_for(".profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/confirm_email_change.html", form=form, change=change), status


@bp.post("/account/e-mailadres/intrekken")
@login_required
def cancel_email_change():
    """Withdraw a pending change of the e-mail address."""
    cancelled = run_use_case(
        None, lambda: service.cancel_email_change(actor=current_user._get_current_object())
    )
    if cancelled is True:
        flash(_("De wijziging van uw e-mailadres is ingetrokken."), "success")
    return redirect(url_for(".change_email"))


# --- MFA -----------------------------------------------------------------------------------------


@bp.route("/account/tweestapsverificatie/instellen", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _login_account_limit, methods=["POST"], key_func=lambda: f"enrol:{current_user.get_id()}"
)
def mfa_enrol():
    """Enrol in TOTP: scan the QR code, confirm with a code and the password."""
    user = current_user._get_current_object()
    if user.mfa_enabled:
        return redirect(url_for(".profile"))
    form = MfaEnrolForm()
    secret = mfa.decrypt_secret(user.totp_secret_encrypted or "")
    # A second tab or a reload keeps the secret of the enrolment under way in this session.
    if secret is None or not session.get(ENROL_SECRET_KEY):
        secret = commit_side_effect(lambda: service.start_mfa_enrolment(user))
        session[ENROL_SECRET_KEY] = True
    elif form.validate_on_submit():
        codes = run_use_case(
            form,
            lambda: service.confirm_mfa(
                user, form.code.data, form.password.data, keep_session=g.get("user_session")
            ),
            success=_("Tweestapsverificatie staat aan."),
        )
        if codes is not REFUSED:
            session.pop(ENROL_SECRET_KEY, None)
            return _recovery_codes_page(user, codes)
    uri = mfa.provisioning_uri(secret, user.email)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/mfa_enrol.html",
        form=form,
        qr=mfa.qr_data_uri(uri),
        secret=mfa.format_secret(secret),
        required=mfa_required(user),
    ), status


def _recovery_codes_page(user, codes: list[str]):
    """The new codes, shown once: also as a .txt download (a data: link, so the codes are never
    stored or sent again) and printable."""
    made = datetime_short(utcnow())
    text = "\r\n".join(
        [
            _(
                "NEIG Werkruimte: herstelcodes voor %(email)s, gemaakt op %(date)s",
                email=user.email,
                date=made,
            ),
            "",
            *codes,
            "",
            _("Elke code werkt één keer, als u uw telefoon niet bij de hand heeft."),
            "",
        ]
    )
    return render_template(
        "accounts/recovery_codes.html",
        codes=codes,
        made=made,
        codes_file="data:text/plain;charset=utf-8," + quote(text),
    )


@bp.route("/account/tweestapsverificatie/uitschakelen", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_current_user_mfa_key)
def mfa_disable():
    """Turn MFA off with password and code (not for accounts that must use it)."""
    user = current_user._get_current_object()
    if not user.mfa_enabled:
        return redirect(url_for(".profile"))
    form = MfaReauthForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.disable_mfa(user, form.password.data, form.code.data),
            success=_("Tweestapsverificatie staat uit."),
            on_refusal=_count_failed_code(user),
        )
        if done is not REFUSED:
            return redirect(url_for(".profile"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/mfa_disable.html", form=form, required=mfa_required(user)
    ), status


@bp.route("/account/tweestapsverificatie/herstelcodes", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_current_user_mfa_key)
def recovery_codes():
    """Make ten new recovery codes (the old ones stop working)."""
    user = current_user._get_current_object()
    if not user.mfa_enabled:
        return redirect(url_for(".profile"))
    form = MfaReauthForm()
    if form.validate_on_submit():
        codes = run_use_case(
            form,
            lambda: service.regenerate_recovery_codes(user, form.password.data, form.code.data),
            on_refusal=_count_failed_code(user),
        )
        if codes is not REFUSED:
            return _recovery_codes_page(user, codes)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/recovery_codes_form.html",
        form=form,
        remaining=service.unused_recovery_code_count(user),
    ), status


# --- sessions ------------------------------------------------------------------------------------


@bp.get("/account/sessies")
@login_required
def sessions_list():
    """The user's open sessions, with where and when they were last used."""
    return render_template(
        "accounts/sessions.html",
        user_sessions=sessions.open_sessions(current_user._get_current_object()),
        current=g.get("user_session"),
        describe_user_agent=user_agents.describe,
    )


@bp.post("/account/sessies/<int:session_id>/beeindigen")
@login_required
def end_session(session_id):
    """End one of the user's own sessions."""

    def end():
        if not sessions.end_session_by_id(
            current_user._get_current_object(), session_id, "ended_by_user"
        ):  # another user's session, or one already ended
            not_found("session.end", target=("user_session", session_id))

    run_use_case(None, end, success=_("De sessie is beëindigd."))
    return redirect(url_for(".sessions_list"))


@bp.post("/account/sessies/andere-beeindigen")
@login_required
def end_other_sessions():
    """End every session of this user except the current one."""
    run_use_case(
        None,
        lambda: sessions.end_all_sessions(
            current_user._get_current_object(), "ended_by_user", keep=g.get("user_session")
        ),
        success=_("Uw andere sessies zijn beëindigd."),
    )
    return redirect(url_for(".sessions_list"))
