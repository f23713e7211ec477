"""Pages at national scale against the stack's own ceiling (issue 18).

    make bench-scale            (or: .venv/bin/python -m bench.pages [--duration 10] [--reseed])

Run by hand, never in the suite. Uses (creates, migrates and seeds once with `flask neig
seed-scale`) the database `neig_scale` on the PostgreSQL server at --admin-url, with the
server's own settings (JIT on by default: the app must be fast without tuning; the app's own
connections keep the server's JIT too, DATABASE_JIT, unless --app-jit-off). Serves it with
gunicorn (sync workers, the production settings, bench/wsgi_bench.py: the app plus a query
count header and a bare Flask endpoint on the same gunicorn), logs in the named Rotterdam member
and the platform admin (password and TOTP), then measures each page with wrk on loopback,
interleaved with the bare endpoint: worker CPU ms per request (the workers' utime + stime from
/proc), requests per second, p50, p95, the ratio to the bare endpoint and the SQL statements per
request, and the CPU ms per request of the PostgreSQL processes serving the workers (the server
runs on this machine). The first page is the floor (FLOOR): every page's CPU and p50 are also
taken as multiples of it, which hold still while this machine's speed moves. A page that does
not answer within gunicorn's 30 s is reported as timed out. Writes JSON to bench/results/ and
flags pages more than 20% slower than in the previous run that measured them (as multiples of
the floor where both runs have it).
"""

import argparse
import http.client
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.common import (
    ADMIN_URL,
    ROOT,
    create_database,
    database_exists,
    database_url,
    drop_database,
    free_port,
    log_in,
    production_env,
    serve,
)

DATABASE = "neig_scale"
WORK = ROOT / "instance" / "neig_scale"
RESULTS = ROOT / "bench" / "results"
#: The throw-away database's key (it encrypts the seeded TOTP secrets, so it must stay the same
#: between seeding and serving).
SECRET_KEY = "bench-scale-only-secret-key-0123456789-abcdefghij"  # noqa: S105
REGRESSION = 1.20
TICKS = os.sysconf("SC_CLK_TCK")
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,' ..
    '"p95_us":%d,"max_us":%d,"status_errors":%d,"timeouts":%d,"connect_errors":%d,' ..
    '"read_errors":%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency.max, summary.errors.status, summary.errors.timeout,
    summary.errors.connect, summary.errors.read))
