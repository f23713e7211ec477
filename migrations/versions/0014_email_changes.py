"""E-mail address changes confirmed through the new address (issue 15)

Revision ID: 0014_email_changes
Revises: 0013_directory
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_email_changes'
down_revision = '0013_directory'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_changes')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_changes_token_hash'))
    )
    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_changes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_changes_user_id'))

    op.drop_table('email_changes')
