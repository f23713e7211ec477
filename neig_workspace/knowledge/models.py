"""The knowledge base (kennisbank): articles in a space registered as a knowledge base.

An article has no access rules of its own: whoever may read its space reads it (DESIGN.md §
Spaces). Themes and target partner types are rows, so that browsing filters in SQL.
"""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Versioned, str_enum
from ..extensions import db
from ..organisations.models import OrgType
from ..timeutil import utcnow


class ArticleKind(enum.StrEnum):
    BEST_PRACTICE = "best_practice"
    FRAMEWORK = "handelingskader"
    CASE_STUDY = "casuistiek"
    FACTSHEET = "factsheet"


class Theme(enum.StrEnum):
    PREVENTION = "preventie"
    DETECTION = "signalering"
    APPROACH = "aanpak"
    AFTERCARE = "nazorg"
    RESILIENCE = "weerbaarheid"
    COOPERATION = "samenwerking"
    COMMUNICATION = "communicatie"
    LAW = "juridisch"


class KnowledgeSpace(db.Model):
    """A space registered as a knowledge base. A row of its own rather than a name lookup: a
    space can be renamed, and two spaces may share a name; nor does it widen `spaces`."""

    __tablename__ = "knowledge_spaces"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped["Space"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<KnowledgeSpace space={self.space_id}>"


class Article(Versioned, db.Model):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_space_published", "space_id", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A knowledge space: its grants decide who reads the article.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Markdown, shown through the one sanitiser (richtext.render).
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ArticleKind] = mapped_column(str_enum(ArticleKind, 24), index=True)
    #: The author's organisation: its members edit the article.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]
    #: Counters kept with their rows (ArticleUseful, ArticleView), so the list sorts by them.
    useful_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)

    space: Mapped["Space"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    theme_rows: Mapped[list["ArticleTheme"]] = relationship(cascade="all, delete-orphan")
    audience_rows: Mapped[list["ArticleAudience"]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list["ArticleAttachment"]] = relationship(cascade="all, delete-orphan")

    @property
    def themes(self) -> list[Theme]:
        return sorted((r.theme for r in self.theme_rows), key=list(Theme).index)

    @property
    def audiences(self) -> list[OrgType]:
        return sorted((r.org_type for r in self.audience_rows), key=list(OrgType).index)

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.kind} {self.title!r}>"


class ArticleTheme(db.Model):
    __tablename__ = "article_themes"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 24), primary_key=True)

    def __repr__(self) -> str:
        return f"<ArticleTheme {self.article_id} {self.theme}>"


class ArticleAudience(db.Model):
    """A partner type the article is written for."""

    __tablename__ = "article_audiences"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    org_type: Mapped[OrgType] = mapped_column(str_enum(OrgType, 24), primary_key=True)

    def __repr__(self) -> str:
        return f"<ArticleAudience {self.article_id} {self.org_type}>"


class ArticleAttachment(db.Model):
    """A document of the article's space shown with the article (its own access still holds)."""

    __tablename__ = "article_attachments"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped["Document"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ArticleAttachment {self.article_id} doc={self.document_id}>"


class ArticleUseful(db.Model):
    """One "useful" mark per user and article."""

    __tablename__ = "article_useful_marks"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ArticleUseful {self.article_id} user={self.user_id}>"


class ArticleView(db.Model):
    """A reader opened the article on a day: the view count counts each (user, day) once, so
    reloading a page does not inflate it."""

    __tablename__ = "article_views"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)

    def __repr__(self) -> str:
        return f"<ArticleView {self.article_id} user={self.user_id} {self.day}>"
