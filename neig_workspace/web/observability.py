"""Every request gets an id, counted in the metrics and written as one access line.

The id is nginx's `$request_id` (deploy/nginx/neig-locations.conf sends it as X-Request-ID) or,
without a well-formed one, a new one. A WSGI middleware sets it before Flask sees the request,
so every log record of the request carries it (neig_workspace/log_format.py), and adds it to
every response, error pages included.
"""

import logging
import re
import time
import uuid

from flask import Flask, current_app, g, request
from sqlalchemy import inspect

from ..log_format import FIELDS_ATTRIBUTE, REQUEST_ID_ENVIRON_KEY, loggable_path
from . import metrics

access_log = logging.getLogger("neig_workspace.access")
log = logging.getLogger("neig_workspace.web")

HEADER = "X-Request-ID"
#: nginx's $request_id is 32 hex digits; a proxy or client may send a UUID or the like.
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_STARTED = "neig.started"
_COUNT_FAILED = "neig_metrics_count_failed"


class RequestIdMiddleware:
    """Outermost: the id is known before anything of the app runs, and no response leaves
    without it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = accepted_or_new(environ.get("HTTP_X_REQUEST_ID"))
        environ[REQUEST_ID_ENVIRON_KEY] = request_id
        environ[_STARTED] = time.perf_counter()

        def start_with_id(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_id)


def accepted_or_new(presented: str | None) -> str:
    """The id a proxy sent, when it is one; anything else (too long, a line break, a quote
    meant for a log reader) is replaced by a new one."""
    if presented and WELL_FORMED.fullmatch(presented):
        return presented
    return uuid.uuid4().hex


def init_observability(app: Flask) -> None:
    """Before any other hook is added: after_request runs its functions last-added first, so
    this one runs last and sees the final status."""
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)
    app.after_request(_count_and_log)


def _count_and_log(response):
    started = request.environ.get(_STARTED)
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint
    if _metrics_on():
        _count(endpoint, response.status_code, seconds)
    access_log.info(
        "%s %s %s",
        request.method,
        loggable_path(),
        response.status_code,
        extra={
            FIELDS_ATTRIBUTE: {
                "method": request.method,
                "path": loggable_path(),
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                # What the app itself sends (0 when nginx sends a download's bytes).
                "bytes": _body_length(response),
                "user_id": _user_id(),
            }
        },
    )
    return response


def _body_length(response) -> int | None:
    """The body's length when the app knows it (None for a stream of unknown length)."""
    if response.content_length is not None:
        return response.content_length
    return response.calculate_content_length()


def _count(endpoint: str | None, status: int, seconds: float) -> None:
    """Counting must never cost the answer: a metrics folder that was removed or filled up is
    logged (once per process until counting works again), and the request is answered."""
    state = current_app.extensions.setdefault(_COUNT_FAILED, {"logged": False})
    try:
        metrics.observe(endpoint, request.method, status, seconds)
    except Exception:  # noqa: BLE001 - whatever the metrics' storage raises
        if not state["logged"]:
            log.exception("metrics: request not counted (PROMETHEUS_MULTIPROC_DIR?)")
        state["logged"] = True
        return
    state["logged"] = False


def _metrics_on() -> bool:
    return bool(current_app.config.get("METRICS_ENABLED"))


def _user_id() -> int | None:
    """The id of the user the request loaded already, without a query of its own (an expired
    user object keeps its identity); never the e-mail address."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or state.identity is None:
        return None
    return state.identity[0]
