"""Queueing a job: held in the SQLAlchemy session and sent only after the transaction commits,
dropped on rollback (as e-mail always was). With JOB_QUEUE_URL set, the job goes to an RQ queue
on Redis and a worker (`flask neig worker`) runs it; without, it runs right after the commit in
the process that queued it, in an app context (so a session) of its own.

A job that fails for good (retries exhausted; inline, its one attempt) is written to the
dead-letter list (models.FailedJob). So is a job that could not be handed to Redis, so nothing
is lost silently.
"""

import importlib
import json
import logging
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..accounts.mfa import derive_fernet
from ..extensions import db
from .kinds import intervals, kind
from .models import FailedJob

log = logging.getLogger("neig_workspace.jobs")
_PENDING_KEY = "neig_pending_jobs"
#: The function RQ runs for every job (worker.perform), by its dotted path.
PERFORM = "neig_workspace.jobs.worker.perform"
#: A finished job's result is not kept; a failed one stays in RQ's own registry this long
#: (the dead-letter list in the database is what admins use).
FAILURE_TTL = 7 * 24 * 3600


@dataclass
class Job:
    kind: str
    payload: dict = field(default_factory=dict)
    summary: str = ""


def enqueue(kind_name: str, *, summary: str = "", **payload) -> None:
    """Run the job `kind_name` with `payload` (JSON values) once the current transaction
    commits; drop it on rollback. `summary` names it for people on the dead-letter page: never
    anything secret or any content (a platform admin reads it)."""
    kind(kind_name)  # an unknown kind fails here, in the request that queued it
    json.dumps(payload)  # and so does a payload that could not be sent
    job = Job(kind_name, payload, summary[:200])
    session = db.session()
    if not session.in_transaction():
        # A transaction to belong to, even if nothing was read or written yet: a rollback of
        # a session that never began one tells no listener, and the job would wait in the
        # session for its next commit.
        session.begin()
    session.info.setdefault(_PENDING_KEY, []).append(job)


def queue_configured(app=None) -> bool:
    return bool((app or current_app).config.get("JOB_QUEUE_URL"))


# --- sealing what only the job may read ---------------------------------------------------------


def seal(values: dict) -> str:
    """Encrypt `values` (JSON) for a payload: Redis, its dumps and the dead-letter row hold only
    this token, never an e-mail's body with a single-use link."""
    return derive_fernet(b"neig job payload").encrypt(json.dumps(values).encode()).decode()


def unseal(token: str) -> dict:
    try:
        return json.loads(derive_fernet(b"neig job payload").decrypt(token.encode()))
    except InvalidToken as error:  # another SECRET_KEY: the job cannot run, and says so
        raise ValueError("the sealed payload cannot be read with this SECRET_KEY") from error


# --- Redis ------------------------------------------------------------------------------------


def redis_connection(app=None):
    """One client per app (a pool of connections), with timeouts so a Redis that hangs fails
    the hand-over within seconds instead of holding a request."""
    from redis import Redis

    app = app or current_app._get_current_object()
    state = app.extensions.setdefault("neig_jobs", {})
    if "redis" not in state:
        state["redis"] = Redis.from_url(
            app.config["JOB_QUEUE_URL"], socket_connect_timeout=2, socket_timeout=10
        )
    return state["redis"]


def rq_queue(app=None):
    from rq import Queue

    app = app or current_app._get_current_object()
    return Queue(app.config["JOB_QUEUE_NAME"], connection=redis_connection(app))


def push(job: Job, app=None) -> None:
    """Hand the job to RQ, with the kind's retries (one per interval, spaced by them)."""
    from rq import Retry

    app = app or current_app._get_current_object()
    item = kind(job.kind)
    waits = intervals(app.config, item)
    rq_queue(app).enqueue(
        PERFORM,
        args=(job.kind, job.payload),
        retry=Retry(max=len(waits), interval=waits) if waits else None,
        job_timeout=item.timeout,
        result_ttl=0,
        failure_ttl=FAILURE_TTL,
        meta={"summary": job.summary, "retries": len(waits)},
        description=job.kind,  # RQ would show the arguments: a sealed token, but still
    )


# --- running ------------------------------------------------------------------------------------


def execute(kind_name: str, payload: dict) -> None:
    """Run one job in the current app context: the target, then commit; roll back if it raises."""
    module_name, _, function_name = kind(kind_name).target.rpartition(".")
    target = getattr(importlib.import_module(module_name), function_name)
    try:
        target(**payload)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def record_failure(job: Job, error: BaseException, attempts: int) -> FailedJob:
    """Put the job on the dead-letter list (the caller commits)."""
    failed = FailedJob(
        kind=job.kind,
        summary=job.summary,
        payload=json.dumps(job.payload),
        attempts=attempts,
        error=error_text(error),
    )
    db.session.add(failed)
    return failed


def error_text(error: BaseException) -> str:
    """The error as the page shows it: its class and first line. A database error's further
    lines (the statement and its parameters) could hold content, and stay in the worker's log."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text[:500]


def _run_inline(app, job: Job) -> None:
    with app.app_context():
        try:
            execute(job.kind, job.payload)
        except Exception as error:
            log.exception("job %s failed (run inline)", job.kind)
            record_failure(job, error, attempts=1)
            db.session.commit()


def _hand_over(app, job: Job) -> None:
    try:
        push(job, app)
    except Exception as error:  # Redis down: keep it where an admin sees it and can retry
        log.exception("job %s could not be queued", job.kind)
        with app.app_context():
            record_failure(job, error, attempts=0)
            db.session.commit()


@event.listens_for(Session, "after_commit")
def _dispatch(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    app = current_app._get_current_object()
    for job in pending:
        if queue_configured(app):
            _hand_over(app, job)
        else:
            _run_inline(app, job)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    # Every rollback of the session's own transaction, also one that had no connection yet
    # (after_rollback fires only for a rollback the database saw); a savepoint's rollback
    # (parent set) leaves the transaction's jobs queued.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


# --- for the metrics ----------------------------------------------------------------------------


def queue_depth() -> int:
    """Jobs waiting in the queue (0 without one): those queued and those waiting to be retried."""
    if not queue_configured():
        return 0
    queue = rq_queue()
    return queue.count + queue.scheduled_job_registry.count


def failed_count() -> int:
    """Jobs on the dead-letter list."""
    return db.session.scalar(select(func.count()).select_from(FailedJob)) or 0
