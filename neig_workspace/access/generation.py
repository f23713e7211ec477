"""The access id sets of a user kept across requests, as long as nothing they are built from
changed: in any process, in any transaction that committed.

The database holds one token (`access_generation`, migration 0024) that a trigger replaces in
the same transaction as every change to grants, memberships, an organisation's `active`, a
space's kind, classification, MFA flag or archiving, a case's space or a case's organisations:
everything `scope._granted_spaces` reads. The token is read with the session record, in the
request's first query (accounts/sessions.py). This process keeps, per user, the granted spaces
under the token they were read with; another token is a miss. So a grant, a revocation or an
archived space counts on the next request in every process, with no message between them, and a
rolled-back change leaves nothing behind: its token was random and never comes back.

Only what the database said is kept: a request that wrote anything (its own changes may still
roll back) neither reads nor fills the cache (request_state.py). What was read after the token
is at least as new as the token, never older, because the token is read first.
"""

import threading
from collections import OrderedDict

from flask import g, has_request_context
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .request_state import request_wrote

#: Users whose id sets one process keeps (the least recently used go first): a row is about 200
#: bytes, and the filters built from them (`kept`) about twice as much again. Measured: 170 kB
#: for a user in 301 spaces after every page, so a worker holds about 90 MB at most for 512
#: such users (most are in far fewer spaces).
KEPT_USERS = 512
#: Things built from a user's id sets alone that one process keeps beside them (`kept`): the
#: policy's filters (scope._per_request, about forty) and a statement of the page header's.
KEPT_PER_USER = 96


class AccessGeneration(db.Model):
    """One row (id 1): its token changes with every change to who may read what."""

    __tablename__ = "access_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def current_token():
    """The token as a scalar subquery, for the request's first query to read along."""
    return select(AccessGeneration.token).where(AccessGeneration.id == 1).scalar_subquery()


def note_token(token: str | None) -> None:
    """Remember the token read at the start of this request (None: the cache stays unused)."""
    g.access_token = token


class _KeptForUsers:
    """user id -> (token, {what: value}), for this process: the rows of
    `scope._granted_spaces` and what is built from them alone (`kept`)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.entries: OrderedDict[int, tuple[str, dict]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, user_id: int, token: str, what="granted_spaces"):
        with self.lock:
            entry = self.entries.get(user_id)
            if entry is None or entry[0] != token:
                return None
            self.entries.move_to_end(user_id)
            return entry[1].get(what)

    def put(self, user_id: int, token: str, value, what="granted_spaces") -> None:
        with self.lock:
            entry = self.entries.get(user_id)
            if entry is None or entry[0] != token:
                entry = (token, {})  # another generation: all kept under the old one goes
                self.entries[user_id] = entry
            kept = entry[1]
            kept[what] = value
            if len(kept) > KEPT_PER_USER:  # the oldest but the granted spaces
                kept.pop(next(key for key in kept if key != "granted_spaces"))
            self.entries.move_to_end(user_id)
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


GRANTED_SPACES = _KeptForUsers(KEPT_USERS)


def _usable_token() -> str | None:
    """The token this request may use the cache under: read with the session record, and
    nothing written since in this request."""
    if not has_request_context() or request_wrote():
        return None
    return g.get("access_token")


def granted_spaces(user_id: int, build):
    """The rows `build()` returns for `user_id`, from this process's cache while the token is
    the one read at the start of this request; built (and kept) otherwise."""
    return kept(user_id, "granted_spaces", lambda: tuple(build()))


def kept(user_id: int, what, build):
    """`build()`, kept for `user_id` in this process beside the user's granted spaces, under
    the same token: for what is built from nothing but the user's id sets (the rows above,
    the memberships read with the token) and the key `what` (which names everything else it
    reads: the user's roles, the session's second factor, …). Built anew, and not kept, when
    the token is unknown or this request wrote."""
    token = _usable_token()
    if token is None:
        return build()
    value = GRANTED_SPACES.get(user_id, token, what)
    if value is None:
        value = build()
        if _usable_token() == token:
            GRANTED_SPACES.put(user_id, token, value, what)
    return value
