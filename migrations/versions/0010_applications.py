"""Applications to join the network

Revision ID: 0010_applications
Revises: 0009_cases
Create Date: 2026-11-29 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_applications'
down_revision = '0009_cases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('org_type', sa.Enum('municipality', 'police', 'public_prosecutor', 'housing', 'insurer', 'business', 'association', 'ministry', 'secretariat', name='orgtype', native_enum=False, length=32), nullable=False),
    sa.Column('cbs_code', sa.String(length=6), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('contact_role', sa.String(length=200), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('privacy_consent_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'question_asked', 'approved', 'rejected', name='applicationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_applications_handled_by_id_users')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_applications_invitation_id_invitations')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_applications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_cbs_code'), ['cbs_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)

    op.create_table('application_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_questions_application_id_applications')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_application_questions_asked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_questions'))
    )
    with op.batch_alter_table('application_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_questions_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('application_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_questions_application_id'))

    op.drop_table('application_questions')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_email'))
        batch_op.drop_index(batch_op.f('ix_applications_cbs_code'))

    op.drop_table('applications')
