"""Data-subject rights and retention for spaces (issue 22, part B)

Revision ID: 0022_privacy_rights
Revises: 0021_access_reviews_privacy
Create Date: 2026-12-06 00:40:00

- A purpose next to the legal basis of every item shared into a case (documents, timeline
  entries, measures, aftercare tasks) and of every row of the disclosure register; existing rows
  take their case's purpose.
- A retention hold on spaces, and `space_retention_runs`: the dry-run listings of
  `flask neig retention` (the token that applies one, stored hashed) and the anonymous count of
  what each applied run destroyed.
- `audit_redactions`: erasing an account rewrites the details of the audit events that named
  the person (a pseudonym instead). The event keeps its hash, which the next event links to; the
  hash of its new content is kept here and bound by a digest in the `account.erased` event that
  follows it in the chain (neig_workspace/audit/service.py, `redact`). The append-only trigger
  lets such a transaction change `details` alone.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_privacy_rights"
down_revision = "0021_access_reviews_privacy"
branch_labels = None
depends_on = None

#: the case item tables that get a purpose, with the column that names their case
ITEM_TABLES = (
    ("case_documents", "case_id"),
    ("case_timeline_entries", "case_id"),
    ("case_measures", "case_id"),
    ("case_aftercare_tasks", "case_id"),
    ("case_disclosures", "case_id"),
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION neig_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('neig.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('neig.audit_redaction', true) = 'on'
       AND NEW.id = OLD.id AND NEW.hash = OLD.hash AND NEW.prev_hash = OLD.prev_hash
       AND NEW.at = OLD.at AND NEW.action = OLD.action AND NEW.result = OLD.result
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_org_id IS NOT DISTINCT FROM OLD.actor_org_id
       AND NEW.target_type IS NOT DISTINCT FROM OLD.target_type
       AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id
       AND NEW.space_id IS NOT DISTINCT FROM OLD.space_id
       AND NEW.ip IS NOT DISTINCT FROM OLD.ip
       AND NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Old audit events are removed only by the audit retention '
                     '(flask neig retention with AUDIT_RETENTION_YEARS); details are '
                     'rewritten only by the erasure of an account.';
END
$$
"""
PG_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION neig_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('neig.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Old audit events are removed only by the audit retention '
                     '(flask neig retention with AUDIT_RETENTION_YEARS).';
END
$$
"""
SQLITE_UPDATE_TRIGGER = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN neig_audit_redaction() IS NOT 1
  OR NEW.id IS NOT OLD.id OR NEW.hash IS NOT OLD.hash OR NEW.prev_hash IS NOT OLD.prev_hash
  OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action OR NEW.result IS NOT OLD.result
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_org_id IS NOT OLD.actor_org_id
  OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id
  OR NEW.space_id IS NOT OLD.space_id OR NEW.ip IS NOT OLD.ip
  OR NEW.user_agent IS NOT OLD.user_agent
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END
"""
SQLITE_UPDATE_TRIGGER_BEFORE = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END
"""


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, case_column in ITEM_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("purpose", sa.Text(), nullable=False, server_default=""))
        op.execute(
            f"UPDATE {table} SET purpose = COALESCE("  # noqa: S608 - fixed names above
            f"(SELECT cases.purpose FROM cases WHERE cases.id = {table}.{case_column}), '')"
        )
    with op.batch_alter_table("spaces") as batch_op:
        batch_op.add_column(sa.Column("retention_hold_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("retention_hold_reason", sa.Text(), nullable=False, server_default="")
        )
    op.create_table(
        "space_retention_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("listed_at", sa.DateTime(), nullable=False),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("destroyed", sa.JSON(), nullable=False),
    )
    op.create_table(
        "audit_redactions",
        sa.Column("event_id", sa.Integer(), primary_key=True),
        sa.Column("redaction_id", sa.Integer(), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    if postgres:
        op.execute(PG_FUNCTION)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(SQLITE_UPDATE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION_BEFORE)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(SQLITE_UPDATE_TRIGGER_BEFORE)
    op.drop_table("audit_redactions")
    op.drop_table("space_retention_runs")
    with op.batch_alter_table("spaces") as batch_op:
        batch_op.drop_column("retention_hold_reason")
        batch_op.drop_column("retention_hold_at")
    for table, _ in reversed(ITEM_TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("purpose")
