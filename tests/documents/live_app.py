"""The test app for a server in another process (tests/documents/test_faults.py, tests/web/test_nginx.py): the test run's
database and blob store, from the environment that test sets."""

import os

from neig_workspace import create_app

app = create_app(
    "testing",
    SQLALCHEMY_DATABASE_URI=os.environ["NEIG_LIVE_DATABASE_URL"],
    BLOB_ROOT=os.environ["NEIG_LIVE_BLOB_ROOT"],
    MAIL_OUTBOX_DIR=os.environ["NEIG_LIVE_OUTBOX"],
    DOWNLOAD_ACCEL_PREFIX=os.environ.get("NEIG_LIVE_ACCEL_PREFIX", ""),
)
