"""The knowledge base: write, change, archive and attach to articles; useful marks and views.

Services take the actor as a keyword; the views have asked the policy, the services ask again
where a choice (a space, a document) comes from the form. The request commits once.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from ..access import policy
from ..audit import service as audit
from ..documents import service as documents
from ..documents.models import Document
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Organisation, OrgType
from ..queries import LIKE_ESCAPE, like_pattern
from ..spaces.models import Space
from ..timeutil import utcnow
from .models import (
    Article,
    ArticleAttachment,
    ArticleAudience,
    ArticleKind,
    ArticleTheme,
    ArticleUseful,
    ArticleView,
    KnowledgeSpace,
    Theme,
)

SORTS = ("nieuw", "nuttig", "gelezen")


@dataclass
class ArticleInput:
    title: str
    summary: str
    body: str
    kind: ArticleKind
    themes: list[Theme]
    audiences: list[OrgType]


# --- knowledge spaces -------------------------------------------------------------------------


def register_space(space: Space) -> KnowledgeSpace:
    """Make `space` a knowledge base (idempotent); the caller set up its grants."""
    existing = db.session.get(KnowledgeSpace, space.id)
    if existing is not None:
        return existing
    registered = KnowledgeSpace(space_id=space.id)
    db.session.add(registered)
    db.session.flush()
    return registered


def writable_spaces(user) -> list[Space]:
    """The knowledge spaces the user may write a new article in."""
    query = select(Space).where(policy.knowledge_spaces_writable(user)).order_by(Space.id)
    return list(db.session.scalars(query))


def author_organisations(user) -> list[Organisation]:
    """The organisations an article of this user may be written for: their active ones."""
    return sorted(
        (m.organisation for m in user.memberships if m.organisation.active), key=lambda o: o.name
    )


# --- articles ---------------------------------------------------------------------------------


def _apply(article: Article, data: ArticleInput) -> None:
    article.title = data.title.strip()[:200]
    article.summary = data.summary.strip()
    article.body = data.body
    article.kind = data.kind
    article.theme_rows = [ArticleTheme(theme=t) for t in dict.fromkeys(data.themes)]
    article.audience_rows = [ArticleAudience(org_type=t) for t in dict.fromkeys(data.audiences)]


def build_article(
    space: Space, organisation_id: int, data: ArticleInput, *, author_id, published_at=None
) -> Article:
    """The article row with its themes and audiences, added and flushed (no checks)."""
    published_at = published_at or utcnow()
    article = Article(
        space_id=space.id,
        space=space,
        organisation_id=organisation_id,
        created_by_id=author_id,
        published_at=published_at,
        updated_at=published_at,
    )
    _apply(article, data)
    db.session.add(article)
    db.session.flush()
    return article


def create_article(space: Space, organisation: Organisation, data: ArticleInput, *, actor):
    """A new article in a knowledge space, written for one of the actor's organisations."""
    if space.id not in {s.id for s in writable_spaces(actor)}:
        raise ServiceError(_("Kies een kennisbank waarin u mag schrijven."), field="space")
    if organisation not in author_organisations(actor):
        raise ServiceError(_("Kies een organisatie waarvan u lid bent."), field="organisation")
    article = build_article(space, organisation.id, data, author_id=actor.id)
    audit.record("article.created", actor=actor, target=article, space_id=space.id)
    return article


def update_article(article: Article, data: ArticleInput, *, actor) -> None:
    policy.require("article.edit", article, user=actor)
    _apply(article, data)
    article.updated_at = utcnow()
    audit.record("article.updated", actor=actor, target=article, space_id=article.space_id)


def set_archived(article: Article, archived: bool, *, actor) -> None:
    policy.require("article.archive", article, user=actor)
    article.archived_at = utcnow() if archived else None
    action = "article.archived" if archived else "article.restored"
    audit.record(action, actor=actor, target=article, space_id=article.space_id)


# --- attachments ------------------------------------------------------------------------------


def attach_upload(article: Article, upload, *, title: str, actor) -> Document:
    """Upload a file into the article's space (checked and scanned there) and attach it."""
    policy.require("article.attach", article, user=actor)
    policy.require("space.upload", article.space, user=actor)
    document = documents.upload_document(article.space, upload, title=title, actor=actor)
    _attach(article, document, actor=actor)
    return document


def attach_existing(article: Article, document_id: int, *, actor) -> Document:
    """Attach a document the actor may read that lies in the article's own space."""
    policy.require("article.attach", article, user=actor)
    document = db.session.scalar(
        select(Document).where(
            Document.id == document_id,
            Document.space_id == article.space_id,
            policy.visible_documents(actor),
        )
    )
    if document is None:
        raise ServiceError(_("Kies een document uit deze kennisbank."), field="document")
    if any(a.document_id == document.id for a in article.attachments):
        raise ServiceError(_("Dit document hoort al bij het artikel."), field="document")
    _attach(article, document, actor=actor)
    return document


