"""The full-text index of documents and action items (issue 20)

Revision ID: 0020_search_index
Revises: 0019_failed_jobs
Create Date: 2026-12-05 22:30:00

One row per document in search_index (per action item in search_items): the text its snippets
are cut from and, on PostgreSQL, a weighted tsvector with a GIN index. SQLite keeps the terms
in the FTS5 tables search_fts and search_items_fts (rowid = the document's or item's id). A
deleted document or item takes its rows along: a foreign key on PostgreSQL, a trigger on SQLite
(an FTS5 table has no foreign keys). What exists is indexed here; `flask neig search reindex`
rebuilds the rows at any time.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0020_search_index"
down_revision = "0019_failed_jobs"
branch_labels = None
depends_on = None

#: index table, its key, the table it indexes, the FTS5 table (SQLite)
TABLES = (
    ("search_index", "document_id", "documents", "search_fts"),
    ("search_items", "item_id", "action_items", "search_items_fts"),
)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, key, indexed, fts in TABLES:
        columns = [
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column("content", sa.Text(), nullable=False, server_default=""),
        ]
        if postgres:
            columns.append(sa.Column("vector", postgresql.TSVECTOR(), nullable=False))
        op.create_table(
            table,
            *columns,
            sa.ForeignKeyConstraint([key], [f"{indexed}.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint(key),
        )
        if postgres:
            op.create_index(f"ix_{table}_vector", table, ["vector"], postgresql_using="gin")
        else:
            op.execute(
                f"CREATE VIRTUAL TABLE {fts} USING fts5("
                "title, meta, description, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
            delete = f"DELETE FROM {fts} WHERE rowid = old.id"  # noqa: S608 # names of TABLES
            op.execute(f"CREATE TRIGGER {fts}_gone AFTER DELETE ON {indexed} BEGIN {delete}; END")
    _backfill()


def _backfill():
    """The action items' rows. The documents' rows are written by 0028, which rebuilds every
    row: today's code writes a document's row with columns that 0028 adds, and would fail on
    this table as it is here."""
    from neig_workspace.search.index import ITEMS, all_ids, reindex

    connection = op.get_bind()
    for kind in (ITEMS,):
        for batch in all_ids(connection, kind):
            reindex(connection, batch, kind)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _key, _indexed, fts in TABLES:
        if not postgres:
            op.execute(f"DROP TRIGGER {fts}_gone")
            op.execute(f"DROP TABLE {fts}")
        op.drop_table(table)
