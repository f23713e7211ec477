"""The production self-check (like Django's `check --deploy`)."""

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import redis
from flask import Flask

MIN_SECRET_LENGTH = 32
#: Fewer distinct characters than this and a secret was typed, not generated (Django uses 5).
MIN_SECRET_UNIQUE_CHARACTERS = 10


def _is_known_secret(secret: str) -> bool:
    """The secrets written in config.py are public: anyone could sign a session with them."""
    from config import DEFAULT_SECRET_KEY, TestingConfig

    return secret in (DEFAULT_SECRET_KEY, TestingConfig.SECRET_KEY)


def deploy_problems(app: Flask) -> list[str]:
    """Every reason this configuration is not fit for production, in plain words."""
    cfg = app.config
    problems = []
    if app.debug or cfg.get("DEBUG"):
        problems.append("DEBUG is on.")
    secret = cfg.get("SECRET_KEY") or ""
    if _is_known_secret(secret):
        problems.append("SECRET_KEY is a default value: set a random one of 32+ characters.")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters.")
    elif len(set(secret)) < MIN_SECRET_UNIQUE_CHARACTERS:
        problems.append(
            "SECRET_KEY does not look random: generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    if not cfg.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off: cookies would travel over plain HTTP.")
    if not cfg.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("SESSION_COOKIE_HTTPONLY is off.")
    if not str(cfg.get("SESSION_COOKIE_NAME", "")).startswith("__Host-"):
        problems.append("The session cookie lacks the __Host- prefix.")
    if cfg.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        problems.append("SESSION_COOKIE_SAMESITE must be Lax or Strict.")
    if not cfg.get("HSTS"):
        problems.append("HSTS is off.")
    if cfg.get("MFA_REQUIRED_FOR") != "all":
        problems.append(
            "MFA_REQUIRED_FOR must be 'all' in production (BIO: MFA for internet-facing accounts)."
        )
    uri = str(cfg.get("SQLALCHEMY_DATABASE_URI", ""))
    if uri.startswith("sqlite") and not cfg.get("ALLOW_SQLITE_IN_PRODUCTION"):
        problems.append(
            "The database is SQLite: set DATABASE_URL to PostgreSQL, "
            "or ALLOW_SQLITE_IN_PRODUCTION=1."
        )
    if not cfg.get("MAIL_SERVER"):
        problems.append("MAIL_SERVER is not set: invitations and reset links would not be sent.")
    problems += _address_problems(cfg)
    problems += _operations_problems(cfg)
    problems += _job_queue_problems(cfg)
    problems += _blob_backend_problems(cfg)
    return problems


def _address_problems(cfg) -> list[str]:
    """Links in e-mails are built on EXTERNAL_URL only, and requests for other hosts are
    refused: otherwise a forged Host header would choose where a reset link leads."""
    external = cfg.get("EXTERNAL_URL") or ""
    if not external:
        return ["EXTERNAL_URL is not set: e-mails would carry no working links."]
    problems = []
    if urlsplit(external).scheme != "https" or not urlsplit(external).hostname:
        problems.append(f"EXTERNAL_URL must be the site's https:// address, not {external!r}.")
    if not cfg.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS is empty: requests for any host name would be served.")
    return problems


