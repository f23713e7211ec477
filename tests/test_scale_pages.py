"""Issue 18: the pages the access filters made slow, on `seed-scale` data seeded inside the test's
rolled-back transaction.

- The dashboard, the spaces list, the notification centre and the audit log run as many SQL
  queries at three times the size (both databases), with the access id sets kept from an
  earlier request and without (a process's first request); the spaces list in 5.
- On PostgreSQL, after ANALYZE, no query those pages run is costed above PostgreSQL's default
  `jit_above_cost` (100,000): on a default PostgreSQL, JIT never compiles them. The access
  filters used to be costed in the millions (nested subqueries over every readable document).
  Their plans use the indexes meant for them and read none of the growing tables whole.
"""

from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from neig_workspace.access.generation import GRANTED_SPACES
from neig_workspace.accounts.models import User
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership
from neig_workspace.scale import ADMIN_EMAIL, NAMED_EMAIL
from neig_workspace.spaces.models import Space
from tests.helpers import login_as

#: PostgreSQL's default jit_above_cost: a query costed above it is JIT-compiled.
JIT_ABOVE_COST = 100_000

SMALL = {
    "organisations": 6,
    "users": 20,
    "spaces": 12,
    "case-spaces": 4,
    "cases": 4,
    "grants": 80,
    "documents": 60,
    "versions": 66,
    "action-items": 6,
    "audit-events": 120,
    "notifications": 30,
    "articles": 2,
    "named-user-spaces": 6,
    "big-folder": 5,
}
#: Three times as much of everything the pages read.
LARGE = {name: value * 3 for name, value in SMALL.items()}

#: Modest, yet enough for the old filters to be costed far above JIT_ABOVE_COST.
MODEST = {
    "organisations": 40,
    "users": 400,
    "spaces": 120,
    "case-spaces": 300,
    "cases": 300,
    "grants": 3000,
    "documents": 8000,
    "versions": 8400,
    "action-items": 200,
    "audit-events": 8000,
    "notifications": 2000,
    "articles": 20,
    "named-user-spaces": 60,
    "big-folder": 100,
}

#: "{document}": a document of the named user's organisation (its page shows its history).
NAMED_PAGES = [
    "/",
    "/werkruimtes",
    "/meldingen",
    "/meldingen?ongelezen=1",
    "/zoeken?q=verslag",
    "/documenten/{document}",
]
ADMIN_PAGES = ["/beheer/audit"]


def _seed(app, figures: dict) -> None:
    options = [f"--{name}={value}" for name, value in figures.items()]
    # Rolled back with the test: a VACUUM on a connection of its own would see none of it.
    result = app.test_cli_runner().invoke(args=["neig", "seed-scale", "--no-vacuum", *options])
    assert result.exit_code == 0, result.output


def _clients(app):
    with app.app_context():
        named = db.session.scalar(select(User.id).where(User.email == NAMED_EMAIL))
        admin = db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL))
        document = db.session.scalar(
            select(func.min(Document.id))
            .join(Space, Space.id == Document.space_id)
            .join(Membership, Membership.organisation_id == Space.organisation_id)
            .where(Membership.user_id == named, Space.kind == "organisation")
        )
    return {
        "named": (
            login_as(app, app.test_client(), SimpleNamespace(id=named)),
            {page: page.format(document=document) for page in NAMED_PAGES},
        ),
        "admin": (
            login_as(app, app.test_client(), SimpleNamespace(id=admin)),
            {page: page for page in ADMIN_PAGES},
        ),
    }


def _statements_of_pages(app, *, cold: bool = False):
    """page (as NAMED_PAGES and ADMIN_PAGES name it) -> [(statement, parameters)] of one
    request, after a warm-up request; `cold`: as the first request of a process, without the
    access id sets kept across requests."""
    engine = _engine(app)
    found = {}
    for client, pages in _clients(app).values():
        for page, path in pages.items():
            assert client.get(path).status_code == 200, page  # warm up (session record)
            if cold:
                GRANTED_SPACES.clear()
            statements = []

            def record(conn, cursor, statement, parameters, context, many, statements=statements):
                statements.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", record)
            try:
                response = client.get(path)
            finally:
                event.remove(engine, "before_cursor_execute", record)
            assert response.status_code == 200, page
            # The test's own savepoints are not the page's queries.
            found[page] = [(sql, params) for sql, params in statements if not _savepoint(sql)]
    return found


