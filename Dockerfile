# NEIG Werkruimte: one image for the web app, the job worker and the scheduler (compose.yaml,
# docs/deployment.md § Containers). The same code, settings and gunicorn configuration as the
# systemd installation; the app runs as the unprivileged user `neig`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/srv/neig/app/.venv/bin:$PATH \
    NEIG_CONFIG=production \
    NEIG_INSTANCE_PATH=/srv/neig/instance \
    BLOB_ROOT=/srv/neig/blobs \
    LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/neig-metrics \
    NEIG_BIND=0.0.0.0:8000

RUN groupadd --system --gid 10001 neig \
    && useradd --system --uid 10001 --gid neig --home-dir /srv/neig --shell /usr/sbin/nologin neig

WORKDIR /srv/neig/app

# The dependencies first, from setup.cfg alone: a change to the code does not reinstall them.
COPY setup.cfg pyproject.toml README.md ./
RUN python -m venv .venv \
    && .venv/bin/pip install --upgrade pip setuptools \
    && python -c "import configparser; c = configparser.ConfigParser(); c.read('setup.cfg'); \
print('\n'.join(line.strip() for line in c['options']['install_requires'].splitlines() \
if line.strip() and not line.strip().startswith('#')))" > /tmp/requirements.txt \
    && .venv/bin/pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# The package itself (no dependencies left to fetch), and the translations compiled now: the
# image never writes to its own code.
RUN .venv/bin/pip install --no-deps -e . \
    && .venv/bin/pybabel compile --use-fuzzy -d neig_workspace/translations \
    && mkdir -p /srv/neig/instance /srv/neig/blobs /tmp/neig-metrics \
    && chown neig:neig /srv/neig/instance /srv/neig/blobs /tmp/neig-metrics

USER neig
EXPOSE 8000
# compose.yaml's web service and deploy/systemd/neig-web.service run the same command.
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
