"""The steps of signing in that the password login and the single sign-on callback share: the
login page (again, with a reason), and what follows the first factor (the TOTP step, or the
session and the MFA enrolment where it is required)."""

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ..access.policy import mfa_required
from ..forms import run_use_case
from ..sso import MFA_BY_PROVIDER_KEY
from ..sso.forms import EmailFirstLoginForm
from ..timeutil import utcnow
from ..web import safe_next
from . import service
from .models import User

#: The session key of a login that passed its first factor and waits for the TOTP code.
PENDING_MFA_KEY = "mfa_pending"


def render_login(
    form=None,
    *,
    status: int = 200,
    notice: str | None = None,
    email: str = "",
    show_password: bool = True,
    password_step: bool = False,
):
    """The login page; `notice` says why a sign-in through a provider did not go ahead."""
    if form is None:
        form = EmailFirstLoginForm(formdata=None, email=email, next="")
    form.password.data = ""
    return render_template(
        "accounts/login.html",
        form=form,
        notice=notice,
        show_password=show_password,
        password_step=password_step,
    ), status


def after_first_factor(
    user: User, next_url: str, *, method: str = "password", second_factor_done: bool = False
):
    """After the password (or the provider), both committed by the caller: the TOTP step where
    it applies, else the session (and MFA enrolment where it is required)."""
    if second_factor_done:
        run_use_case(None, lambda: service.complete_login(user, mfa_verified=True, method=method))
        # The provider checked a second factor; the MFA gate needs no TOTP enrolment for this.
        session[MFA_BY_PROVIDER_KEY] = True
        return redirect(safe_next(next_url))
    if user.mfa_enabled:
        session.clear()
        session[PENDING_MFA_KEY] = {
            "user_id": user.id,
            "at": utcnow().timestamp(),
            "next": next_url,
            "method": method,
        }
        return redirect(url_for("accounts.login_mfa"))
    run_use_case(None, lambda: service.complete_login(user, mfa_verified=False, method=method))
    if mfa_required(user):
        flash(_("Stel eerst tweestapsverificatie in. Dat is voor uw account verplicht."), "info")
        return redirect(url_for("accounts.mfa_enrol"))
    return redirect(safe_next(next_url))
