"""Benchmark the search on PostgreSQL at national scale: the server time of /zoeken (p50, p95)
for the named user of `flask neig seed-scale` (a Rotterdam member with MFA), its number of
queries, and the LIKE search the app ran before the index (on the same data) for comparison.

    .venv/bin/python -m bench.search [--database neig_scale] [--repeats 30]
    .venv/bin/python -m bench.search --small-database neig_scale_small   (also: query counts
                                                                          at 1,000 documents)

Uses (creates, migrates and seeds once, as bench/pages.py does) the database --database:
100,000 documents, each version with some 150 words of "extracted" text, indexed by the seed.
Server time is the time the app takes for the request in this process (the WSGI call: session,
policy, queries, rendering), without a network in between; "db" the part of it spent waiting for
PostgreSQL. The load average is printed: on a shared machine every figure grows with it. The
comparison with LIKE measures the two one after the other, so both see the same machine. Run
by hand, never in the suite; the figures go to bench/results/search-<time>.txt.
"""

import argparse
import os
import re
import statistics
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import event, func, or_, select

from bench.common import ADMIN_URL, ROOT, create_database, database_exists, database_url
from bench.pages import SECRET_KEY, _flask, _has_users

RESULTS = ROOT / "bench" / "results"
#: (what it is, the query string): searches of the results page, the first one (no ?soort=)
#: counting every kind and listing the first kind with hits.
SEARCHES = [
    ("the page without a query (the floor)", ""),
    ("a title word, ~8,000 hits", "q=verslag"),
    ("a word in nearly every text", "q=gemeente"),
    ("a rare word, in ~100 texts", "q=handgranaat"),
    ("two words, Dutch forms", "q=explosies+woningen"),
    ("a phrase", "q=%22plan+van+aanpak%22"),
    ("a word, newest first", "q=verslag&sorteer=datum"),
    ("a word, page 3", "q=verslag&pagina=3"),
    ("a word, one space", "q=verslag&werkruimte={space}"),
    ("a case reference", "q=NEIG-2024-0001"),
    ("cases, in a session with MFA", "q=explosie&soort=casussen"),
    ("an action item's code", "q=A0042&soort=actiepunten"),
    ("nothing found", "q=zwavelzuurbad"),
]
#: The LIKE search compared with: the words the old page was asked for.
LIKE_WORDS = ["verslag", "gemeente", "handgranaat", "zwavelzuurbad"]


def _env(database: str) -> dict:
    work = ROOT / "instance" / database
    return {
        "NEIG_CONFIG": "development",
        "NEIG_INSTANCE_PATH": str(work / "instance"),
        "DATABASE_URL": database_url(ADMIN_URL, database),
        "SECRET_KEY": SECRET_KEY,
        "BLOB_ROOT": str(work / "blobs"),
        "AUDIT_CHECKPOINT_SYSLOG": "",
        "DATABASE_STATEMENT_TIMEOUT_MS": "0",
    }


def _seeded(database: str, seed_args: list[str]) -> None:
    """The database migrated, seeded (with the search index) once, then reused."""
    env = {**os.environ, **_env(database)}
    if database_exists(ADMIN_URL, database) and _has_users(env["DATABASE_URL"]):
        _flask(env, "db", "upgrade")
        return
    if not database_exists(ADMIN_URL, database):
        create_database(ADMIN_URL, database)
    (ROOT / "instance" / database).mkdir(parents=True, exist_ok=True)
    _flask(env, "db", "upgrade")
    _flask(env, "neig", "seed-scale", *seed_args)  # ends with the search index built


def _app(database: str):
    from neig_workspace import create_app

    env = _env(database)
    os.environ.update(env)
    return create_app("development", SQLALCHEMY_DATABASE_URI=env["DATABASE_URL"])


