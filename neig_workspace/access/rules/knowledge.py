"""The knowledge base: articles live in spaces registered as a knowledge base. An article has
no rules of its own beyond its space: whoever reads the space reads its articles, contributors
and up write new ones, and the author's organisation (contributors) or the space's editors
change them. Archiving takes an article out of the lists; its author organisation and the
space's managers still open it, to bring it back."""

from sqlalchemy import ColumnElement, false, literal, select

from ...extensions import db
from ...knowledge.models import Article, KnowledgeSpace
from ...spaces.models import Space
from ..roles import SpaceRole
from ..scope import (
    _active,
    _grants_from,
    _in,
    _member_org_ids,
    _member_orgs,
    _network_member,
    _open_space_ids,
    _per_request,
)
from .spaces import _space_edit_all, _space_manage, _space_upload, _space_view, space_readers


def _knowledge_space_ids():
    return select(KnowledgeSpace.space_id)


def _in_author_org(user, article: Article) -> bool:
    return article.organisation_id in _member_org_ids(user)


def _article_manage(user, article: Article) -> bool:
    """Archive, bring back and delete: the author organisation's writers, the space managers."""
    if _space_manage(user, article.space):
        return True
    return _in_author_org(user, article) and _space_upload(user, article.space)


def _article_view(user, article: Article) -> bool:
    if article.archived_at is not None:
        return _space_view(user, article.space) and _article_manage(user, article)
    return _space_view(user, article.space)


def _article_edit(user, article: Article) -> bool:
    if article.archived_at is not None or not _space_view(user, article.space):
        return False
    if _space_edit_all(user, article.space):
        return True
    return _in_author_org(user, article) and _space_upload(user, article.space)


def _article_take_part(user, article: Article) -> bool:
    """Comment and mark as useful: every reader of a current article."""
    return article.archived_at is None and _space_view(user, article.space)


def _article_archive(user, article: Article) -> bool:
    return _article_view(user, article) and _article_manage(user, article)


@_per_request
def knowledge_spaces_writable(user) -> ColumnElement[bool]:
    """Knowledge spaces in which the user may write a new article now (the create form's
    choices), in SQL."""
    if not _active(user):
        return false()
    contributor_grants = _grants_from(user, SpaceRole.CONTRIBUTOR)
    return _in(Space.id, _knowledge_space_ids()) & Space.id.in_(
        select(Space.id).where(
            _in(Space.id, _open_space_ids(user)), _in(Space.id, contributor_grants)
        )
    )


def _article_create(user, obj=None) -> bool:
    query = select(literal(1)).select_from(Space).where(knowledge_spaces_writable(user))
    return db.session.scalar(query) is not None


def _knowledge_browse(user, obj=None) -> bool:
    # Every network member may open the list; it shows only what their spaces hold.
    return _network_member(user)


@_per_request
def visible_articles(user, *, archived: bool = False) -> ColumnElement[bool]:
    """Articles the user may read now (with `archived`: archived ones they may bring back)."""
    if not _active(user):
        return false()
    spaces = select(Space.id).where(
        _in(Space.id, _open_space_ids(user)), _in(Space.id, _knowledge_space_ids())
    )
    readable = _in(Article.space_id, spaces)
    if not archived:
        return readable & Article.archived_at.is_(None)
    managed = _grants_from(user, SpaceRole.MANAGER)
    writer = _in(Article.organisation_id, _member_orgs(user)) & _in(
        Article.space_id, _grants_from(user, SpaceRole.CONTRIBUTOR)
    )
    return readable & Article.archived_at.is_not(None) & (_in(Article.space_id, managed) | writer)


def article_readers(article: Article) -> ColumnElement[bool]:
    """Users who may read the article (its comment threads notify only them), in SQL."""
    if article.archived_at is not None:
        return false()
    return space_readers(article.space)


ACTIONS = {
    "knowledge.browse": (None, _knowledge_browse),
    "article.create": (None, _article_create),
    "article.view": (Article, _article_view),
    "article.edit": (Article, _article_edit),
    "article.attach": (Article, _article_edit),
    "article.archive": (Article, _article_archive),
    "article.comment": (Article, _article_take_part),
    "article.mark_useful": (Article, _article_take_part),
}
VIEW_ACTION = {Article: "article.view"}
# An archived article is opened only by whoever may bring it back.
VISIBLE = {Article: lambda user: visible_articles(user) | visible_articles(user, archived=True)}
SUBJECTS = {"article": lambda user: select(Article.id).where(visible_articles(user))}
