"""Comments on action items: a comment belongs to a document or to an action item

Revision ID: 0008_item_comments
Revises: 0007_action_plans
Create Date: 2026-11-29 05:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_item_comments'
down_revision = '0007_action_plans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('version_number', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('action_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comments_action_item_id_action_items'), 'action_items', ['action_item_id'], ['id'])
        batch_op.create_index('ix_comments_action_item_created', ['action_item_id', 'created_at'], unique=False)
        batch_op.create_check_constraint('one_subject', '(document_id IS NULL) <> (action_item_id IS NULL)')


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comments_one_subject'), type_='check')
        batch_op.drop_index('ix_comments_action_item_created')
        batch_op.drop_constraint(batch_op.f('fk_comments_action_item_id_action_items'), type_='foreignkey')
        batch_op.drop_column('action_item_id')
        batch_op.alter_column('version_number', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=False)
