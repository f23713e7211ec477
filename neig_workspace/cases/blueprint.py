"""The casework blueprint: the second-factor gate every case page passes, the mark of the
statistics pages that need none, and loading a case through the policy. The pages live in the
`*_views` modules, which add their routes to `bp`; `views` imports them all."""

from functools import wraps

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import load_or_404, require, session_has_mfa
from .models import Case

bp = Blueprint("cases", __name__)


def statistics_page(view):
    """A page of the anonymous statistics (no case content, the small-cell rule): what the
    policy's `case.statistics` allows, every network member, and no second factor needed. The
    page and its CSV both carry this, so one rule decides both."""

    @wraps(view)
    def checked(*args, **kwargs):
        require("case.statistics")
        return view(*args, **kwargs)

    checked.without_case_content = True
    return checked


@bp.before_request
@login_required
def _second_factor_first():
    """A case opens only after MFA; a user without it is sent to enrol first (whether or not
    the case exists, so the redirect tells nothing)."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "without_case_content", False) or session_has_mfa():
        return None
    if current_user.mfa_enabled:
        flash(_("Log opnieuw in met uw tweede factor om casussen te openen."), "warning")
        return redirect(url_for("web.index"))
    flash(_("Voor casussen is tweestapsverificatie nodig. Stel die eerst in."), "warning")
    return redirect(url_for("accounts.mfa_enrol"))


def load_case(case_id: int, action: str = "case.view") -> Case:
    return load_or_404(Case, case_id, action)
