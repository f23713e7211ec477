"""The migrations build exactly the schema the models describe, and can be undone and redone.

Runs on a separate, fresh database of the same kind as the suite's (`--db`), so the shared test
database is left alone.
"""

import secrets

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
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
