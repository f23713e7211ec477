"""What a thread hangs on: a document, an action item or an article. The comment code asks its subject,
never the model, for what differs between the two (where it lives, who may read it, where it
is shown, what may be done there)."""

from dataclasses import dataclass

from ..access import policy
from ..actions.models import ActionItem
from ..documents.models import Document
from ..knowledge.models import Article  # the knowledge base (issue #8)
from ..spaces.models import Space, SpaceKind
from .models import Comment


@dataclass(frozen=True)
class Subject:
    obj: Document | ActionItem | Article

    @property
    def is_document(self) -> bool:
        return isinstance(self.obj, Document)

    @property
    def is_article(self) -> bool:
        return isinstance(self.obj, Article)

    @property
    def kind(self) -> str:
        if self.is_article:
            return "article"
        return "document" if self.is_document else "action_item"

    @property
    def space(self) -> Space:
        if self.is_article:
            return self.obj.space
        return self.obj.space if self.is_document else self.obj.plan.space

    @property
    def title(self) -> str:
        if self.is_document or self.is_article:
            return self.obj.title
        return f"{self.obj.code} {self.obj.title}"

    @property
    def url(self) -> str:
        if self.is_article:
            return f"/kennisbank/{self.obj.id}"
        prefix = "/documenten" if self.is_document else "/actiepunten"
        return f"{prefix}/{self.obj.id}"

    @property
    def latest_number(self) -> int | None:
        """The document version a new comment is made on; None on an action item."""
        return self.obj.latest_number if self.is_document else None

    @property
    def is_text(self) -> bool:
        return self.is_document and self.obj.is_text

    @property
    def confidential(self) -> bool:
        """E-mails about these carry no content (vertrouwelijk or higher, MFA spaces, cases)."""
        space = self.space
        labelled = self.is_document and self.obj.classification.needs_mfa
        return bool(labelled or space.requires_mfa or space.kind == SpaceKind.CASE)

    @property
    def comment_action(self) -> str:
        if self.is_article:
            return "article.comment"
        return "document.comment" if self.is_document else "action_item.comment"

    @property
    def manage_action(self) -> str:
        """Who answers, resolves others' threads and may still comment after a deadline."""
        if self.is_article:
            return "article.edit"
        return "document.manage_drafts" if self.is_document else "action_item.edit"

    def readers(self):
        """Users who may read the subject (after an MFA login where it needs one), in SQL."""
        if self.is_document:
            return policy.document_readers(self.obj)
        if self.is_article:
            return policy.article_readers(self.obj)
        return policy.action_item_readers(self.obj)

    def comments_clause(self):
        if self.is_document:
            return Comment.document_id == self.obj.id
        if self.is_article:
            return Comment.article_id == self.obj.id
        return Comment.action_item_id == self.obj.id

    def attach(self, comment: Comment) -> None:
        if self.is_document:
            comment.document_id, comment.document = self.obj.id, self.obj
        elif self.is_article:
            comment.article_id, comment.article = self.obj.id, self.obj
        else:
            comment.action_item_id, comment.action_item = self.obj.id, self.obj


def subject_of(thing) -> Subject:
    """The subject of a comment, or a document or action item made into one."""
    if isinstance(thing, Subject):
        return thing
    if isinstance(thing, Comment):
        if thing.article_id is not None:
            return Subject(thing.article)
        return Subject(thing.document if thing.document_id else thing.action_item)
    return Subject(thing)
