"""Folders, documents and their versions. Nothing is overwritten: a new upload is a new version,
deleting moves to the trash, and only a purge removes rows (and blobs nobody points at)."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, and_, false, text
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from ..db_types import Versioned, str_enum
from ..extensions import db
from ..spaces.models import Classification
from ..timeutil import utcnow


class DocumentStatus(enum.StrEnum):
    """concept -> in consultatie (a comment round is open) -> vastgesteld -> gearchiveerd."""

    CONCEPT = "concept"
    IN_CONSULTATIE = "in_consultatie"
    VASTGESTELD = "vastgesteld"
    GEARCHIVEERD = "gearchiveerd"

    @property
    def editors_only(self) -> bool:
        """Adopted and archived documents are changed by editors only."""
        return self in (DocumentStatus.VASTGESTELD, DocumentStatus.GEARCHIVEERD)


class ScanStatus(enum.StrEnum):
    """What the virus scanner said about a version's content."""

    CLEAN = "clean"
    #: Stored while the scanner was unreachable (quarantine mode): nobody may open it yet.
    PENDING = "pending"
    #: Found infected after the fact: the blob is removed, the row stays for the history.
    INFECTED = "infected"
    #: Uploaded while scanning was off.
    NOT_SCANNED = "not_scanned"

    @property
    def openable(self) -> bool:
        return self in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)


class Folder(db.Model):
    __tablename__ = "folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Everything deleted together shares a batch, so restoring a folder restores its contents.
    trash_batch: Mapped[str | None] = mapped_column(String(32), index=True)

    parent: Mapped["Folder | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Folder {self.id} {self.name!r} space={self.space_id}>"


class Document(Versioned, db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        # The folder listing filters on space and folder and sorts by title or date.
        Index("ix_documents_listing_title", "space_id", "folder_id", "title"),
        Index("ix_documents_listing_updated", "space_id", "folder_id", "updated_at"),
        # Search lists the text drafts (a few) apart from the other documents (most).
        Index(
            "ix_documents_text_drafts",
            "space_id",
            postgresql_where=text("is_text"),
            sqlite_where=text("is_text"),
        ),
        # The documents a reader may read that are not in the trash, as ids (with their last
        # change and classification, for search's facets) from the index alone: search takes
        # the readable spaces' ids and sorts by id.
        Index(
            "ix_documents_live_by_space",
            "space_id",
            "is_text",
            "id",
            "updated_at",
            "classification",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Tags, lower-cased, each wrapped in bars ("|nazorg|woning|") so one LIKE finds one tag.
    tags: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, 24), default=DocumentStatus.CONCEPT
    )
    classification: Mapped[Classification] = mapped_column(str_enum(Classification, 24))
    #: A text draft written in the app (Markdown); its versions are .md files.
    is_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The number of the newest version; versions are numbered from 1 without gaps.
    latest_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    trash_batch: Mapped[str | None] = mapped_column(String(32), index=True)

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    space: Mapped["Space"] = relationship()  # noqa: F821
    folder: Mapped[Folder | None] = relationship()
    narrowing: Mapped[list["DocumentNarrowing"]] = relationship(cascade="all, delete-orphan")
    latest: Mapped["DocumentVersion | None"] = relationship(
        primaryjoin=lambda: and_(
            foreign(DocumentVersion.document_id) == Document.id,
            DocumentVersion.number == Document.latest_number,
        ),
        viewonly=True,
        uselist=False,
    )

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("|") if t]

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r} space={self.space_id}>"


class DocumentVersion(db.Model):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    #: The cleaned original filename: metadata only, never a path on disk.
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set when this version was made by restoring an older one.
    restored_from: Mapped[int | None]
    scan_status: Mapped[ScanStatus] = mapped_column(
        str_enum(ScanStatus, 16),
        default=ScanStatus.NOT_SCANNED,
        server_default=ScanStatus.NOT_SCANNED.value,  # versions from before scanning existed
        index=True,
    )

    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    #: The text read for search (None until read); the document page shows its status.
    extracted: Mapped["VersionText | None"] = relationship(viewonly=True, uselist=False)

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.document_id}.{self.number} {self.sha256[:12]}>"


class DocumentNarrowing(db.Model):
    """A document narrowed to some of its space's organisations: only their members may read it."""

    __tablename__ = "document_narrowings"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    def __repr__(self) -> str:
        return f"<DocumentNarrowing doc={self.document_id} org={self.organisation_id}>"


class TextStatus(enum.StrEnum):
    """What reading a version's text for search came to (documents/extraction.py)."""

    OK = "ok"
    #: Read, but it holds no text (a scanned PDF): searched by its metadata only.
    NO_TEXT = "no_text"
    #: Damaged, encrypted or otherwise not parsable.
    UNREADABLE = "unreadable"
    #: Over the memory limit (EXTRACT_MEMORY_MB), or a zip that would unpack past it.
    TOO_LARGE = "too_large"
    #: Over the time limit (EXTRACT_TIMEOUT_SECONDS).
    TIMEOUT = "timeout"
    #: A type no text is read from (images, the old binary Office formats).
    UNSUPPORTED = "unsupported"


class VersionText(db.Model):
    """The text read from a version's file, for search; one row per version once read. Deleted
    with its version (ON DELETE CASCADE), so a purge or a case's destruction takes it along."""

    __tablename__ = "version_texts"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[TextStatus] = mapped_column(str_enum(TextStatus, 16))
    #: At most EXTRACT_MAX_CHARS; loaded only when asked for (a page shows the status only).
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    #: Whether the text was cut at EXTRACT_MAX_CHARS.
    truncated: Mapped[bool] = mapped_column(default=False)
    #: The parser and its version ("pypdf 7.1.1"), to know what to read again after an upgrade.
    extractor: Mapped[str] = mapped_column(String(60), default="")
    extracted_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<VersionText {self.version_id} {self.status.value}>"