end
"""


# --- the database -------------------------------------------------------------------------------


def _flask(env: dict, *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own command


def ensure_database(args) -> dict:
    """The seeded database: reused when it holds the seed, else created and seeded (timed)."""
    url = database_url(args.admin_url, args.database)
    env = {
        **os.environ,
        "NEIG_CONFIG": "development",
        "NEIG_INSTANCE_PATH": str(WORK / "instance"),
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "BLOB_ROOT": str(WORK / "blobs"),
        "AUDIT_CHECKPOINT_SYSLOG": "",
        "DATABASE_STATEMENT_TIMEOUT_MS": "0",  # one long command, not a request
    }
    info_file = WORK / "seed.json"
    seeded = database_exists(args.admin_url, args.database) and _has_users(url)
    if seeded and not args.reseed and info_file.exists():
        info = json.loads(info_file.read_text())
        print(f"Reusing database {args.database}, seeded in {info['seconds']:.0f} s.")
        _flask(env, "db", "upgrade")  # the migrations added since it was seeded (indexes)
        return info
    drop_database(args.admin_url, args.database)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    create_database(args.admin_url, args.database)
    started = time.monotonic()
    _flask(env, "db", "upgrade")
    _flask(env, "neig", "seed-scale", *args.seed_args)  # ends with the search index built
    info = {"seconds": time.monotonic() - started, "at": _now(), "args": args.seed_args}
    info_file.write_text(json.dumps(info))
    print(f"Seeded {args.database} in {info['seconds']:.0f} s (migrations included).")
    return info


def _has_users(url: str) -> bool:
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
            return bool(connection.execute("SELECT count(*) FROM users").fetchone()[0])
    except psycopg.Error:
        return False


def targets(url: str) -> dict:
    """The ids the pages need, read from the seeded database."""
    from neig_workspace.scale import ADMIN_EMAIL, NAMED_EMAIL

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:

        def one(sql, *params):
            row = connection.execute(sql, params).fetchone()
            return row[0] if row else None

        rotterdam = one("SELECT id FROM organisations WHERE slug = 'rotterdam'")
        own_space = one(
            "SELECT id FROM spaces WHERE kind = 'organisation' AND organisation_id = %s", rotterdam
        )
        return {
            "named": NAMED_EMAIL,
            "admin": ADMIN_EMAIL,
            "own_space": own_space,
            "document": one(
                "SELECT min(id) FROM documents WHERE space_id = %s AND deleted_at IS NULL",
                own_space,
            ),
            "big_folder": one("SELECT id FROM folders WHERE name = 'Archief verslagen'"),
            "big_space": one("SELECT space_id FROM folders WHERE name = 'Archief verslagen'"),
            "case": one("SELECT min(id) FROM cases WHERE municipality_id = %s", rotterdam),
            "plan": one("SELECT min(id) FROM action_plans"),
        }


#: The help page: a logged-in page with nothing of its own but the shell (the session, the
#: header's unread count, the menu, the layout). What every page costs before its own work: each
#: page's CPU is also printed as a multiple of it, a figure that does not move with the machine's
#: speed the way milliseconds do.
FLOOR = "floor: the help page"


def pages(t: dict) -> list[tuple[str, str, str]]:
    """(page, path, who): 'named' is the Rotterdam member, 'admin' the platform admin."""
    plan = f"/actieplannen/{t['plan']}"
    return [
        (FLOOR, "/hulp", "named"),
        ("dashboard", "/", "named"),
        ("spaces list", "/werkruimtes", "named"),
        ("document list (root)", f"/werkruimtes/{t['own_space']}/documenten", "named"),
        (
            "document list (folder of 1,000)",
            f"/werkruimtes/{t['big_space']}/documenten?map={t['big_folder']}",
            "named",
        ),
        ("a document", f"/documenten/{t['document']}", "named"),
        ("search 'verslag'", "/zoeken?q=verslag", "named"),
        ("search 'verslagen' by date", "/zoeken?q=verslagen&sorteer=datum", "named"),
        ("search two words, page 3", "/zoeken?q=verslag+rotterdam&pagina=3", "named"),
        ("search nothing found", "/zoeken?q=onvindbaarwoord", "named"),
        ("case list", "/casussen", "named"),
        ("a case", f"/casussen/{t['case']}", "named"),
        ("action plan", plan, "named"),
        ("plan dashboard", f"{plan}/dashboard", "named"),
        ("report", f"{plan}/rapportage", "named"),
        ("report export CSV", f"{plan}/export.csv", "named"),
        ("report export XLSX", f"{plan}/export.xlsx", "named"),
        ("notification centre", "/meldingen", "named"),
        ("knowledge base", "/kennisbank/", "named"),
        ("admin users", "/beheer/gebruikers", "admin"),
        ("audit log", "/beheer/audit", "admin"),
    ]


# --- measuring ----------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def probe(port: int, path: str, cookie: str) -> dict:
    """One request: its status, seconds and query count (or that it timed out)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=35)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        answer = connection.getresponse()
        answer.read()
        return {
            "status": answer.status,
            "seconds": time.perf_counter() - started,
            "queries": int(answer.getheader("X-Bench-Queries") or -1),
        }
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        return {"status": None, "seconds": time.perf_counter() - started, "error": repr(error)}
    finally:
        connection.close()