@contextmanager
def _counting(engine):
    """The statements run meanwhile, each with its time in the database (ms)."""
    statements, started = [], []

    def before(*_args):
        started.append(time.perf_counter())

    def after(*_args):
        statements.append((time.perf_counter() - started.pop()) * 1000)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _named_user(app):
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db
    from neig_workspace.scale import NAMED_EMAIL
    from neig_workspace.spaces.models import Space

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == NAMED_EMAIL))
        # The space of the named user's organisation: the facet filter's example.
        space_id = db.session.scalar(select(Space.id).where(Space.name.like("%Rotterdam%")))
    return SimpleNamespace(id=user_id), space_id


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def search_times(app, repeats: int) -> list[dict]:
    """Each search `repeats` times (after one warm-up): server time and query count."""
    from neig_workspace.extensions import db
    from tests.helpers import login_as

    user, space_id = _named_user(app)
    client = login_as(app, app.test_client(), user, mfa_verified=True)
    client.get("/")
    with app.app_context():
        engine = db.engine
    rows = []
    for label, query in SEARCHES:
        path = "/zoeken" + ("?" + query.format(space=space_id) if query else "")
        assert client.get(path).status_code == 200, path  # warm-up
        timings, in_database, counts = [], [], set()
        for _ in range(repeats):
            with _counting(engine) as statements:
                started = time.perf_counter()
                answer = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, path
            counts.add(len(statements))
            in_database.append(sum(statements))
        page = answer.get_data(as_text=True)
        listed = re.search(r'<strong aria-current="page">([^<(]+) \(', page)
        rows.append(
            {
                "label": label,
                "path": path,
                "p50": statistics.median(timings),
                "p95": _percentile(timings, 0.95),
                "db50": statistics.median(in_database),
                "queries": sorted(counts),
                # What the page showed: the kind it listed, and whether it had hits.
                "shown": (listed[1] if listed else None, "data-hit=" in page),
            }
        )
    return rows


def like_search(user, text: str):
    """The search before the index, as documents/queries.py ran it: the documents `user` may
    read whose title, description, a tag or the newest version's filename holds `text`
    (LIKE '%text%'), newest change first."""
    from neig_workspace.access.policy import visible_documents
    from neig_workspace.documents.models import Document, DocumentVersion
    from neig_workspace.queries import LIKE_ESCAPE, like_pattern

    term = text.lower()
    pattern = like_pattern(term)
    return (
        select(Document)
        .join(
            DocumentVersion,
            (DocumentVersion.document_id == Document.id)
            & (DocumentVersion.number == Document.latest_number),
        )
        .where(
            visible_documents(user),
            or_(
                func.lower(Document.title).like(pattern, escape=LIKE_ESCAPE),
                func.lower(Document.description).like(pattern, escape=LIKE_ESCAPE),
                Document.tags.like(like_pattern(f"|{term}|"), escape=LIKE_ESCAPE),
                func.lower(DocumentVersion.filename).like(pattern, escape=LIKE_ESCAPE),
            ),
        )
        .order_by(Document.updated_at.desc())
    )


def _like_once(user, word: str) -> tuple[float, int]:
    """The old page's work in the database once: paginate's count and its first page of 20
    (ms, and the count)."""
    from neig_workspace.extensions import db

    query = like_search(user, word)
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    started = time.perf_counter()
    total = db.session.scalar(counted)
    db.session.scalars(query.limit(20)).unique().all()
    return (time.perf_counter() - started) * 1000, total


def like_times(app, repeats: int) -> list[dict]:
    """The old page's work in the database: paginate's count and its first page of 20, with
    the policy's clause for the same user and MFA (rendering not counted, so the comparison
    favours the old search)."""
    from neig_workspace.access.policy import assuming_mfa
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db

    named, _space = _named_user(app)
    rows = []
    with app.test_request_context(), assuming_mfa():
        user = db.session.get(User, named.id)
        for word in LIKE_WORDS:
            timings = []
            for n in range(repeats + 1):
                elapsed, total = _like_once(user, word)
                if n:  # the first is the warm-up
                    timings.append(elapsed)
            rows.append(
                {
                    "label": f"LIKE '%{word}%'",
                    "hits": total,
                    "p50": statistics.median(timings),
                    "p95": _percentile(timings, 0.95),
                }
            )
    return rows


