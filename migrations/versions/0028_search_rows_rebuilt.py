"""Search rows rebuilt: terms keep a word's "ge-", a document's row names its space (issue 20)

Revision ID: 0028_search_rows_rebuilt
Revises: 0027_live_documents_facets
Create Date: 2026-12-06 07:50:00

- The Kraaij-Pohlmann stemmer takes "ge-" off every word as if from a participle: gemeente was
  indexed as "men", geweld as "wel", gezin as "zin", so a search for a municipality found every
  text with "men" in it. search/text.py now keeps the prefix.
- A document's row in search_index also holds the document's space and whether it is a text
  draft (both fixed when the document is made). Search narrows the matching rows to the
  reader's spaces before it looks up a single document: for a word in 8,000 texts PostgreSQL
  otherwise looked up every one of them, or sorted all 18,000 documents the reader may read.
  Whether the reader may read a document is still decided on the document (the policy's
  clause); the copy only leaves out rows sooner. An index on the space lets PostgreSQL leave
  them out before it reads a phrase's positions.

Every row is rebuilt here, as `flask neig search reindex` would.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_search_rows_rebuilt"
down_revision = "0027_live_documents_facets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_index", sa.Column("space_id", sa.Integer(), nullable=True))
    op.add_column("search_index", sa.Column("is_text", sa.Boolean(), nullable=True))
    # With the GIN index, the rows of a phrase in the reader's spaces are found before each
    # one's positions are read (a phrase in 8,000 texts: 28 -> 15 ms).
    op.create_index("ix_search_index_space_id", "search_index", ["space_id"])
    _rebuild()


def downgrade() -> None:
    """The columns go; the rows keep their new terms (the old ones only brought wrong hits)."""
    op.drop_index("ix_search_index_space_id", table_name="search_index")
    with op.batch_alter_table("search_index") as batch:
        batch.drop_column("is_text")
        batch.drop_column("space_id")


def _rebuild() -> None:
    from neig_workspace.search.index import KINDS, all_ids, reindex

    connection = op.get_bind()
    for kind in KINDS:
        for batch in all_ids(connection, kind):
            reindex(connection, batch, kind)
