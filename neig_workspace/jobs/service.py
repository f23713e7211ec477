"""The dead-letter list's use cases: run a failed job again, or remove it. Both audited."""

import json

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from .kinds import KINDS
from .models import FailedJob
from .queue import enqueue


def failed_jobs(visible) -> list[FailedJob]:
    """The list, the newest failure first; `visible` is the policy's filter."""
    query = select(FailedJob).where(visible).order_by(FailedJob.failed_at.desc(), FailedJob.id)
    return db.session.scalars(query.limit(500)).all()


def retry(failed: FailedJob, *, actor) -> None:
    """Queue the job again as it was (after the commit) and take it off the list: if it fails
    again, it comes back as a new entry."""
    if failed.kind not in KINDS:
        raise ServiceError(_("Dit soort taak bestaat niet meer; verwijder de taak."))
    enqueue(failed.kind, summary=failed.summary, **json.loads(failed.payload))
    _audit("job.retried", failed, actor)
    db.session.delete(failed)


def remove(failed: FailedJob, *, actor) -> None:
    _audit("job.removed", failed, actor)
    db.session.delete(failed)


def _audit(action: str, failed: FailedJob, actor) -> None:
    # The kind and the summary only: never the payload.
    audit.record(
        action,
        actor=actor,
        target_type="failed_job",
        target_id=failed.id,
        details={"kind": failed.kind, "summary": failed.summary, "attempts": failed.attempts},
    )
