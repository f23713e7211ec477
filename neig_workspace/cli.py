"""`flask neig …`: administration from the command line."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db

neig = AppGroup("neig", help="NEIG Werkruimte administration.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(neig)


@neig.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds users already.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo network (organisations and users in every role)."""
    from .demo import database_is_empty, load_demo_network

    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("Demo data is refused in production.")
    if if_empty and not database_is_empty():
        click.echo("The database holds data already; demo network not loaded.")
        return
    load_demo_network()
    db.session.commit()
    click.echo("Demo network loaded; `flask neig demo-logins` lists the accounts.")


def _scale_options(command):
    from .scale import DEFAULTS, derived_help

    for name, default in reversed(DEFAULTS.items()):
        flag = "--" + name.replace("_", "-")
        if default is None:  # in proportion to another figure unless given
            option = click.option(flag, type=int, default=None, help=derived_help(name))
        else:
            option = click.option(flag, type=int, default=default, show_default=True)
        command = option(command)
    return command


@neig.command("seed-scale")
@_scale_options
@click.option("--password", default=None, help="Every seeded account's password.")
@click.option("--totp-secret", default=None, help="Base32 TOTP secret of the named user and admin.")
@click.option("--seed", type=int, default=18, show_default=True, help="Random seed.")
@click.option("--force", is_flag=True, help="Seed even when the database holds data.")
@click.option(
    "--vacuum/--no-vacuum",
    default=True,
    show_default=True,
    help="PostgreSQL: VACUUM after seeding, as autovacuum would (not inside an open transaction).",
)
def seed_scale_command(password, totp_secret, seed, force, vacuum, **figures) -> None:
    """Seed the network at national scale for measuring: bulk inserts, minutes.

    The named user (a Rotterdam member) and a platform admin get the password and TOTP secret
    printed at the end. Refused in production and, without --force, on a database that holds
    anything beyond the migrations' seed.
    """
    from sqlalchemy import text

    from . import scale

    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("Scale data is refused in production.")
    if not force and scale.database_has_content():
        raise click.ClickException("The database holds data already; use --force to add to it.")
    counts = scale.Counts(**figures).resolved()
    report = scale.seed_scale(
        counts,
        password=password or scale.DEFAULT_PASSWORD,
        totp_secret=totp_secret or scale.DEFAULT_TOTP_SECRET,
        seed=seed,
    )
    db.session.commit()
    # The rows went in in bulk, past the flush the search index follows: build it now.
    indexed = _reindex()
    if db.session.get_bind().dialect.name == "postgresql":  # the planner's figures, at once
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        if vacuum:
            _vacuum()
    click.echo(f"Seeded in {report.seconds:.0f} s: {sum(report.rows.values())} rows.")
    click.echo(f"Indexed {indexed} searchable things for search.")
    click.echo(
        f"Named user: {scale.NAMED_EMAIL} (id {report.named_user_id}); admin: {scale.ADMIN_EMAIL}"
    )
    click.echo(
        f"Folder of {counts.big_folder}: /werkruimtes/{report.big_folder_space_id}"
        f"/documenten?map={report.big_folder_id}"
    )


def _vacuum() -> None:
    """What autovacuum does soon after bulk inserts, at once: the visibility map set (index-only
    scans) and the GIN indexes' pending lists merged (until then a search reads a freshly loaded
    index's whole pending list). VACUUM runs outside a transaction, on a connection of its own."""
    from sqlalchemy import text

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM"))


@neig.command("demo-logins")
def demo_logins() -> None:
    """Print the demo accounts."""
    from .demo import DEMO_PASSWORD, demo_accounts

    for email, description in demo_accounts():
        click.echo(f"  {email:<40} {description}")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")


@neig.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option(confirmation_prompt=True)
def create_admin(email: str, name: str, password: str) -> None:
    """Create a platform administrator (for a real installation)."""
    from .accounts.service import create_user
    from .errors import ServiceError

    try:
        user = create_user(email, name, password, platform_admin=True)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Platform administrator {user.email} created. MFA is asked at the first login.")


