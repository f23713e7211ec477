"""Member directory settings and the dashboard's last visit

Revision ID: 0013_directory
Revises: 0012_meetings
Create Date: 2026-11-29 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_directory'
down_revision = '0012_meetings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('show_name', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('show_job_title', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('show_organisation', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('show_email', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('show_phone', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_directory_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_directory_profiles'))
    )
    op.create_table('dashboard_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dashboard_visits_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_dashboard_visits'))
    )


def downgrade():
    op.drop_table('dashboard_visits')
    op.drop_table('directory_profiles')
