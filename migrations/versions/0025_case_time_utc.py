"""A case's incident time in UTC, like every other moment (issue 21)

Revision ID: 0025_case_time_utc
Revises: 0024_access_generation
Create Date: 2026-12-06 01:00:00

The case form stored the typed Dutch wall-clock time as it was, while the pages and the CSV
export read every stored moment as UTC: the case page said 03:15 and the export 04:15. From now
on the form converts to UTC; this turns the times stored so far from Europe/Amsterdam to UTC
(one row at a time, so each gets its own summer or winter offset).
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_case_time_utc"
down_revision = "0024_access_generation"
branch_labels = None
depends_on = None

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("occurred_at", sa.DateTime))


def _shift(to_utc: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(cases.c.id, cases.c.occurred_at)).all()
    for case_id, moment in rows:
        if to_utc:
            moved = moment.replace(tzinfo=AMSTERDAM).astimezone(UTC)
        else:
            moved = moment.replace(tzinfo=UTC).astimezone(AMSTERDAM)
        bind.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(occurred_at=moved.replace(tzinfo=None))
        )


def upgrade():
    _shift(to_utc=True)


def downgrade():
    _shift(to_utc=False)
