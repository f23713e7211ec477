"""What the access id sets of a request (access/scope.py) may be built from, and when a write
in the same request makes them be built again: the memberships loaded with the account's
session record (accounts/sessions.py) while nothing was written, and any write but what a page
records when read (an audited read, a visit) forgets the request's filters."""

from flask import g, has_request_context
from sqlalchemy import TextClause, event, inspect

from ..extensions import db
from .roles import OrgRole

#: What a page records when read (an audited read, a visit) and nothing access depends on: a
#: write of only these keeps the request's id sets and filters.
_ACCESS_NEUTRAL_TABLES = frozenset({"audit_events", "space_visits", "dashboard_visits"})


@event.listens_for(db.session, "after_flush")
def _forget_filters(session, flush_context) -> None:
    """A write in this request (a grant, a membership, an archived space) may change what the
    user reads: the per-request filters and id sets are built again from the new state. (In
    after_flush the session still lists what the flush wrote.)"""
    if not has_request_context():
        return
    written = (*session.new, *session.dirty, *session.deleted)
    if any(_table_of(obj) not in _ACCESS_NEUTRAL_TABLES for obj in written):
        _forget()


@event.listens_for(db.session, "do_orm_execute")
def _note_statement_writes(state) -> None:
    """An UPDATE, DELETE or INSERT statement (no flush) in this request: the same, and the
    memberships loaded with the account at its start are no longer trusted (`_memberships`)."""
    if state.is_select or not has_request_context():
        return
    statement = state.statement
    if isinstance(statement, TextClause) and statement.text.lstrip().lower().startswith("select"):
        return  # a lock (the audit chain's), a function
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) not in _ACCESS_NEUTRAL_TABLES:
        _forget()


def _table_of(obj) -> str | None:
    return getattr(obj, "__tablename__", None)


def _forget() -> None:
    g.pop("policy_filters", None)
    g.policy_written = True


def request_wrote() -> bool:
    """Did this request write anything access may depend on (a flush, a write statement), or
    does its session hold a change not yet flushed?"""
    session = db.session
    return bool(g.get("policy_written") or session.new or session.deleted or session.dirty)


def _loaded_memberships(user) -> list[tuple[int, OrgRole]] | None:
    """The memberships loaded with the account at the start of this request, while nothing was
    written since (no flush, no write statement, no pending change in the session); None when
    they must be read from the database."""
    if request_wrote():
        return None
    if "memberships" in inspect(user).unloaded:
        return None
    found = []
    for membership in user.memberships:
        if "organisation" in inspect(membership).unloaded:
            return None
        organisation = membership.organisation
        if "active" in inspect(organisation).unloaded:
            return None
        if organisation.active:
            found.append((membership.organisation_id, OrgRole(membership.role)))
    return found