def _savepoint(statement: str) -> bool:
    return statement.split(None, 1)[0].upper() in {"SAVEPOINT", "RELEASE", "ROLLBACK"}


def _engine(app):
    with app.app_context():
        return db.engine


def test_the_pages_run_as_many_queries_at_three_times_the_size(app, test_db):
    counts = {}
    for size, figures in (("small", SMALL), ("large", LARGE)):
        with test_db.rolled_back():
            _seed(app, figures)
            for cold in (False, True):
                counts[size, cold] = {
                    page: len(s) for page, s in _statements_of_pages(app, cold=cold).items()
                }
    assert counts["large", False] == counts["small", False]
    assert counts["large", True] == counts["small", True]
    # The access id sets kept across requests: a page reads no grants; the first one reads them.
    assert counts["small", False]["/werkruimtes"] <= 5, counts
    assert counts["small", True]["/werkruimtes"] == counts["small", False]["/werkruimtes"] + 1


#: The tables that grow with the network: a page never reads one of them whole.
LARGE_TABLES = {"documents", "document_versions", "audit_events", "notifications", "search_index"}

#: page -> the index its hot query must use (one of these names), checked in the plans.
INTENDED_INDEXES = {
    "/": {"ix_notifications_user_unread"},  # the unread count, also in every page's header
    "/meldingen?ongelezen=1": {"ix_notifications_user_unread"},
    "/werkruimtes": {"ix_audit_events_space_id", "ix_audit_events_space_at"},  # news per space
    "/beheer/audit": {"pk_audit_events"},  # the newest events first, paged by id
    # The matching rows in the reader's spaces, newest first; each one's document by its key.
    "/zoeken?q=verslag": {"pk_documents"},
    "/documenten/{document}": {"ix_audit_events_target"},  # its history: its own events alone
}


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.postgresql_only("the planner's plans and costs are PostgreSQL's")
def test_the_pages_plans_use_their_indexes_and_stay_below_jit_above_cost(app, test_db):
    _seed(app, MODEST)
    connection = test_db.connection
    connection.exec_driver_sql("ANALYZE")
    costs, indexes, whole_reads = {}, {}, {}
    for page, statements in _statements_of_pages(app, cold=True).items():
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            ).scalar()
            costs[(page, statement)] = plan[0]["Plan"]["Total Cost"]
            nodes = list(_nodes(plan[0]["Plan"]))
            indexes.setdefault(page, set()).update(
                n["Index Name"] for n in nodes if "Index Name" in n
            )
            scanned = {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}
            if scanned & LARGE_TABLES:
                whole_reads[(page, statement)] = scanned & LARGE_TABLES
    assert costs
    too_costly = {key: cost for key, cost in costs.items() if cost >= JIT_ABOVE_COST}
    assert not too_costly, "\n\n".join(
        f"{page} costed {cost:,.0f}:\n{statement}" for (page, statement), cost in too_costly.items()
    )
    assert not whole_reads, "\n\n".join(
        f"{page} reads {sorted(tables)} whole:\n{statement}"
        for (page, statement), tables in whole_reads.items()
    )
    unused = {page: names for page, names in INTENDED_INDEXES.items() if not names & indexes[page]}
    assert not unused, unused


def test_an_odd_target_id_breaks_no_page(app, test_db):
    """The filters look an event's target up by its primary key: an id that is no number, too
    large a number or empty (what a refused URL might record) is simply not readable, never a
    failing cast (PostgreSQL) that takes the page down."""
    from neig_workspace.access.policy import visible_spaces
    from neig_workspace.audit import service as audit
    from neig_workspace.spaces.models import Space

    _seed(app, SMALL)
    with app.app_context():
        named = db.session.scalar(select(User).where(User.email == NAMED_EMAIL))
        space_id = db.session.scalar(select(Space.id).where(visible_spaces(named)).limit(1))
        for kind in ("document", "comment", "comment_round", "action_item", "space", "case"):
            for odd in ("99999999999999999999", "12abc", "", "-1"):
                audit.record("test.odd", target_type=kind, target_id=odd, space_id=space_id)
        db.session.commit()
    for page, statements in _statements_of_pages(app).items():
        assert statements, page  # each answered 200
