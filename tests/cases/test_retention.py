"""Retention: a case closed longer ago than CASE_RETENTION_YEARS is destroyed, everything of
it and nothing else; its anonymous statistic stays, and the audit chain still verifies."""

import io
from datetime import timedelta

from sqlalchemy import func, select

from neig_workspace.access import policy
from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.audit.service import verify_chain
from neig_workspace.cases import retention
from neig_workspace.cases import service as cases
from neig_workspace.cases.models import (
    AftercareKind,
    AftercareTask,
    Case,
    CaseDocument,
    CaseLink,
    CaseMatch,
    CaseOrganisation,
    CaseStatistic,
    CaseStatus,
    Disclosure,
    EntryKind,
    Measure,
    MeasureType,
    ReleaseAction,
    ReleaseRequest,
    TimelineEntry,
    TimelineNarrowing,
)
from neig_workspace.comments.models import Comment, CommentRevision, CommentRound, RoundInvitation
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, DocumentVersion, Folder
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind, SpaceVisit
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import basis_id, open_case, user
from tests.documents.doc_helpers import blobs_command, pdf


def _upload(space, content: bytes, actor):
    upload = documents.Upload(io.BytesIO(content), "verslag.pdf", "application/pdf")
    return documents.upload_document(space, upload, actor=actor)


def _close(case, *, years_ago: float):
    cases.change_status(case, CaseStatus.AFGESLOTEN, actor=case.created_by)
    case.closed_at = utcnow() - timedelta(days=365.25 * years_ago)


def _notify(user_id, subject_type, subject_id):
    db.session.add(
        Notification(
            user_id=user_id,
            kind=NotificationKind.CASE_UPDATE,
            subject_type=subject_type,
            subject_id=subject_id,
            url="/",
            title="x",
        )
    )


