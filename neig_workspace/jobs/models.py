"""The dead-letter list: jobs that kept failing, for platform admins to retry or remove."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class FailedJob(db.Model):
    """A job whose last attempt failed (retries exhausted; inline: its one attempt).

    `payload` is what the job needs to run again, as JSON. What must not be read (an e-mail's
    body with a single-use link) is sealed in it (jobs.queue.seal): the page shows `summary`,
    which the code that queued the job wrote for people, never the payload."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str] = mapped_column(String(500))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
