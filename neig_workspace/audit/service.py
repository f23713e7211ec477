"""Writing and verifying the audit chain.

Each event's hash covers its own fields and the previous event's hash, so changing or removing
any row breaks every link after it. Events are written by the service that makes the change, in
the same transaction.
"""

import hashlib
import json
from dataclasses import dataclass

from flask import has_request_context, request
from sqlalchemy import select, text

from ..extensions import client_ip, db
from ..timeutil import utcnow
from .models import AuditEvent

GENESIS_HASH = "0" * 64
#: PostgreSQL advisory lock key that serialises writers of the chain.
_CHAIN_LOCK_KEY = 0x4E454947


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value.replace("\r", " ").replace("\n", " ")[:limit]


def compute_hash(event: AuditEvent) -> str:
    payload = [
        event.prev_hash,
        event.at.isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_org_id,
        event.action,
        event.result,
        event.target_type,
        event.target_id,
        event.space_id,
        event.ip,
        event.user_agent,
        event.details or {},
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _last_hash() -> str:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS_HASH


def record(
    action: str,
    *,
    actor=None,
    result: str = "success",
    target=None,
    target_type: str | None = None,
    target_id=None,
    space_id: int | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller commits."""
    if target is not None:
        target_type = target_type or target.__tablename__.rstrip("s")
        target_id = target.id
    actor_org = getattr(actor, "primary_organisation", None) if actor else None
    db.session.flush()
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_org_id=actor_org.id if actor_org else None,
        action=action,
        result=result,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        space_id=space_id,
        ip=client_ip() if has_request_context() else None,
        user_agent=_clean(request.user_agent.string, 255) if has_request_context() else None,
        details=details or {},
    )
    event.prev_hash = _last_hash()
    event.hash = compute_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Recompute the chain in id order; name the first event whose link does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    for event in db.session.scalars(query):
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.id, "previous hash does not match")
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
