"""The kinds of background job: what each runs, how it is retried and, for the scheduled
work, when. Another kind is one line:

    jobs.register("documents.extract", "neig_workspace.documents.extraction.extract_version")

and then `jobs.enqueue("documents.extract", version_id=version.id)` where it should run. A
target is named by its dotted path, imported only when the job runs, so this package imports
no feature (features import it to queue their jobs).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    #: The function, "package.module.function", called with the payload as keyword arguments
    #: inside an app context; the runner commits after it returns and rolls back if it raises.
    target: str
    #: What the dead-letter page calls it.
    label: str
    #: The setting holding the seconds between attempts ("60,300"): one retry per value. None:
    #: one attempt (the scheduled work runs again at its next time anyway).
    retry_setting: str | None = None
    #: A cron line (minute hour day month weekday, local time of the scheduler) for the work
    #: the scheduler queues; JOB_SCHEDULE overrides it. None: queued by the code only.
    schedule: str | None = None
    #: Seconds before the worker stops the job as hung.
    timeout: int = 600


_TASKS = "neig_workspace.jobs.tasks."

KINDS: dict[str, Kind] = {
    "mail.send": Kind(
        "neig_workspace.mail.deliver", _l("E-mail versturen"), "MAIL_RETRY_INTERVALS", timeout=120
    ),
    "documents.scan": Kind(
        "neig_workspace.documents.scanning.scan_job",
        _l("Virusscan van een upload"),
        "SCAN_RETRY_INTERVALS",
    ),
    # The text of a version that may be opened, read for search once it is stored or scanned
    # clean (documents/extraction.py). Its outcome, also a failure to read, is the version's
    # text status, so one attempt.
    "documents.extract": Kind(
        "neig_workspace.documents.extraction.extract_version",
        _l("Tekst uit een bestand lezen"),
        timeout=300,
    ),
    # The cron table of docs/deployment.md, run by the scheduler; the sweep only exists with a
    # queue (a job whose worker process died is in RQ's failed registry alone).
    "jobs.sweep_failed": Kind(
        "neig_workspace.jobs.worker.sweep_failed",
        _l("Afgebroken taken naar de lijst"),
        schedule="*/5 * * * *",
    ),
    "documents.scan_pending": Kind(
        _TASKS + "scan_pending", _l("Uploads in quarantaine scannen"), schedule="*/10 * * * *"
    ),
    "documents.extract_pending": Kind(
        _TASKS + "extract_pending",
        _l("Tekst lezen van bestanden zonder tekst"),
        schedule="40 * * * *",
        timeout=3600,
    ),
    "audit.checkpoint": Kind(
        _TASKS + "audit_checkpoint", _l("Controlepunt van de auditlog"), schedule="0 * * * *"
    ),
    "notifications.digest": Kind(
        _TASKS + "send_digest", _l("Dagelijkse samenvatting"), schedule="0 7 * * *"
    ),
    "reminders": Kind(
        _TASKS + "send_reminders",
        _l("Herinneringen (commentaarrondes, actiepunten)"),
        schedule="15 7 * * *",
    ),
    "meetings.reminders": Kind(
        _TASKS + "send_meeting_reminders",
        _l("Herinneringen voor bijeenkomsten"),
        schedule="20 7 * * *",
    ),
    "access_reviews": Kind(
        _TASKS + "access_reviews",
        _l("Toegangscontroles openen en herinneren"),
        schedule="0 6 * * *",
    ),
    "documents.purge_trash": Kind(
        _TASKS + "purge_trash", _l("Prullenbak legen"), schedule="0 3 * * *"
    ),
    "retention": Kind(
        _TASKS + "retention", _l("Bewaartermijnen"), schedule="30 3 * * *", timeout=3600
    ),
    "blobs.gc": Kind(
        _TASKS + "collect_blobs",
        _l("Ongebruikte bestanden opruimen"),
        schedule="0 4 * * *",
        timeout=3600,
    ),
}


def register(name: str, target: str, label: str | None = None, **options) -> Kind:
    """Add a kind of job (see the module's docstring); a name used twice is a mistake."""
    if name in KINDS:
        raise ValueError(f"job kind {name!r} is registered already")
    KINDS[name] = Kind(target, label or name, **options)
    return KINDS[name]


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown job kind {name!r}") from None


def intervals(config, item: Kind) -> list[int]:
    """The seconds between attempts, from the kind's setting ("60,300" or a list)."""
    if item.retry_setting is None:
        return []
    value = config.get(item.retry_setting) or []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    return [max(int(part), 0) for part in value]


def schedule(config) -> dict[str, str]:
    """kind -> cron line of the scheduled work, with JOB_SCHEDULE's overrides
    ("kind=cron line;kind=off")."""
    lines = {name: item.schedule for name, item in KINDS.items() if item.schedule}
    for entry in (config.get("JOB_SCHEDULE") or "").split(";"):
        if not entry.strip():
            continue
        name, _, line = entry.partition("=")
        name, line = name.strip(), line.strip()
        if name not in lines:
            raise ValueError(f"JOB_SCHEDULE names {name!r}, which is no scheduled job")
        if line.lower() == "off":
            lines.pop(name)
        else:
            lines[name] = line
    return lines
