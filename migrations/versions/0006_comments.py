"""Drafts, text versions, comments and comment rounds

Revision ID: 0006_comments
Revises: 0005_notifications
Create Date: 2026-11-29 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_comments'
down_revision = '0005_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_text', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('comment_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_comment_rounds_closed_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_comment_rounds_document_id_documents')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_comment_rounds_opened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_rounds')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_comment_rounds_document_id'))
    )
    with op.batch_alter_table('comment_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_rounds_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_rounds_document_id'), ['document_id'], unique=False)

    op.create_table('comment_round_invitations',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_comment_round_invitations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['round_id'], ['comment_rounds.id'], name=op.f('fk_comment_round_invitations_round_id_comment_rounds')),
    sa.PrimaryKeyConstraint('round_id', 'organisation_id', name=op.f('pk_comment_round_invitations'))
    )

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('paragraph', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('decision', sa.Enum('overgenomen', 'deels_overgenomen', 'niet_overgenomen', 'kennisgenomen', name='decision', native_enum=False, length=24), nullable=True),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_comments_document_id_documents')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_comments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_comments_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'], name=op.f('fk_comments_responded_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['comment_rounds.id'], name=op.f('fk_comments_round_id_comment_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_document_created', ['document_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_round_id'), ['round_id'], unique=False)

    op.create_table('comment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_revisions_comment_id_comments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions'))
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)


def downgrade():
    op.drop_table('comment_revisions')
    op.drop_table('comments')
    op.drop_table('comment_round_invitations')
    op.drop_table('comment_rounds')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('is_text')