audit_cli = AppGroup("audit", help="The audit log.")
neig.add_command(audit_cli)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; name the first broken link; check it against the signed
    checkpoints (a cut tail, a forged checkpoint line)."""
    from .audit import checkpoint
    from .audit.service import verify_chain

    report = verify_chain()
    against = checkpoint.check()
    for note in against.notes:
        click.echo(f"Note: {note}.", err=True)
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} events verified.")
    else:
        click.echo(
            f"Audit chain BROKEN at event {report.broken_at}: {report.reason} "
            f"({report.checked} events before it verified).",
            err=True,
        )
    for problem in against.problems:
        click.echo(f"Audit checkpoint check FAILED: {problem}.", err=True)
    if against.newest is not None and not against.problems:
        newest = against.newest
        click.echo(f"Checkpoint of {newest.at} holds: event {newest.head} is as signed.")
    if not report.ok or against.problems:
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Write the newest event's id and hash, signed, to syslog and the checkpoint file (cron,
    at least hourly; the app also writes one every AUDIT_CHECKPOINT_EVERY events)."""
    from .audit import checkpoint

    taken, failures = checkpoint.write_now()
    if taken is None:
        click.echo("The audit log is empty: nothing to checkpoint.")
        return
    for failure in failures:
        click.echo(f"Checkpoint NOT written to {failure}.", err=True)
    if failures:
        sys.exit(1)
    click.echo(f"Checkpoint written: event {taken.head}.")


@neig.command("check-deploy")
def check_deploy() -> None:
    """Refuse to pass with a configuration unfit for production, or with platform admins who
    still hold a membership or a grant (data from before the separation-of-duties rule)."""
    from .web.deploy import data_problems, deploy_problems

    problems = deploy_problems(current_app) + data_problems()
    if not problems:
        click.echo("Deployment check passed.")
        return
    for problem in problems:
        click.echo(f"FAIL: {problem}", err=True)
    sys.exit(1)


@neig.command("purge-trash")
@click.option("--dry-run", is_flag=True, help="Only say what would be purged.")
@click.option(
    "--days", type=int, default=None, help="Retention in days (default: TRASH_RETENTION_DAYS)."
)
def purge_trash(dry_run: bool, days: int | None) -> None:
    """Purge documents that have been in the trash longer than the retention."""
    from .documents.retention import purge_expired_trash

    days = days if days is not None else current_app.config["TRASH_RETENTION_DAYS"]
    purged = purge_expired_trash(days, dry_run=dry_run)
    verb = "Would purge" if dry_run else "Purged"
    for document_id, title, deleted_at in purged:
        click.echo(
            f"{verb} document {document_id} ({title!r}, in the trash since {deleted_at:%Y-%m-%d})"
        )
    click.echo(f"{verb} {len(purged)} document(s) older than {days} days.")


blobs_cli = AppGroup("blobs", help="The blob store behind documents.")
neig.add_command(blobs_cli)


@blobs_cli.command("gc")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def blobs_gc(dry_run: bool) -> None:
    """Remove blobs no version points at, and temporary files a killed process left, once
    unused for BLOB_GC_GRACE_HOURS (run daily, by cron)."""
    from .documents.blobs import collect_garbage, grace_seconds

    hours = grace_seconds() / 3600
    if hours < 1 and not current_app.testing:
        click.echo(f"Warning: a grace period of {hours:g} h may take a running upload's blob.")
    report = collect_garbage(dry_run=dry_run, progress=click.echo)
    if report.recovered:
        click.echo(f"Put back {report.recovered} blob(s) an interrupted run had set aside.")
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb} {report.removed} unused blob(s) ({_megabytes(report.removed_bytes)}) and"
        f" {report.temp_files} temporary file(s) ({_megabytes(report.temp_bytes)}),"
        f" unused for over {hours:g} h."
    )


