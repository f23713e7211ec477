"""The live documents' index also holds their classification (issue 20)

Revision ID: 0027_live_documents_facets
Revises: 0026_live_documents_index
Create Date: 2026-12-06 07:40:00

Search counts its facets (space, organisation, period, classification) from the hits it has
just read rather than in a second SELECT over their ids. The hits come from an index-only scan
of ix_documents_live_by_space; without the classification in that index, PostgreSQL read the
row of each of the 18,000 documents a member of 301 spaces may read.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_live_documents_facets"
down_revision = "0026_live_documents_index"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def _recreate(columns: list[str]) -> None:
    op.drop_index("ix_documents_live_by_space", table_name="documents")
    op.create_index(
        "ix_documents_live_by_space",
        "documents",
        columns,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def upgrade() -> None:
    _recreate(["space_id", "is_text", "id", "updated_at", "classification"])


def downgrade() -> None:
    _recreate(["space_id", "is_text", "id", "updated_at"])
