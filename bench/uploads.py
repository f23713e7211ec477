"""A large upload against the disk's own speed (issue 18): `cp` plus `sync` of a file, then the
same bytes uploaded through the app (gunicorn, one sync worker, production settings, the seeded
database of bench/pages.py) as the upload form sends them; prints both times, their ratio and
the worker's memory growth, for each blob store asked for (issue 19): the filesystem, and S3
(a moto_server on loopback, started here, its bucket new; the app commits the upload to it as
a multipart upload).

    .venv/bin/python -m bench.uploads --database neig_scale_up [--size-mb 1024] [--backend both]

The source file lives next to the blob store (same disk) and is read from the page cache by
both. Each upload gets a fresh first line, so it is new content (never deduplicated), and a new
file name, so a second run on the same database is not asked about a name already there (409).
Virus scanning is off here (clamd reads the file; it does not write it).

`sync` flushes every dirty page of the machine, other processes' too: on a shared machine
`cp` + `sync` varies with their writes, and the upload's own seconds are the steadier figure.
The upload is parsed by documents/multipart.py, read under gunicorn straight from the socket
(request_body.GunicornBody) and hashed beside its write (README § An upload is written once)."""

import argparse
import http.client
import os
import re
import secrets
import subprocess
import time
from pathlib import Path

from bench.common import (
    ADMIN_URL,
    csrf_token,
    database_url,
    free_port,
    log_in,
    production_env,
    serve,
)
from bench.pages import SECRET_KEY, WORK, ensure_database, targets

MB = 1024 * 1024
CHUNK = MB


def make_source(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(MB)
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        written = 9
        while written < size:
            piece = block[: min(MB, size - written)]
            out.write(piece)
            written += len(piece)
    subprocess.run(["sync"], check=True)  # noqa: S607 - the system's sync


def cp_and_sync(source: Path, target: Path) -> float:
    started = time.monotonic()
    subprocess.run(["cp", str(source), str(target)], check=True)  # noqa: S603, S607
    subprocess.run(["sync"], check=True)  # noqa: S607
    seconds = time.monotonic() - started
    target.unlink()
    subprocess.run(["sync"], check=True)  # noqa: S607
    return seconds


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def upload(port: int, cookie: str, space_id: int, token: str, source: Path) -> tuple[int, float]:
    """POST the upload form with the file as its part, 1 MB at a time; status and seconds."""
    boundary = "bench-" + secrets.token_hex(8)
    filename = f"groot-{secrets.token_hex(4)}.pdf"  # a new name: a second run asks no 409
    nonce = b"%" + secrets.token_hex(16).encode() + b"\n"
    fields = {"csrf_token": token, "folder": "0", "classification": "intern"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = source.stat().st_size
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=CHUNK)
    started = time.monotonic()
    connection.putrequest("POST", f"/werkruimtes/{space_id}/documenten/uploaden")
    connection.putheader("Cookie", cookie)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + len(nonce) + size + len(tail)))
    connection.endheaders()
    with source.open("rb") as handle:
        first = handle.read(9)  # "%PDF-1.7\n", then a line of our own: new content each time
        connection.send(head + first + nonce)
        while chunk := handle.read(CHUNK):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    seconds = time.monotonic() - started
    connection.close()
    if response.status != 302:
        print(body.decode(errors="replace")[:2000])
    return response.status, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="neig_scale")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--backend", choices=["local", "s3", "both"], default="both")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    args.seed_args = []

    ensure_database(args)
    url = database_url(args.admin_url, args.database)
    t = targets(url)

    size = args.size_mb * MB
    WORK.mkdir(parents=True, exist_ok=True)
    source = WORK / f"upload-source-{args.size_mb}mb.pdf"
    make_source(source, size)
    copy_seconds = cp_and_sync(source, WORK / "upload-copy.pdf")
    print(f"cp + sync of {args.size_mb} MB: {copy_seconds:.2f} s")
    backends = ["local", "s3"] if args.backend == "both" else [args.backend]
    results = {}
    for backend in backends:
        print(f"--- blob store: {backend}")
        if backend == "s3":
            from tests.s3_server import S3Server

            s3 = S3Server(WORK / "moto.log")
            try:
                settings = s3.config(s3.new_bucket())
                results[backend] = measure(url, t, source, size, copy_seconds, settings)
            finally:
                s3.stop()
        else:
            results[backend] = measure(url, t, source, size, copy_seconds, {})
    print(f"--- worker peak memory growth for a {args.size_mb} MB upload (issue 19 asks < 10 MB):")
    for backend, growth in results.items():
        print(f"  {backend:<6} {growth:.1f} MB")


def measure(url: str, t: dict, source: Path, size: int, copy_seconds: float, settings) -> float:
    """One upload through gunicorn with the blob store `settings`; the worker's peak memory
    growth in MB."""
    from neig_workspace.scale import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET

    limit = str(size + 16 * MB)
    env = production_env(
        os.environ,
        url,
        SECRET_KEY,
        WORK,
        AUDIT_CHECKPOINT_SYSLOG="",
        MAX_UPLOAD_SIZE=limit,
        MAX_CONTENT_LENGTH=limit,
        **{"BLOB_BACKEND": "local", **settings},
    )
    for name in ("CLAMAV_SOCKET", "CLAMAV_HOST"):
        env.pop(name, None)
    port, log = free_port(), WORK / "gunicorn-uploads.log"
    server = serve(env, port, 1, log, extra=("--timeout", "600"))
    try:
        session, _step = log_in(
            f"http://127.0.0.1:{port}", t["named"], DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET
        )
        page = session.get(
            f"http://127.0.0.1:{port}/werkruimtes/{t['own_space']}/documenten/uploaden", timeout=60
        )
        token = csrf_token(page.text)  # the form's token is kept in the session it comes with
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        pid = worker_pid(server.pid)
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM)
        except OSError:
            pass
        before = memory_kb(pid, "VmRSS")
        status, upload_seconds = upload(port, cookie, t["own_space"], token, source)
        peak = memory_kb(pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(30)
    if status != 302:
        raise SystemExit(f"the upload answered {status}, not 302; see {log}")
    ratio = copy_seconds / upload_seconds
    growth = max(peak - before, 0) / 1024
    print(f"upload of {size // MB} MB through the app: {upload_seconds:.2f} s")
    print(f"upload speed ÷ cp + sync speed: {ratio:.2f} (issue 18 asks >= 0.5)")
    if settings:
        print("  (to moto_server on loopback: its speed, not that of a real object store)")
    print(f"worker memory: {before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB: growth")
    print(f"  {growth:.1f} MB (issue 18 asks < 10 MB)")
    left = [p.name for p in (WORK / "blobs" / "tmp").glob("*")] if (WORK / "blobs").exists() else []
    if left:
        print(f"left in the store's tmp folder: {left}")
    if re.search(r"Traceback", log.read_text() if log.exists() else ""):
        print(f"(the server log has a traceback: {log})")
    return growth


if __name__ == "__main__":
    main()
