"""gunicorn for NEIG Werkruimte behind nginx (docs/deployment.md):

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Settings by environment variable where a site differs; gunicorn's command line overrides any.
"""

import multiprocessing
import os

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
accesslog = "-"
errorlog = "-"
