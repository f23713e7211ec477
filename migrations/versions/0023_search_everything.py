"""The full-text index of comments, articles, meetings and case material (issue 20)

Revision ID: 0023_search_everything
Revises: 0022_privacy_rights
Create Date: 2026-12-06 00:40:00

The same pair as 0020 for each further searchable kind: a table with the snippet text (and on
PostgreSQL a weighted, GIN-indexed tsvector) keyed by the thing's id, and on SQLite an FTS5
table (rowid = the thing's id). A deleted row takes its index rows along: a foreign key on
PostgreSQL, a trigger on SQLite. Text drafts are documents (search_index). What exists is
indexed here; `flask neig search reindex` rebuilds the rows at any time.

On PostgreSQL every index table (0020's too) keeps its rows narrow: the tsvector inline (storage
MAIN) and the snippet text out of line (toast_tuple_target 128), so counting and ranking the
hits of a common word reads the vectors, not the texts beside them. A partial index finds the
text drafts of a reader's spaces without going through all their documents. Rows written before this
keep their layout until rewritten (`flask neig search reindex` rewrites them all).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0023_search_everything"
down_revision = "0022_privacy_rights"
branch_labels = None
depends_on = None

#: index table, its key, the table it indexes, the FTS5 table (SQLite)
TABLES = (
    ("search_comments", "comment_id", "comments", "search_comments_fts"),
    ("search_articles", "article_id", "articles", "search_articles_fts"),
    ("search_meetings", "meeting_id", "meetings", "search_meetings_fts"),
    ("search_cases", "case_id", "cases", "search_cases_fts"),
    ("search_measures", "measure_id", "case_measures", "search_measures_fts"),
    ("search_tasks", "task_id", "case_aftercare_tasks", "search_tasks_fts"),
    ("search_entries", "entry_id", "case_timeline_entries", "search_entries_fts"),
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
    op.create_index(
        "ix_documents_text_drafts",
        "documents",
        ["space_id"],
        postgresql_where=sa.text("is_text"),
        sqlite_where=sa.text("is_text"),
    )
    if postgres:
        for table in (*(t[0] for t in TABLES), "search_index", "search_items"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN vector SET STORAGE MAIN")
            op.execute(f"ALTER TABLE {table} SET (toast_tuple_target = 128)")
    _backfill()


def _backfill():
    from neig_workspace.search.index import KINDS, all_ids, reindex

    connection = op.get_bind()
    names = {table for table, *_rest in TABLES}
    for kind in KINDS:
        if kind.table in names:
            for batch in all_ids(connection, kind):
                reindex(connection, batch, kind)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_documents_text_drafts", table_name="documents")
    if postgres:
        for table in ("search_index", "search_items"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN vector SET STORAGE EXTENDED")
            op.execute(f"ALTER TABLE {table} RESET (toast_tuple_target)")
    for table, _key, _indexed, fts in TABLES:
        if not postgres:
            op.execute(f"DROP TRIGGER {fts}_gone")
            op.execute(f"DROP TABLE {fts}")
        op.drop_table(table)
