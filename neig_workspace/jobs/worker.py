"""The worker and the scheduler (`flask neig worker`, `flask neig scheduler`), both RQ's own.

The worker forks a work horse per job (RQ's default): a job that leaks or hangs cannot harm
the next, and a hung one is killed at its timeout. The horse runs `perform` in a fresh app
context; it drops the database connections it inherited from the worker first, since two
processes must never share one.
"""

import logging
import os
import time

from flask import current_app

from ..extensions import db
from .kinds import KINDS, schedule
from .queue import (
    FAILURE_TTL,
    Job,
    execute,
    queue_configured,
    record_failure,
    redis_connection,
    rq_queue,
)

log = logging.getLogger("neig_workspace.jobs")


def perform(kind_name: str, payload: dict) -> None:
    """What RQ runs for every job. A failure RQ will not retry goes to the dead-letter list,
    then is raised again so RQ retries or marks it failed as usual."""
    from rq import get_current_job

    rq_job = get_current_job()
    meta = rq_job.meta if rq_job is not None else {}
    app = current_app._get_current_object()
    with app.app_context():
        db.engine.dispose(close=False)  # the worker's connections are not ours to use
        try:
            execute(kind_name, payload)
        except Exception as error:
            if rq_job is not None and rq_job.should_retry:
                log.warning("job %s failed, to be retried: %s", kind_name, error)
                raise
            job = Job(kind_name, payload, meta.get("summary", ""))
            record_failure(job, error, attempts=_attempts(rq_job, meta))
            db.session.commit()
            if rq_job is not None:  # sweep_failed need not record it again
                rq_job.meta["recorded"] = True
                rq_job.save_meta()
            raise


class WorkHorseDied(Exception):
    """The process running the job ended without a word (killed, out of memory)."""


def sweep_failed() -> None:
    """The "jobs.sweep_failed" job: a job whose work horse died never reached perform's
    except, so RQ's failed registry is the only place it is in. Put those on the dead-letter
    list; clear the ones perform recorded itself. The row is committed before the job leaves
    Redis, so a crash in between repeats an entry rather than loses one."""
    if not queue_configured():
        return
    queue = rq_queue()
    registry = queue.failed_job_registry
    for job_id in registry.get_job_ids():
        rq_job = queue.fetch_job(job_id)
        if rq_job is not None and not rq_job.meta.get("recorded"):
            kind_name, payload = rq_job.args
            result = rq_job.latest_result()
            reason = (getattr(result, "exc_string", None) or "the work horse ended").strip()
            reason = reason.splitlines()[-1]
            job = Job(kind_name, payload, rq_job.meta.get("summary", ""))
            record_failure(job, WorkHorseDied(reason), attempts=_attempts(rq_job, rq_job.meta))
            db.session.commit()
        registry.remove(job_id, delete_job=True)


def _attempts(rq_job, meta: dict) -> int:
    retries = int(meta.get("retries") or 0)
    left = (rq_job.retries_left or 0) if rq_job is not None else 0
    return retries - left + 1


def start_worker(app, *, burst: bool = False) -> None:
    """Work the queue until stopped (SIGTERM: after the running job); RQ's scheduler runs in
    it too, moving retries whose wait has passed back onto the queue."""
    from rq import Worker

    queue = rq_queue(app)
    worker = Worker([queue], connection=redis_connection(app))
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def use_local_time(zone: str) -> None:
    """RQ's cron lines are read in the process's local time: make that the app's time zone
    (BABEL_DEFAULT_TIMEZONE, Europe/Amsterdam), whatever the server's clock is set to, so
    "0 7 * * *" is seven in the morning for the people who get the digest."""
    os.environ["TZ"] = zone
    time.tzset()


def build_scheduler(app):
    """RQ's cron scheduler with the scheduled work of kinds.KINDS (JOB_SCHEDULE overrides).
    Run exactly one: two would queue everything twice."""
    from croniter import croniter
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_connection(app))
    for name, line in schedule(app.config).items():
        if not croniter.is_valid(line):
            raise ValueError(f"the schedule of {name!r} is no cron line: {line!r}")
        scheduler.register(
            perform,
            queue_name=app.config["JOB_QUEUE_NAME"],
            args=(name, {}),
            cron=line,
            name=name,
            job_timeout=KINDS[name].timeout,
            result_ttl=0,
            failure_ttl=FAILURE_TTL,
            meta={"summary": "", "retries": 0},
        )
    return scheduler
