"""Search terms keep a word's "ge-": every index row rebuilt (issue 20)

Revision ID: 0028_search_terms_keep_ge
Revises: 0027_live_documents_facets
Create Date: 2026-12-06 07:50:00

The Kraaij-Pohlmann stemmer takes "ge-" off every word as if from a participle: gemeente was
indexed as "men", geweld as "wel", gezin as "zin", so a search for a municipality found every
text with "men" in it. search/text.py now keeps the prefix; the rows indexed before hold the old
terms and are rebuilt here, as `flask neig search reindex` would.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_search_terms_keep_ge"
down_revision = "0027_live_documents_facets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild()


def downgrade() -> None:
    """The rows stay as they are: the old terms would only bring the wrong hits back, and a
    downgraded app still reads these."""


def _rebuild() -> None:
    from neig_workspace.search.index import KINDS, all_ids, reindex

    connection = op.get_bind()
    for kind in KINDS:
        for batch in all_ids(connection, kind):
            reindex(connection, batch, kind)
