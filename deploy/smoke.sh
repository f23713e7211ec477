#!/usr/bin/env bash
# A smoke test of the production stack, on loopback, with the files in deploy/ as documented
# (docs/deployment.md): PostgreSQL (a throw-away database on the machine's server), Redis (one
# database number) with the job queue and a worker, clamd, an S3-protocol server for the blobs (moto's, from the dev extra), an
# SMTP server, gunicorn with deploy/gunicorn.conf.py and the production settings, and nginx
# with TLS (deploy/nginx/neig-werkruimte.conf around neig-locations.conf and
# neig-s3-downloads.conf, a self-signed certificate made here). deploy/smoke_client.py then logs
# in, uploads a file through nginx, waits for the worker's scan, downloads it through X-Accel-Redirect
# (nginx fetching it from the bucket) and checks its hash.
# Everything is stopped and removed at the end; the logs are printed when a step fails.
#
#   bash deploy/smoke.sh            (from the checkout, after `make install translations`)
#
# Settings: SMOKE_PG_ADMIN_URL (postgresql://postgres@127.0.0.1:5432/postgres),
# SMOKE_REDIS_URL (redis://127.0.0.1:6379/7).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${SMOKE_BIN:-$ROOT/.venv/bin}
PG_ADMIN_URL=${SMOKE_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REDIS=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/7}
WORK=$(mktemp -d /tmp/neig-smoke.XXXXXX)
chmod 755 "$WORK"  # nginx's workers run as another user, as in production
DB_NAME="neig_smoke_$$"
PIDS=()