def _operations_problems(cfg) -> list[str]:
    """JSON logs, and metrics that only Prometheus reads and that count every worker."""
    problems = []
    if cfg.get("LOG_FORMAT") != "json":
        problems.append(
            f"LOG_FORMAT is {cfg.get('LOG_FORMAT')!r}: set json, so a log collector reads each "
            "line per field (request id, status, user id)."
        )
    if not cfg.get("METRICS_ENABLED"):
        return problems
    token = cfg.get("METRICS_TOKEN") or ""
    if not token:
        problems.append(
            "METRICS_TOKEN is not set: Prometheus cannot read /metrics (or set METRICS_ENABLED=0)."
        )
    elif len(token) < MIN_SECRET_LENGTH or len(set(token)) < MIN_SECRET_UNIQUE_CHARACTERS:
        problems.append(
            f"METRICS_TOKEN is shorter than {MIN_SECRET_LENGTH} characters or does not look "
            "random: generate one with python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    folder = cfg.get("PROMETHEUS_MULTIPROC_DIR") or ""
    if not folder:
        problems.append(
            "PROMETHEUS_MULTIPROC_DIR is not set: each gunicorn worker would count on its own, "
            "and a scrape would see one worker's requests only."
        )
    elif not _can_hold_files(Path(folder)):
        problems.append(
            f"PROMETHEUS_MULTIPROC_DIR {folder!r} is not a folder this user can write (or create)."
        )
    return problems


def _can_hold_files(folder: Path) -> bool:
    """The folder is writable, or can be made (gunicorn's on_starting makes it)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


#: Seconds the check waits for the job queue.
QUEUE_PROBE_SECONDS = 3
_DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}


def _job_queue_problems(cfg) -> list[str]:
    """The queue the workers take their jobs from answers (when one is configured)."""
    url = cfg.get("JOB_QUEUE_URL") or ""
    if not url:
        return []
    shown = _without_password(url)
    try:
        reason = _queue_unreachable(url)
    except ValueError as error:
        reason = f"not a URL the check understands ({error})"
    if reason is None:
        return []
    return [f"JOB_QUEUE_URL {shown} does not answer: {reason}."]


def _queue_unreachable(url: str) -> str | None:
    """Why the queue does not answer, or None when it does."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=QUEUE_PROBE_SECONDS, socket_timeout=QUEUE_PROBE_SECONDS
        )
        try:
            client.ping()
        except (redis.RedisError, OSError) as error:
            return type(error).__name__
        finally:
            client.close()
        return None
    if scheme in _DEFAULT_PORTS:
        parts = urlsplit(url)
        try:
            with socket.create_connection(
                (parts.hostname, parts.port or _DEFAULT_PORTS[scheme]), QUEUE_PROBE_SECONDS
            ):
                return None
        except OSError as error:
            return type(error).__name__
    raise ValueError(f"scheme {scheme!r}")


def _without_password(url: str) -> str:
    """The URL as it may be printed: a password in it is replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _blob_backend_problems(cfg) -> list[str]:
    """An S3 blob store needs its bucket and the keys to reach it."""
    backend = cfg.get("BLOB_BACKEND") or "local"
    if backend == "local":
        return []
    if backend != "s3":
        return [f"BLOB_BACKEND is {backend!r}: it must be local or s3."]
    problems = []
    if not cfg.get("S3_BUCKET"):
        problems.append("BLOB_BACKEND is s3 but S3_BUCKET is not set.")
    if not (cfg.get("S3_ACCESS_KEY_ID") and cfg.get("S3_SECRET_ACCESS_KEY")):
        problems.append(
            "BLOB_BACKEND is s3 but S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not both set."
        )
    return problems


def refuse_insecure_start(app: Flask) -> None:
    """Production does not start with a default (also the testing one) or short secret, nor
    without EXTERNAL_URL, the only base of the links in its e-mails."""
    secret = app.config.get("SECRET_KEY") or ""
    if _is_known_secret(secret) or len(secret) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            "Refusing to start in production without a real SECRET_KEY (32+ random characters)."
        )
    if not app.config.get("EXTERNAL_URL"):
        raise RuntimeError(
            "Refusing to start in production without EXTERNAL_URL (https://the-site's-address)."
        )


def data_problems() -> list[str]:
    """What the data says (`flask neig check-deploy`, not the start-up check): platform-admin
    accounts that still hold content from before the separation-of-duties rule. Each is named;
    its memberships and grants are to be removed (or the admin role taken away), and partner
    work done with a second account."""
    from sqlalchemy import exc

    from ..access import policy

    try:
        holding = policy.platform_admins_holding_content()
    except exc.SQLAlchemyError as error:
        return [
            "The database does not answer, so platform admins holding content were not "
            f"checked ({type(error).__name__})."
        ]
    return [
        f"Platform admin {user.email} holds {memberships} membership(s) and {grants} grant(s) "
        "to the user: a platform-admin account holds no content (separation of duties). Remove "
        "them, or take the admin role away; partner work is done with a second account."
        for user, memberships, grants in holding
    ]
