"""Writing and verifying the audit chain, and the one way to remove old events.

Each event's hash covers its own fields and the previous event's hash, so changing or removing
any row breaks every link after it; signed checkpoints outside the database (checkpoint.py) show
a cut tail. Events are written by the service that makes the change, in the same transaction.

The database refuses UPDATE and DELETE on audit_events (a trigger, migration 0016). Only
`prune`, the audited retention of the log, opens that gate, for its own transaction; and
`redact`, the erasure of an account, may rewrite the `details` of events that named the person
(migration 0022), in a way `verify_chain` checks (see `redact`).
"""

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Text, cast, delete, func, or_, select, text, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from ..extensions import client_ip, db
from ..timeutil import utcnow
from . import checkpoint
from .models import AuditEvent, AuditRedaction

GENESIS_HASH = "0" * 64
#: PostgreSQL advisory lock key that serialises writers of the chain.
_CHAIN_LOCK_KEY = 0x4E454947
#: session.info keys: a checkpoint is due at the commit; the line to write after it.
_CHECKPOINT_DUE = "neig_audit_checkpoint_due"
_CHECKPOINT_LINE = "neig_audit_checkpoint_line"
#: The connection's info key the SQLite trigger reads (through neig_audit_retention()).
RETENTION_FLAG = "neig_audit_retention"
#: The connection's info key the SQLite UPDATE trigger reads (through neig_audit_redaction()).
REDACTION_FLAG = "neig_audit_redaction"


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value.replace("\r", " ").replace("\n", " ")[:limit]


def compute_hash(event: AuditEvent, details: dict | None = None) -> str:
    """The event's hash; with `details`, the hash it would have with those details instead."""
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
        (event.details if details is None else details) or {},
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_chain() -> None:
    """One writer of the chain at a time, until the transaction ends (SQLite has one anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def _last() -> tuple[int, str]:
    """The id and hash of the newest event (0 and the genesis hash while there is none)."""
    _lock_chain()
    last = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (last.id, last.hash) if last else (0, GENESIS_HASH)


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
    previous_id, event.prev_hash = _last()
    event.hash = compute_hash(event)
    db.session.add(event)
    db.session.flush()
    if checkpoint.due(previous_id, event.id):
        db.session.info[_CHECKPOINT_DUE] = True
    return event


# --- checkpoints at the commit ------------------------------------------------------------------
#
# A checkpoint names a committed event only: it is taken inside the transaction (holding the
# chain's lock, so it is the newest) and written once the commit went through.


@orm_event.listens_for(Session, "before_commit")
def _take_checkpoint(session) -> None:
    if session.info.pop(_CHECKPOINT_DUE, False):
        taken = checkpoint.current(session)
        if taken is not None:
            destinations = checkpoint.Destinations.from_config()
            session.info[_CHECKPOINT_LINE] = (taken.line(), destinations)


@orm_event.listens_for(Session, "after_commit")
def _write_checkpoint(session) -> None:
    pending = session.info.pop(_CHECKPOINT_LINE, None)
    if pending is not None:
        checkpoint.write(*pending)


@orm_event.listens_for(Session, "after_soft_rollback")
def _forget_checkpoint(session, previous_transaction) -> None:
    # A savepoint rolled back leaves the transaction going: its commit still checkpoints
    # whatever is newest then.
    if not previous_transaction.nested:
        session.info.pop(_CHECKPOINT_DUE, None)
        session.info.pop(_CHECKPOINT_LINE, None)


# --- retention: the one way past the append-only trigger ----------------------------------------


@contextmanager
def retention_gate():
    """Let this transaction delete audit rows (the trigger checks this): PostgreSQL reads the
    transaction-local setting neig.audit_retention, SQLite the connection flag behind its
    neig_audit_retention() function. Closed again when the block ends. Only `prune` uses it
    (and the test suite's emptying of its tables)."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(text("SELECT set_config('neig.audit_retention', 'on', true)"))
    info = connection.info
    info[RETENTION_FLAG] = True
    try:
        yield
    finally:
        info.pop(RETENTION_FLAG, None)
    if postgresql:  # after a failure the rollback ends the setting with the transaction
        connection.execute(text("SELECT set_config('neig.audit_retention', 'off', true)"))


def _prune_through(before: datetime) -> int | None:
    """The newest event to remove: every event before the first one at or after `before`,
    but never the newest event, so the chain goes on from what is left. (Ids may skip
    numbers: it is the last id below that one that exists.)"""
    newest = db.session.scalar(select(func.max(AuditEvent.id)))
    kept = db.session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.at >= before))
    if newest is None:
        return None
    limit = min(kept, newest) if kept is not None else newest
    return db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.id < limit))