log() { printf '%s  %s\n' "$(date +%T)" "$*"; }

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    for file in "$WORK"/*.log; do
      [ -f "$file" ] && { echo "----- $(basename "$file") (last lines)"; tail -n 40 "$file"; }
    done
    log "smoke test FAILED (exit $status)"
  else
    log "smoke test passed"
  fi
  [ -n "${SMOKE_KEEP:-}" ] && log "kept $WORK" || rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # wait_for WHAT COMMAND...: until the command succeeds, at most 60 s
  local what=$1; shift
  for _ in $(seq 600); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$what did not come up" >&2
  return 1
}

# --- PostgreSQL and Redis: the machine's servers -----------------------------------------
pg_isready -d "$PG_ADMIN_URL" -q
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$DB_NAME\"" >/dev/null
"$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS"

GUNICORN_PORT=$(free_port)
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
SECRET=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
TOTP_SECRET=$("$BIN/python" -c 'import pyotp; print(pyotp.random_base32())')
PASSWORD="smoke-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(16))')"
mkdir -p "$WORK/blobs" "$WORK/instance" "$WORK/outbox"

# The app's settings, as /etc/neig/neig.env would hold them (README § Configuration).
export NEIG_CONFIG=production
export SECRET_KEY="$SECRET"
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB_NAME"
export BLOB_ROOT="$WORK/blobs"
export NEIG_INSTANCE_PATH="$WORK/instance"
export MAIL_OUTBOX_DIR="$WORK/outbox"
export EXTERNAL_URL="https://localhost:$HTTPS_PORT"
export TRUSTED_HOSTS="localhost"
export REDIS_URL="$REDIS"
# The queue in the same Redis database, under a name of this run's own.
export JOB_QUEUE_URL="$REDIS" JOB_QUEUE_NAME="neig-smoke-$$"
export TRUST_PROXY_HOPS=1
export DOWNLOAD_ACCEL_PREFIX=/_protected/blobs/
export AUDIT_CHECKPOINT_SYSLOG=""
export AUDIT_CHECKPOINT_FILE="$WORK/audit-checkpoints.log"
export LOG_FORMAT=json PROMETHEUS_MULTIPROC_DIR="$WORK/metrics"
METRICS_TOKEN=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(36))')
export METRICS_TOKEN

# --- clamd, with a signature database of one test signature (EICAR), as the tests build ----
CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
mkdir -p "$WORK/clamd/db"
"$BIN/python" - "$WORK/clamd" <<'EOF'
import sys
from pathlib import Path
head, tail = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
work = Path(sys.argv[1])
(work / "db" / "smoke.ndb").write_text(f"Eicar-Signature:0:*:{(head + tail).encode().hex()}\n")
(work / "clamd.conf").write_text(
    f"LocalSocket {work}/clamd.sock\nDatabaseDirectory {work}/db\nPidFile {work}/clamd.pid\n"
    f"TemporaryDirectory {work}\nForeground yes\nStreamMaxLength 600M\nMaxThreads 2\n"
)
EOF
"$CLAMD" --config-file="$WORK/clamd/clamd.conf" >"$WORK/clamd.log" 2>&1 &
PIDS+=($!)
export CLAMAV_SOCKET="$WORK/clamd/clamd.sock"
wait_for clamd "$BIN/python" -c "
import sys; from neig_workspace.documents.scanning import ClamdClient
sys.exit(0 if ClamdClient(socket_path='$CLAMAV_SOCKET', timeout=2).ping() else 1)"
log "clamd answers on $CLAMAV_SOCKET"

# --- the S3-protocol server, and a bucket on it ------------------------------------------
S3_PORT=$(free_port)
"$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$WORK/s3.log" 2>&1 &
PIDS+=($!)
export BLOB_BACKEND=s3 S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" S3_BUCKET=neig-smoke \
  S3_REGION=us-east-1 S3_ACCESS_KEY_ID=smoke S3_SECRET_ACCESS_KEY=smoke-secret S3_DOWNLOAD=accel
wait_for "the S3 server" curl -s "$S3_ENDPOINT_URL"
"$BIN/python" -c "
from neig_workspace.documents.stores import s3_client
import os
s3_client(os.environ['S3_ENDPOINT_URL'], 'us-east-1', 'smoke', 'smoke-secret').create_bucket(Bucket='neig-smoke')"
log "S3 server on $S3_ENDPOINT_URL, bucket neig-smoke"

# --- an SMTP server on loopback (aiosmtpd, which prints what it receives) ------------------
SMTP_PORT=$(free_port)
"$BIN/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Debugging \
  >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)
export MAIL_SERVER=127.0.0.1 MAIL_PORT="$SMTP_PORT" MAIL_USE_TLS=false
wait_for smtp "$BIN/python" -c "import smtplib; smtplib.SMTP('127.0.0.1', $SMTP_PORT, timeout=2).quit()"

# --- the schema, and a small network to log in to -----------------------------------------
"$BIN/flask" --app wsgi db upgrade >"$WORK/migrate.log" 2>&1
# Seeding is refused in production: the same database and key, with the development settings.
NEIG_CONFIG=development "$BIN/flask" --app wsgi neig seed-scale \
  --organisations=5 --users=10 --spaces=12 --case-spaces=4 --cases=4 --grants=60 \
  --documents=20 --versions=24 --action-items=6 --audit-events=30 --notifications=8 \
  --articles=2 --named-user-spaces=6 --big-folder=5 \
  --password="$PASSWORD" --totp-secret="$TOTP_SECRET" >"$WORK/seed.log" 2>&1
EMAIL=$("$BIN/python" -c 'from neig_workspace.scale import NAMED_EMAIL; print(NAMED_EMAIL)')
"$BIN/flask" --app wsgi neig check-deploy >"$WORK/check-deploy.log" 2>&1 || {
  cat "$WORK/check-deploy.log"; exit 1; }
log "database $DB_NAME migrated and seeded; check-deploy passes"

# --- gunicorn, as neig-web.service starts it ----------------------------------------------
NEIG_BIND="127.0.0.1:$GUNICORN_PORT" NEIG_WORKERS=2 \
  "$BIN/gunicorn" -c deploy/gunicorn.conf.py wsgi:app >"$WORK/gunicorn.log" 2>&1 &
PIDS+=($!)
wait_for gunicorn curl -sf -H "Host: localhost" "http://127.0.0.1:$GUNICORN_PORT/health"
log "gunicorn answers on 127.0.0.1:$GUNICORN_PORT"

# --- a job worker, as neig-worker.service starts it ------------------------------------------
"$BIN/flask" --app wsgi neig worker >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
log "job worker started on $JOB_QUEUE_URL (queue $JOB_QUEUE_NAME)"

# --- nginx with TLS: the production server block, on loopback ports -----------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" \
  -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" >/dev/null 2>&1
sed -e "s|@UPSTREAM@|127.0.0.1:$GUNICORN_PORT|" -e "s|@BLOB_ROOT@|$BLOB_ROOT/|" \
  deploy/nginx/neig-locations.conf >"$WORK/neig-locations.conf"
sed -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" -e "/listen \[::\]/d" \
  -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl http2;|" \
  -e "s|werkruimte.example.nl|localhost|" \
  -e "s|/etc/ssl/neig/|$WORK/|" -e "s|/etc/nginx/neig-locations.conf|$WORK/neig-locations.conf|" \
  -e "s|# include /etc/nginx/neig-s3-downloads.conf|include $WORK/neig-s3-downloads.conf|" \
  -e "s|/var/log/nginx/|$WORK/|" \
  deploy/nginx/neig-werkruimte.conf >"$WORK/neig-werkruimte.conf"
METRICS_PORT=$(free_port)
sed -e "s|@LISTEN@|127.0.0.1:$METRICS_PORT|" -e "s|@PROMETHEUS@|127.0.0.1|" \
  -e "s|@UPSTREAM@|127.0.0.1:$GUNICORN_PORT|" -e "s|@SERVER_NAME@|localhost|" \
  -e "s|/var/log/nginx/|$WORK/|" deploy/nginx/neig-metrics.conf >"$WORK/neig-metrics.conf"
sed -e "s|@S3_ENDPOINT@|$S3_ENDPOINT_URL|" deploy/nginx/neig-s3-downloads.conf \
  >"$WORK/neig-s3-downloads.conf"
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
# Another user than the app's, in the app's group (docs/deployment.md: www-data in group neig).
user nobody $(id -gn);
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    default_type application/octet-stream;
    include $ROOT/deploy/nginx/neig-log-format.conf;
    include $WORK/neig-werkruimte.conf;
    include $WORK/neig-metrics.conf;
}
EOF
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
wait_for nginx curl -sf --cacert "$WORK/fullchain.pem" "https://localhost:$HTTPS_PORT/health"
log "nginx answers with TLS on https://localhost:$HTTPS_PORT"

# --- the walk -------------------------------------------------------------------------------
"$BIN/python" deploy/smoke_client.py "https://localhost:$HTTPS_PORT" \
  "http://127.0.0.1:$HTTP_PORT" "$WORK/fullchain.pem" "$EMAIL" "$PASSWORD" "$TOTP_SECRET"

# The blobs are in the bucket; the app server keeps none (its staging folder aside).
"$BIN/python" -c "
import os, sys
from neig_workspace.documents.stores import s3_client
client = s3_client(os.environ['S3_ENDPOINT_URL'], 'us-east-1', 'smoke', 'smoke-secret')
keys = [o['Key'] for o in client.list_objects_v2(Bucket='neig-smoke').get('Contents', [])]
sys.exit(0 if any(k.startswith('blobs/') for k in keys) else 'no blob in the bucket')"
[ -z "$(find "$BLOB_ROOT" -type f ! -path "$BLOB_ROOT/tmp/*")" ] || {
  echo "FAIL: blobs were written to the local disk"; exit 1; }
log "the blobs are in the bucket, none on the app server's disk"

# The app sent no download bytes itself: its access line for the download says 0 bytes.
"$BIN/python" - "$WORK/gunicorn.log" <<'EOF'
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
downloads = [
    line for line in lines
    if line.get("endpoint") == "documents.download" and line.get("status") == 200
]
assert downloads and all(line["bytes"] == 0 for line in downloads), downloads or "none logged"
assert all(line.get("request_id") for line in downloads), "a request id on every access line"
EOF
log "the download's bytes came from nginx (X-Accel-Redirect), not from the app"

# Metrics: closed on the public server, open to Prometheus with the token on its own server.
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/fullchain.pem" \
  -H "Authorization: Bearer $METRICS_TOKEN" "https://localhost:$HTTPS_PORT/metrics")" = 404 ]
curl -sf -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$METRICS_PORT/metrics" \
  >"$WORK/metrics.txt"
grep -q '^neig_http_requests_total{.*endpoint="documents.download"' "$WORK/metrics.txt"
grep -q '^neig_jobs_queue_depth ' "$WORK/metrics.txt"
log "metrics: 404 on the public server, the downloads counted on the metrics server"
