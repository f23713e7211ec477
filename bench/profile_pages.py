"""Worker CPU per page, in process, on the seeded national-scale database (issue 18).

    .venv/bin/python -m bench.profile_pages [--pages dashboard] [-n 10] [--batches 3]
        [--profile [--sort tottime] [--callers name]] [--sql] [--path /some/page]

Run by hand after `python -m bench.pages` has seeded `neig_scale`. The app runs with the
production settings (bench/common.py) in this process; each user gets a session record as the
login writes it (no form, so no TOTP code is used up), and each page is asked `-n` times after
two warm-up requests, in --batches (the fastest counts: other work on the machine only adds).
Prints the process CPU ms and the SQL statements per request; --sql prints the statements of
one request; --plans their planning and execution ms in PostgreSQL and their highest estimated
cost against jit_above_cost (none above it means a default PostgreSQL never JIT-compiles them); --profile cProfile's top functions (CPU time), the function calls per request
(which do not depend on the machine's load) and the own time per package. Compare runs made
close together.
"""

import argparse
import cProfile
import io
import os
import pstats
import time

from sqlalchemy import event

from bench.common import ADMIN_URL, database_url, production_env, session_after_mfa
from bench.pages import DATABASE, SECRET_KEY, WORK, pages, targets


def build_app(url: str):
    extra = {"AUDIT_CHECKPOINT_SYSLOG": "", "DATABASE_JIT": "true"}  # as bench.pages
    os.environ.update(production_env(os.environ, url, SECRET_KEY, WORK, **extra))
    from neig_workspace import create_app

    return create_app()


def client_for(app, email: str):
    """A test client logged in as `email`, with a session record that passed MFA."""
    from neig_workspace.accounts.sessions import SESSION_KEY

    token, user_id = session_after_mfa(app, email)
    client = app.test_client()
    with client.session_transaction(base_url="https://127.0.0.1") as session:
        session[SESSION_KEY] = token
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def by_package(stats: pstats.Stats, requests: int) -> str:
    """Own time per package (per request, profiled ms): where the CPU goes, in broad strokes."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/templates/" in filename:
            package = "templates"
        elif "neig_workspace/" in filename:
            package = "neig_workspace/" + filename.split("neig_workspace/")[1].split("/")[0]
        elif filename.startswith("~") or "<" in filename:
            package = "builtins"
        else:
            package = "stdlib"
        totals[package] = totals.get(package, 0.0) + tottime
    rows = sorted(totals.items(), key=lambda kv: -kv[1])[:20]
    return "\n".join(f"  {name:<32} {seconds * 1000 / requests:7.2f} ms" for name, seconds in rows)


def plans(url: str, statements: list) -> str:
    """EXPLAIN ANALYZE each SELECT of a request (the second run counts: the first warms the
    caches): the planning and execution ms of them all, and the highest estimated cost, which
    decides whether PostgreSQL JIT-compiles a statement (jit_above_cost)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        threshold = float(connection.execute("SHOW jit_above_cost").fetchone()[0])
        planning = execution = highest = 0.0
        costliest = ""
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            for _ in range(2):
                row = connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                plan = row.fetchone()[0][0]
            planning += plan["Planning Time"]
            execution += plan["Execution Time"]
            if plan["Plan"]["Total Cost"] > highest:
                highest, costliest = plan["Plan"]["Total Cost"], " ".join(statement.split())[:60]
    above = "  ABOVE jit_above_cost" if highest > threshold else ""
    return (
        f"planning {planning:6.1f} ms  execution {execution:6.1f} ms  highest cost "
        f"{highest:9.0f} of {threshold:.0f}{above}  ({costliest})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="")
    parser.add_argument("-n", type=int, default=10, help="requests per batch")
    parser.add_argument("--batches", type=int, default=3, help="the fastest batch counts")
    parser.add_argument("--skip", default="", help="leave out pages whose name contains this")
    parser.add_argument("--experiment", default="", help="no-unread: the header count left out")
    parser.add_argument("--callers", default="", help="with --profile: who calls this function")
    parser.add_argument("--path", action="append", default=[], help="a path instead of the pages")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument(
        "--plans",
        action="store_true",
        help="EXPLAIN ANALYZE the statements of one request: planning and execution ms, the "
        "highest cost, and any statement costed above the server's jit_above_cost",
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--database", default=DATABASE, help="as bench.pages --database")
    args = parser.parse_args()
    url = database_url(ADMIN_URL, args.database)
    app = build_app(url)
    from neig_workspace.extensions import db

    count = {"n": 0}
    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def _one(conn, cursor, statement, parameters, *_args):
            count["n"] += 1
            if count.get("show"):
                print("   SQL:", " ".join(statement.split())[:220])
            if "kept" in count:
                count["kept"].append((statement, parameters))

    if args.experiment == "no-unread":  # what the header's count costs
        from neig_workspace.notifications import service

        service.unread_count = lambda user: 0
    t = targets(url)
    clients = {who: client_for(app, t[who]) for who in ("named", "admin")}
    base = {"base_url": "https://127.0.0.1"}
    chosen = [(path, path, "named") for path in args.path] or pages(t)
    for page, path, who in chosen:
        if args.pages and args.pages not in page or args.skip and args.skip in page:
            continue
        client = clients[who]
        for _ in range(2):
            answer = client.get(path, **base)
            assert answer.status_code == 200, (page, answer.status_code)  # noqa: S101
            assert b"Uitloggen" in answer.data or "html" not in answer.content_type, page  # noqa: S101
        if args.sql:
            count["show"] = True
            client.get(path, **base)
            count["show"] = False
        if args.plans:
            count["kept"] = []
            client.get(path, **base)
            print(f"{page:<34} {plans(url, count.pop('kept'))}")
            continue
        count["n"] = 0
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        batches, wall = [], time.perf_counter()
        for _ in range(args.batches):
            started = time.process_time()
            for _ in range(args.n):
                if profiler:
                    profiler.enable()
                client.get(path, **base)
                if profiler:
                    profiler.disable()
            batches.append((time.process_time() - started) * 1000 / args.n)
        wall = (time.perf_counter() - wall) * 1000 / args.n / args.batches
        queries = count["n"] / args.n / args.batches
        spread = " ".join(f"{b:.1f}" for b in batches)
        print(
            f"{page:<34} cpu {min(batches):7.1f} ms (batches: {spread})  wall {wall:7.1f} ms"
            f"  queries {queries:.0f}"
        )
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
            print(
                f"  function calls per request: {stats.total_calls / (args.n * args.batches):.0f}"
            )
            print(by_package(stats, args.n * args.batches))
            if args.callers:
                stats.print_callers(args.callers)
                print(out.getvalue()[-6000:])


if __name__ == "__main__":
    main()
