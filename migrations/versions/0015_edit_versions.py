"""A version column on every row people edit (optimistic locking)

Revision ID: 0015_edit_versions
Revises: 0014_email_changes
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_edit_versions'
down_revision = '0014_email_changes'
branch_labels = None
depends_on = None

#: The tables of db_types.Versioned models; existing rows start at version 1.
TABLES = (
    'action_items',
    'action_plans',
    'articles',
    'case_aftercare_tasks',
    'case_measures',
    'cases',
    'documents',
    'identity_providers',
    'legal_bases',
    'meetings',
    'organisations',
    'spaces',
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False)
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
