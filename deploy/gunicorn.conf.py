"""gunicorn for NEIG Werkruimte behind nginx (docs/deployment.md):

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Settings by environment variable where a site differs; gunicorn's command line overrides any.
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("NEIG_BIND", "127.0.0.1:8000")
# Sync workers: a request holds one worker from its first byte at the worker to its last, and
# nginx buffers slow clients (deploy/nginx/neig-locations.conf), so that is local speed.
worker_class = "sync"
workers = int(os.environ.get("NEIG_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# Storing the largest upload and its virus scan (CLAMAV_TIMEOUT, 60 s) fit well within this;
# nginx's proxy_read_timeout (180 s) is longer, so gunicorn decides first.
timeout = int(os.environ.get("NEIG_TIMEOUT", "120"))
# A restart (HUP, or systemd reload) lets running requests finish for this long.
graceful_timeout = int(os.environ.get("NEIG_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# A worker is replaced now and then, so a slow leak never grows without end.
max_requests = 2000
max_requests_jitter = 200
# The app is imported once, by the master: a worker is a fork, and a broken release fails at
# start, not on the first request.
preload_app = True
# Only nginx on this machine may say who the client is (the app's TRUST_PROXY_HOPS=1 reads it).
forwarded_allow_ips = os.environ.get("NEIG_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log of gunicorn's own: its request line holds the query string and the token of a
# reset or invitation link. The app writes one access line per request instead, with the
# request id, and the path without secrets (neig_workspace/log_format.py).
accesslog = None
errorlog = "-"
# gunicorn's own lines (start, worker exits and timeouts) in the app's format: JSON in
# production (LOG_FORMAT), so one collector reads both. The root logger keeps no handler of its
# own: the app's lines already have one, and would otherwise be written twice. gunicorn's access
# logger, which a logging configuration switches on, gets no handler (see accesslog above).
_NEIG_CONFIG = os.environ.get("NEIG_CONFIG", "development")
_LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if _NEIG_CONFIG == "production" else "text")
if _LOG_FORMAT == "json":
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
        "formatters": {"json": {"()": "neig_workspace.log_format.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
    }


# Metrics (docs/deployment.md § Metrics): each worker keeps its counts in files in
# PROMETHEUS_MULTIPROC_DIR, added up at each scrape. The variable must be in the environment
# before the app is imported (systemd's Environment=, or compose's environment:).
def on_starting(server):
    """Counts of an earlier run would be added to this one's: start from an empty folder."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for kind in ("counter", "gauge", "histogram", "summary"):  # prometheus_client's files only
            for stale in Path(folder).glob(f"{kind}_*.db"):
                stale.unlink()


def child_exit(server, worker):
    """A worker that exits (a restart, max_requests, a crash) leaves its counters, which keep
    counting in the sums; prometheus_client drops its live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
