"""`flask neig seed-scale` with tiny figures: the rows it promises, the named user's spaces, an
audit chain and blobs that verify, and its refusals. (The full figures are for bench/pages.py.)"""

from sqlalchemy import func, select

from neig_workspace.access import policy
from neig_workspace.accounts.models import User
from neig_workspace.actions.models import ActionItem
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import Case
from neig_workspace.documents.models import Document, DocumentVersion
from neig_workspace.notifications.models import Notification
from neig_workspace.organisations.models import Organisation
from neig_workspace.scale import NAMED_EMAIL
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
