"""The access generation: one token that every change to who may read what replaces

Revision ID: 0024_access_generation
Revises: 0023_search_everything
Create Date: 2026-12-06 01:00:00

`access_generation` holds one row whose token a trigger replaces, in the same transaction, on
every change the access id sets of a user are built from (neig_workspace/access/scope.py
`_granted_spaces`): grants, memberships, an organisation's `active`, a space's kind,
classification, MFA flag or archiving, a case's space and a case's organisations. Each app
process keeps those id sets across requests under the token it read with the session record
(access/generation.py): a changed token is a miss, in every process at once.

The token is random (128 bits), not a counter: a rolled-back change, a rewound sequence or a
restored backup never brings back a token some process still holds for another state.

On PostgreSQL, statement triggers (and TRUNCATE); on SQLite, row triggers. A later SQLite batch
migration that rebuilds one of these tables (copy, drop, rename) loses its triggers and must
create them again (`create_triggers` below lists them).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_access_generation"
down_revision = "0023_search_everything"
branch_labels = None
depends_on = None

#: table -> the changes that bump the token ("UPDATE OF …": only those columns).
WATCHED = {
    "space_grants": ("INSERT", "UPDATE", "DELETE"),
    "memberships": ("INSERT", "UPDATE", "DELETE"),
    "case_organisations": ("INSERT", "UPDATE", "DELETE"),
    "cases": ("INSERT", "DELETE", "UPDATE OF space_id"),
    "spaces": ("INSERT", "DELETE", "UPDATE OF kind, classification, mfa_required, archived_at"),
    "organisations": ("DELETE", "UPDATE OF active"),
}

PG_FUNCTION = """
CREATE FUNCTION neig_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE access_generation SET token = replace(gen_random_uuid()::text, '-', '') WHERE id = 1;
    RETURN NULL;
END
$$
"""
SQLITE_RANDOM_HEX = "lower(hex(randomblob(16)))"


def _name(table: str, change: str) -> str:
    return f"{table}_access_{change.split()[0].lower()}"


def create_triggers(postgres: bool) -> None:
    for table, changes in WATCHED.items():
        if postgres:
            events = " OR ".join((*changes, "TRUNCATE"))
            op.execute(
                f"CREATE TRIGGER {table}_access_changed AFTER {events} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION neig_access_changed()"
            )
            continue
        for change in changes:
            bump = f"UPDATE access_generation SET token = {SQLITE_RANDOM_HEX} WHERE id = 1"  # noqa: S608
            op.execute(
                f"CREATE TRIGGER {_name(table, change)} AFTER {change} ON {table} BEGIN {bump}; END"
            )


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "access_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_generation")),
    )
    new_token = "replace(gen_random_uuid()::text, '-', '')" if postgres else SQLITE_RANDOM_HEX
    op.execute(f"INSERT INTO access_generation (id, token) VALUES (1, {new_token})")  # noqa: S608
    if postgres:
        op.execute(PG_FUNCTION)
    create_triggers(postgres)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, changes in WATCHED.items():
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_access_changed ON {table}")
        else:
            for change in changes:
                op.execute(f"DROP TRIGGER IF EXISTS {_name(table, change)}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS neig_access_changed()")
    op.drop_table("access_generation")
