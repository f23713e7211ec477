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


def test_in_ids_is_one_parameter_on_postgresql(app):
    """The statement stays the same length however many ids: one array parameter."""
    with db_ctx(app):
        dialect = db.engine.dialect.name
        if dialect != "postgresql":
            pytest.skip("SQLite has no arrays: it binds each id (the suite runs on PostgreSQL too)")
        statements = {
            str(
                select(Organisation.id)
                .where(in_ids(Organisation.id, ids, dialect))
                .compile(db.engine)
            )
            for ids in ([1], list(range(300)))
        }
        assert len(statements) == 1 and "ANY" in statements.pop()


def test_the_planner_sees_the_ids_on_postgresql(app):
    """The ids reach PostgreSQL as a typed integer[] value, which the planner reads (its
    estimates depend on them), not as text cast in SQL, which it cannot fold at planning time
    (a cast of text to an array made the audit log's plan ten times slower). Tuples and lists
    alike."""
    with db_ctx(app) as session:
        dialect = db.engine.dialect.name
        if dialect != "postgresql":
            pytest.skip("SQLite has no arrays: it binds each id (the suite runs on PostgreSQL too)")
        for ids in ((7, 8, 9), [7, 8, 9]):
            query = select(Organisation.id).where(in_ids(Organisation.id, ids, dialect))
            compiled = query.compile(db.engine)
            explain = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
            plan = "\n".join(explain.scalars())
            assert "'{7,8,9}'::integer[]" in plan, plan
