"""The audit log is append-only in the database: a trigger refuses UPDATE and DELETE

Revision ID: 0016_audit_append_only
Revises: 0015_edit_versions
Create Date: 2026-12-04 18:00:00

Only the audit retention (`neig_workspace.audit.service.prune`, run by `flask neig retention`
with AUDIT_RETENTION_YEARS) deletes rows: inside its own transaction it sets
`neig.audit_retention` to 'on' (PostgreSQL, SET LOCAL through set_config) or the connection flag
the application's SQLite function neig_audit_retention() reads. UPDATE and TRUNCATE are refused
always. A connection without that function (the sqlite3 shell) cannot delete audit rows at all.

On SQLite, a batch migration that rebuilds audit_events (copy, drop, rename) loses these
triggers: such a migration must create them again.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_audit_append_only'
down_revision = '0015_edit_versions'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION neig_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
PG_ROW_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION neig_audit_append_only()
"""
PG_TRUNCATE_TRIGGER = """
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION neig_audit_append_only()
"""
SQLITE_UPDATE_TRIGGER = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END
"""
SQLITE_DELETE_TRIGGER = """
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN neig_audit_retention() IS NOT 1
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in (PG_FUNCTION, PG_ROW_TRIGGER, PG_TRUNCATE_TRIGGER):
            op.execute(statement)
    else:
        op.execute(SQLITE_UPDATE_TRIGGER)
        op.execute(SQLITE_DELETE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS neig_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
