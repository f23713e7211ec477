"""The scheduled work (the cron table of docs/deployment.md), as jobs: each does what its
`flask neig` command does, logs what it did, and raises when something must be looked at, so
the run lands on the dead-letter list. The commands print from the same functions."""

import logging
from dataclasses import dataclass, field

from flask import current_app

from ..extensions import db

log = logging.getLogger("neig_workspace.jobs")


class TaskFailed(Exception):
    """The work ran but could not finish: the message says what to look at."""


def scan_pending() -> None:
    from ..documents import scanning

    client = scanning.client_from_config(current_app.config)
    if client is None:
        return  # scanning is off: nothing is ever held in quarantine
    report = scanning.scan_pending(client)
    log.info(
        "scan-pending: %d clean, %d infected, %d missing",
        report.clean,
        report.infected,
        report.missing,
    )


def extract_pending() -> None:
    """The text of every version that may be opened and has none yet: those a job missed,
    restored or copied ones (`neig extract-text`)."""
    from ..documents import extraction

    counts = extraction.extract_all(extraction.versions_to_extract())
    log.info("extract-text: %s", dict(counts) or "nothing to do")


def audit_checkpoint() -> None:
    from ..audit import checkpoint

    taken, failures = checkpoint.write_now()
    if failures:
        raise TaskFailed("checkpoint not written to " + ", ".join(failures))
    if taken is not None:
        log.info("audit checkpoint written: event %s", taken.head)


def send_digest() -> int:
    from ..notifications import service as notifications

    sent = notifications.send_digest()
    db.session.commit()
    log.info("sent %d notification digest(s)", sent)
    return sent


def send_reminders() -> tuple[int, int]:
    from ..actions.reminders import send_item_reminders
    from ..comments.service import send_round_reminders

    rounds = send_round_reminders()
    items = send_item_reminders()
    db.session.commit()
    log.info("sent %d comment round and %d action item reminder(s)", rounds, items)
    return rounds, items


def send_meeting_reminders() -> int:
    from ..meetings.service import send_meeting_reminders as remind

    sent = remind()
    db.session.commit()
    log.info("sent %d meeting reminder(s)", sent)
    return sent


def access_reviews():
    """Open this period's access reviews and remind the reviewers whose review is due soon."""
    from ..reviews.service import run_cycle

    report = run_cycle()
    db.session.commit()
    log.info("access reviews: %d opened, %d reminded", report.opened, report.reminded)
    return report


def purge_trash() -> None:
    from ..documents.retention import purge_expired_trash

    days = current_app.config["TRASH_RETENTION_DAYS"]
    purged = purge_expired_trash(days, dry_run=False)
    log.info("purged %d document(s) from the trash", len(purged))


def collect_blobs() -> None:
    from ..documents.blobs import collect_garbage

    report = collect_garbage(dry_run=False)
    log.info("blob gc: %d blob(s), %d temporary file(s)", report.removed, report.temp_files)


@dataclass
class RetentionReport:
    destroyed: list = field(default_factory=list)
    applications: int = 0
    audit_events: int | None = None  # None: AUDIT_RETENTION_YEARS is 0, nothing is pruned


def retention() -> RetentionReport:
    """Closed cases past their retention, rejected applications past a year, and audit events
    past AUDIT_RETENTION_YEARS; each part commits on its own."""
    from ..applications import service as applications
    from ..audit import service as audit
    from ..cases import retention as case_retention

    report = RetentionReport(destroyed=case_retention.destroy_due_cases())
    report.applications = applications.purge_rejected()
    db.session.commit()
    years = current_app.config["AUDIT_RETENTION_YEARS"]
    if years > 0:
        report.audit_events = audit.prune(case_retention.years_ago(years))
        db.session.commit()
    log.info(
        "retention: %d case(s) destroyed, %d application(s) deleted",
        len(report.destroyed),
        report.applications,
    )
    return report
