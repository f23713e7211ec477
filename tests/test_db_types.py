"""Shared SQL pieces (neig_workspace/db_types.py) on both databases."""

import pytest
from sqlalchemy import select

from neig_workspace.db_types import in_ids
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation, OrgType
from tests.conftest import db_ctx


@pytest.mark.parametrize("count", [0, 1, 3])
def test_in_ids_selects_exactly_the_ids_given(app, count):
    with db_ctx(app) as session:
        organisations = [
            Organisation(name=f"Gemeente {n}", slug=f"gemeente-{n}", type=OrgType.MUNICIPALITY)
            for n in range(5)
        ]
        session.add_all(organisations)
        session.flush()
        wanted = [o.id for o in organisations[:count]]
        dialect = db.engine.dialect.name
        query = select(Organisation.id).where(in_ids(Organisation.id, wanted, dialect))
        assert sorted(session.scalars(query)) == sorted(wanted)


@pytest.mark.postgresql_only("SQLite has no arrays: it binds each id")
def test_in_ids_is_one_parameter_on_postgresql(app):
    """The statement stays the same length however many ids: one array parameter."""
    with db_ctx(app):
        dialect = db.engine.dialect.name
        statements = {
            str(
                select(Organisation.id)
                .where(in_ids(Organisation.id, ids, dialect))
                .compile(db.engine)
            )
            for ids in ([1], list(range(300)))
        }
        assert len(statements) == 1 and "ANY" in statements.pop()


@pytest.mark.postgresql_only("SQLite has no arrays: it binds each id")
def test_the_planner_sees_the_ids_on_postgresql(app):
    """The ids reach PostgreSQL as a typed integer[] value, which the planner reads (its
    estimates depend on them), not as text cast in SQL, which it cannot fold at planning time
    (a cast of text to an array made the audit log's plan ten times slower). Tuples and lists
    alike."""
    with db_ctx(app) as session:
        dialect = db.engine.dialect.name
        for ids in ((7, 8, 9), [7, 8, 9]):
            query = select(Organisation.id).where(in_ids(Organisation.id, ids, dialect))
            compiled = query.compile(db.engine)
            explain = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
            plan = "\n".join(explain.scalars())
            assert "'{7,8,9}'::integer[]" in plan, plan


@pytest.mark.postgresql_only("psycopg's and PostgreSQL's own")
def test_a_long_statement_is_parsed_once_on_postgresql(app, monkeypatch):
    """psycopg keeps the parsing of the app's statements longer than its own 4 kB limit
    (database.keep_long_statements): the lists' statements run longer and are parsed once."""
    import psycopg._queries

    with db_ctx(app) as session:
        parsed = []
        split = psycopg._queries._split_query
        monkeypatch.setattr(
            psycopg._queries, "_split_query", lambda *a, **k: parsed.append(1) or split(*a, **k)
        )
        names = [Organisation.name.label(f"name_{n}") for n in range(200)]
        query = select(*names).where(Organisation.id == -1)
        assert len(str(query.compile(db.engine))) > 4096
        for _ in range(3):
            session.execute(query).all()
        assert len(parsed) <= 1


@pytest.mark.postgresql_only("psycopg's and PostgreSQL's own")
def test_a_prepared_statement_is_planned_with_its_values_on_postgresql(app):
    """psycopg prepares a statement run five times on a connection; PostgreSQL then plans it
    again for each execution with its parameters' values (plan_cache_mode, database.py), never
    once for any value: such a plan counted search hits ten times slower."""
    from sqlalchemy import text

    with db_ctx(app) as session:
        query = select(Organisation.id).where(Organisation.id > 0, Organisation.name != "x")
        for _ in range(12):
            session.execute(query).all()
        plans = session.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%organisations.name !=%'"
            )
        ).all()
        assert plans and all(generic == 0 and custom > 5 for generic, custom in plans), plans


@pytest.mark.postgresql_only("PostgreSQL's JIT")
def test_the_apps_connections_have_jit_off_unless_database_jit(app):
    """Production keeps JIT off (a statement of unforeseen cost is never compiled);
    DATABASE_JIT leaves the server's own setting, as `make bench-scale` measures the pages."""
    from sqlalchemy import create_engine, text

    from neig_workspace.database import engine_options

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    for setting, expected in ((False, "off"), (True, "on")):
        config = {**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {}, "DATABASE_JIT": setting}
        engine = create_engine(url, **engine_options(config))
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW jit")).scalar() == expected
        finally:
            engine.dispose()
