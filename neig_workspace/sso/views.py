"""Single sign-on pages: a provider's settings (platform admins) and the provider's callback."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import load_or_404
from ..accounts import throttle
from ..accounts.login_flow import after_first_factor, render_login
from ..editing import Edit
from ..extensions import db, limiter
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..organisations.models import Organisation
from . import STATE_SESSION_KEY, service
from .forms import IdentityProviderForm

bp = Blueprint("sso", __name__)


def callback_url() -> str:
    """The redirect URI registered at every provider."""
    return url_for("sso.callback", _external=True)


@bp.route("/beheer/organisaties/<int:organisation_id>/sso", methods=["GET", "POST"])
@login_required
def settings(organisation_id):
    """The organisation's identity provider: issuer, client, domains and what it allows."""
    org = load_or_404(Organisation, organisation_id, "organisation.manage_sso")
    provider = service.provider_of(org)
    if provider is not None:
        form = IdentityProviderForm(data=service.settings_of(provider))
    else:
        form = IdentityProviderForm()
        if not form.is_submitted():  # a new provider starts switched on, passwords still allowed
            form.enabled.data = form.allow_password.data = True
    # Compared as the form shows them: never the secret (editing.py); a new provider has none.
    edit = Edit(form, provider, lambda: service.settings_of(provider) if provider else {})
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.save_provider(
                org, _settings(form), actor=current_user._get_current_object()
            ),
            success=_("De instellingen van de inlogdienst zijn opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".settings", organisation_id=org.id))
    form.client_secret.data = ""  # never sent back to the browser
    if provider is not None:
        form.client_secret.description = _(
            "Er is een geheim opgeslagen. Laat dit veld leeg om het te houden; een nieuw geheim "
            "vervangt het."
        )
    status = edit.status
    return render_template(
        "sso/settings.html",
        form=form,
        organisation=org,
        provider=provider,
        callback_url=callback_url(),
    ), status


def _settings(form: IdentityProviderForm) -> service.ProviderSettings:
    return service.ProviderSettings(
        issuer=form.issuer.data,
        client_id=form.client_id.data,
        client_secret=form.client_secret.data or "",
        domains=service.parse_domains(form.domains.data),
        enabled=form.enabled.data,
        allow_password=form.allow_password.data,
        allow_account_creation=form.allow_account_creation.data,
        mfa_acr_values=form.mfa_acr_values.data or "",
    )


@bp.get("/inloggen/sso/callback")
@limiter.limit(throttle.per_ip_limit)
def callback():
    """Where the provider sends the browser back: finish the sign-in, or say why not."""
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    expected_state = session.pop(STATE_SESSION_KEY, None)
    try:
        # Used up before anything else can fail: a state works once, whatever happens next.
        attempt = run_use_case(
            None, lambda: service.consume_attempt(request.args.get("state"), expected_state)
        )
        if attempt is REFUSED:  # a service's refusal, flashed: no session starts
            return render_login(status=422)
        # Committed here; after_first_factor() commits the session it starts on its own.
        result = run_use_case(
            None,
            lambda: service.finish_login(
                attempt,
                code=request.args.get("code"),
                iss=request.args.get("iss"),
                error=request.args.get("error"),
                redirect_uri=callback_url(),
            ),
        )
    except service.SsoRefused as refused:  # not a ServiceError: it has its own answer
        db.session.rollback()
        commit_side_effect(service.record_refusal, refused)
        return render_login(
            notice=refused.message,
            email=refused.email or "",
            show_password=refused.allow_password,
            status=refused.status,
        )
    if result is REFUSED:
        return render_login(status=422)
    return after_first_factor(
        result.user,
        result.next_url,
        method="sso",
        second_factor_done=result.mfa_asserted,
    )
