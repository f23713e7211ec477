"""Benchmark the action plan's pages at two data sizes; prints timings and query counts. The
issue asks that the list and the dashboard with 2,000 items run as many queries as with 20.

    .venv/bin/python -m bench.actions                      (SQLite, 20 and 2,000 items)
    .venv/bin/python -m bench.actions --db postgresql+psycopg://postgres@127.0.0.1/neig_bench

Run by hand: speed is measured here, never in timed tests. A PostgreSQL database given with --db
must exist and be empty; its tables are made by the migrations.
"""

import argparse
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import event, text

from neig_workspace import create_app
from neig_workspace.actions import service
from neig_workspace.extensions import db
from tests.actions.helpers import bulk_items, make_plan, plan_space, user
from tests.helpers import login_as
from tests.personas import create_personas

PAGES = [
    ("list", "/actieplannen/{plan}"),
    ("list, filtered", "/actieplannen/{plan}?status=risico&status=vertraagd&sorteer=einddatum"),
    ("list, page 3", "/actieplannen/{plan}?pagina=3"),
    ("dashboard", "/actieplannen/{plan}/dashboard"),
    ("report", "/actieplannen/{plan}/rapportage"),
    ("export, CSV", "/actieplannen/{plan}/export.csv"),
    ("export, XLSX", "/actieplannen/{plan}/export.xlsx"),
]


def _reset() -> None:
    """Empty every table of a PostgreSQL bench database between sizes."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def measure(size: int, repeats: int, database_url: str | None, persona: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=database_url or f"sqlite:///{tmp}/bench.sqlite3",
            MAIL_OUTBOX_DIR=tmp,
            BLOB_ROOT=f"{tmp}/blobs",
        )
        with app.app_context():
            upgrade()
            _reset()
            personas = create_personas()
            plan = make_plan(plan_space(personas), actor=user(personas.secretariat))
            service.set_attack_figures(
                plan, 2025, {m: 70 + 3 * m for m in range(1, 13)}, actor=None
            )
            db.session.commit()
            plan_id = plan.id
            bulk_items(plan_id, personas, 0, size)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            engine = db.engine
        client = app.test_client()
        login_as(app, client, personas[persona])
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
        for label, page in PAGES:
            url = page.format(plan=plan_id)
            timings = []
            for _ in range(repeats):
                statements.clear()
                begin = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{engine.dialect.name:<10} {size:>6} items  {label:<16} "
                f"median {statistics.median(timings):7.1f} ms  max {max(timings):7.1f} ms  "
                f"{len(statements):>3} queries"
            )
        with app.app_context():
            _reset()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--db", default=None, help="a database URL (default: a temporary SQLite)")
    parser.add_argument("--as", dest="persona", default="member_a", help="a persona key")
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.repeats, args.db, args.persona)


if __name__ == "__main__":
    main()