def side_by_side(app, repeats: int) -> list[dict]:
    """For each of LIKE_WORDS, the search page and the LIKE search's work, one after the other
    `repeats` times (after a warm-up of each): a machine whose speed drifts (a shared one does,
    by half and more over minutes) slows both alike. Server time of the page, its database
    time, and the LIKE's time, in ms."""
    from neig_workspace.access.policy import assuming_mfa
    from neig_workspace.accounts.models import User
    from neig_workspace.extensions import db
    from tests.helpers import login_as

    named, _space = _named_user(app)
    client = login_as(app, app.test_client(), named, mfa_verified=True)
    with app.app_context():
        engine = db.engine
    rows = []
    for word in LIKE_WORDS:
        page, in_database, like = [], [], []
        for n in range(repeats + 1):
            with _counting(engine) as statements:
                started = time.perf_counter()
                assert client.get(f"/zoeken?q={word}").status_code == 200, word
                elapsed = (time.perf_counter() - started) * 1000
            with app.test_request_context(), assuming_mfa():
                old, _total = _like_once(db.session.get(User, named.id), word)
            if n:  # the first of each is the warm-up
                page.append(elapsed)
                in_database.append(sum(statements))
                like.append(old)
        rows.append(
            {
                "word": word,
                "page": statistics.median(page),
                "db": statistics.median(in_database),
                "like": statistics.median(like),
            }
        )
    return rows


def _figures(app) -> str:
    from sqlalchemy import text

    from neig_workspace.extensions import db

    with app.app_context():
        counts = db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM version_texts),"
                " (SELECT count(*) FROM search_index),"
                " (SELECT pg_size_pretty(pg_total_relation_size('search_index')))"
            )
        ).one()
    return (
        f"{counts[0]} documents, {counts[1]} version texts, {counts[2]} index rows"
        f" ({counts[3]} with its GIN index)"
    )


def _alike(small: dict, big: dict) -> str:
    """Whether a search ran as many queries at both sizes; a page that showed something else
    (another kind, or nothing where the other had hits) ran other queries, for what was
    found rather than for the size, and is named instead of compared."""
    if small["shown"] != big["shown"]:
        return f"not alike: {_shown(small)} at 1,000, {_shown(big)} here"
    return "same" if small["queries"] == big["queries"] else "DIFFERENT"


def _shown(row: dict) -> str:
    kind, hits = row["shown"]
    return f"{kind or 'nothing'} {'with hits' if hits else 'without hits'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="neig_scale")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--small-database",
        default=None,
        help="also seed (once) this database with 1,000 documents and compare query counts",
    )
    args = parser.parse_args()
    _seeded(args.database, [])
    app = _app(args.database)
    lines = [f"bench/search.py at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {args.database}"]
    lines.append(_figures(app))
    lines.append(f"{args.repeats} requests per search, the named user (MFA); server time in ms")
    found = search_times(app, args.repeats)
    lines.append(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    lines.append(f"{'search':<38} {'p50':>7} {'p95':>7} {'db p50':>7}  queries  path")
    for row in found:
        lines.append(
            f"{row['label']:<38} {row['p50']:7.1f} {row['p95']:7.1f} {row['db50']:7.1f}  "
            f"{row['queries']!s:<7}  {row['path']}"
        )
    lines.append(f"load average after: {os.getloadavg()[0]:.1f} (2 cores)")
    worst = max(row["p95"] for row in found)
    lines.append(f"worst p95: {worst:.1f} ms (the issue asks at most 100 ms)")
    old = like_times(app, max(3, args.repeats // 5))
    lines.append("")
    lines.append("The LIKE search before the index (its count and first page, same user):")
    for row in old:
        lines.append(f"{row['label']:<38} {row['p50']:7.1f} {row['p95']:7.1f}  {row['hits']} hits")
    lines.append("")
    lines.append(f"Side by side, one after the other ({args.repeats} of each; p50 in ms):")
    for row in side_by_side(app, args.repeats):
        lines.append(
            f"'{row['word']}': LIKE {row['like']:.0f} ms, search {row['page']:.1f} ms:"
            f" {row['like'] / row['page']:.1f}x (database time alone: {row['db']:.1f} ms,"
            f" {row['like'] / row['db']:.1f}x)"
        )
    if args.small_database:
        _seeded(
            args.small_database,
            ["--documents", "1000", "--versions", "1100", "--cases", "100", "--case-spaces", "100"]
            + ["--big-folder", "100", "--audit-events", "1000", "--notifications", "200"],
        )
        small = search_times(_app(args.small_database), 2)
        lines.append("")
        lines.append(f"queries per search at 1,000 documents ({args.small_database}) and here:")
        for row, big in zip(small, found, strict=True):
            lines.append(
                f"{row['label']:<38} {row['queries']!s:<7} {big['queries']!s:<7} {_alike(row, big)}"
            )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.txt"
    out.write_text(report + "\n")
    print(f"written to {Path(out).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
