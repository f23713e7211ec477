"""Jobs without a worker: inline after the commit (the `make run` and test default), the
dead-letter list they fill, a Redis that does not answer, and the scheduler's table against a
real Redis. Every test here runs in the rolled-back transaction."""

import json
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from neig_workspace import jobs, mail
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents.models import ScanStatus
from neig_workspace.extensions import db
from neig_workspace.jobs.kinds import KINDS
from neig_workspace.jobs.models import FailedJob
from neig_workspace.jobs.queue import execute
from neig_workspace.jobs.worker import build_scheduler
from tests.clamd import eicar
from tests.documents.doc_helpers import org_space, pdf, upload, uploaded_id, versions
from tests.faults import unused_port
from tests.helpers import csrf_token_of, login_as
from tests.jobs import targets

LINK = "https://neig.example/uitnodiging/eenmalig-geheim-456"

#: The cron table docs/deployment.md had, now the scheduler's.
CRON_TABLE = {
    "jobs.sweep_failed": "*/5 * * * *",
    "documents.scan_pending": "*/10 * * * *",
    "documents.extract_pending": "40 * * * *",
    "audit.checkpoint": "0 * * * *",
    "notifications.digest": "0 7 * * *",
    "reminders": "15 7 * * *",
    "meetings.reminders": "20 7 * * *",
    "access_reviews": "0 6 * * *",
    "documents.purge_trash": "0 3 * * *",
    "retention": "30 3 * * *",
    "blobs.gc": "0 4 * * *",
}


def failed(app) -> list[FailedJob]:
    with app.app_context():
        rows = db.session.scalars(select(FailedJob).order_by(FailedJob.id)).all()
        db.session.expunge_all()
        return rows


def test_inline_mail_goes_out_right_after_the_commit_and_never_after_a_rollback(app, outbox):
    assert not app.config["JOB_QUEUE_URL"]
    with app.app_context():
        mail.queue("a@example.nl", "Eerste", "wordt teruggedraaid")
        db.session.rollback()
        mail.queue("b@example.nl", "Tweede", f"Open {LINK}")
        assert outbox() == []
        db.session.commit()
    [message] = outbox()
    assert (message["To"], message["Subject"]) == ("b@example.nl", "Tweede")
    assert LINK in message.get_content()
    assert failed(app) == []


def test_an_inline_job_that_fails_is_on_the_dead_letter_list_after_its_one_attempt(app):
    with app.app_context():
        jobs.enqueue(targets.KIND, summary="inline", note="één keer")
        db.session.commit()
        assert jobs.failed_count() == 1
    [row] = failed(app)
    assert (row.kind, row.summary, row.attempts) == (targets.KIND, "inline", 1)
    assert row.error == "RuntimeError: mislukt met opzet (één keer)"
    assert json.loads(row.payload) == {"note": "één keer"}


def test_a_failed_mail_keeps_its_body_sealed_and_a_retry_delivers_it(
    app, client, personas, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", unused_port())  # connection refused
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    with app.app_context():
        mail.queue("ontvanger@example.nl", "Uitnodiging", f"Welkom: {LINK}")
        db.session.commit()
    [row] = failed(app)
    assert (row.kind, row.summary, row.attempts) == ("mail.send", "o…@example.nl", 1)
    assert row.error.startswith("ConnectionRefusedError")
    assert LINK not in row.payload and "ontvanger" not in row.payload

    login_as(app, client, personas.platform_admin)
    page = client.get("/beheer/taken")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "o…@example.nl" in text and "E-mail versturen" in text
    assert LINK not in text and "Welkom" not in text and "ontvanger@" not in text

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)  # the outbox: delivered this time
    response = client.post(
        f"/beheer/taken/{row.id}/opnieuw", data={"csrf_token": csrf_token_of(app, client)}
    )
    assert response.status_code == 302
    [message] = outbox()
    assert LINK in message.get_content()
    assert failed(app) == []
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retried"))
        assert event.details == {"kind": "mail.send", "summary": "o…@example.nl", "attempts": 1}
        assert (event.target_type, event.target_id) == ("failed_job", str(row.id))


