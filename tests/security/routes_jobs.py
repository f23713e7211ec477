# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the dead-letter list of background jobs (issue 19; see route_table.py
for the columns and answers). The list is for platform admins: others are refused it (403), and
a failed job does not exist for them (404), member_b included. The planted job is the
quarantine sweep, which runs again inline when retried (scanning is off: it does nothing)."""

import json

from neig_workspace.extensions import db
from neig_workspace.jobs.models import FailedJob
from tests.security.route_table import LOGIN, R  # noqa: F401

FAILED = "/beheer/taken/{c.failed_job}"

# fmt: off
ROWS = {
    ("jobs.index", "GET"):                      R("/beheer/taken",                               LOGIN, 403,   403,   403,   200),
    ("jobs.retry", "POST"):                     R(FAILED + "/opnieuw",                           LOGIN, 404,   404,   404,   302, other=404),
    ("jobs.remove", "POST"):                    R(FAILED + "/verwijderen",                       LOGIN, 404,   404,   404,   302, other=404),
}
# fmt: on


def plant(personas, target) -> dict:
    failed = FailedJob(
        kind="documents.scan_pending",
        summary="",
        payload=json.dumps({}),
        attempts=1,
        error="ScannerUnavailable: cannot connect to clamd",
    )
    db.session.add(failed)
    db.session.flush()
    return {"failed_job": failed.id}
