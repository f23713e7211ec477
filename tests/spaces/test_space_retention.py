"""Retention for spaces: `flask neig retention --dry-run` lists the documents past their space
kind's retention and prints a token; only `--apply-spaces TOKEN` destroys them (each through
the documents' own purge, one audit event per item, a progress bar), keeping an anonymous count.
A space on hold keeps everything; the hold is a manager's or platform admin's action, audited."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.comments import service as comments
from neig_workspace.comments.models import Comment
from neig_workspace.documents import service as documents
from neig_workspace.documents import space_retention
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceKind, SpaceRetentionRun
from neig_workspace.timeutil import utcnow
from tests.helpers import csrf_token_of, login_as

pytestmark = pytest.mark.personas_once

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
SETTING = "organisation=5,restricted=5"


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's own space with an old document (commented on) and a recent one; a working group on
    hold with an old document; a shared space (kept for ever) with an old document."""
    with test_db.rolled_back():
        with app.app_context():
            org = db.session.get(Organisation, module_personas.orgs["gemeente_a"])
            own = spaces.create_organisation_space(org, actor=None)
            held = spaces.create_space(SpaceKind.RESTRICTED, "Werkgroep dossier", actor=None)
            shared = spaces.create_space(SpaceKind.SHARED, "Netwerkoverleg", actor=None)
            spaces.add_grant(
                held, PrincipalType.ORGANISATION, SpaceRole.MANAGER, organisation=org, actor=None
            )
            author = db.session.get(User, module_personas.org_admin_a.id)
            ids = {}
            for key, space in (("old", own), ("recent", own), ("held", held), ("kept", shared)):
                upload = documents.Upload(io.BytesIO(PDF), f"{key}.pdf")
                ids[key] = documents.upload_document(space, upload, actor=author).id
            old = db.session.get(Document, ids["old"])
            comments.post_comment(old, body="Oud commentaar.", actor=author)
            spaces.hold_retention(held, "Lopende procedure", actor=None)
            long_ago = utcnow() - timedelta(days=6 * 366)
            db.session.execute(
                update(Document)
                .where(Document.id.in_([ids["old"], ids["held"], ids["kept"]]))
                .values(updated_at=long_ago)
            )
            ids |= {"own": own.id, "held_space": held.id}
            db.session.commit()
        yield ids


@pytest.fixture(autouse=True)
def setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "SPACE_RETENTION_YEARS", SETTING)


def run(app, *args):
    outcome = app.test_cli_runner().invoke(args=["neig", "retention", *args])
    return outcome


def token_of(output: str) -> str:
    return re.search(r"--apply-spaces (\S+)", output).group(1)


def test_the_setting_is_read_per_kind(app):
    with app.app_context():
        assert space_retention.retention_years("organisation=10; shared=0") == {
            SpaceKind.ORGANISATION: 10
        }
        for wrong in ("case=5", "werkruimte=5", "organisation=tien"):
            with pytest.raises(space_retention.RetentionError):
                space_retention.retention_years(wrong)


def test_the_dry_run_lists_and_destroys_nothing(app, world):
    outcome = run(app, "--dry-run")
    assert outcome.exit_code == 0, outcome.output
    assert f"Due: document {world['old']} ('old.pdf')" in outcome.output
    for key in ("recent", "held", "kept"):
        assert f"{key}.pdf" not in outcome.output
    assert "On hold: space" in outcome.output and "Lopende procedure" in outcome.output
    assert "1 document(s) in spaces past their retention would be destroyed." in outcome.output
    with app.app_context():
        assert db.session.get(Document, world["old"]) is not None
        (listed,) = db.session.scalars(select(SpaceRetentionRun)).all()
        assert listed.document_ids == [world["old"]] and listed.applied_at is None
    # the daily run (cron) destroys no space document either
    daily = run(app)
    assert "1 document(s) in spaces are past their retention" in daily.output
    with app.app_context():
        assert db.session.get(Document, world["old"]) is not None


def test_the_token_destroys_what_was_listed_once(app, world):
    token = token_of(run(app, "--dry-run").output)
    outcome = run(app, "--apply-spaces", token)
    assert outcome.exit_code == 0, outcome.output
    assert "Destroyed 1 document(s) in organisation spaces." in outcome.output
    with app.app_context():
        assert db.session.get(Document, world["old"]) is None
        assert db.session.get(Document, world["recent"]) is not None
        assert db.session.get(Document, world["held"]) is not None
        assert (
            db.session.scalar(select(Comment.id).where(Comment.document_id == world["old"])) is None
        )
        purged = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document.purged")
        ).all()
        assert [(e.target_id, e.details["reason"]) for e in purged] == [
            (str(world["old"]), "retention")
        ]
        (done,) = db.session.scalars(select(SpaceRetentionRun)).all()
        assert done.destroyed == {"organisation": 1} and done.applied_at is not None
    again = run(app, "--apply-spaces", token)
    assert again.exit_code != 0 and "applied already" in again.output


def test_no_token_no_destruction(app, world):
    outcome = run(app, "--apply-spaces", "verzonnen")
    assert outcome.exit_code != 0 and "dry-run" in outcome.output
    token = token_of(run(app, "--dry-run").output)
    with app.app_context():
        db.session.execute(
            update(SpaceRetentionRun).values(listed_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    late = run(app, "--apply-spaces", token)
    assert late.exit_code != 0 and "older than 24 hours" in late.output
    with app.app_context():
        assert db.session.get(Document, world["old"]) is not None


def test_a_hold_after_the_listing_still_keeps_the_documents(app, world):
    token = token_of(run(app, "--dry-run").output)
    with app.app_context():
        spaces.hold_retention(db.session.get(Space, world["own"]), "Inzageverzoek", actor=None)
        db.session.commit()
    outcome = run(app, "--apply-spaces", token)
    assert outcome.exit_code == 0 and "Destroyed 0 of the 1 listed" in outcome.output
    with app.app_context():
        assert db.session.get(Document, world["old"]) is not None


def test_a_manager_holds_and_releases_on_the_settings_page(app, world, personas):
    client = login_as(app, app.test_client(), personas.org_admin_a)
    base = f"/werkruimtes/{world['own']}"
    token = csrf_token_of(app, client)
    empty = client.post(base + "/bewaartermijn/blokkeren", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422
    assert "Geef een reden voor het blokkeren." in empty.get_data(as_text=True)
    held = client.post(
        base + "/bewaartermijn/blokkeren", data={"csrf_token": token, "reason": "Procedure"}
    )
    assert held.status_code == 302
    page = client.get(base + "/instellingen").get_data(as_text=True)
    assert "Blokkade opheffen" in page and "Reden: Procedure" in page
    assert (
        client.post(base + "/bewaartermijn/vrijgeven", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        space = db.session.get(Space, world["own"])
        assert space.retention_hold_at is None
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "space", AuditEvent.target_id == str(space.id))
            .order_by(AuditEvent.id)
        ).all()
        assert actions[-2:] == ["space.retention_held", "space.retention_released"]