def prune(before: datetime, *, actor=None) -> int:
    """Audit retention: remove the events older than `before` (`flask neig retention` with
    AUDIT_RETENTION_YEARS). The only code that passes the append-only trigger. The chain stays
    verifiable from its new start: the hash the first remaining event follows is kept in an
    `audit.pruned` event and, after the commit, in a new checkpoint. The caller commits."""
    _lock_chain()
    through = _prune_through(before)
    if through is None:
        return 0
    base = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == through))
    count = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id <= through))
    with retention_gate():
        db.session.execute(
            delete(AuditEvent)
            .where(AuditEvent.id <= through)
            .execution_options(synchronize_session=False)
        )
    details = {"before": before.isoformat(), "through": through, "events": count, "base": base}
    record("audit.pruned", actor=actor, details=details)
    db.session.info[_CHECKPOINT_DUE] = True
    return count


def prunable(before: datetime) -> int:
    """How many events `prune(before)` would remove (for --dry-run)."""
    through = _prune_through(before)
    if through is None:
        return 0
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id <= through))


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _start_hash() -> str:
    """The hash the oldest event must follow: the genesis, or after a prune the base that the
    newest `audit.pruned` event recorded."""
    pruned = db.session.scalar(
        select(AuditEvent.details)
        .where(AuditEvent.action == "audit.pruned")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return (pruned or {}).get("base") or GENESIS_HASH


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Recompute the chain in id order; name the first event whose link does not hold.

    An event an erasure rewrote matches its hash no more: it holds when its content matches the
    hash its latest redaction kept, and that redaction's own event, later in the chain, carries
    the digest of all the rows it redacted (checked when the chain reaches it)."""
    expected_prev = _start_hash()
    checked = 0
    owed: dict[int, int] = {}  # redaction event id -> the first event that relies on it
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    for row in db.session.scalars(query):
        if row.prev_hash != expected_prev:
            return ChainReport(checked, row.id, "previous hash does not match")
        if compute_hash(row) != row.hash:
            redaction = _latest_redaction(row.id)
            if redaction is None or redaction.content_hash != compute_hash(row):
                return ChainReport(checked, row.id, "content does not match its hash")
            owed.setdefault(redaction.redaction_id, row.id)
        if REDACTION_DIGEST in (row.details or {}) or row.id in owed:
            if (row.details or {}).get(REDACTION_DIGEST) != redaction_digest(row.id):
                return ChainReport(checked, row.id, "redactions do not match their digest")
            owed.pop(row.id, None)
        expected_prev = row.hash
        checked += 1
    if owed:
        first = min(owed.values())
        return ChainReport(checked, first, "redacted, but its redaction event is missing")
    return ChainReport(checked)


# --- erasure: pseudonyms in the details of past events ------------------------------------------

#: The key of a redaction event's details that holds the digest of its redactions.
REDACTION_DIGEST = "redaction_digest"


def _latest_redaction(event_id: int) -> AuditRedaction | None:
    return db.session.scalar(
        select(AuditRedaction)
        .where(AuditRedaction.event_id == event_id)
        .order_by(AuditRedaction.redaction_id.desc())
        .limit(1)
    )


def redaction_digest(redaction_id: int) -> str:
    """sha256 over the (event id, content hash) rows of one redaction, in event order."""
    rows = db.session.execute(
        select(AuditRedaction.event_id, AuditRedaction.content_hash)
        .where(AuditRedaction.redaction_id == redaction_id)
        .order_by(AuditRedaction.event_id)
    )
    return _digest((event_id, content_hash) for event_id, content_hash in rows)


def _digest(rows) -> str:
    lines = "\n".join(f"{event_id}:{content_hash}" for event_id, content_hash in rows)
    return hashlib.sha256(lines.encode()).hexdigest()


def replace_in(value, substitute: Callable[[str], str]):
    if isinstance(value, str):
        return substitute(value)
    if isinstance(value, list):
        return [replace_in(v, substitute) for v in value]
    if isinstance(value, dict):
        return {k: replace_in(v, substitute) for k, v in value.items()}
    return value


def substituter(replacements: dict[str, str]) -> Callable[[str], str]:
    """Replace each key (case-insensitive, as a whole word) in a text by its value."""
    if not replacements:
        return lambda value: value
    pattern = re.compile(
        "|".join(rf"(?<!\w){re.escape(k)}(?!\w)" for k in sorted(replacements, key=len)[::-1]),
        re.IGNORECASE,
    )
    lowered = {k.lower(): v for k, v in replacements.items()}
    return lambda value: pattern.sub(lambda m: lowered[m.group(0).lower()], value)


def like_any(column, terms) -> object:
    """`column` (cast to text) contains any of the terms, also as JSON writes them (\\u00fc)."""
    variants = set()
    for term in terms:
        variants |= {term.lower(), json.dumps(term.lower())[1:-1]}
    return or_(*(func.lower(cast(column, Text)).contains(v, autoescape=True) for v in variants))


@contextmanager
def _redaction_gate():
    """Let this transaction rewrite audit details (the trigger checks this, migration 0022)."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(text("SELECT set_config('neig.audit_redaction', 'on', true)"))
    connection.info[REDACTION_FLAG] = True
    try:
        yield
    finally:
        connection.info.pop(REDACTION_FLAG, None)
    if postgresql:
        connection.execute(text("SELECT set_config('neig.audit_redaction', 'off', true)"))


def redact(
    replacements: dict[str, str],
    action: str,
    *,
    actor=None,
    target_type: str | None = None,
    target_id=None,
    details: dict | None = None,
) -> tuple[AuditEvent, int]:
    """Replace each key of `replacements` (an e-mail address, a name) by its value (a
    pseudonym) wherever it appears in the details of past events, and record `action`.

    The chain stays verifiable: each rewritten event keeps its hash (the next event's link, and
    what the checkpoints signed); the hash of its new content goes into `audit_redactions`,
    and the digest of those rows into the details of the new event, which the chain protects
    like any other. Rewriting a redacted event again, or the redactions, breaks that digest.
    Nothing else of an event changes (the trigger allows `details` only). The caller commits."""
    _lock_chain()
    substitute = substituter(replacements)
    rewritten = []
    if replacements:
        query = (
            select(AuditEvent)
            .where(like_any(AuditEvent.details, replacements))
            .order_by(AuditEvent.id)
        )
        for event in db.session.scalars(query):
            new = replace_in(event.details or {}, substitute)
            if new != event.details:
                rewritten.append((event, new, compute_hash(event, new)))
    digest = _digest((event.id, content_hash) for event, _, content_hash in rewritten)
    marker = record(
        action,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        details={**(details or {}), "redactions": len(rewritten), REDACTION_DIGEST: digest},
    )
    db.session.add_all(
        AuditRedaction(event_id=event.id, redaction_id=marker.id, content_hash=content_hash)
        for event, _, content_hash in rewritten
    )
    db.session.flush()
    with _redaction_gate():
        for event, new, _ in rewritten:
            db.session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event.id)
                .values(details=new)
                .execution_options(synchronize_session=False)
            )
    for event, _, _ in rewritten:
        db.session.expire(event)
    return marker, len(rewritten)
