"""Background jobs: the dead-letter list is for platform admins, who run the platform; to
anyone else a failed job does not exist (404). It holds no content: a summary written for
admins, the error's first line, and a payload that is never shown (an e-mail's is sealed)."""

from sqlalchemy import ColumnElement, false, true

from ...jobs.models import FailedJob
from ..scope import _is_platform_admin, _per_request, _platform_admin_only


@_per_request
def visible_failed_jobs(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


ACTIONS = {
    "jobs.view": (None, _platform_admin_only),
    "jobs.view_failed": (FailedJob, _platform_admin_only),
    "jobs.manage_failed": (FailedJob, _platform_admin_only),
}
VIEW_ACTION = {FailedJob: "jobs.view_failed"}
VISIBLE = {FailedJob: visible_failed_jobs}
SUBJECTS = {}
