"""The test app for a server in another process (tests/documents/test_faults.py,
tests/web/test_nginx.py, tests/web/test_two_servers.py): the test run's database and blob store,
from the environment that test sets."""

import json
import os

from neig_workspace import create_app

app = create_app(
    "testing",
    SQLALCHEMY_DATABASE_URI=os.environ["NEIG_LIVE_DATABASE_URL"],
    BLOB_ROOT=os.environ["NEIG_LIVE_BLOB_ROOT"],
    MAIL_OUTBOX_DIR=os.environ["NEIG_LIVE_OUTBOX"],
    DOWNLOAD_ACCEL_PREFIX=os.environ.get("NEIG_LIVE_ACCEL_PREFIX", ""),
    RATELIMIT_STORAGE_URI=os.environ.get("NEIG_LIVE_RATELIMIT_URI", "memory://"),
    RATELIMIT_KEY_PREFIX=os.environ.get("NEIG_LIVE_RATELIMIT_PREFIX", ""),
    TRUST_PROXY_HOPS=int(os.environ.get("NEIG_LIVE_PROXY_HOPS", "0")),
    # Any other settings a test gives, e.g. the S3 store's.
    **json.loads(os.environ.get("NEIG_LIVE_CONFIG", "{}")),
)

_server_name = os.environ.get("NEIG_LIVE_SERVER_NAME")
if _server_name:
    # Which of several servers answered, for the test that puts two behind one balancer.
    @app.after_request
    def _served_by(response):
        response.headers["X-Served-By"] = _server_name
        return response