@blobs_cli.command("verify")
def blobs_verify() -> None:
    """Check that every version's blob is there with its size and sha256; non-zero exit on any
    problem."""
    from .documents.blobs import verify_blobs

    report = verify_blobs(progress=click.echo)
    for sha256, problem, version_ids in report.problems:
        ids = ", ".join(str(i) for i in version_ids)
        click.echo(f"{problem.upper()}: blob {sha256} (document version id(s) {ids})", err=True)
    if not report.ok:
        click.echo(
            f"{len(report.problems)} of {report.checked} blob(s) missing or corrupt.", err=True
        )
        sys.exit(1)
    click.echo(f"All {report.checked} blob(s) present and intact.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@neig.command("scan-pending")
def scan_pending() -> None:
    """Scan the uploads held in quarantine while the virus scanner was unreachable."""
    from .documents import scanning

    client = scanning.client_from_config(current_app.config)
    if client is None:
        raise click.ClickException("Virus scanning is off: set CLAMAV_SOCKET or CLAMAV_HOST.")
    try:
        report = scanning.scan_pending(client)
    except scanning.ScannerUnavailable as error:
        raise click.ClickException(f"The virus scanner is unreachable: {error}") from error
    click.echo(
        f"Scanned pending uploads: {report.clean} clean, {report.infected} infected"
        f" (blob removed), {report.missing} missing."
    )


@neig.command("extract-text")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only versions uploaded on or after this day (YYYY-MM-DD).",
)
@click.option("--again", is_flag=True, help="Read versions that have their text already too.")
def extract_text(since, again: bool) -> None:
    """Read the text of document versions for search: those that may be opened (never one
    waiting for its virus scan or found infected) and have no text yet. Each file is parsed in
    a child process within EXTRACT_TIMEOUT_SECONDS and EXTRACT_MEMORY_MB."""
    from .documents import extraction

    version_ids = extraction.versions_to_extract(since=since, again=again)
    with click.progressbar(version_ids, label="Reading text", show_pos=True) as bar:
        counts = extraction.extract_all(bar, again=again)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    click.echo(f"Read {len(version_ids)} version(s): {summary or 'nothing to do'}.")


# --- background jobs ---------------------------------------------------------------------------


def _queue_or_fail() -> None:
    if not current_app.config.get("JOB_QUEUE_URL"):
        raise click.ClickException(
            "No job queue: set JOB_QUEUE_URL (jobs run inline without one, and cron runs the"
            " scheduled work)."
        )


