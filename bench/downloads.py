"""The app's time per download through X-Accel-Redirect, for a 1 MB and a 1 GB file (issue 19):
the app checks access, MFA, the scan status and the blob's size, writes the audit event and
answers an empty response naming the blob; nginx sends the bytes. So the worker's time must not
grow with the file. Served by gunicorn (one sync worker, production settings, the seeded
database of bench/pages.py, DOWNLOAD_ACCEL_PREFIX set); each file is downloaded N times straight
from gunicorn (what nginx would ask it), then a few times without X-Accel-Redirect (the app
sends the bytes) for contrast.

    .venv/bin/python -m bench.downloads [--database neig_scale] [--count 200]

Prints, per file: the wall time per request (p50, p95) and the worker's CPU time per request.
"""

import argparse
import http.client
import os
import statistics
import time
from pathlib import Path

import psycopg

from bench.common import ADMIN_URL, database_url, free_port, log_in, production_env, serve
from bench.pages import SECRET_KEY, WORK, ensure_database, targets
from bench.uploads import MB, make_source, upload, worker_pid

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def newest_document(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        return connection.execute("SELECT max(id) FROM documents").fetchone()[0]


def fetch(port: int, cookie: str, path: str) -> tuple[int, int, float]:
    """One GET: status, body bytes read, seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    size = 0
    while chunk := response.read(MB):
        size += len(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return response.status, size, seconds


def measure(port: int, pid: int, cookie: str, path: str, count: int) -> dict:
    fetch(port, cookie, path)  # warm
    cpu_before, times, sizes = cpu_seconds(pid), [], set()
    for _ in range(count):
        status, size, seconds = fetch(port, cookie, path)
        assert status == 200, status
        times.append(seconds)
        sizes.add(size)
    cpu = (cpu_seconds(pid) - cpu_before) / count
    times.sort()
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "cpu_ms": cpu * 1000,
        "body_bytes": max(sizes),
    }


def serve_and_log_in(url: str, t: dict, **settings):
    from neig_workspace.scale import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET

    env = production_env(os.environ, url, SECRET_KEY, WORK, AUDIT_CHECKPOINT_SYSLOG="", **settings)
    for name in ("CLAMAV_SOCKET", "CLAMAV_HOST"):
        env.pop(name, None)
    port = free_port()
    server = serve(env, port, 1, WORK / "gunicorn-downloads.log", extra=("--timeout", "600"))
    session, _step = log_in(
        f"http://127.0.0.1:{port}", t["named"], DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET
    )
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return server, port, session, cookie


def upload_sources(url: str, t: dict, sizes_mb: list[int]) -> dict[int, int]:
    """One document per size, uploaded through the app, each in a session of its own (an
    upload's answer changes the session cookie, which the raw upload client does not keep);
    size in MB -> document id."""
    from bench.common import csrf_token

    limit = str(max(sizes_mb) * MB + 16 * MB)
    documents = {}
    for size_mb in sizes_mb:
        source = WORK / f"upload-source-{size_mb}mb.pdf"
        make_source(source, size_mb * MB)
        server, port, session, _ = serve_and_log_in(
            url, t, MAX_UPLOAD_SIZE=limit, MAX_CONTENT_LENGTH=limit
        )
        try:
            page = session.get(
                f"http://127.0.0.1:{port}/werkruimtes/{t['own_space']}/documenten/uploaden",
                timeout=60,
            )
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)  # the form's
            status, _ = upload(port, cookie, t["own_space"], csrf_token(page.text), source)
            assert status == 302, status
            documents[size_mb] = newest_document(url)
        finally:
            server.terminate()
            server.wait(30)
        time.sleep(31)  # a TOTP code counts once: the next login waits for the next step
    assert len(set(documents.values())) == len(documents), f"an upload failed: {documents}"
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="neig_scale")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sizes-mb", default="1,1024")
    args = parser.parse_args()
    args.seed_args, args.reseed = [], False
    ensure_database(args)
    url = database_url(args.admin_url, args.database)
    t = targets(url)
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [int(size) for size in args.sizes_mb.split(",")]
    documents = upload_sources(url, t, sizes)

    print(f"--- {args.count} downloads each, straight from gunicorn (one sync worker)")
    for accel in ("/_protected/blobs/", ""):
        server, port, _session, cookie = serve_and_log_in(url, t, DOWNLOAD_ACCEL_PREFIX=accel)
        pid = worker_pid(server.pid)
        try:
            for size_mb, document_id in documents.items():
                count = args.count if accel or size_mb <= 16 else 3
                path = f"/documenten/{document_id}/versies/1/download"
                row = measure(port, pid, cookie, path, count)
                how = "X-Accel-Redirect" if accel else "app sends bytes"
                print(
                    f"{how:<17} {size_mb:>5} MB  p50 {row['p50_ms']:8.2f} ms  "
                    f"p95 {row['p95_ms']:8.2f} ms  worker CPU {row['cpu_ms']:8.2f} ms/request  "
                    f"body from the app {row['body_bytes']:>11} B  (n={count})"
                )
        finally:
            server.terminate()
            server.wait(30)
        time.sleep(31)  # a TOTP code counts once: the next login waits for the next step


if __name__ == "__main__":
    main()
