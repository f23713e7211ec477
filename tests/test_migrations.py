"""The migrations build exactly the schema the models describe, and can be undone and redone.

Runs on a separate, fresh database of the same kind as the suite's (`--db`), so the shared test
database is left alone.
"""

import secrets
from datetime import datetime

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import make_url

from neig_workspace import create_app
from neig_workspace.extensions import db
from neig_workspace.search.index import in_models
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def fresh_database_url(app, tmp_path):
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"neig_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(PG_ADMIN_URL)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migration_app(fresh_database_url, tmp_path):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=fresh_database_url, MAIL_OUTBOX_DIR=str(tmp_path)
    )
    yield app
    with app.app_context():
        db.engine.dispose()  # release the connections, so PostgreSQL can drop the database


def _schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": in_models}
        )
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_migrations_match_the_models_and_go_down_and_up(migration_app):
    model_tables = set(db.metadata.tables)
    with migration_app.app_context():
        upgrade()
        assert model_tables <= _tables()
        differences = _schema_differences()
        assert differences == [], f"the migrations and the models differ: {differences}"

        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}

        upgrade()
        assert model_tables <= _tables()
        assert _schema_differences() == []


def _plant(connection, metadata, table: str, **given) -> int:
    """A row of `table` as it is at this revision: `given`, and a plain value in every other
    column that needs one."""
    columns = metadata.tables[table].columns
    values = dict(given)
    for column in columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is None:
            kind = column.type.python_type
            values[column.name] = {int: 1, bool: False, str: "x"}.get(kind, datetime(2026, 1, 1))
    return connection.execute(columns[0].table.insert().values(**values)).inserted_primary_key[0]


def test_a_database_with_documents_is_brought_up_from_before_search(migration_app):
    """Migrations that fill the search index call today's code (search/index.py); a database
    that already held documents before 0020 comes up with every document's row, its space
    copied, however that code has grown since."""
    with migration_app.app_context():
        upgrade(revision="0019_failed_jobs")
        metadata = MetaData()
        metadata.reflect(db.engine)
        with db.engine.begin() as connection:
            org = _plant(
                connection, metadata, "organisations", name="Gemeente A", slug="a", type="gemeente"
            )
            space = _plant(
                connection,
                metadata,
                "spaces",
                name="A",
                kind="organisation",
                organisation_id=org,
                classification="intern",
            )
            document = _plant(
                connection,
                metadata,
                "documents",
                space_id=space,
                title="Verslag gemeente",
                classification="intern",
                status="concept",
                latest_number=0,
                is_text=False,
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT document_id, space_id FROM search_index")).all()
        assert [tuple(row) for row in rows] == [(document, space)]
