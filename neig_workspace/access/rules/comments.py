"""Drafts, comments and comment rounds. A comment has no access rules of its own: it is visible
exactly when its document (or action item, or article) is. Editors of the space (and the
secretariat, where it may read the draft) run comment rounds and answer."""

from collections.abc import Callable

from sqlalchemy import ColumnElement, select

from ...actions.models import ActionItem
from ...comments.models import Comment, CommentRound
from ...documents.models import Document, DocumentStatus
from ...knowledge.models import Article
from ..scope import _per_request, _row_exists
from .actions import _item_comment, _item_edit, _item_view, visible_action_items
from .documents import _document_edit, _document_view, visible_documents
from .knowledge import _article_edit, _article_take_part, _article_view, visible_articles
from .spaces import _space_edit_all


def _document_set_status(user, document: Document) -> bool:
    return _document_view(user, document) and _space_edit_all(user, document.space)


def _document_manage_drafts(user, document: Document) -> bool:
    if not _document_view(user, document) or document.status == DocumentStatus.GEARCHIVEERD:
        return False
    return user.is_secretariat or _space_edit_all(user, document.space)


def _document_comment(user, document: Document) -> bool:
    return _document_view(user, document) and document.status != DocumentStatus.GEARCHIVEERD


def _document_edit_text(user, document: Document) -> bool:
    if not document.is_text or document.status == DocumentStatus.GEARCHIVEERD:
        return False
    return _document_edit(user, document)


#: What a comment on an article asks, for each check the comment rules ask of a document.
_ARTICLE_COMMENT_CHECKS = {
    _document_view: _article_view,
    _document_comment: _article_take_part,
    _document_manage_drafts: _article_edit,
}


def _comment_on(user, comment: Comment, documents: Callable, items: Callable) -> bool:
    """Ask `documents(user, document)` or `items(user, item)`, whichever the comment is on; a
    comment on an article asks the article's check that matches `documents`."""
    if comment.document_id is not None:
        return documents(user, comment.document)
    if comment.article_id is not None:
        return _ARTICLE_COMMENT_CHECKS[documents](user, comment.article)
    return items(user, comment.action_item)


def _comment_view(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_view, _item_view)


def _comment_may_write(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_comment, _item_comment)


def _comment_may_manage(user, comment: Comment) -> bool:
    return _comment_on(user, comment, _document_manage_drafts, _item_edit)


def _comment_edit(user, comment: Comment) -> bool:
    return (
        comment.author_id == user.id
        and not comment.is_deleted
        and _comment_may_write(user, comment)
    )


def _comment_resolve(user, comment: Comment) -> bool:
    if not comment.is_thread or not _comment_may_write(user, comment):
        return False
    return comment.author_id == user.id or _comment_may_manage(user, comment)


def _comment_respond(user, comment: Comment) -> bool:
    # Answers and decisions belong to drafts (the comment table), not to action items.
    return (
        comment.is_thread
        and comment.document_id is not None
        and _document_manage_drafts(user, comment.document)
    )


def _round_view(user, comment_round: CommentRound) -> bool:
    return _document_view(user, comment_round.document)


def _round_manage(user, comment_round: CommentRound) -> bool:
    return _document_manage_drafts(user, comment_round.document)


@_per_request
def visible_comments(user) -> ColumnElement[bool]:
    """Comments whose document, action item or article the user may read now."""
    return (
        _row_exists(Document.id, Comment.document_id, visible_documents(user))
        | _row_exists(ActionItem.id, Comment.action_item_id, visible_action_items(user))
        | _row_exists(Article.id, Comment.article_id, visible_articles(user))
    )


@_per_request
def visible_rounds(user) -> ColumnElement[bool]:
    return _row_exists(Document.id, CommentRound.document_id, visible_documents(user))


ACTIONS = {
    "document.set_status": (Document, _document_set_status),
    "document.comment": (Document, _document_comment),
    "document.edit_text": (Document, _document_edit_text),
    "document.manage_drafts": (Document, _document_manage_drafts),
    "comment.view": (Comment, _comment_view),
    "comment.edit": (Comment, _comment_edit),
    "comment.delete": (Comment, _comment_edit),
    "comment.resolve": (Comment, _comment_resolve),
    "comment.respond": (Comment, _comment_respond),
    "comment_round.view": (CommentRound, _round_view),
    "comment_round.manage": (CommentRound, _round_manage),
}
VIEW_ACTION = {Comment: "comment.view", CommentRound: "comment_round.view"}
VISIBLE = {Comment: visible_comments, CommentRound: visible_rounds}
SUBJECTS = {
    "comment": lambda user: select(Comment.id).where(visible_comments(user)),
    "comment_round": lambda user: select(CommentRound.id).where(visible_rounds(user)),
}
