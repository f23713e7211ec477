"""One thing's audit events from one index (issue 18)

Revision ID: 0029_audit_events_target_index
Revises: 0028_search_rows_rebuilt
Create Date: 2026-12-06 13:20:00

A document's page shows its history: its events, newest first. With no index on the target,
PostgreSQL read every event of the history's kinds (15,000 of 113,000 at national scale, 9-13 ms
of every document page, growing with the log) and kept the one document's. This index on
(target_type, target_id, id) reads the document's events alone, newest first.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_audit_events_target_index"
down_revision = "0028_search_rows_rebuilt"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_target", "audit_events", ["target_type", "target_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_target", table_name="audit_events")