def _fill(case, personas):
    """Every kind of thing a case holds; returns (ids of the case's documents, sha of the
    blob only this case uses, sha of the blob another space shares)."""
    author = user(personas.member_a)
    police = personas.orgs["politie"]
    folder = documents.create_folder(case.space, "Verslagen", None, actor=author)
    solo = _upload(case.space, pdf("alleen in de casus"), author)
    shared = _upload(case.space, pdf("ook elders"), author)
    solo.folder_id = folder.id
    # The uploads recorded their supplier (A) and legal basis themselves.
    assert all(db.session.get(CaseDocument, d.id) for d in (solo, shared))
    measure = Measure(
        case_id=case.id, type=MeasureType.SLUITING_13B, responsible_organisation_id=police
    )
    task = AftercareTask(case_id=case.id, kind=AftercareKind.BEWONERSBRIEF, organisation_id=police)
    entry = TimelineEntry(
        case_id=case.id,
        occurred_at=utcnow(),
        kind=EntryKind.NOTITIE,
        text="Getuige gesproken",
        supplier_organisation_id=police,
        legal_basis_id=basis_id(),
    )
    db.session.add_all([measure, task, entry])
    db.session.flush()
    db.session.add(TimelineNarrowing(entry_id=entry.id, organisation_id=police))
    db.session.add(
        ReleaseRequest(
            case_id=case.id,
            item_type="document",
            item_id=solo.id,
            action=ReleaseAction.COPY,
            supplier_organisation_id=personas.orgs["gemeente_a"],
            requested_by_id=author.id,
        )
    )
    thread = Comment(document_id=solo.id, body="Klopt dit adres?", author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    reply = Comment(document_id=solo.id, parent_id=thread.id, body="Ja", author_id=author.id)
    round_ = CommentRound(
        document_id=shared.id, number=1, version_number=1, deadline=utcnow() + timedelta(days=3)
    )
    db.session.add_all([reply, round_])
    db.session.flush()
    db.session.add(RoundInvitation(round_id=round_.id, organisation_id=police))
    db.session.add(CommentRevision(comment_id=thread.id, body="Klopt dit?", written_at=utcnow()))
    db.session.add(SpaceVisit(user_id=author.id, space_id=case.space_id))
    for subject_type, subject_id in (
        ("case", case.id),
        ("case_task", task.id),
        ("document", solo.id),
        ("comment", reply.id),
        ("comment_round", round_.id),
    ):
        _notify(personas.police.id, subject_type, subject_id)
    return [solo.id, shared.id], solo.latest.sha256, shared.latest.sha256


def _world(app, personas):
    """An old closed case full of things; an open case linked to it, a recently closed one,
    Amsterdam's case at the same address, and a shared space holding the same file."""
    old_id = open_case(app, personas)
    open_id = open_case(app, personas)
    recent_id = open_case(app, personas, address="Blaak 1, 3011 GA Rotterdam")
    other_id = open_case(app, personas, creator="member_b", municipality="gemeente_b")
    with app.app_context():
        old, open_, recent = (db.session.get(Case, i) for i in (old_id, open_id, recent_id))
        document_ids, solo_sha, shared_sha = _fill(old, personas)
        with policy.assuming_mfa():
            cases.link_cases(old, open_, actor=user(personas.member_a))
        shared_space = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
        spaces.add_grant(shared_space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
        elsewhere = _upload(shared_space, pdf("ook elders"), user(personas.member_a))
        # Another case's request to link into the old case: its foreign key must stay valid.
        db.session.add(
            ReleaseRequest(
                case_id=open_.id,
                item_type="document",
                item_id=0,
                action=ReleaseAction.LINK,
                supplier_organisation_id=personas.orgs["gemeente_a"],
                target_space_id=old.space_id,
                requested_by_id=personas.member_a.id,
            )
        )
        _notify(personas.police.id, "case", open_.id)
        _notify(personas.member_a.id, "document", elsewhere.id)
        _close(old, years_ago=5.1)
        _close(recent, years_ago=1)
        db.session.commit()
        assert db.session.get(CaseMatch, (other_id, old_id)) is not None
        return {
            "old": old_id,
            "old_space": old.space_id,
            "open": open_id,
            "recent": recent_id,
            "other": other_id,
            "documents": document_ids,
            "elsewhere": elsewhere.id,
            "solo": solo_sha,
            "shared": shared_sha,
        }


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_only_cases_closed_longer_ago_than_the_period_are_due(app, personas):
    w = _world(app, personas)
    with app.app_context():
        assert [c.id for c in retention.due_cases()] == [w["old"]]
        app.config["CASE_RETENTION_YEARS"] = 10
        try:
            assert retention.due_cases() == []
        finally:
            app.config["CASE_RETENTION_YEARS"] = 5


def test_destroying_a_case_removes_everything_of_it(app, personas):
    w = _world(app, personas)
    with app.app_context():
        statistics_before = _count(CaseStatistic)
        [destroyed] = retention.destroy_due_cases()
        assert (destroyed.documents, destroyed.blobs) == (2, 1)
        old, docs = w["old"], w["documents"]
        assert db.session.get(Case, old) is None
        for model, where in (
            (CaseOrganisation, CaseOrganisation.case_id == old),
            (Measure, Measure.case_id == old),
            (AftercareTask, AftercareTask.case_id == old),
            (TimelineEntry, TimelineEntry.case_id == old),
            (TimelineNarrowing, None),
            (CaseDocument, CaseDocument.case_id == old),
            (ReleaseRequest, ReleaseRequest.case_id == old),
            (Disclosure, Disclosure.case_id == old),
            (CaseLink, (CaseLink.case_id == old) | (CaseLink.linked_case_id == old)),
            (CaseMatch, (CaseMatch.case_id == old) | (CaseMatch.other_case_id == old)),
            (Document, Document.id.in_(docs)),
            (DocumentVersion, DocumentVersion.document_id.in_(docs)),
            (Folder, Folder.space_id == w["old_space"]),
            (Comment, Comment.document_id.in_(docs)),
            (CommentRevision, None),
            (CommentRound, CommentRound.document_id.in_(docs)),
            (RoundInvitation, None),
            (SpaceGrant, SpaceGrant.space_id == w["old_space"]),
            (SpaceVisit, SpaceVisit.space_id == w["old_space"]),
        ):
            assert _count(model, *([where] if where is not None else [])) == 0, model
        # Notifications about the case and its things are gone (only the old case had tasks,
        # comments and rounds); those about other cases and other documents stay.
        left = set(db.session.execute(select(Notification.subject_type, Notification.subject_id)))
        assert ("case", w["open"]) in left and ("document", w["elsewhere"]) in left
        assert ("case", w["other"]) in left  # the address match told Amsterdam's manager
        assert ("case", old) not in left
        assert not {t for t, i in left} & {"case_task", "comment", "comment_round"}
        assert not {("document", d) for d in docs} & left
        space = db.session.get(Space, w["old_space"])
        assert space.name == "Vernietigde casus" and space.archived_at is not None
        statistic = db.session.scalar(
            select(CaseStatistic).where(CaseStatistic.destroyed_at.is_not(None))
        )
        assert statistic.case_id is None and _count(CaseStatistic) == statistics_before


def test_blobs_go_only_when_nothing_else_uses_them(app, personas):
    w = _world(app, personas)
    with app.app_context():
        store = documents.store()
        assert store.exists(w["solo"]) and store.exists(w["shared"])
        retention.destroy_due_cases()
        assert store.exists(w["solo"])  # left to the collector, after its grace period
    assert "Removed 0 unused blob(s)" in blobs_command(app, "gc", grace_hours=1).output
    assert blobs_command(app, "gc").exit_code == 0
    with app.app_context():
        assert not store.exists(w["solo"])
        assert store.exists(w["shared"])
        assert db.session.get(Document, w["elsewhere"]).latest.sha256 == w["shared"]


def test_nothing_else_is_touched(app, personas):
    w = _world(app, personas)
    with app.app_context():
        retention.destroy_due_cases()
        for key in ("open", "recent", "other"):
            assert db.session.get(Case, w[key]) is not None
        assert db.session.get(Case, w["recent"]).status == CaseStatus.AFGESLOTEN
        assert _count(CaseStatistic, CaseStatistic.case_id.is_not(None)) == 3
        assert _count(CaseOrganisation, CaseOrganisation.case_id == w["open"]) == 3
        assert _count(ReleaseRequest, ReleaseRequest.case_id == w["open"]) == 1


def test_one_audit_event_per_case_without_personal_data_and_the_chain_verifies(app, personas):
    w = _world(app, personas)
    with app.app_context():
        before = _count(AuditEvent)
        retention.destroy_due_cases()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > 0)).all()
        assert len(events) == before + 1
        event = events[-1]
        assert (event.action, event.target_type, event.target_id) == (
            "case.destroyed",
            "case",
            str(w["old"]),
        )
        assert set(event.details) == {"reference", "documents"}
        assert event.details["documents"] == 2
        report = verify_chain()
        assert report.ok, report


def test_the_cli_dry_run_lists_and_changes_nothing_then_destroys(app, personas):
    w = _world(app, personas)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["neig", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        reference = db.session.get(Case, w["old"]).reference
        assert f"Due: {reference} (Gemeente Rotterdam, closed" in result.output
        assert "1 case(s)" in result.output
        assert _count(Case) == 4
    result = runner.invoke(args=["neig", "retention"])
    assert result.exit_code == 0, result.output
    assert f"Destroyed {reference}: 2 document(s), 1 blob(s) no longer used" in result.output
    with app.app_context():
        assert _count(Case) == 3
    again = runner.invoke(args=["neig", "retention", "--dry-run"])
    assert "0 case(s)" in again.output
