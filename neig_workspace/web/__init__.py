"""Cross-cutting web concerns: security headers, error pages, the MFA gate, template globals."""

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, redirect, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import SecurityError

from ..access import policy
from ..formatting import init_formatting
from ..sso import MFA_BY_PROVIDER_KEY
from . import readiness
from .errors import init_error_pages
from .shell import init_shell

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

#: Endpoints a logged-in user who still has to enrol in MFA may reach.
MFA_GATE_OPEN = {
    "static",
    "accounts.mfa_enrol",
    "accounts.logout",
    "web.set_language",
    "web.health",
    "web.ready",
    "web.metrics",
    # How to set up the second factor, readable while setting it up (static text, no data).
    "help.index",
    "help.page",
}


def init_web(app: Flask) -> None:
    app.after_request(_security_headers)
    app.before_request(_refuse_nul_characters)
    app.before_request(_mfa_gate)
    # First of all: a request for a host name the app does not answer to goes no further.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    app.register_error_handler(SecurityError, _untrusted_host)
    init_error_pages(app)  # pages that need no database, and the 503 of an outage
    app.after_request(readiness.alert_on_rate_limit_fallback)
    app.after_request(policy.audit_separation_refusals)
    app.jinja_env.add_extension("jinja2.ext.do")
    init_formatting(app)
    app.jinja_env.globals.update(can=_can_current, current_locale=lambda: str(get_locale()))
    app.jinja_env.globals["mfa_required_for"] = policy.mfa_required
    init_shell(app)


def _can_current(action: str, obj=None) -> bool:
    return policy.can(current_user, action, obj)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Pages are personal and may hold confidential data: never stored by a browser or proxy.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def _refuse_untrusted_host():
    """Flask checks the Host header against TRUSTED_HOSTS when it builds the URL adapter, and
    keeps the refusal until dispatch; raise it before any other hook runs without an adapter
    (url_for cannot work for such a request)."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _untrusted_host(error):
    """A plain answer: the error page's links need the URL adapter this request lacks."""
    return Response("400 Bad Request: onbekende host (unknown host)\n", 400, mimetype="text/plain")


def _refuse_nul_characters():
    """No one types a NUL, and PostgreSQL can neither store nor compare one (the query fails
    with a 500): a query string or form field that carries one is refused before any query."""
    for source in (request.args, request.form):
        if any("\x00" in k or "\x00" in v for k, v in source.items(multi=True)):
            abort(400)


def _mfa_gate():
    """A user who must use MFA but has not enrolled yet may only enrol (or leave)."""
    # The endpoint first: static files and the health checks never load the user (a query).
    if request.endpoint in MFA_GATE_OPEN or not current_user.is_authenticated:
        return None
    if current_user.mfa_enabled or not policy.mfa_required(current_user):
        return None
    # single sign-on: the organisation's provider checked a second factor at this
    # login (amr/acr), so no TOTP of our own is needed for this session.
    if session.get(MFA_BY_PROVIDER_KEY) and policy.session_has_mfa():
        return None
    return redirect(url_for("accounts.mfa_enrol"))


def safe_next(target: str | None, default: str = "web.index") -> str:
    """Only local paths: no scheme, no host, no backslash tricks (no open redirect), and no
    control characters or spaces (urlsplit drops CR and LF, which would then reach the Location
    header: a forged header, or a 500 where Werkzeug refuses it)."""
    if target:
        parts = urlsplit(target)
        if (
            all(ch.isprintable() and not ch.isspace() for ch in target)
            and not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default)
