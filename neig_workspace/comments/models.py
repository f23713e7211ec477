"""Threaded comments on documents, their earlier texts, and comment rounds.

A comment belongs to the version it was made on and is visible exactly when its document is:
it has no access rules of its own. Deleting leaves a tombstone so replies keep their place.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import str_enum
from ..extensions import db
from ..timeutil import utcnow


class Decision(enum.StrEnum):
    """What the editors did with a comment (the comment table's last column)."""

    OVERGENOMEN = "overgenomen"
    DEELS_OVERGENOMEN = "deels_overgenomen"
    NIET_OVERGENOMEN = "niet_overgenomen"
    KENNISGENOMEN = "kennisgenomen"


class CommentRound(db.Model):
    """A commentaarronde: invited organisations comment on a draft until the deadline."""

    __tablename__ = "comment_rounds"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    #: Rounds of a document are numbered from 1.
    number: Mapped[int]
    #: The version the round was opened on.
    version_number: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the "deadline approaching" reminder went out, so it goes out once.
    reminded_at: Mapped[datetime | None]

    document: Mapped["Document"] = relationship()  # noqa: F821
    opened_by: Mapped["User | None"] = relationship(foreign_keys=[opened_by_id])  # noqa: F821
    invitations: Mapped[list["RoundInvitation"]] = relationship(
        cascade="all, delete-orphan", order_by="RoundInvitation.organisation_id"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def deadline_passed(self, now: datetime) -> bool:
        return now > self.deadline

    @property
    def invited_ids(self) -> set[int]:
        return {i.organisation_id for i in self.invitations}

    def __repr__(self) -> str:
        return f"<CommentRound {self.id} doc={self.document_id} #{self.number}>"


class RoundInvitation(db.Model):
    __tablename__ = "comment_round_invitations"

    round_id: Mapped[int] = mapped_column(ForeignKey("comment_rounds.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821


class Comment(db.Model):
    """A comment on a document, an action item or an article (exactly one of them)."""

    __tablename__ = "comments"
    __table_args__ = (
        # A thread page loads its subject's comments in order.
        Index("ix_comments_document_created", "document_id", "created_at"),
        Index("ix_comments_action_item_created", "action_item_id", "created_at"),
        Index("ix_comments_article_created", "article_id", "created_at"),
        CheckConstraint(
            "(CASE WHEN document_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN action_item_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN article_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    action_item_id: Mapped[int | None] = mapped_column(ForeignKey("action_items.id"))
    #: A knowledge base article.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    #: The document version the comment was made on (later versions say "on an earlier
    #: version"); None on an action item.
    version_number: Mapped[int | None]
    #: Set on replies; a thread is a comment without a parent and its replies.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("comment_rounds.id"), index=True)
    #: The numbered paragraph of a text draft the comment is about.
    paragraph: Mapped[int | None]
    #: For files: the page or section named by the commenter ("p. 4", "§ 2.1").
    location: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The author's organisation when they wrote it: the comment table groups by it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The editors' answer and decision (threads only).
    response: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision, 24))
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    responded_by: Mapped["User | None"] = relationship(foreign_keys=[responded_by_id])  # noqa: F821
    resolved_by: Mapped["User | None"] = relationship(foreign_keys=[resolved_by_id])  # noqa: F821
    document: Mapped["Document | None"] = relationship()  # noqa: F821
    action_item: Mapped["ActionItem | None"] = relationship()  # noqa: F821
    article: Mapped["Article | None"] = relationship()  # noqa: F821
    revisions: Mapped[list["CommentRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="CommentRevision.id.desc()"
    )

    @property
    def is_thread(self) -> bool:
        return self.parent_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Comment {self.id} doc={self.document_id} parent={self.parent_id}>"


class CommentRevision(db.Model):
    """An earlier text of an edited comment: what was written stays readable."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: When this text was written (the comment's creation or an earlier edit).
    written_at: Mapped[datetime]
