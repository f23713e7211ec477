"""Action plans, lines, action items, progress and KPI figures

Revision ID: 0007_action_plans
Revises: 0006_comments
Create Date: 2026-11-29 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_action_plans'
down_revision = '0006_comments'
branch_labels = None
depends_on = None

STATUSES = ('niet_gestart', 'op_schema', 'risico', 'vertraagd', 'afgerond', 'vervallen')


def _status(name, nullable=False):
    return sa.Column(name, sa.Enum(*STATUSES, name='itemstatus', native_enum=False, length=16), nullable=nullable)


def upgrade():
    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=False),
    sa.Column('baseline_count', sa.Integer(), nullable=False),
    sa.Column('target_reduction_percent', sa.Integer(), nullable=False),
    sa.Column('attack_source', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_plans_created_by_id_users')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_action_plans_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans'))
    )
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plans_space_id'), ['space_id'], unique=False)

    op.create_table('action_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_action_lines_plan_id_action_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_lines')),
    sa.UniqueConstraint('plan_id', 'name', name=op.f('uq_action_lines_plan_id'))
    )
    with op.batch_alter_table('action_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_lines_plan_id'), ['plan_id'], unique=False)

    op.create_table('action_attack_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('attacks', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('attacks >= 0', name=op.f('ck_action_attack_figures_attacks_not_negative')),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_action_attack_figures_month_range')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_action_attack_figures_entered_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_action_attack_figures_plan_id_action_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_attack_figures')),
    sa.UniqueConstraint('plan_id', 'year', 'month', name=op.f('uq_action_attack_figures_plan_id'))
    )
    with op.batch_alter_table('action_attack_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_attack_figures_plan_id'), ['plan_id'], unique=False)

    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lead_organisation_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    _status('status'),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('last_update_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_organisation_id'], ['organisations.id'], name=op.f('fk_action_items_lead_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['line_id'], ['action_lines.id'], name=op.f('fk_action_items_line_id_action_lines')),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_action_items_plan_id_action_plans')),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_action_items_responsible_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_items')),
    sa.UniqueConstraint('plan_id', 'code', name=op.f('uq_action_items_plan_id'))
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index('ix_action_items_plan_due', ['plan_id', 'due_date'], unique=False)
        batch_op.create_index('ix_action_items_plan_status', ['plan_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_lead_organisation_id'), ['lead_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_responsible_id'), ['responsible_id'], unique=False)

    op.create_table('action_item_contributors',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_item_contributors_item_id_action_items')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_item_contributors_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('item_id', 'organisation_id', name=op.f('pk_action_item_contributors'))
    )
    with op.batch_alter_table('action_item_contributors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_contributors_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('action_item_narrowings',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_item_narrowings_item_id_action_items')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_item_narrowings_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('item_id', 'organisation_id', name=op.f('pk_action_item_narrowings'))
    )

    op.create_table('action_item_documents',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_action_item_documents_added_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_action_item_documents_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_item_documents_item_id_action_items')),
    sa.PrimaryKeyConstraint('item_id', 'document_id', name=op.f('pk_action_item_documents'))
    )
    with op.batch_alter_table('action_item_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_documents_document_id'), ['document_id'], unique=False)

    op.create_table('action_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_milestones_created_by_id_users')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_action_milestones_done_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_milestones_item_id_action_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_milestones'))
    )
    with op.batch_alter_table('action_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_milestones_item_id'), ['item_id'], unique=False)

    op.create_table('action_progress_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    _status('status_before'),
    _status('status_after', nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_action_progress_updates_author_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_progress_updates_item_id_action_items')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_progress_updates_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_progress_updates'))
    )
    with op.batch_alter_table('action_progress_updates', schema=None) as batch_op:
        batch_op.create_index('ix_action_progress_updates_item', ['item_id', 'id'], unique=False)

    op.create_table('action_item_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_action_item_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_item_changes_item_id_action_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item_changes'))
    )
    with op.batch_alter_table('action_item_changes', schema=None) as batch_op:
        batch_op.create_index('ix_action_item_changes_item', ['item_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_item_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_action_item_changes_item')
    op.drop_table('action_item_changes')

    with op.batch_alter_table('action_progress_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_action_progress_updates_item')
    op.drop_table('action_progress_updates')

    with op.batch_alter_table('action_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_milestones_item_id'))
    op.drop_table('action_milestones')

    with op.batch_alter_table('action_item_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_documents_document_id'))
    op.drop_table('action_item_documents')

    op.drop_table('action_item_narrowings')

    with op.batch_alter_table('action_item_contributors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_contributors_organisation_id'))
    op.drop_table('action_item_contributors')

    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_items_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_action_items_plan_id'))
        batch_op.drop_index(batch_op.f('ix_action_items_line_id'))
        batch_op.drop_index(batch_op.f('ix_action_items_lead_organisation_id'))
        batch_op.drop_index('ix_action_items_plan_status')
        batch_op.drop_index('ix_action_items_plan_due')
    op.drop_table('action_items')

    with op.batch_alter_table('action_attack_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_attack_figures_plan_id'))
    op.drop_table('action_attack_figures')

    with op.batch_alter_table('action_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_lines_plan_id'))
    op.drop_table('action_lines')

    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plans_space_id'))
    op.drop_table('action_plans')