def load(port: int, path: str, cookie: str, args, slow: bool = False) -> dict:
    """wrk (or a Python loop) on one path for --duration seconds: requests, rps, p50, p95.
    A slow page (a second or more) goes to the Python loop, which lets the requests under way
    at the end finish, so it is measured even when none would complete within wrk's time."""
    if shutil.which("wrk") and not args.python_load and not slow:
        script = WORK / "report.lua"
        script.write_text(WRK_SCRIPT)
        command = ["wrk", "-t", str(args.threads), "-c", str(args.connections)]
        command += ["-d", f"{args.duration}s", "--timeout", "35s", "-s", str(script)]
        command += ["-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
        raw = json.loads(line.removeprefix("BENCHJSON "))
        seconds = raw["duration_us"] / 1e6
        errors = sum(raw[k] for k in ("status_errors", "timeouts", "connect_errors", "read_errors"))
        return {
            "tool": "wrk",
            "requests": raw["requests"],
            "rps": raw["requests"] / seconds if seconds else 0.0,
            "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000,
            "errors": errors,
        }
    return _python_load(port, path, cookie, args)


def _python_load(port: int, path: str, cookie: str, args) -> dict:
    timings, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + args.duration

    # Requests wait in gunicorn's queue behind the slow ones: the client waits longer than
    # gunicorn's 30 s, which counts from when a worker takes the request.
    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                answer = connection.getresponse()
                answer.read()
                ok = answer.status < 400
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                ok = False
            with lock:
                timings.append(time.perf_counter() - started) if ok else None
                errors[0] += not ok
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    timings.sort()
    return {
        "tool": "python",
        "requests": len(timings),
        "rps": len(timings) / seconds,
        "p50_ms": statistics.median(timings) * 1000 if timings else None,
        "p95_ms": timings[math.ceil(0.95 * len(timings)) - 1] * 1000 if timings else None,
        "errors": errors[0],
    }


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving the app's connections (the server runs on this
    machine: their CPU is read from /proc like the workers')."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def measure(server, port: int, path: str, cookie: str, args, log: Path, slow=False) -> dict:
    before_timeouts = _timeouts(log)
    pids = worker_pids(server.pid)
    before = cpu_ticks(pids)
    db_before = cpu_ticks(backend_pids(args.url))
    result = load(port, path, cookie, args, slow)
    after = cpu_ticks(pids)
    db_after = cpu_ticks(backend_pids(args.url))
    used = sum(after.get(pid, ticks) - ticks for pid, ticks in before.items())
    db_used = sum(ticks - db_before.get(pid, 0) for pid, ticks in db_after.items())
    per = 1000 / TICKS / result["requests"] if result["requests"] else None
    result["cpu_ms"] = used * per if per else None
    result["db_cpu_ms"] = db_used * per if per else None
    result["worker_timeouts"] = _timeouts(log) - before_timeouts
    return result


def _timeouts(log: Path) -> int:
    return log.read_text().count("WORKER TIMEOUT") if log.exists() else 0


# --- reporting ----------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fmt(value, digits=0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(rows: list[dict], before: dict[str, dict]) -> None:
    header = (
        f"{'page':<32} {'CPU ms':>8} {'DB CPU':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'×floor':>7} {'÷bare rps':>10} {'p95×bare':>9} {'queries':>7} {'errors':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        if row.get("timed_out") or row.get("failed"):
            what = "TIMED OUT (gunicorn 30 s)" if row.get("timed_out") else row["failed"]
            print(f"{row['page']:<32} {what}")
            continue
        note = ""
        old = before.get(row["page"])
        if old:
            slower = [
                key
                for key in _compared(row, old)
                if row.get(key) and old.get(key) and row[key] > REGRESSION * old[key]
            ]
            if slower:
                row["regression"] = slower
                note = "  REGRESSION: " + ", ".join(
                    f"{k} {old[k]:.1f} -> {row[k]:.1f}" for k in slower
                )
        print(
            f"{row['page']:<32} {_fmt(row['cpu_ms'], 1):>8} {_fmt(row.get('db_cpu_ms'), 1):>8} "
            f"{_fmt(row['rps'], 1):>8} "
            f"{_fmt(row['p50_ms'], 1):>8} {_fmt(row['p95_ms'], 1):>8} "
            f"{_fmt(row.get('floor_ratio'), 1):>7} {_fmt(row.get('rps_ratio'), 4):>10} {_fmt(row.get('p95_ratio'), 0):>9} "
            f"{row.get('queries', '-'):>7} {row.get('errors', 0):>6}{note}"
        )


def _against_the_floor(rows: list[dict]) -> None:
    """Each page's CPU and p50 as multiples of the floor's in this run (when it was measured)."""
    floor = next((r for r in rows if r["page"] == FLOOR and r.get("cpu_ms")), None)
    if not floor:
        return
    for row in rows:
        if row.get("cpu_ms"):
            row["floor_ratio"] = row["cpu_ms"] / floor["cpu_ms"]
        if row.get("p50_ms") and floor.get("p50_ms"):
            row["floor_p50_ratio"] = row["p50_ms"] / floor["p50_ms"]


def _compared(row: dict, old: dict) -> tuple[str, str]:
    """What a regression is judged on: the multiples of the floor when both runs have them (a
    slower machine then flags nothing), else the milliseconds."""
    if all(key in row and key in old for key in ("floor_ratio", "floor_p50_ratio")):
        return ("floor_ratio", "floor_p50_ratio")
    return ("cpu_ms", "p50_ms")


def _previous() -> dict[str, dict]:
    """Each page as the newest earlier run that measured it had it (a run of some pages
    does not hide the others)."""
    before = {}
    for run in sorted(RESULTS.glob("pages-*.json")):
        for row in json.loads(run.read_text()).get("pages", []):
            if not row.get("timed_out") and not row.get("failed"):
                before[row["page"]] = row
    return before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (and bare)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--pages", default="", help="only pages whose name contains this")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--python-load", action="store_true", help="not wrk, even if installed")
    parser.add_argument(
        "--statement-timeout-ms",
        default="0",
        help="DATABASE_STATEMENT_TIMEOUT_MS of the served app: 0 (off, so gunicorn's 30 s is "
        "the limit, as issue 18 measured); '' for the production default (5000, a 503)",
    )
    parser.add_argument(
        "--app-jit-off",
        action="store_true",
        help="the app's connections with JIT off (production's default, DATABASE_JIT); without "
        "it the pages run with the server's own JIT setting, as issue 18 asks",
    )
    parser.add_argument(
        "--seed-args",
        nargs=argparse.REMAINDER,
        default=[],
        help="passed to `flask neig seed-scale` (last on the line), e.g. --documents 1000",
    )
    args = parser.parse_args()

    seed_info = ensure_database(args)
    url = args.url = database_url(args.admin_url, args.database)
    t = targets(url)
    from neig_workspace.scale import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET

    WORK.mkdir(parents=True, exist_ok=True)
    timeout = {
        "DATABASE_STATEMENT_TIMEOUT_MS": args.statement_timeout_ms,
        "AUDIT_CHECKPOINT_SYSLOG": "",
        "DATABASE_JIT": "false" if args.app_jit_off else "true",
    }
    env = production_env(os.environ, url, SECRET_KEY, WORK, **timeout)
    if not args.statement_timeout_ms:
        env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)
    port, log = free_port(), WORK / "gunicorn.log"
    log.unlink(missing_ok=True)
    server = serve(env, port, args.workers, log, app="bench.wsgi_bench:app")
    base = f"http://127.0.0.1:{port}"
    rows, bares = [], []
    try:
        cookies, step = {}, 0
        for who in ("named", "admin"):
            session, step = log_in(base, t[who], DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET)
            cookies[who] = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        print(f"Logged in; measuring {args.duration} s per page, {args.connections} connections.")
        for page, path, who in pages(t):
            if args.pages and args.pages not in page:
                continue
            row = {"page": page, "path": path}
            first = probe(port, path, cookies[who])
            row.update(first_status=first["status"], first_seconds=first["seconds"])
            if first["status"] is None or first["status"] == 502 or first["seconds"] >= 30:
                row["timed_out"] = True
            elif first["status"] == 503:
                row["failed"] = f"answered 503 after {first['seconds']:.1f} s (statement timeout)"
            elif first["status"] != 200:
                row["failed"] = f"answered {first['status']}"
            if row.get("timed_out") or row.get("failed"):
                rows.append(row)
                print(f"  {page}: {'timed out' if row.get('timed_out') else row['failed']}")
                time.sleep(2)  # a killed worker comes back
                continue
            row["queries"] = first["queries"]
            bare = measure(server, port, "/bench-bare/", "", args, log)
            bares.append(bare)
            slow = first["seconds"] >= 1.0
            row.update(measure(server, port, path, cookies[who], args, log, slow))
            if not row["requests"]:  # every request under load was cut off
                row["timed_out"] = bool(row["worker_timeouts"])
                row["failed"] = None if row["timed_out"] else "no request answered under load"
                rows.append(row)
                continue
            row["bare_rps"], row["bare_p95_ms"] = bare["rps"], bare["p95_ms"]
            row["rps_ratio"] = row["rps"] / bare["rps"] if bare["rps"] else None
            row["p95_ratio"] = (
                row["p95_ms"] / bare["p95_ms"] if row["p95_ms"] and bare["p95_ms"] else None
            )
            rows.append(row)
            print(
                f"  {page}: {row['requests']} requests, p50 {_fmt(row['p50_ms'], 1)} ms, "
                f"CPU {_fmt(row['cpu_ms'], 1)} ms, {row['queries']} queries"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    previous = _previous()
    if bares:
        print(
            f"\nbare endpoint: {statistics.median(b['rps'] for b in bares):.0f} req/s, "
            f"p50 {statistics.median(b['p50_ms'] for b in bares):.2f} ms, "
            f"p95 {statistics.median(b['p95_ms'] for b in bares):.2f} ms, "
            f"CPU {statistics.median(b['cpu_ms'] or 0 for b in bares):.2f} ms per request"
        )
    _against_the_floor(rows)
    report(rows, previous)
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "at": _now(),
        "database": args.database,
        "seed": seed_info,
        "settings": {
            k: getattr(args, k)
            for k in (
                "duration",
                "connections",
                "threads",
                "workers",
                "statement_timeout_ms",
                "app_jit_off",
            )
        },
        "postgresql_jit": _jit(args.admin_url),
        "bare": bares,
        "pages": rows,
    }
    out = RESULTS / f"pages-{result['at'].replace(':', '')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"\nWritten to {out.relative_to(ROOT)}")
    if any(row.get("regression") for row in rows):
        print("REGRESSIONS against the previous run (more than 20% slower): see above.")
        sys.exit(1)


def _jit(admin_url: str) -> str:
    with psycopg.connect(admin_url) as connection:
        return connection.execute("SHOW jit").fetchone()[0]


if __name__ == "__main__":
    main()
