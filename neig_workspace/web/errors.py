"""Error pages that need nothing but their template, and the 503 of a database outage.

An error page is what is left when something failed, often the database itself: it is rendered
without a query (no user lookup, no menu, no counts) in a language found without the database.
"""

import logging

from flask import Flask, current_app, g, jsonify, make_response, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc, inspect
from sqlalchemy.orm.exc import StaleDataError

from .. import database
from ..audit import service as audit
from ..extensions import db, login_manager
from ..log_format import loggable_path

log = logging.getLogger("neig_workspace.web")

#: Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 30
ERROR_CODES = (400, 403, 404, 405, 413, 429, 500)


def init_error_pages(app: Flask) -> None:
    for code in ERROR_CODES:
        app.register_error_handler(code, _page_handler(code))
    app.register_error_handler(CSRFError, _page_handler(400, "errors/csrf.html"))
    app.register_error_handler(exc.OperationalError, database_unavailable)
    app.register_error_handler(exc.TimeoutError, database_unavailable)  # no pool connection free
    # A write over a row someone changed meanwhile (db_types.Versioned), outside the edit forms
    # that show the conflict themselves: nothing was saved, and the page says so.
    app.register_error_handler(StaleDataError, _page_handler(409))


def _page_handler(code: int, template: str = "errors/error.html"):
    def handler(error):
        original = getattr(error, "original_exception", None)
        if original is not None and database.is_outage(original):
            return database_unavailable(original)
        locale = page_locale()
        _without_user_lookup()
        _rollback()
        _audit_denial()
        with force_locale(locale):
            return render_template(template, code=code, error=error), code

    return handler


def database_unavailable(error):
    """The database is down, hung, timed out or locked: a 503 that asks to come back later, as a
    page or as JSON to a client that asks for JSON."""
    reason = getattr(error, "orig", None) or error
    log.error(
        "database unavailable on %s %s: %s: %s",
        request.method,
        loggable_path(),
        type(reason).__name__,
        str(reason).splitlines()[0] if str(reason) else "",
    )
    g.pop("access_denied", None)  # a denial cannot be audited without the database
    locale = page_locale(browser=True)
    _without_user_lookup()
    _rollback()
    with force_locale(locale):
        if _wants_json():
            message = _(
                "De werkruimte is even niet bereikbaar. Probeer het over een minuut opnieuw."
            )
            response = jsonify(status="unavailable", reason="database", message=message)
        else:
            response = make_response(render_template("errors/unavailable.html"))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_locale(*, browser: bool = False) -> str:
    """The language of an error page, found without a query: the user's own when it is loaded
    already, the session's choice, the browser's preference (when the database is out, so the
    user's choice cannot be read), or Dutch."""
    config = current_app.config
    languages, default = config["LANGUAGES"], config["BABEL_DEFAULT_LOCALE"]
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    loaded = state.dict.get("locale") if state is not None else None  # no refresh, no query
    for choice in (loaded, session.get("locale")):
        if choice in languages:
            return choice
    if browser:
        return request.accept_languages.best_match(languages, default=default)
    return default


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _without_user_lookup() -> None:
    """Templates get `current_user` from Flask-Login, which loads the user (a query) when the
    request has not yet: an error page shows no user, so it is anonymous unless loaded."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def _rollback() -> None:
    try:
        db.session.rollback()
    except exc.SQLAlchemyError as error:  # the connection is gone: nothing left to undo
        log.warning("rollback failed: %s", type(error).__name__)


def _audit_denial() -> None:
    """Record a refusal by the policy in its own transaction (the request's was rolled back).
    Should the database fail here, the page is still shown and the failure logged."""
    denied = g.pop("access_denied", None)
    if denied is None:
        return
    try:
        if not current_user.is_authenticated:
            return
        target_type, target_id = denied["target"] or (None, None)
        audit.record(
            "access.denied",
            actor=current_user,
            result="denied",
            target_type=target_type,
            target_id=target_id,
            details={
                "action": denied["action"],
                "status": denied["status"],
                "path": loggable_path(),  # a token in a link is no business of the audit log
            },
        )
        db.session.commit()
    except exc.SQLAlchemyError as error:
        log.error("access denial on %s not audited: %s", loggable_path(), type(error).__name__)
        _rollback()
