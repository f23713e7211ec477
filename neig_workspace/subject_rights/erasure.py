"""Erasing an account (AVG art. 17): the person becomes a pseudonym everywhere.

The `users` row stays (documents, comments, grants and audit events point at its id), with a
random pseudonym for its name and address, no password, no second factor, inactive. What only
served the person goes: sessions, recovery codes, resets, e-mail changes, calendar feeds,
visits, the directory profile, memberships and grants to the person, and their notifications.
Then every text column of every table (found through the metadata, so a new table is covered
without a change here) is searched for the person's e-mail addresses and name, which are
replaced by the pseudonym; the audit log's details likewise, through `audit.service.redact`,
which keeps the chain verifiable. One transaction; the caller commits.
"""

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import JSON, String, Text, delete, select, update

from ..accounts.models import EmailChange, User
from ..actions.models import ProgressUpdate
from ..audit import service as audit
from ..audit.models import AuditEvent, AuditRedaction
from ..documents.models import DocumentVersion
from ..errors import ServiceError
from ..extensions import db
from ..search import index as search_index
from ..timeutil import utcnow

#: Tables whose rows served only the person: removed with the account's identity.
_OWN_ROWS = (
    ("user_sessions", "user_id"),
    ("recovery_codes", "user_id"),
    ("password_resets", "user_id"),
    ("email_changes", "user_id"),
    ("calendar_feed_tokens", "user_id"),
    ("dashboard_visits", "user_id"),
    ("space_visits", "user_id"),
    ("directory_profiles", "user_id"),
    ("notifications", "user_id"),
    ("memberships", "user_id"),
    ("space_grants", "user_id"),
)
#: Tables `erase` rewrites itself (or whose text is no one's: hashes of redactions).
_SKIPPED = {"users", AuditEvent.__tablename__, AuditRedaction.__tablename__}


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    #: table -> rows in which the e-mail address or name was replaced
    replaced: dict
    audit_events: int


def pseudonym() -> str:
    return f"verwijderd-{secrets.token_hex(5)}"


def terms_of(user: User) -> list[str]:
    """What identifies the person in text: the e-mail address (also the ones asked for in an
    e-mail change) and the name."""
    addresses = {user.email.lower()}
    addresses |= {
        a.lower()
        for a in db.session.scalars(
            select(EmailChange.new_email).where(EmailChange.user_id == user.id)
        )
    }
    terms = sorted(addresses)
    if len((user.name or "").strip()) >= 2:
        terms.append(user.name.strip())
    return terms


def erase_account(user: User, *, actor=None) -> Erased:
    """Anonymise `user` everywhere (see the module's docstring)."""
    if actor is not None and actor.id == user.id:
        raise ServiceError(_("U kunt uw eigen account niet wissen."), field="confirm")
    if user.is_platform_admin and not _other_active_admins(user):
        raise ServiceError(
            _("Dit is de laatste actieve platformbeheerder; wijs eerst een andere aan."),
            field="confirm",
        )
    alias = pseudonym()
    new_email, new_name = f"{alias}@verwijderd.invalid", f"Verwijderd account {alias[-10:]}"
    terms = terms_of(user)
    replacements = {t: (new_email if "@" in t else new_name) for t in terms}
    tables = db.metadata.tables
    for table_name, column in _OWN_ROWS:
        table = tables[table_name]
        db.session.execute(delete(table).where(table.c[column] == user.id))
    user.email, user.name = new_email, new_name
    user.password_hash = None
    user.totp_secret_encrypted = None
    user.mfa_enabled_at = None
    user.totp_last_step = None
    user.active = False
    user.is_platform_admin = False
    user.is_secretariat = False
    user.last_login_at = None
    user.deactivated_at = user.deactivated_at or utcnow()
    db.session.flush()
    replaced, keys = replace_everywhere(replacements)
    _reindex(keys)
    _marker, events = audit.redact(
        replacements,
        "account.erased",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"pseudonym": alias, "rows": sum(replaced.values())},
    )
    db.session.expire_all()
    return Erased(alias, replaced, events)


def _other_active_admins(user: User) -> bool:
    return (
        db.session.scalar(
            select(User.id)
            .where(User.is_platform_admin.is_(True), User.active.is_(True), User.id != user.id)
            .limit(1)
        )
        is not None
    )


def text_columns(table) -> list:
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON)]


def replace_everywhere(replacements: dict[str, str]) -> tuple[dict[str, int], dict[str, set]]:
    """Replace the terms in every text and JSON column of every table but the audit log's;
    the number of rows changed per table, and the keys (the first key column) changed."""
    substitute = audit.substituter(replacements)
    replaced: dict[str, int] = {}
    keys_changed: dict[str, set] = {}
    for table in db.metadata.sorted_tables:
        if table.name in _SKIPPED or not table.primary_key.columns:
            continue
        keys = list(table.primary_key.columns)
        for column in text_columns(table):
            rows = db.session.execute(
                select(*keys, column).where(audit.like_any(column, replacements))
            ).all()
            for row in rows:
                value = row[-1]
                new = (
                    audit.replace_in(value, substitute)
                    if isinstance(column.type, JSON)
                    else substitute(value)
                )
                if new == value:
                    continue
                where = [key == row[i] for i, key in enumerate(keys)]
                db.session.execute(update(table).where(*where).values({column.name: new}))
                replaced[table.name] = replaced.get(table.name, 0) + 1
                keys_changed.setdefault(table.name, set()).add(row[0])
    return replaced, keys_changed


def _reindex(keys: dict[str, set]) -> None:
    """The search index is kept from the documents' and action items' own words (not in the
    metadata: search/index.py); rebuild the rows of those whose words changed."""
    documents = set(keys.get("documents", ()))
    versions = keys.get("document_versions", set()) | keys.get("version_texts", set())
    if versions:
        documents |= set(
            db.session.scalars(
                select(DocumentVersion.document_id).where(DocumentVersion.id.in_(versions))
            )
        )
    items = set(keys.get("action_items", ()))
    updates = keys.get("action_progress_updates", set())
    if updates:
        items |= set(
            db.session.scalars(select(ProgressUpdate.item_id).where(ProgressUpdate.id.in_(updates)))
        )
    connection = db.session.connection()
    search_index.reindex(connection, documents, search_index.DOCUMENTS)
    search_index.reindex(connection, items, search_index.ITEMS)
