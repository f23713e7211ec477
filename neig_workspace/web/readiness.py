"""Readiness for load balancers (`/ready`), and the alert when the rate limits fall back to
counting per process because Redis is unreachable.

Each check answers "ok", "off" (not configured) or "unavailable", within a second or two: a
probe must not hang on the dependency it checks.
"""

import logging

from flask import current_app
from sqlalchemy import exc, text

from .. import database
from ..accounts import alerts
from ..documents import scanning
from ..documents.stores import blob_store
from ..extensions import db, limiter

log = logging.getLogger("neig_workspace.web")

#: Seconds the readiness check waits for clamd (uploads wait CLAMAV_TIMEOUT).
CLAMAV_PROBE_SECONDS = 2.0
_FALLBACK_STATE = "neig_rate_limit_fallback"


def check_all() -> dict[str, str]:
    return {
        "database": _database(),
        "redis": _rate_limit_storage(),
        "blob_store": _blob_store(),
        "clamav": clamav_status(),
    }


def _database() -> str:
    try:
        with database.reading_only():  # on SQLite: no wait for the write lock
            db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        first_line = (str(reason).splitlines() or [""])[0]
        log.warning("readiness: database unavailable: %s: %s", type(reason).__name__, first_line)
        try:
            db.session.rollback()
        except exc.SQLAlchemyError:
            pass  # the connection is gone already
        return "unavailable"


def _rate_limit_storage() -> str:
    if not _uses_redis():
        return "off"
    # The configured storage, not the in-memory fallback: its own ping, with its own timeouts.
    return "ok" if limiter.storage.check() else "unavailable"


def _blob_store() -> str:
    """Uploads can be stored: a byte written to the store's own temporary folder (an unnamed
    file, gone when closed) and, for S3, the bucket answering a HEAD (the client's timeouts
    and retries bound the wait)."""
    try:
        blob_store(current_app.config).probe()
        return "ok"
    except OSError as error:
        log.warning("readiness: blob store not writable: %s", error)
        return "unavailable"


def clamav_status() -> str:
    client = scanning.client_from_config(current_app.config)
    if client is None:
        return "off"
    client.timeout = min(client.timeout, CLAMAV_PROBE_SECONDS)
    try:
        return "ok" if client.ping() else "unavailable"
    except scanning.ScannerUnavailable as error:
        log.warning("readiness: clamd unavailable: %s", error)
        return "unavailable"


def _uses_redis() -> bool:
    return (current_app.config.get("RATELIMIT_STORAGE_URI") or "").startswith("redis")


def _counting_in_memory() -> bool:
    """Flask-Limiter switched to its in-memory fallback: its limiter no longer uses the storage
    configured (it switches back by itself once the storage answers again)."""
    if not (limiter.enabled and limiter.initialized and _uses_redis()):
        return False
    return limiter.limiter.storage is not limiter.storage


def alert_on_rate_limit_fallback(response):
    """After a request that found Redis unreachable, raise a security alert, once per outage in
    this process: until Redis answers, an attacker's attempts are counted per process only."""
    state = current_app.extensions.setdefault(_FALLBACK_STATE, {"alerted": False})
    if not _counting_in_memory():
        state["alerted"] = False
        return response
    if state["alerted"]:
        return response
    state["alerted"] = True
    try:
        db.session.rollback()  # the request's own work is done; the alert is a transaction of its own
        alerts.rate_limits_counted_per_process()
        db.session.commit()
    except exc.SQLAlchemyError as error:
        log.error("rate-limit fallback alert not recorded: %s", type(error).__name__)
        state["alerted"] = False  # try again on the next request
        try:
            db.session.rollback()
        except exc.SQLAlchemyError:
            pass
    return response
