"""Indexes for the access filters at national scale (issue 18)

Revision ID: 0017_filter_indexes
Revises: 0016_audit_append_only
Create Date: 2026-12-04 21:30:00

- notifications (user_id, read_at): the unread count in every page header reads only the
  user's unread rows;
- audit_events (space_id, at): a space's events since a moment (the spaces list's news since
  the last visit, the dashboard's news).

Only indexes: no table is rebuilt, so the audit log's append-only triggers stay as they are.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_filter_indexes'
down_revision = '0016_audit_append_only'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])
    op.create_index('ix_audit_events_space_at', 'audit_events', ['space_id', 'at'])


def downgrade():
    op.drop_index('ix_audit_events_space_at', table_name='audit_events')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
