"""Benchmark a space's document list and the search at two data sizes; prints timings and query
counts. The issue asks that 10,000 documents answer as fast as 10.

    .venv/bin/python -m bench.documents                      (SQLite, 10 and 10,000 documents)
    .venv/bin/python -m bench.documents --db postgresql+psycopg://postgres@127.0.0.1/neig_bench

Run by hand: speed is measured here, never in timed tests. A PostgreSQL database given with --db
must exist and be empty; its tables are made by the migrations.
"""

import argparse
import hashlib
import statistics
import tempfile
import time
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import event, insert, select, text

from neig_workspace import create_app
from neig_workspace.documents.models import Document, DocumentVersion
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces.models import Classification
from neig_workspace.spaces.service import create_organisation_space
from neig_workspace.timeutil import utcnow
from tests.helpers import login_as
from tests.personas import create_personas

PAGES = [
    ("list, by name", "/werkruimtes/{space}/documenten"),
    ("list, by size desc", "/werkruimtes/{space}/documenten?sorteer=grootte&volgorde=af"),
    ("list, page 3", "/werkruimtes/{space}/documenten?pagina=3"),
    ("search, many hits", "/zoeken?q=verslag"),
    ("search, one hit", "/zoeken?q=nummer-00007"),
]
WORDS = ["verslag", "notulen", "begroting", "plan", "evaluatie", "brief"]
BATCH = 5000


def _grow(space_id: int, user_id: int, size: int) -> None:
    """`size` documents with one version each, inserted in bulk."""
    start = utcnow() - timedelta(days=365)
    for offset in range(0, size, BATCH):
        numbers = range(offset, min(offset + BATCH, size))
        documents = [
            {
                "space_id": space_id,
                "title": f"{WORDS[i % len(WORDS)]} nummer-{i:05d}",
                "description": f"Bench document {i}",
                "tags": f"|{WORDS[(i + 1) % len(WORDS)]}|",
                "classification": Classification.INTERN,
                "latest_number": 1,
                "created_by_id": user_id,
                "created_at": start + timedelta(minutes=i),
                "updated_at": start + timedelta(minutes=i),
            }
            for i in numbers
        ]
        db.session.execute(insert(Document), documents)
        ids = db.session.scalars(
            select(Document.id).where(Document.space_id == space_id).order_by(Document.id)
        ).all()[offset:]
        db.session.execute(
            insert(DocumentVersion),
            [
                {
                    "document_id": document_id,
                    "number": 1,
                    "filename": f"bestand-{i:05d}.pdf",
                    "mimetype": "application/pdf",
                    "size": 1000 + (i * 7919) % 100_000,
                    "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                    "created_by_id": user_id,
                }
                for i, document_id in zip(numbers, ids, strict=True)
            ],
        )
    db.session.commit()


def _reset(app) -> None:
    """Empty every table of a PostgreSQL bench database between sizes."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def measure(size: int, repeats: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=database_url or f"sqlite:///{tmp}/bench.sqlite3",
            MAIL_OUTBOX_DIR=tmp,
            BLOB_ROOT=f"{tmp}/blobs",
        )
        with app.app_context():
            upgrade()
            _reset(app)
            personas = create_personas()
            org = db.session.get(Organisation, personas.orgs["gemeente_a"])
            space_id = create_organisation_space(org, actor=None).id
            db.session.commit()
            _grow(space_id, personas.member_a.id, size)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            engine = db.engine
        client = app.test_client()
        login_as(app, client, personas.member_a)
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
        for label, page in PAGES:
            url = page.format(space=space_id)
            timings = []
            for _ in range(repeats):
                statements.clear()
                begin = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{engine.dialect.name:<10} {size:>6} docs  {label:<20} "
                f"median {statistics.median(timings):7.1f} ms  max {max(timings):7.1f} ms  "
                f"{len(statements):>3} queries"
            )
        with app.app_context():
            _reset(app)
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--db", default=None, help="a database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.repeats, args.db)


if __name__ == "__main__":
    main()
