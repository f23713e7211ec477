"""The append-only, hash-chained audit log."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class AuditEvent(db.Model):
    """One security-relevant event, with the six BIO fields (action, object, result, origin,
    actor, time in UTC). Never updated or deleted by the application."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: Dotted name, e.g. "auth.login", "membership.role_changed".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: success, failure or denied.
    result: Mapped[str] = mapped_column(String(16), default="success")
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: The space the event happened in, once spaces exist (no foreign key: spaces come later).
    space_id: Mapped[int | None] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        # A space's events since a moment: the spaces list's and the dashboard's news.
        Index("ix_audit_events_space_at", "space_id", "at"),
        # One thing's events, newest first: a document's history (its page), a person's events
        # (the subject access export). Without it a document's page read every document event.
        Index("ix_audit_events_target", "target_type", "target_id", "id"),
    )

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    actor_org: Mapped["Organisation | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.result}>"


class AuditRedaction(db.Model):
    """An audit event whose details an erasure rewrote (a pseudonym instead of a person).

    The event keeps its `hash`, the link the next event follows; `content_hash` is the hash of
    its rewritten content. The erasure's own event (`account.erased`, id `redaction_id`), later
    in the chain, carries a digest of its rows here, so neither table can be changed unseen
    (audit.service.verify_chain). No foreign key: the audit retention may remove either event."""

    __tablename__ = "audit_redactions"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    redaction_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    content_hash: Mapped[str] = mapped_column(String(64))
