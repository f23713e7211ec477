"""Erasing an account (AVG art. 17): afterwards no e-mail address or name of the person is in
any text column of any table, found through the metadata, and the audit chain still verifies
(the rewritten events are bound by the erasure's own event: audit.service.redact)."""

import pytest
from sqlalchemy import Text, cast, func, select, text

from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent, AuditRedaction
from neig_workspace.extensions import db
from neig_workspace.subject_rights import erasure
from tests.audit.tampering import as_table_owner
from tests.subject_rights import world as subject_world

pytestmark = pytest.mark.personas_once


def occurrences(term: str) -> list[tuple[str, str]]:
    """(table, column) of every text or JSON column, in every table, that holds `term`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in erasure.text_columns(table):
            hits = db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(func.lower(cast(column, Text)).contains(term.lower(), autoescape=True))
            )
            if hits:
                found.append((table.name, column.name))
    return found


def indexed(term: str) -> int:
    """Rows of the search index (kept outside the metadata) whose snippet text holds `term`."""
    return db.session.scalar(
        text("SELECT count(*) FROM search_index WHERE lower(content) LIKE :term"),
        {"term": f"%{term.lower()}%"},
    )


def verify(app):
    return app.test_cli_runner().invoke(args=["neig", "audit", "verify"])


def test_the_person_is_everywhere_before(app, world):
    with app.app_context():
        for term in (*subject_world.SUBJECT, subject_world.SUBJECT_NEW):
            assert occurrences(term), term
        tables = {t for t, _ in occurrences(subject_world.SUBJECT[0])}
        assert {"users", "audit_events", "comments", "invitations"} <= tables
        assert indexed(subject_world.SUBJECT[1]) == 1


def test_erasure_leaves_no_address_or_name_and_the_chain_verifies(app, world):
    with app.app_context():
        subject = db.session.get(User, world.subject)
        result = erasure.erase_account(subject, actor=None)
        db.session.commit()
        for term in (*subject_world.SUBJECT, subject_world.SUBJECT_NEW):
            assert occurrences(term) == [], term
            assert indexed(term) == 0, term
        # the other person is untouched
        assert {"users", "audit_events"} <= {t for t, _ in occurrences(subject_world.OTHER[0])}
        assert occurrences(subject_world.OTHER[1])
        subject = db.session.get(User, world.subject)
        assert subject.email.startswith(result.pseudonym) and not subject.active
        assert subject.password_hash is None
        assert result.audit_events >= 3
        assert result.replaced["comments"] == 1
        # the other's comment now names the pseudonym
        body = db.session.scalar(
            text("SELECT body FROM comments WHERE author_id = :o"), {"o": world.other}
        )
        assert subject.email in body and subject.name in body
        assert audit.verify_chain().ok
    outcome = verify(app)
    assert outcome.exit_code == 0, outcome.output
    assert "Audit chain intact" in outcome.output


def test_a_redaction_changed_afterwards_is_found(app, world):
    outcome = app.test_cli_runner().invoke(
        args=["neig", "erase-account", subject_world.SUBJECT[0], "--yes"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert f"Account {world.subject} erased" in outcome.output
    with app.app_context():
        redaction = db.session.scalars(select(AuditRedaction)).first()
        # someone rewrites a redacted event's details again and its redaction row to match
        event = db.session.get(AuditEvent, redaction.event_id)
        forged = {**event.details, "email": "iemand@anders.nl"}
        db.session.execute(
            text("UPDATE audit_redactions SET content_hash = :h WHERE event_id = :e"),
            {"h": audit.compute_hash(event, forged), "e": event.id},
        )
        with as_table_owner(db.session):
            db.session.execute(
                AuditEvent.__table__.update()
                .where(AuditEvent.id == event.id)
                .values(details=forged)
            )
        db.session.expire_all()
        report = audit.verify_chain()
        assert not report.ok
        assert report.reason == "redactions do not match their digest"


def test_the_trigger_lets_an_erasure_change_details_only(app, world):
    with app.app_context():
        event_id = db.session.scalar(select(func.max(AuditEvent.id)))
        with audit._redaction_gate(), pytest.raises(Exception, match="append-only"):
            with db.session.begin_nested():
                db.session.execute(
                    AuditEvent.__table__.update()
                    .where(AuditEvent.id == event_id)
                    .values(action="iets.anders")
                )


def test_one_cannot_erase_oneself(app, world, personas):
    from neig_workspace.errors import ServiceError

    with app.app_context():
        subject = db.session.get(User, world.subject)
        with pytest.raises(ServiceError):
            erasure.erase_account(subject, actor=subject)


def test_the_last_platform_admin_is_not_erased(app, world, personas):
    from neig_workspace.errors import ServiceError

    with app.app_context():
        admin = db.session.get(User, personas.platform_admin.id)
        with pytest.raises(ServiceError, match="laatste actieve platformbeheerder"):
            erasure.erase_account(admin, actor=None)
