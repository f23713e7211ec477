"""The knowledge policy as a matrix: who may do what with an article, and the SQL filter
agreeing with it."""

import pytest
from sqlalchemy import select

from neig_workspace.access import policy
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Article

ACTIONS = (
    "article.view",
    "article.edit",
    "article.archive",
    "article.comment",
    "article.mark_useful",
)

# persona -> the actions allowed on A's article (A writes, police reads, secretariat manages).
EXPECTED = {
    "member_a": set(ACTIONS),
    "org_admin_a": set(ACTIONS),
    "police": {"article.view", "article.comment", "article.mark_useful"},
    "secretariat": set(ACTIONS),
    "member_b": set(),
    "platform_admin": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_article_matrix(app, world, personas, persona):
    with app.test_request_context():
        user = db.session.get(User, personas[persona].id)
        article = db.session.get(Article, world.article_id)
        allowed = {a for a in ACTIONS if policy.can(user, a, article)}
        listed = db.session.scalars(select(Article.id).where(policy.visible_articles(user))).all()
    assert allowed == EXPECTED[persona]
    assert (world.article_id in listed) == ("article.view" in EXPECTED[persona])


@pytest.mark.parametrize(
    ("persona", "may_create"),
    # A contributes and the secretariat manages the knowledge space; the police only reads.
    [("member_a", True), ("secretariat", True), ("police", False), ("member_b", False)],
)
def test_who_may_write_a_new_article(app, world, personas, persona, may_create):
    with app.test_request_context():
        user = db.session.get(User, personas[persona].id)
        assert policy.can(user, "article.create") == may_create


def test_an_archived_article_is_seen_only_by_who_may_bring_it_back(app, world, personas):
    with app.test_request_context():
        article = db.session.get(Article, world.article_id)
        article.archived_at = article.published_at
        db.session.flush()
        for persona, sees in (("member_a", True), ("secretariat", True), ("police", False)):
            user = db.session.get(User, personas[persona].id)
            assert policy.can(user, "article.view", article) == sees
            archived = policy.visible_articles(user, archived=True)
            assert (db.session.scalar(select(Article.id).where(archived)) is not None) == sees
            assert not policy.can(user, "article.comment", article)
        db.session.rollback()
