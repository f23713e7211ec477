"""The live documents of a space as ids from one index (issue 20)

Revision ID: 0026_live_documents_index
Revises: 0025_case_time_utc
Create Date: 2026-12-06 04:30:00

Search asks for the newest matching documents in the reader's spaces that are not in the trash.
With only the index on space_id, PostgreSQL read every such document's row (18,000 for a member
in 301 spaces at national scale, half of the search's database time); this partial index on
(space_id, is_text, id, updated_at) answers the same, with the date hits are ordered by, from
the index alone.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_live_documents_index"
down_revision = "0025_case_time_utc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_documents_live_by_space",
        "documents",
        ["space_id", "is_text", "id", "updated_at"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_documents_live_by_space", table_name="documents")
