"""The text read from each document version's file, for search (issue 20)

Revision ID: 0018_version_texts
Revises: 0017_filter_indexes
Create Date: 2026-12-05 21:45:00

One row per version once its file has been read (documents/extraction.py): the status (ok,
no_text, unreadable, too_large, timeout, unsupported), the text capped at EXTRACT_MAX_CHARS and
the parser that read it. The row goes with its version (ON DELETE CASCADE).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_version_texts'
down_revision = '0017_filter_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'version_texts',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('ok', 'no_text', 'unreadable', 'too_large', 'timeout', 'unsupported', name='textstatus', native_enum=False, length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('truncated', sa.Boolean(), nullable=False),
        sa.Column('extractor', sa.String(length=60), nullable=False),
        sa.Column('extracted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'], name=op.f('fk_version_texts_version_id_document_versions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_texts')),
    )


def downgrade():
    op.drop_table('version_texts')