def test_a_job_redis_does_not_take_is_kept_on_the_dead_letter_list(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_QUEUE_URL", f"redis://127.0.0.1:{unused_port()}/11")
    monkeypatch.setitem(app.extensions, "neig_jobs", {})
    with app.app_context():
        jobs.enqueue(targets.KIND, summary="niet afgegeven", note="x")
        db.session.commit()
    [row] = failed(app)
    assert (row.kind, row.attempts) == (targets.KIND, 0)
    assert row.error.startswith("ConnectionError")


def test_an_unknown_kind_or_a_payload_that_cannot_be_sent_is_refused_when_queued(app):
    with app.app_context():
        with pytest.raises(ValueError, match="unknown job kind"):
            jobs.enqueue("bestaat.niet")
        with pytest.raises(TypeError):
            jobs.enqueue(targets.KIND, note=object())


def test_registering_a_kind_twice_is_refused():
    with pytest.raises(ValueError, match="registered already"):
        jobs.register("mail.send", "neig_workspace.mail.deliver")


def test_the_scheduler_queues_the_cron_table_at_its_times(app, queued, monkeypatch):
    scheduler = build_scheduler(app)
    assert {job.name: job.cron for job in scheduler.get_jobs()} == CRON_TABLE

    monkeypatch.setitem(app.config, "JOB_SCHEDULE", "notifications.digest=30 6 * * *;blobs.gc=off")
    scheduler = build_scheduler(app)
    lines = {job.name: job.cron for job in scheduler.get_jobs()}
    assert lines["notifications.digest"] == "30 6 * * *" and "blobs.gc" not in lines

    # Every job due now: each scheduled kind is queued once, to run as itself.
    for job in scheduler.get_jobs():
        job.next_enqueue_time = job.next_enqueue_time - timedelta(days=1)
    assert len(scheduler.enqueue_jobs()) == len(lines)
    queued_jobs = queued.jobs
    assert sorted(job.args for job in queued_jobs) == sorted((name, {}) for name in lines)
    assert {job.func_name for job in queued_jobs} == {"neig_workspace.jobs.worker.perform"}
    assert not scheduler.enqueue_jobs(), "nothing is due twice"


@pytest.mark.parametrize(
    "schedule, message",
    [("retention=elke dag", "no cron line"), ("opruimen=0 3 * * *", "no scheduled job")],
)
def test_a_wrong_schedule_is_refused(app, queued, monkeypatch, schedule, message):
    monkeypatch.setitem(app.config, "JOB_SCHEDULE", schedule)
    with pytest.raises(ValueError, match=message):
        build_scheduler(app)


def test_every_scheduled_kind_runs_as_a_job(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_FILE", str(tmp_path / "checkpoints.log"))
    with app.app_context():
        audit.record("jobs.test")  # a chain to sign
        for name in CRON_TABLE:
            execute(name, {})
    assert (tmp_path / "checkpoints.log").read_text().count("\n") == 1


def test_the_worker_and_scheduler_commands_need_a_queue(app):
    for command in ("worker", "scheduler"):
        result = app.test_cli_runner().invoke(args=["neig", command])
        assert result.exit_code == 1
        assert "JOB_QUEUE_URL" in result.output


def test_every_kind_names_a_function_that_exists():
    import importlib

    for name, item in KINDS.items():
        module, _, function = item.target.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function)), name


@pytest.mark.parametrize(
    "unit, command", [("neig-worker", "worker"), ("neig-scheduler", "scheduler")]
)
def test_the_systemd_units_start_the_commands(app, unit, command):
    """The units in deploy/systemd run `flask --app wsgi neig <command>`, which exists."""
    from pathlib import Path

    text = (
        Path(__file__).resolve().parents[2] / "deploy" / "systemd" / f"{unit}.service"
    ).read_text()
    [start] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    assert start.endswith(f"/flask --app wsgi neig {command}")
    assert "EnvironmentFile=/etc/neig/neig.env" in text
    help_text = app.test_cli_runner().invoke(args=["neig", command, "--help"])
    assert help_text.exit_code == 0, help_text.output


def test_without_a_queue_an_upload_is_still_scanned_in_the_request(
    app, client, personas, clamd, monkeypatch, redis_url, queue_name
):
    """`make run` and every installation without JOB_QUEUE_URL: as before issue 19."""
    monkeypatch.setitem(app.config, "CLAMAV_SOCKET", clamd.socket_path)
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    document_id = uploaded_id(client, space_id, pdf("meteen gescand"), "meteen.pdf")
    assert [v.scan_status for v in versions(app, document_id)] == [ScanStatus.CLEAN]
    refused = upload(client, space_id, [(eicar(), "eicar.txt")], json=True)
    assert refused.status_code == 422
    assert Redis.from_url(redis_url).llen(f"rq:queue:{queue_name}") == 0
    assert failed(app) == []


def test_clamd_scans_a_stream_that_has_no_path(clamd):
    """What the scan job reads: `store.open(sha256)`, which for an object store is no file."""
    import io

    from neig_workspace.documents.scanning import ClamdClient

    client = ClamdClient(socket_path=clamd.socket_path)
    infected = client.scan_stream(io.BytesIO(b"voor " + eicar() + b" na"))
    assert (infected.infected, infected.signature_label) == (True, "Eicar-Signature")
    assert not client.scan_stream(io.BytesIO(b"schoon " * 100_000)).infected  # three chunks


def test_the_scheduler_reads_its_cron_lines_in_amsterdam_time(app, monkeypatch):
    """ "0 7 * * *" is seven in the morning in the Netherlands on a server whose clock is UTC."""
    import time
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rq.cron import CronJob

    from neig_workspace.jobs.worker import use_local_time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        use_local_time(app.config["BABEL_DEFAULT_TIMEZONE"])
        digest = CronJob(queue_name="x", func_name="x.y", cron="0 7 * * *")
        local = digest.next_enqueue_time.astimezone(ZoneInfo("Europe/Amsterdam"))
        assert (local.hour, local.minute) == (7, 0)
        assert digest.next_enqueue_time > datetime.now(ZoneInfo("UTC"))
    finally:
        monkeypatch.undo()
        time.tzset()