@neig.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs from the queue at JOB_QUEUE_URL until stopped (systemd:
    neig-worker.service; run as many as the work needs)."""
    from .jobs.worker import start_worker

    _queue_or_fail()
    start_worker(current_app._get_current_object(), burst=burst)


@neig.command("scheduler")
def scheduler() -> None:
    """Queue the scheduled work (digest, reminders, retention, trash, blob gc, audit
    checkpoint, the quarantine sweep) at its times (systemd: neig-scheduler.service). Run
    exactly one."""
    from .jobs.worker import build_scheduler, use_local_time

    _queue_or_fail()
    use_local_time(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    try:
        cron = build_scheduler(current_app._get_current_object())
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for job in cron.get_jobs():
        click.echo(f"{job.name}: {job.cron}")
    cron.start()


# --- notifications -----------------------------------------------------------------------------


@neig.command("send-digest")
def send_digest() -> None:
    """Mail the daily digest of notifications to users who chose it (once a day: the
    scheduler, or cron without a job queue)."""
    from .jobs import tasks

    click.echo(f"Sent {tasks.send_digest()} notification digest(s).")


@neig.command("send-reminders")
def send_reminders() -> None:
    """Remind invited organisations of comment rounds closing within two days, and leads of
    action items due soon or overdue without an update (once a day: the scheduler, or cron)."""
    from .jobs import tasks

    rounds, items = tasks.send_reminders()
    click.echo(f"Sent {rounds} reminder(s) about comment rounds and {items} about action items.")


@neig.command("send-meeting-reminders")
def send_meeting_reminders() -> None:
    """Remind everyone registered for a meeting that starts tomorrow (once a day: the
    scheduler, or cron; a registration is reminded once, so running it again sends nothing)."""
    from .jobs import tasks

    click.echo(f"Sent {tasks.send_meeting_reminders()} meeting reminder(s).")


@neig.command("access-reviews")
def access_reviews() -> None:
    """Open this period's access reviews (ACCESS_REVIEW_MONTHS) and remind the reviewers of
    those due within ACCESS_REVIEW_REMIND_DAYS (once a day: the scheduler, or cron)."""
    from .jobs import tasks

    report = tasks.access_reviews()
    click.echo(f"Opened {report.opened} access review(s), reminded {report.reminded}.")


# --- casework ----------------------------------------------------------------------------------


@neig.command("retention")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only list what is due (cases, applications, audit events, space documents); the"
    " listing of space documents is kept with a token that --apply-spaces needs.",
)
@click.option(
    "--apply-spaces",
    "token",
    default=None,
    metavar="TOKEN",
    help="Destroy the space documents a dry run listed (its token, within 24 hours).",
)
def retention(dry_run: bool, token: str | None) -> None:
    """Destroy closed cases whose retention period (CASE_RETENTION_YEARS) has passed, and
    applications to join rejected more than a year ago (run once a day, by cron). The anonymous
    statistical record of each case stays. Documents in spaces past SPACE_RETENTION_YEARS go
    only with --apply-spaces and the token of a dry run that listed them."""
    from .applications import service as applications
    from .cases import retention as case_retention

    if token is not None:
        _apply_space_retention(token)
        return
    years = current_app.config["CASE_RETENTION_YEARS"]
    if dry_run:
        count = len(applications.rejected_past_retention())
        click.echo(f"{count} application(s) rejected more than a year ago would be deleted.")
        _audit_retention_due()
        due = case_retention.due_cases()
        for case in due:
            click.echo(
                f"Due: {case.reference} ({case.municipality.name}, closed {case.closed_at:%Y-%m-%d})"
            )
        click.echo(f"{len(due)} case(s) closed more than {years} years ago would be destroyed.")
        _space_retention_dry_run()
        return
    from .jobs import tasks

    report = tasks.retention()
    for item in report.destroyed:
        click.echo(
            f"Destroyed {item.reference}: {item.documents} document(s), {item.blobs} blob(s)"
            " no longer used (`neig blobs gc` removes them after its grace period)."
        )
    click.echo(f"Destroyed {len(report.destroyed)} case(s) closed more than {years} years ago.")
    click.echo(f"Deleted {report.applications} application(s) rejected more than a year ago.")
    if report.audit_events is not None:
        click.echo(
            f"Removed {report.audit_events} audit event(s) older than"
            f" {current_app.config['AUDIT_RETENTION_YEARS']} years (audit.pruned)."
        )
    waiting = len(_space_retention().due_documents())
    if waiting:
        click.echo(
            f"{waiting} document(s) in spaces are past their retention: nothing is destroyed"
            " without a listing first (`neig retention --dry-run`, then --apply-spaces TOKEN)."
        )


def _space_retention():
    from .documents import space_retention

    try:
        space_retention.retention_years()
    except space_retention.RetentionError as error:
        raise click.ClickException(str(error)) from error
    return space_retention


def _space_retention_dry_run() -> None:
    retention = _space_retention()
    due, token = retention.dry_run()
    db.session.commit()
    for item in due:
        click.echo(
            f"Due: document {item.document_id} ({item.title!r}) in {item.kind} space"
            f" {item.space!r}, last changed {item.changed:%Y-%m-%d}"
        )
    for space in retention.held_spaces():
        click.echo(f"On hold: space {space.id} ({space.name!r}): {space.retention_hold_reason}")
    click.echo(f"{len(due)} document(s) in spaces past their retention would be destroyed.")
    if token:
        click.echo(
            f"To destroy exactly these, within 24 hours: flask neig retention --apply-spaces {token}"
        )


def _apply_space_retention(token: str) -> None:
    retention = _space_retention()
    try:
        listed = len(retention.run_for(token).document_ids)
        with click.progressbar(length=listed, label="Destroying documents past retention") as bar:
            counts = retention.apply(token, progress=bar.update)
    except retention.RetentionError as error:
        raise click.ClickException(str(error)) from error
    for kind, count in sorted(counts.items()):
        click.echo(f"Destroyed {count} document(s) in {kind} spaces.")
    click.echo(
        f"Destroyed {sum(counts.values())} of the {listed} listed document(s) (the rest changed,"
        " went or were put on hold since the listing); `neig blobs gc` removes the blobs."
    )


def _audit_retention_due() -> None:
    """Audit events older than AUDIT_RETENTION_YEARS (0: kept for ever) that a run would
    remove: the one audited way past the audit log's append-only trigger (README § The audit
    log); jobs.tasks.retention removes them."""
    from .audit import service as audit
    from .cases.retention import years_ago

    years = current_app.config["AUDIT_RETENTION_YEARS"]
    if years <= 0:
        return
    click.echo(
        f"{audit.prunable(years_ago(years))} audit event(s) older than {years} years would go."
    )


# --- data-subject rights (AVG art. 15 and 17) --------------------------------------------------


def _account(email: str):
    from .accounts.service import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    return user


@neig.command("subject-export")
@click.argument("email")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the zip (default: inzage-<id>-<date>.zip here).",
)
@click.option(
    "--without-content",
    is_flag=True,
    help="Titles and metadata only, no comment texts or files.",
)
def subject_export(email: str, output: Path | None, without_content: bool) -> None:
    """Everything the workspace holds about the account of EMAIL, as one zip (JSON and HTML;
    AVG art. 15). Content only from the organisation spaces of the person's own organisations.
    Audited as account.subject_exported."""
    from .subject_rights.export import build_archive
    from .timeutil import utcnow

    user = _account(email)
    archive = build_archive(user, actor=None, include_content=not without_content)
    output = output or Path(f"inzage-{user.id}-{utcnow():%Y%m%d}.zip")
    output.write_bytes(archive)
    db.session.commit()
    click.echo(f"Subject-access export of account {user.id} written to {output}.")


@neig.command("erase-account")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_account(email: str, yes: bool) -> None:
    """Anonymise the account of EMAIL everywhere (AVG art. 17): a pseudonym in every table and
    in the audit log's details; `neig audit verify` still passes. Cannot be undone."""
    from .subject_rights.erasure import erase_account as erase

    user = _account(email)
    if not yes:
        click.confirm(
            f"Erase account {user.id} ({user.name}) for good? This cannot be undone", abort=True
        )
    result = erase(user, actor=None)
    db.session.commit()
    rows = sum(result.replaced.values())
    click.echo(
        f"Account {user.id} erased: now {result.pseudonym}; the address or name replaced in"
        f" {rows} row(s) and {result.audit_events} audit event(s)."
    )


