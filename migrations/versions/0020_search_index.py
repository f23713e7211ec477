"""The full-text index of documents (issue 20)

Revision ID: 0020_search_index
Revises: 0019_failed_jobs
Create Date: 2026-12-05 22:30:00

One row per document in search_index: the text its snippets are cut from and, on PostgreSQL,
a weighted tsvector with a GIN index. SQLite keeps the terms in the FTS5 table search_fts
(rowid = document id). A deleted document takes its rows along: a foreign key on PostgreSQL,
a trigger on SQLite (an FTS5 table has no foreign keys). Existing documents are indexed here;
`flask neig search reindex` rebuilds the rows at any time.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0020_search_index'
down_revision = '0019_failed_jobs'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    columns = [
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False, server_default=''),
    ]
    if postgres:
        columns.append(sa.Column('vector', postgresql.TSVECTOR(), nullable=False))
    op.create_table(
        'search_index',
        *columns,
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id'),
    )
    if postgres:
        op.create_index(
            'ix_search_index_vector', 'search_index', ['vector'], postgresql_using='gin'
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, meta, description, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_fts_document_gone AFTER DELETE ON documents BEGIN"
            " DELETE FROM search_fts WHERE rowid = old.id; END"
        )
    _backfill()


def _backfill():
    from neig_workspace.search.index import document_ids, reindex

    connection = op.get_bind()
    for batch in document_ids(connection):
        reindex(connection, batch)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.execute("DROP TRIGGER search_fts_document_gone")
        op.execute("DROP TABLE search_fts")
    op.drop_table('search_index')
