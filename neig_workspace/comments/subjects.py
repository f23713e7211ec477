"""What a thread hangs on: a document, an action item or an article.

Each feature whose pages carry threads registers a `CommentSubject`: the adapter through which
the comment code loads such a subject through the policy, names its checks, links to it and
shows its page again with a refused comment. The comment code never imports a feature's page
modules; they import the comment panel and form, and register their adapter when imported,
which `create_app` does for every app (the web, the CLI and the tests). `Subject` wraps one
object and asks its adapter for what differs between the kinds."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import NotFound

from ..access import policy
from ..actions.models import ActionItem
from ..documents.models import Document
from ..knowledge.models import Article
from ..spaces.models import Space, SpaceKind
from .models import Comment


@dataclass(frozen=True)
class CommentSubject:
    """One kind of thing comments hang on, as its feature registers it."""

    #: The subject's name in the audit details (`{"document": 12}`), and the registry's key.
    kind: str
    #: The model class of the subject.
    model: type
    #: The policy check for commenting, e.g. "document.comment".
    comment_action: str
    #: Who answers, resolves others' threads and may still comment after a deadline.
    manage_action: str
    #: (id, action) -> the subject, loaded through the policy (404 unseen, 403 not allowed).
    load: Callable[[int, str], Any]
    #: (subject, **panel overrides) -> the subject's page again with the refused comment or
    #: reply as typed and its message, answered with 422.
    render_again: Callable[..., Any]
    #: The path of the subject's page, where its threads show (also in e-mails, so no url_for).
    url: Callable[[Any], str]
    #: Where the panel posts a new thread, and where it asks who can be mentioned.
    post_url: Callable[[Any], str]
    mentions_url: Callable[[Any], str]


class UnknownSubject(NotFound):
    """No adapter for this kind of subject: nothing to comment on, so 404 in a request."""


_SUBJECTS: dict[str, CommentSubject] = {}


def register_subject(adapter: CommentSubject) -> CommentSubject:
    """Make a kind of subject known to the comment code (once per kind and model)."""
    for known in _SUBJECTS.values():
        if known.kind != adapter.kind and known.model is adapter.model:
            raise ValueError(f"{adapter.model.__name__} is already the subject {known.kind!r}")
    known = _SUBJECTS.get(adapter.kind)
    if known is not None and known.model is not adapter.model:
        raise ValueError(f"the subject {adapter.kind!r} is already {known.model.__name__}")
    _SUBJECTS[adapter.kind] = adapter
    return adapter


def registered_subjects() -> tuple[CommentSubject, ...]:
    return tuple(_SUBJECTS.values())


def subject_adapter(kind: str) -> CommentSubject:
    """The adapter registered for `kind`; UnknownSubject (404) if none is."""
    try:
        return _SUBJECTS[kind]
    except KeyError:
        raise UnknownSubject() from None


def adapter_of(obj) -> CommentSubject:
    """The adapter whose model `obj` is; UnknownSubject (404) if none is."""
    for adapter in _SUBJECTS.values():
        if isinstance(obj, adapter.model):
            return adapter
    raise UnknownSubject()


@dataclass(frozen=True)
class Subject:
    obj: Document | ActionItem | Article

    @property
    def adapter(self) -> CommentSubject:
        return adapter_of(self.obj)

    @property
    def is_document(self) -> bool:
        return isinstance(self.obj, Document)

    @property
    def is_article(self) -> bool:
        return isinstance(self.obj, Article)

    @property
    def kind(self) -> str:
        return self.adapter.kind

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
        return self.adapter.url(self.obj)

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
        return self.adapter.comment_action

    @property
    def manage_action(self) -> str:
        """Who answers, resolves others' threads and may still comment after a deadline."""
        return self.adapter.manage_action

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
    """The subject of a comment, or a document, action item or article made into one."""
    if isinstance(thing, Subject):
        return thing
    if isinstance(thing, Comment):
        if thing.article_id is not None:
            return Subject(thing.article)
        return Subject(thing.document if thing.document_id else thing.action_item)
    return Subject(thing)
