"""The app of the worker process the job tests start (`flask --app tests.jobs.live_app neig
worker`): the test run's database, blob store and outbox, the test's queue, SMTP server and
clamd, from the environment the test sets."""

import os

from neig_workspace import create_app
from tests.jobs import targets

targets.register()

app = create_app(
    "testing",
    SQLALCHEMY_DATABASE_URI=os.environ["NEIG_LIVE_DATABASE_URL"],
    BLOB_ROOT=os.environ["NEIG_LIVE_BLOB_ROOT"],
    MAIL_OUTBOX_DIR=os.environ["NEIG_LIVE_OUTBOX"],
    JOB_QUEUE_URL=os.environ["NEIG_LIVE_QUEUE_URL"],
    JOB_QUEUE_NAME=os.environ["NEIG_LIVE_QUEUE_NAME"],
    MAIL_SERVER=os.environ.get("NEIG_LIVE_SMTP_HOST") or None,
    MAIL_PORT=int(os.environ.get("NEIG_LIVE_SMTP_PORT") or 25),
    MAIL_USE_TLS=False,
    MAIL_RETRY_INTERVALS=os.environ["NEIG_LIVE_RETRY_INTERVALS"],
    SCAN_RETRY_INTERVALS=os.environ["NEIG_LIVE_RETRY_INTERVALS"],
    TEST_RETRY_INTERVALS=os.environ["NEIG_LIVE_RETRY_INTERVALS"],
    CLAMAV_SOCKET=os.environ.get("NEIG_LIVE_CLAMAV_SOCKET", ""),
)