# --- backup and restore -----------------------------------------------------------------------


class _BackupGroup(AppGroup):
    """`backup DIR` makes a backup; `backup verify DIR` checks a restore against one."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


backup_cli = _BackupGroup(
    "backup",
    help="Back up the database and the blobs (`backup DIR`), or check a restore (`backup verify DIR`).",
)
neig.add_command(backup_cli)
_FOLDER = click.Path(file_okay=False, path_type=Path)


@backup_cli.command("create", hidden=True)
@click.argument("directory", type=_FOLDER)
def backup_create(directory: Path) -> None:
    """Write a consistent dump, the blobs by hash and a manifest into DIRECTORY (new or empty)."""
    from .backup import BackupError, create_backup

    try:
        manifest = create_backup(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    tables = manifest["database"]["tables"]
    click.echo(
        f"Backup written to {directory}: {sum(tables.values())} rows in {len(tables)} tables,"
        f" {len(manifest['blobs'])} blob(s), {manifest['audit']['events']} audit events."
    )
    if manifest["missing_blobs"]:
        for sha256 in manifest["missing_blobs"]:
            click.echo(f"MISSING: blob {sha256} is referenced but missing or damaged", err=True)
        sys.exit(1)


@backup_cli.command("verify")
@click.argument("directory", type=_FOLDER)
def backup_verify(directory: Path) -> None:
    """Compare the database and blob store with the backup in DIRECTORY, and verify the audit
    chain (run it right after a restore); non-zero exit on any difference."""
    from .backup import BackupError, verify_restore

    try:
        problems = verify_restore(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not problems:
        click.echo(f"Restore matches the backup in {directory}; audit chain intact.")
        return
    for problem in problems:
        click.echo(f"FAIL: {problem}", err=True)
    sys.exit(1)


@neig.command("restore")
@click.argument("directory", type=_FOLDER)
def restore(directory: Path) -> None:
    """Restore the backup in DIRECTORY into an empty database and an empty blob store."""
    from .backup import BackupError, restore_backup

    try:
        manifest = restore_backup(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored {len(manifest['blobs'])} blob(s) and the database of {manifest['created_at']}."
        f" Now run: flask neig backup verify {directory}"
    )


search_cli = AppGroup("search", help="The full-text search index.")
neig.add_command(search_cli)


@search_cli.command("reindex")
@click.option(
    "--since",
    type=click.DateTime(),
    default=None,
    help="Only what was created or changed since then (UTC).",
)
def search_reindex(since) -> None:
    """Rebuild the search index of everything searchable (or of what changed since --since)."""
    total = _reindex(since)
    click.echo(f"Indexed {total} searchable things.")


def _reindex(since=None) -> int:
    """The search index rebuilt, with a progress bar per kind; the count of rows written."""
    from .search.index import reindex_all

    def bar(length, label):
        return click.progressbar(length=length, label=f"Indexing {label}", show_pos=True)

    return reindex_all(db.session, since=since, progressbar=bar)
