"""The dead-letter list of background jobs (issue 19)

Revision ID: 0019_failed_jobs
Revises: 0018_version_texts
Create Date: 2026-12-05 21:30:00

A job that keeps failing (its retries exhausted, or its one attempt when jobs run inline) is
kept here for platform admins (/beheer/taken): its kind, a summary for people, the payload to
run it again (an e-mail's sealed), the number of attempts and the error.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_failed_jobs'
down_revision = '0018_version_texts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'failed_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=80), nullable=False),
        sa.Column('summary', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('failed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs')),
    )
    op.create_index(op.f('ix_failed_jobs_failed_at'), 'failed_jobs', ['failed_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_failed_jobs_failed_at'), table_name='failed_jobs')
    op.drop_table('failed_jobs')
