"""What the benchmarks that serve the app share: a PostgreSQL database of their own, gunicorn
with the production settings, and logging in with password and TOTP over HTTP."""

import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pyotp
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(admin_url: str, name: str) -> str:
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def create_database(admin_url: str, name: str | None = None) -> tuple[str, str]:
    """Create a database (a fresh random name unless given); its name and SQLAlchemy URL."""
    name = name or f"neig_load_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, database_url(admin_url, name)


def database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def serve(
    env: dict,
    port: int,
    workers: int,
    log: Path,
    app: str = "wsgi:app",
    extra: tuple[str, ...] = (),
) -> subprocess.Popen:
    """gunicorn (sync workers, the default 30 s timeout) on 127.0.0.1, once /ready answers."""
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--timeout", "30"]
    command += ["--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), *extra, app]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = requests.get(f"http://127.0.0.1:{port}/ready", timeout=10)
            if answer.status_code == 200:
                return server
            print(f"not ready yet: {answer.text.strip()}")
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.terminate()
    server.wait(30)
    raise SystemExit(f"gunicorn did not become ready; see {log}")


def insecure_cookies(http: requests.Session) -> None:
    """The production cookies are Secure; on loopback without TLS the client sends them anyway
    (the app cannot tell: in production TLS ends in front of it, at nginx)."""
    for cookie in http.cookies:
        cookie.secure = False


def csrf_token(html: str, default: str = "") -> str:
    match = CSRF.search(html)
    return match.group(1) if match else default


def log_in(
    base: str, email: str, password: str, totp_secret: str, http=None, last_step: int = 0
) -> tuple[requests.Session, int]:
    """Log in with password and TOTP code; the session and the TOTP step used (a code counts
    once per account: a second login waits for the next step)."""
    http = http or requests.Session()

    def get(path):
        answer = http.get(base + path, allow_redirects=False, timeout=60)
        insecure_cookies(http)
        return answer

    def post(path, data):
        token = csrf_token(get(path).text)
        answer = http.post(
            base + path, data={"csrf_token": token, **data}, allow_redirects=False, timeout=60
        )
        insecure_cookies(http)
        if answer.status_code != 302:
            raise RuntimeError(f"POST {path} answered {answer.status_code}, not 302")
        return answer

    post("/inloggen", {"email": email, "password": password})
    step = int(time.time() // 30)
    while step <= last_step:
        time.sleep(1)
        step = int(time.time() // 30)
    post("/inloggen/verificatie", {"code": pyotp.TOTP(totp_secret).at(step * 30)})
    return http, step


def production_env(environ: dict, url: str, secret_key: str, work: Path, **extra) -> dict:
    """The environment gunicorn serves the app with: the production settings on `url`, files
    under `work`, and login limits that let many requests come from 127.0.0.1."""
    return {
        **environ,
        "NEIG_CONFIG": "production",
        "NEIG_INSTANCE_PATH": str(work / "instance"),
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "BLOB_ROOT": str(work / "blobs"),
        "MAIL_OUTBOX_DIR": str(work / "outbox"),
        "EXTERNAL_URL": environ.get("EXTERNAL_URL", "https://127.0.0.1"),
        "TRUSTED_HOSTS": environ.get("TRUSTED_HOSTS", "127.0.0.1,localhost"),
        # Every simulated user comes from 127.0.0.1: the per-address login limit would stop them.
        "RATELIMIT_LOGIN_PER_IP": "100000 per minute",
        **extra,
    }


def session_after_mfa(app, email: str) -> tuple[str, int]:
    """A session record for `email` that passed the second step, as a login with a code leaves
    it: its token (for the session cookie's SESSION_KEY) and the user's id."""
    from sqlalchemy import select

    from neig_workspace.accounts.models import User, UserSession
    from neig_workspace.accounts.tokens import hash_token
    from neig_workspace.extensions import db

    token = secrets.token_urlsafe(32)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.add(UserSession(token_hash=hash_token(token), user=user, mfa_verified=True))
        db.session.commit()
        return token, user.id
