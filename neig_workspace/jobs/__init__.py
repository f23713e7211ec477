"""Background jobs (README § Background jobs, docs/deployment.md): e-mail, virus scans after an
upload and the scheduled work, on an RQ queue on Redis when JOB_QUEUE_URL is set, else run
right after the commit that queued them. What services use:

    jobs.enqueue(kind, summary=..., **payload)   after the commit, dropped on rollback
    jobs.register(kind, "package.module.function")   another kind of job, in one line

and for the metrics `queue_depth()` and `failed_count()`.
"""

from .kinds import KINDS, register
from .queue import (
    enqueue,
    failed_count,
    queue_configured,
    queue_depth,
    seal,
    unseal,
)

__all__ = [
    "KINDS",
    "enqueue",
    "failed_count",
    "queue_configured",
    "queue_depth",
    "register",
    "seal",
    "unseal",
]
