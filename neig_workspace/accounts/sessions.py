"""Server-side login sessions: revocable, with idle and absolute limits (ASVS 7.3, 7.4).

The signed cookie holds only a random identifier; the database holds its hash and the facts
about the login. Every request checks the record, so ending a record ends the session on the
next request, wherever it is used.
"""

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, g, request, session
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from ..access.generation import current_token, note_token
from ..extensions import client_ip, db
from ..organisations.models import Membership
from ..timeutil import utcnow
from .models import User, UserSession
from .tokens import hash_token

SESSION_KEY = "sid"
#: last_seen_at is written at most this often, so each request does not write a row.
TOUCH_INTERVAL = timedelta(seconds=60)


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = None
    manager.session_protection = None  # the session record does this job, and better
    manager.user_loader(load_user)


def load_user(user_id: str):
    token = session.get(SESSION_KEY)
    if not token:
        return None
    query = _session_record_query()
    found = db.session.execute(query, {"token_hash": hash_token(token)}).unique().one_or_none()
    record, access_token = found if found is not None else (None, None)
    note_token(access_token)
    if record is None or str(record.user_id) != str(user_id) or not _still_valid(record):
        session.pop(SESSION_KEY, None)
        return None
    g.user_session = record
    return record.user


@cache
def _session_record_query():
    """The session record by its token's hash, built once per process (a statement keeps its
    cache key: building and keying it again cost more than running it).

    The account with it, and the account's memberships (the access policy's first question on
    every page, access/scope.py): one query for all three on every request. The access
    generation rides along: the access id sets this process kept for the account count only
    while it is unchanged (access/generation.py)."""
    memberships = joinedload(UserSession.user).joinedload(User.memberships)
    return (
        select(UserSession, current_token())
        .where(UserSession.token_hash == bindparam("token_hash"))
        .options(memberships.joinedload(Membership.organisation))
    )


def _still_valid(record: UserSession) -> bool:
    if record.ended_at is not None or not record.user.active:
        return False
    now = utcnow()
    cfg = current_app.config
    idle = now - record.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
    too_old = now - record.created_at > cfg["SESSION_ABSOLUTE_LIFETIME"]
    if idle or too_old:
        _end_records(UserSession.id == record.id, "expired")
        db.session.commit()
        return False
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
        db.session.commit()
    return True


def start_session(user: User, *, mfa_verified: bool) -> UserSession:
    """Log `user` in with a fresh identifier (ASVS 7.2.4); the caller commits."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    token = secrets.token_urlsafe(32)
    record = UserSession(
        token_hash=hash_token(token),
        user=user,
        ip=client_ip(),
        user_agent=(request.user_agent.string or "")[:255],
        mfa_verified=mfa_verified,
    )
    db.session.add(record)
    session[SESSION_KEY] = token
    session.permanent = True
    login_user(user)
    g.user_session = record
    return record


def end_current_session(reason: str = "logout") -> None:
    record = g.get("user_session")
    if record is not None:
        _end_records(UserSession.id == record.id, reason)
    logout_user()
    session.clear()


def end_all_sessions(user: User, reason: str, *, keep: UserSession | None = None) -> None:
    """End every open session of `user`, except `keep` (the one making the change)."""
    clause = UserSession.user_id == user.id
    if keep is not None:
        clause = clause & (UserSession.id != keep.id)
    _end_records(clause, reason)


def end_session_by_id(user: User, session_id: int, reason: str) -> bool:
    """End one of `user`'s own sessions; False when it is not theirs or already ended."""
    record = db.session.scalar(
        select(UserSession).where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
    )
    if record is None:
        return False
    _end_records(UserSession.id == record.id, reason)
    return True


def _end_records(clause, reason: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(clause, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )


def open_sessions(user: User) -> list[UserSession]:
    cutoff_idle = utcnow() - current_app.config["SESSION_IDLE_TIMEOUT"]
    cutoff_absolute = utcnow() - current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > cutoff_idle,
                UserSession.created_at > cutoff_absolute,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )
