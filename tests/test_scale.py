"""`flask neig seed-scale` with tiny figures: the rows it promises, the named user's spaces, an
audit chain and blobs that verify, every searchable kind with its index rows (and some of each
that the named user may read), and its refusals. (The full figures are for bench/pages.py and
bench/search.py.)"""

from sqlalchemy import func, select, text

from neig_workspace.access import policy
from neig_workspace.access.mfa import assuming_mfa
from neig_workspace.accounts.models import User
from neig_workspace.actions.models import ActionItem, ActionItemChange, ProgressUpdate
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import (
    AftercareTask,
    Case,
    CaseOrganisation,
    Disclosure,
    Measure,
    TimelineEntry,
    TimelineNarrowing,
)
from neig_workspace.comments.models import Comment
from neig_workspace.documents.models import Document, DocumentVersion, Folder
from neig_workspace.meetings.models import Meeting, MeetingAudience
from neig_workspace.notifications.models import Notification
from neig_workspace.organisations.models import Organisation
from neig_workspace.scale import DEFAULTS, NAMED_EMAIL, Counts
from neig_workspace.spaces.models import Space, SpaceGrant, SpaceKind
from tests.conftest import db_ctx

FIGURES = {
    "organisations": 5,
    "users": 10,
    "spaces": 12,
    "case-spaces": 4,
    "cases": 4,
    "grants": 60,
    "documents": 20,
    "versions": 24,
    "action-items": 6,
    "audit-events": 30,
    "notifications": 8,
    "articles": 2,
    "named-user-spaces": 6,
    "big-folder": 5,
}


def neig(app, *args):
    return app.test_cli_runner().invoke(args=["neig", *args])


def seed(app, *extra):
    options = [f"--{name}={value}" for name, value in FIGURES.items()]
    # The test's transaction is rolled back: a VACUUM on a connection of its own sees none of it.
    return neig(app, "seed-scale", "--no-vacuum", *options, *extra)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_scale_writes_the_figures_asked_for(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    with db_ctx(app) as session:
        assert count(session, Organisation) == 5
        assert count(session, User) == 10
        assert count(session, Space, Space.kind != SpaceKind.CASE) == 12
        assert count(session, Space, Space.kind == SpaceKind.CASE) == 4
        assert count(session, Case) == 4
        assert count(session, SpaceGrant) == 60
        assert count(session, Document) == 20
        assert count(session, DocumentVersion) == 24
        assert count(session, ActionItem) == 6
        assert count(session, AuditEvent) == 30
        assert count(session, Notification) == 8
        # The searchable kinds not asked for follow the figures they belong to (DERIVED).
        assert count(session, Comment) == 20 // 5
        assert count(session, Meeting) == 12 * 2
        assert count(session, Measure) == 4 * 3 // 2
        assert count(session, AftercareTask) == 4
        assert count(session, TimelineEntry) == 4 * 3
        assert count(session, ProgressUpdate) == 6 * 3
        named = session.scalar(select(User).where(User.email == NAMED_EMAIL))
        assert named.primary_organisation.name == "Gemeente Rotterdam"
        assert count(session, Space, policy.visible_spaces(named)) == 6
        # Every document's newest version is there; the ids' sequences were moved on.
        latest = session.scalar(select(func.sum(Document.latest_number)))
        assert latest == 24
    verified = neig(app, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "30 events verified" in verified.output
    blobs = neig(app, "blobs", "verify")
    assert blobs.exit_code == 0, blobs.output

    again = seed(app)
    assert again.exit_code != 0
    assert "holds data already" in again.output


#: Enough cases for Rotterdam to have one (2 in 100), so the named user takes part in a case.
KINDS = {
    **FIGURES,
    "case-spaces": 50,
    "cases": 50,
    "grants": 260,
    "comments": 200,
    "meetings": 9,
    "measures": 60,
    "tasks": 50,
    "timeline-entries": 150,
    "progress-updates": 12,
}
#: Each kind's table, and its search index table with the key column.
INDEXED = [
    (Comment, "search_comments"),
    (Meeting, "search_meetings"),
    (Measure, "search_measures"),
    (AftercareTask, "search_tasks"),
    (TimelineEntry, "search_entries"),
]


def index_rows(session, table: str) -> int:
    return session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_the_figures_left_out_follow_the_others():
    defaults = Counts(**DEFAULTS).resolved()
    assert (defaults.comments, defaults.meetings) == (20000, 2000)
    assert (defaults.measures, defaults.tasks, defaults.timeline_entries) == (15000, 10000, 30000)
    assert defaults.progress_updates == 6000
    given = Counts(**{**DEFAULTS, "comments": 7, "cases": 10}).resolved()
    assert (given.comments, given.measures) == (7, 15)


def test_seed_scale_seeds_every_searchable_kind_with_its_index(app):
    options = [f"--{name}={value}" for name, value in KINDS.items()]
    result = neig(app, "seed-scale", "--no-vacuum", *options)
    assert result.exit_code == 0, result.output
    with db_ctx(app) as session:
        assert count(session, Comment) == 200
        assert count(session, Meeting) == 9
        assert count(session, Measure) == 60
        assert count(session, AftercareTask) == 50
        assert count(session, TimelineEntry) == 150
        assert count(session, ProgressUpdate) == 12
        # Every kind is in the search index; a deleted comment (a tombstone) is not.
        deleted = count(session, Comment, Comment.deleted_at.is_not(None))
        assert 0 < deleted < 200
        assert count(session, Comment, Comment.deleted_at.is_not(None), Comment.body != "") == 0
        for model, table in INDEXED:
            live = count(session, model) - (deleted if model is Comment else 0)
            assert index_rows(session, table) == live, table
        # Progress notes are the body of their action item's index row.
        notes = session.execute(select(ProgressUpdate.item_id, ProgressUpdate.note)).all()
        contents = dict(session.execute(text("SELECT item_id, content FROM search_items")).all())
        assert all(note in contents[item_id] for item_id, note in notes)

        _assert_the_models_invariants(session)

        named = session.scalar(select(User).where(User.email == NAMED_EMAIL))
        with assuming_mfa():  # case material opens only after a second factor
            for model, visible in [
                (Comment, policy.visible_comments),
                (Meeting, policy.visible_meetings),
                (Measure, policy.visible_measures),
                (AftercareTask, policy.visible_tasks),
                (TimelineEntry, policy.visible_timeline_entries),
            ]:
                readable = count(session, model, visible(named))
                assert 0 < readable < count(session, model), model
            items = select(ActionItem.id).where(policy.visible_action_items(named))
            assert count(session, ProgressUpdate, ProgressUpdate.item_id.in_(items)) > 0
        # Without the second factor, no case material.
        assert count(session, Measure, policy.visible_measures(named)) == 0


def _assert_the_models_invariants(session) -> None:
    """What the services would have refused, nowhere in the seed."""
    # A reply is in a thread (a comment without a parent) about the same subject.
    parent = Comment.__table__.alias("parent")
    replies = select(func.count()).select_from(
        Comment.__table__.join(parent, parent.c.id == Comment.parent_id)
    )
    assert session.scalar(replies) > 0
    wrong = replies.where(
        parent.c.parent_id.is_not(None)
        | (func.coalesce(parent.c.document_id, 0) != func.coalesce(Comment.document_id, 0))
        | (func.coalesce(parent.c.action_item_id, 0) != func.coalesce(Comment.action_item_id, 0))
        | (func.coalesce(parent.c.article_id, 0) != func.coalesce(Comment.article_id, 0))
    )
    assert session.scalar(wrong) == 0
    # Answers belong to threads on documents.
    answered = (Comment.response != "") | Comment.decision.is_not(None)
    assert count(session, Comment, answered) > 0
    assert count(session, Comment, answered, Comment.document_id.is_(None)) == 0
    # A meeting for the network is in a space the network reads; every meeting has its folder
    # in its space and the folder for the minutes inside it.
    network = count(session, Meeting, Meeting.audience == MeetingAudience.NETWORK)
    assert 0 < network < 9
    folder, report = Folder.__table__.alias("folder"), Folder.__table__.alias("report")
    filed = (
        select(func.count())
        .select_from(Meeting)
        .join(folder, folder.c.id == Meeting.folder_id)
        .join(report, report.c.id == Meeting.report_folder_id)
        .where(folder.c.space_id == Meeting.space_id, report.c.parent_id == folder.c.id)
    )
    assert session.scalar(filed) == 9
    # Measures and tasks are carried out by a core organisation of their case.
    for model, org in [
        (Measure, Measure.responsible_organisation_id),
        (AftercareTask, AftercareTask.organisation_id),
    ]:
        core = select(CaseOrganisation.case_id).where(
            CaseOrganisation.case_id == model.case_id,
            CaseOrganisation.organisation_id == org,
            CaseOrganisation.core.is_(True),
        )
        assert count(session, model, ~core.exists()) == 0, model
    # A narrowed entry is never hidden from its supplier; an organisation outside the core
    # that it is given to is in the disclosure register.
    narrowed = select(TimelineNarrowing.entry_id).where(
        TimelineNarrowing.entry_id == TimelineEntry.id
    )
    assert count(session, TimelineEntry, narrowed.exists()) > 0
    own = narrowed.where(
        TimelineNarrowing.organisation_id == TimelineEntry.supplier_organisation_id
    )
    assert count(session, TimelineEntry, narrowed.exists(), ~own.exists()) == 0
    given_outside_core = (
        select(func.count())
        .select_from(TimelineNarrowing)
        .join(TimelineEntry, TimelineEntry.id == TimelineNarrowing.entry_id)
        .join(
            CaseOrganisation,
            (CaseOrganisation.case_id == TimelineEntry.case_id)
            & (CaseOrganisation.organisation_id == TimelineNarrowing.organisation_id),
        )
        .where(CaseOrganisation.core.is_(False))
    )
    disclosed = count(session, Disclosure, Disclosure.item_type == "entry")
    assert disclosed == session.scalar(given_outside_core) > 0
    # A progress update that moved the item is in its history.
    moved = count(session, ProgressUpdate, ProgressUpdate.status_after.is_not(None))
    assert moved == count(session, ActionItemChange, ActionItemChange.field == "status") > 0


def test_seed_scale_refuses_production_and_figures_that_do_not_fit(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", False)
    refused = seed(app)
    assert refused.exit_code != 0
    assert "refused in production" in refused.output
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", True)
    result = neig(app, "seed-scale", "--organisations=2", "--users=10")
    assert result.exit_code != 0
    assert "At least 3 organisations" in result.output
    with db_ctx(app) as session:
        assert count(session, Organisation) == 0


def test_seed_scale_puts_its_blobs_in_the_s3_store(s3_app, s3_server):
    result = seed(s3_app)
    assert result.exit_code == 0, result.output
    listing = s3_server.client().list_objects_v2(Bucket=s3_app.config["S3_BUCKET"])
    blob_keys = [item["Key"] for item in listing["Contents"] if "/used/" not in item["Key"]]
    assert len(blob_keys) == 8 and all(key.startswith("blobs/") for key in blob_keys)
    blobs = neig(s3_app, "blobs", "verify")
    assert blobs.exit_code == 0, blobs.output