def _attach(article: Article, document: Document, *, actor) -> None:
    article.attachments.append(ArticleAttachment(document_id=document.id, document=document))
    db.session.flush()
    audit.record(
        "article.attached",
        actor=actor,
        target=article,
        space_id=article.space_id,
        details={"document": document.id},
    )


def detach(article: Article, document_id: int, *, actor) -> None:
    """Take a document off the article; the document itself stays in the space."""
    policy.require("article.attach", article, user=actor)
    found = [a for a in article.attachments if a.document_id == document_id]
    if not found:
        raise ServiceError(_("Dit document hoort niet bij het artikel."))
    article.attachments.remove(found[0])
    audit.record(
        "article.detached",
        actor=actor,
        target=article,
        space_id=article.space_id,
        details={"document": document_id},
    )


def visible_attachments(article: Article, user) -> list[Document]:
    """The article's documents the user may read (narrowing and trash still count)."""
    query = (
        select(Document)
        .join(ArticleAttachment, ArticleAttachment.document_id == Document.id)
        .where(ArticleAttachment.article_id == article.id, policy.visible_documents(user))
        .order_by(Document.title)
    )
    return list(db.session.scalars(query))


def attachable_documents(article: Article, user) -> list[Document]:
    """Documents of the article's space the user may read and that are not attached yet."""
    attached = select(ArticleAttachment.document_id).where(
        ArticleAttachment.article_id == article.id
    )
    query = (
        select(Document)
        .where(
            Document.space_id == article.space_id,
            policy.visible_documents(user),
            Document.id.not_in(attached),
        )
        .order_by(Document.title)
        .limit(200)
    )
    return list(db.session.scalars(query))


# --- useful marks and views -------------------------------------------------------------------


def has_marked_useful(article: Article, user) -> bool:
    return db.session.get(ArticleUseful, (article.id, user.id)) is not None


def toggle_useful(article: Article, *, actor) -> bool:
    """Mark as useful, or take the mark back; returns whether it is marked now."""
    policy.require("article.mark_useful", article, user=actor)
    mark = db.session.get(ArticleUseful, (article.id, actor.id))
    if mark is not None:
        db.session.delete(mark)
        step = -1
    else:
        db.session.add(ArticleUseful(article_id=article.id, user_id=actor.id))
        step = 1
    # In SQL, so two readers marking at once do not overwrite each other's count.
    db.session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(useful_count=Article.useful_count + step)
    )
    db.session.flush()
    db.session.refresh(article, ["useful_count"])
    return mark is None


def record_view(article: Article, user, today: date | None = None) -> None:
    """Count the user's first opening of the article on a day; later ones that day do not."""
    today = today or utcnow().date()
    if db.session.get(ArticleView, (article.id, user.id, today)) is not None:
        return
    db.session.add(ArticleView(article_id=article.id, user_id=user.id, day=today))
    db.session.execute(
        update(Article).where(Article.id == article.id).values(view_count=Article.view_count + 1)
    )
    db.session.flush()
    db.session.refresh(article, ["view_count"])


# --- browsing ---------------------------------------------------------------------------------


@dataclass
class Filters:
    query: str = ""
    kind: ArticleKind | None = None
    theme: Theme | None = None
    audience: OrgType | None = None
    sort: str = "nieuw"


def browse_query(user, filters: Filters):
    """The articles the user may read, filtered and sorted, as one SELECT (for paginate)."""
    query = select(Article).where(policy.visible_articles(user))
    if filters.query:
        pattern = like_pattern(filters.query.strip()[:100])
        query = query.where(
            or_(
                *(
                    func.lower(column).like(func.lower(pattern), escape=LIKE_ESCAPE)
                    for column in (Article.title, Article.summary, Article.body)
                )
            )
        )
    if filters.kind:
        query = query.where(Article.kind == filters.kind)
    if filters.theme:
        query = query.where(
            Article.id.in_(
                select(ArticleTheme.article_id).where(ArticleTheme.theme == filters.theme)
            )
        )
    if filters.audience:
        query = query.where(
            Article.id.in_(
                select(ArticleAudience.article_id).where(
                    ArticleAudience.org_type == filters.audience
                )
            )
        )
    order = {
        "nuttig": (Article.useful_count.desc(),),
        "gelezen": (Article.view_count.desc(),),
    }.get(filters.sort, ())
    return query.options(
        selectinload(Article.theme_rows), selectinload(Article.organisation)
    ).order_by(*order, Article.published_at.desc(), Article.id.desc())


def archived_articles(user) -> list[Article]:
    """Archived articles the user may bring back."""
    query = (
        select(Article)
        .where(policy.visible_articles(user, archived=True))
        .order_by(Article.archived_at.desc())
        .limit(50)
    )
    return list(db.session.scalars(query))
