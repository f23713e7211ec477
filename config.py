"""Configuration classes, read from environment variables.

Pick one with NEIG_CONFIG=development|testing|production (default: development).
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("NEIG_INSTANCE_PATH", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name: str) -> list[str] | None:
    """A comma-separated list, or None when the variable is not set."""
    value = os.environ.get(name)
    return None if value is None else [item.strip() for item in value.split(",") if item.strip()]


def local_server_url(environ=os.environ) -> str:
    """EXTERNAL_URL outside production when it is unset: the address the development server was
    told to serve on, so links in e-mails lead back to it. SERVER_NAME if set, else the host and
    port `flask run` reads from FLASK_RUN_HOST and FLASK_RUN_PORT (`make run PORT=8000` sets
    them); a server on every interface is reached on 127.0.0.1."""
    if environ.get("SERVER_NAME"):
        return f"http://{environ['SERVER_NAME']}"
    host = environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - the address the server listens on, not ours
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{environ.get('FLASK_RUN_PORT') or '5000'}"


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'neig.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Timeouts, so an outage answers a 503 within seconds instead of hanging a
    # worker: connecting (seconds), one statement and one lock wait (ms) on PostgreSQL; the lock
    # wait is also SQLite's busy timeout. 0 turns a timeout off (e.g. for a long one-off command).
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)
    DATABASE_STATEMENT_TIMEOUT_MS = _env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5000)
    DATABASE_LOCK_TIMEOUT_MS = _env_int("DATABASE_LOCK_TIMEOUT_MS", 5000)
    #: False: JIT off on the app's connections (a statement of unforeseen cost is never
    #: compiled). True: the server's own setting; `make bench-scale` measures the pages so.
    DATABASE_JIT = _env_bool("DATABASE_JIT", False)
    #: Production may only run on SQLite when this is set explicitly.
    ALLOW_SQLITE_IN_PRODUCTION = _env_bool("ALLOW_SQLITE_IN_PRODUCTION", False)

    # Sessions (ASVS 7.3.1, 7.3.2): idle timeout and absolute lifetime.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME
    SESSION_COOKIE_NAME = "neig_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    #: One uploaded file at most (streamed to disk, never held in memory).
    MAX_UPLOAD_SIZE = _env_int("MAX_UPLOAD_SIZE", 100 * 1024 * 1024)
    #: One request at most: a form may carry several files.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 5 * MAX_UPLOAD_SIZE)
    BLOB_ROOT = os.environ.get("BLOB_ROOT", str(INSTANCE_DIR / "blobs"))
    #: A blob no row points at is removed by `neig blobs gc` once unused this long: far longer
    #: than any request (an upload stores its blob before its row commits).
    BLOB_GC_GRACE_HOURS = float(os.environ.get("BLOB_GC_GRACE_HOURS", "24"))
    #: Downloads by nginx (docs/deployment.md): the app checks access and writes the audit
    #: event, then answers X-Accel-Redirect: <prefix><ab/cd/sha256>, an `internal` location
    #: that serves BLOB_ROOT. Empty: the app streams the file itself.
    DOWNLOAD_ACCEL_PREFIX = os.environ.get("DOWNLOAD_ACCEL_PREFIX", "")

    # Object storage (docs/deployment.md § Object storage): BLOB_BACKEND=s3 keeps the blobs in
    # an S3-compatible bucket (MinIO, Ceph RGW, a cloud store) under S3_PREFIX/ab/cd/<sha256>;
    # uploads are still staged in BLOB_ROOT/tmp. Without keys boto3 looks for its own (an
    # instance role). Downloads: a 302 to a presigned URL valid S3_URL_EXPIRES seconds (the
    # endpoint must be reachable by browsers), `accel` through nginx, or `stream` through the app.
    BLOB_BACKEND = os.environ.get("BLOB_BACKEND", "local")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "blobs")
    S3_DOWNLOAD = os.environ.get("S3_DOWNLOAD", "redirect")
    #: With S3_DOWNLOAD=accel: nginx's internal location that fetches a presigned URL
    #: (deploy/nginx/neig-s3-downloads.conf).
    S3_ACCEL_PREFIX = os.environ.get("S3_ACCEL_PREFIX", "/_protected/s3/")
    S3_URL_EXPIRES = _env_int("S3_URL_EXPIRES", 60)

    TRASH_RETENTION_DAYS = _env_int("TRASH_RETENTION_DAYS", 30)
    #: Access reviews (BIO 5.18): every so many months each organisation admin confirms the
    #: members and each space manager the grants; the reminder goes out so many days before.
    ACCESS_REVIEW_MONTHS = _env_int("ACCESS_REVIEW_MONTHS", 3)
    ACCESS_REVIEW_REMIND_DAYS = _env_int("ACCESS_REVIEW_REMIND_DAYS", 14)
    #: Years after closing that a case is kept; then `flask neig retention` destroys it.
    CASE_RETENTION_YEARS = _env_int("NEIG_CASE_RETENTION_YEARS", 5)
    #: Years after its last change that a document is kept, per space kind other than cases:
    #: "organisation=10,shared=7,restricted=5"; a kind not named (or 0) is kept for ever.
    #: `flask neig retention --dry-run` lists what is due; only its token destroys it.
    SPACE_RETENTION_YEARS = os.environ.get("NEIG_SPACE_RETENTION_YEARS", "")

    # The audit log (README § The audit log): signed checkpoints of the newest event, outside
    # the database, every so many events (0: only by `flask neig audit checkpoint`) and hourly.
    AUDIT_CHECKPOINT_EVERY = _env_int("AUDIT_CHECKPOINT_EVERY", 100)
    #: The append-only file; empty: audit-checkpoints.log in the instance folder.
    AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", "")
    #: Syslog: a unix socket ("/dev/log") or "host:port" (UDP); empty: the file only.
    AUDIT_CHECKPOINT_SYSLOG = os.environ.get("AUDIT_CHECKPOINT_SYSLOG", "")
    #: The checkpoints' signing key; empty: derived from SECRET_KEY (HKDF).
    AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", "")
    #: Years an audit event is kept before `flask neig retention` removes it; 0: for ever.
    AUDIT_RETENTION_YEARS = _env_int("AUDIT_RETENTION_YEARS", 0)

    # Virus scanning by clamd: a unix socket path, or a host and port; both empty = off.
    CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "")
    CLAMAV_HOST = os.environ.get("CLAMAV_HOST", "")
    CLAMAV_PORT = _env_int("CLAMAV_PORT", 3310)
    CLAMAV_TIMEOUT = _env_int("CLAMAV_TIMEOUT", 60)
    #: While clamd is unreachable: "refuse" uploads, or "quarantine" them until scanned.
    CLAMAV_UNAVAILABLE = os.environ.get("CLAMAV_UNAVAILABLE", "refuse")

    # Text extraction for search (documents/extraction.py): each file is read in a
    # child process bounded by these limits; a file past them is searched by its metadata only,
    # and its page says so. The text kept per version is capped at EXTRACT_MAX_CHARS.
    EXTRACT_TIMEOUT_SECONDS = float(os.environ.get("EXTRACT_TIMEOUT_SECONDS", "30"))
    EXTRACT_MEMORY_MB = _env_int("EXTRACT_MEMORY_MB", 512)
    EXTRACT_MAX_CHARS = _env_int("EXTRACT_MAX_CHARS", 1_000_000)

    # Background jobs (docs/deployment.md § Background jobs): e-mail, the virus scan after an
    # upload and the scheduled work go to an RQ queue on Redis at JOB_QUEUE_URL, run by
    # `flask neig worker` and `flask neig scheduler`. Empty: each job runs right after the commit
    # that queued it, in the same process (development, tests, a machine without Redis).
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL", "")
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "neig")
    #: Seconds between the attempts of an e-mail and of a scan (one retry per value); after
    #: the last the job is on the dead-letter list (/beheer/taken).
    MAIL_RETRY_INTERVALS = os.environ.get("MAIL_RETRY_INTERVALS", "60,300,1800,7200")
    SCAN_RETRY_INTERVALS = os.environ.get("SCAN_RETRY_INTERVALS", "60,300,1800")
    #: Changes to the scheduler's times: "kind=cron line;kind=off" (neig_workspace/jobs/kinds.py).
    JOB_SCHEDULE = os.environ.get("JOB_SCHEDULE", "")

    # MFA: "all" (every account), "admins" (platform admins only) or "none".
    MFA_REQUIRED_FOR = os.environ.get("MFA_REQUIRED_FOR", "admins")
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "NEIG Werkruimte")

    # Password hashing (argon2id); the defaults follow RFC 9106's second recommendation.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 4)
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MIN_SCORE = 3  # zxcvbn score 0..4

    #: Failed logins (all accounts) within the window that raise a security alert.
    ALERT_FAILED_LOGINS = _env_int("ALERT_FAILED_LOGINS", 20)
    ALERT_WINDOW_MINUTES = _env_int("ALERT_WINDOW_MINUTES", 5)

    INVITATION_VALID_FOR = timedelta(hours=72)
    PASSWORD_RESET_VALID_FOR = timedelta(hours=1)
    #: How long the link that confirms a new e-mail address works.
    EMAIL_CHANGE_VALID_FOR = timedelta(hours=24)

    # Rate limits (Flask-Limiter): memory by default, Redis when REDIS_URL is set.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # While Redis is unreachable each process counts on its own (and a security alert is
    # raised), so logins go on; a Redis that hangs counts as unreachable after a second.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    #: Login (password), reset and MFA attempts from one address, whatever the account.
    RATELIMIT_LOGIN_PER_IP = os.environ.get("RATELIMIT_LOGIN_PER_IP", "20 per minute;200 per hour")
    #: Password attempts and reset requests for one account from one address (a guesser
    #: elsewhere cannot use up the owner's); second-factor codes for one account.
    RATELIMIT_LOGIN_PER_ACCOUNT = os.environ.get(
        "RATELIMIT_LOGIN_PER_ACCOUNT", "5 per minute;30 per hour"
    )
    #: Password attempts for one account from all addresses together: past it, only addresses
    #: the account logged in or reset its password from may try, and the admins are alerted.
    RATELIMIT_LOGIN_ACCOUNT_WIDE = os.environ.get(
        "RATELIMIT_LOGIN_ACCOUNT_WIDE", "20 per minute;100 per hour"
    )
    # Applications to join the network: the public form, per IP address.
    RATELIMIT_APPLICATION_PER_IP = os.environ.get(
        "RATELIMIT_APPLICATION_PER_IP", "10 per hour;30 per day"
    )

    # Mail: SMTP when MAIL_SERVER is set; otherwise (development) written to instance/outbox/.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "NEIG Werkruimte <noreply@neig.local>"
    )
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    #: The one base of every link in an e-mail (never the request's Host header, which anyone
    #: sending the request chooses). Production refuses to start without it.
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL") or local_server_url()
    #: Host names the app answers to (Flask refuses others with 400). Unset: EXTERNAL_URL's host,
    #: plus localhost and 127.0.0.1 outside production (see neig_workspace.trusted_hosts).
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")

    # Operations (docs/deployment.md § Logs and request ids, § Metrics):
    #: "json" (one object per line, the production default) or "text".
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    #: Prometheus metrics at /metrics, answered only to `Authorization: Bearer <METRICS_TOKEN>`
    #: (404 to anyone else, and always while the token is empty).
    METRICS_ENABLED = _env_bool("METRICS_ENABLED", True)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    #: Where gunicorn's workers keep their counts (prometheus_client reads the same environment
    #: variable when it is imported); empty: each process counts on its own.
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    #: Proxies in front that set X-Forwarded-For/-Proto/-Host (1: nginx); 0 trusts none. The
    #: systemd unit and compose.yaml set it, and without reading it the app saw nginx's address
    #: as every client's (one rate limit for all).
    TRUST_PROXY_HOPS = _env_int("TRUST_PROXY_HOPS", 0)

    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"

    PAGE_SIZE = 25
    HSTS = False
    DEMO_DATA_ALLOWED = True


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MFA_REQUIRED_FOR = os.environ.get("MFA_REQUIRED_FOR", "admins")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Cheap hashing keeps the suite fast; the algorithm is the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    # Jobs run inline unless a test starts a queue of its own (tests/jobs/).
    JOB_QUEUE_URL = ""
    # Tests switch scanning on themselves, against the clamd they start.
    CLAMAV_SOCKET = ""
    CLAMAV_HOST = ""
    CLAMAV_UNAVAILABLE = "refuse"
    SERVER_NAME = None
    # Test transactions are rolled back: a checkpoint would name events that never were.
    # The checkpoint tests switch them on, with a file of their own.
    AUDIT_CHECKPOINT_EVERY = 0
    AUDIT_CHECKPOINT_SYSLOG = ""


class ProductionConfig(Config):
    ENV_NAME = "production"
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "")  # no default: the site's own address
    MFA_REQUIRED_FOR = os.environ.get("MFA_REQUIRED_FOR", "all")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-neig_session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    AUDIT_CHECKPOINT_SYSLOG = os.environ.get("AUDIT_CHECKPOINT_SYSLOG", "/dev/log")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    HSTS = True
    DEMO_DATA_ALLOWED = False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
