"""Jobs on a real queue: Redis on loopback, a worker process (`flask neig worker`), a real SMTP
server and the real clamd of tests/clamd.py. The worker reads and writes the committed test
database, so these tests commit."""

import email
import json
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from neig_workspace import jobs, mail
from neig_workspace.audit.models import AuditEvent
from neig_workspace.documents.models import ScanStatus, VersionText
from neig_workspace.extensions import db
from neig_workspace.jobs.models import FailedJob
from neig_workspace.jobs.worker import sweep_failed
from tests.clamd import eicar
from tests.conftest import db_ctx
from tests.documents.doc_helpers import (
    add_version,
    blob_files,
    org_space,
    pdf,
    uploaded_id,
    versions,
)
from tests.helpers import csrf_token_of, login_as
from tests.jobs import targets
from tests.jobs.conftest import wait_for

COMMITS = "a worker in another process reads and writes the committed database"


def failed_rows(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(FailedJob).order_by(FailedJob.id))
        return [(f.id, f.kind, f.summary, f.attempts, f.error) for f in rows]


def audited(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [dict(e.details or {}) for e in rows]


@pytest.mark.commits(COMMITS)
def test_an_email_refused_twice_with_451_is_delivered_at_the_third_attempt(
    app, queued, start_worker, smtp_server
):
    smtp_server.refusals = 2
    link = "https://neig.example/wachtwoord/herstellen/eenmalig-geheim-123"
    with app.app_context():
        mail.queue("ontvanger@example.nl", "Wachtwoord herstellen", f"Open {link} binnen een uur.")
        assert queued.count == 0, "nothing is queued before the commit"
        db.session.commit()
        assert jobs.queue_depth() == 1
    [job] = queued.jobs
    kind, payload = job.args
    assert kind == "mail.send" and link not in json.dumps(payload), "Redis holds it sealed"
    with app.app_context():
        assert link in jobs.unseal(payload["sealed"])["body"]

    worker = start_worker(
        NEIG_LIVE_SMTP_HOST="127.0.0.1", NEIG_LIVE_SMTP_PORT=str(smtp_server.port)
    )
    wait_for(lambda: smtp_server.accepted, "the delivery", worker.log)

    assert smtp_server.attempts == 3
    message = email.message_from_bytes(smtp_server.accepted[0], policy=default_policy)
    assert message["To"] == "ontvanger@example.nl"
    assert link in message.get_content()
    assert failed_rows(app) == []
    with app.app_context():
        assert jobs.queue_depth() == 0 and jobs.failed_count() == 0


@pytest.mark.commits(COMMITS)
def test_a_job_that_keeps_failing_is_on_the_dead_letter_list_for_platform_admins_only(
    app, client, personas, queued, start_worker
):
    worker = start_worker()
    with app.app_context():
        jobs.enqueue(targets.KIND, summary="proefje", note="eerste")
        db.session.commit()
    [(failed_id, kind, summary, attempts, error)] = wait_for(
        lambda: failed_rows(app), "the dead-letter entry", worker.log
    )
    assert (kind, summary, attempts) == (targets.KIND, "proefje", 4)  # 1 + 3 retries
    assert error == "RuntimeError: mislukt met opzet (eerste)"
    with app.app_context():
        assert jobs.failed_count() == 1

    for persona, status in (("member_a", 403), ("secretariat", 403), ("member_b", 403)):
        login_as(app, client, personas[persona])
        assert client.get("/beheer/taken").status_code == status
        token = csrf_token_of(app, client)
        for action in ("opnieuw", "verwijderen"):
            refused = client.post(f"/beheer/taken/{failed_id}/{action}", data={"csrf_token": token})
            assert refused.status_code == 404
    assert len(failed_rows(app)) == 1

    login_as(app, client, personas.platform_admin)
    page = client.get("/beheer/taken").get_data(as_text=True)
    for shown in (targets.KIND, "proefje", "RuntimeError: mislukt met opzet (eerste)", ">4<"):
        assert shown in page
    token = csrf_token_of(app, client)
    retried = client.post(f"/beheer/taken/{failed_id}/opnieuw", data={"csrf_token": token})
    assert retried.status_code == 302
    assert audited(app, "job.retried") == [
        {"kind": targets.KIND, "summary": "proefje", "attempts": 4}
    ]
    # Taken off the list and queued again as it was: it fails again (four attempts take
    # seconds) and comes back as a new entry (SQLite may give it the same id).
    assert failed_rows(app) == []
    [(again_id, *again)] = wait_for(
        lambda: failed_rows(app), "the retried job's failure", worker.log
    )
    assert again == [targets.KIND, "proefje", 4, "RuntimeError: mislukt met opzet (eerste)"]
    removed = client.post(f"/beheer/taken/{again_id}/verwijderen", data={"csrf_token": token})
    assert removed.status_code == 302
    assert failed_rows(app) == []
    assert audited(app, "job.removed") == [
        {"kind": targets.KIND, "summary": "proefje", "attempts": 4}
    ]


@pytest.mark.commits(COMMITS)
def test_an_upload_is_quarantined_until_the_worker_has_scanned_it(
    app, client, personas, clamd, queued, start_worker, monkeypatch
):
    monkeypatch.setitem(app.config, "CLAMAV_SOCKET", clamd.socket_path)
    login_as(app, client, personas.member_a)
    space_id = org_space(app, personas)
    content = pdf("door de worker gescand")
    document_id = uploaded_id(client, space_id, content, "gescand.pdf")
    response = add_version(
        client, document_id, eicar(), "eicar.txt", token_from=f"/documenten/{document_id}"
    )
    assert response.status_code == 302
    first, second = versions(app, document_id)
    assert (first.scan_status, second.scan_status) == (ScanStatus.PENDING, ScanStatus.PENDING)
    assert client.get(f"/documenten/{document_id}/versies/1/download").status_code == 409
    assert [job.args for job in queued.jobs] == [
        ("documents.scan", {"sha256": v.sha256}) for v in (first, second)
    ]

    worker = start_worker(NEIG_LIVE_CLAMAV_SOCKET=clamd.socket_path)
    wait_for(
        lambda: (
            [v.scan_status for v in versions(app, document_id)]
            == [ScanStatus.CLEAN, ScanStatus.INFECTED]
        ),
        "the worker's verdicts",
        worker.log,
    )
    download = client.get(f"/documenten/{document_id}/versies/1/download")
    assert (download.status_code, download.data) == (200, content)
    assert client.get(f"/documenten/{document_id}/versies/2/download").status_code == 409
    assert second.sha256 not in {p.name for p in blob_files(app)}, "the infected blob is kept"
    [infected] = audited(app, "document.infected")
    assert (infected["found_by"], infected["version"]) == ("scan-job", 2)
    # Scanned clean, the first version's text is read for search by a job of its own; the
    # infected one is never read.
    wait_for(lambda: texts_read(app) == {first.id}, "the text read after the scan", worker.log)
    assert failed_rows(app) == []


def texts_read(app) -> set[int]:
    with db_ctx(app) as session:
        return set(session.scalars(select(VersionText.version_id)))


@pytest.mark.commits(COMMITS)
def test_a_job_whose_worker_process_died_is_swept_onto_the_dead_letter_list(
    app, queued, start_worker
):
    worker = start_worker()
    with app.app_context():
        jobs.enqueue(targets.DIES, summary="sterft")
        jobs.enqueue(targets.KIND, summary="faalt", note="gewoon")
        db.session.commit()
    wait_for(lambda: queued.failed_job_registry.count == 2, "both failures", worker.log)
    assert [row[1:3] for row in failed_rows(app)] == [(targets.KIND, "faalt")]

    with app.app_context():
        sweep_failed()
    rows = failed_rows(app)
    assert [row[1:4] for row in rows] == [(targets.KIND, "faalt", 4), (targets.DIES, "sterft", 1)]
    assert rows[1][4].startswith("WorkHorseDied: ")
    assert queued.failed_job_registry.count == 0
