"""Keeping the search index current, in the same transaction as the change.

Documents: one row per document in `search_index`: `content` (the description and the current
version's text as written, for snippets) and, on PostgreSQL, `vector` (a tsvector with weights
A title, B tags and file name, C description, D text, GIN-indexed). On SQLite the terms are in
the FTS5 table `search_fts` (rowid = document id, one column per weight). text.py makes the
terms. Action items: the same pair, `search_items` and `search_items_fts`, with A title, B code,
C description, D the notes of their progress updates.

What a row holds depends only on the thing's own words (for a document: its title, tags,
description and current version, with that version's text only if it may be opened). Whether
the reader may see it (trash, narrowing, space, classification, MFA) is decided at query time
by the policy's clause, so trashing, restoring, moving or narrowing needs no new row. A listener
on every flush (`install`) rebuilds the rows of what changed, on the flush's own connection:
nothing the index says outlives a rolled-back change, nothing committed is missing. A deleted
row takes its index rows along (a foreign key on PostgreSQL, a trigger on SQLite).
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.orm import Session

from ..actions.models import ActionItem, ProgressUpdate
from ..documents.models import Document, DocumentVersion, VersionText
from .text import index_text

#: Of a text, what is indexed (a tsvector holds at most 1 MB) and kept for snippets.
BODY_CHARS = 300_000
SNIPPET_CHARS = 20_000


def _expanding(sql: str):
    return text(sql).bindparams(bindparam("ids", expanding=True))


@dataclass(frozen=True)
class Kind:
    """One searchable kind: where its words come from and where its index rows go."""

    table: str  # the rows with the snippet text (and the tsvector on PostgreSQL)
    key: str  # their key column
    fts: str  # the FTS5 table on SQLite
    source: object  # SELECT id, title, meta, description, body WHERE id IN :ids
    all_ids: str  # SELECT id of every row of the kind, in order


DOCUMENTS = Kind(
    table="search_index",
    key="document_id",
    fts="search_fts",
    source=_expanding(
        """
        SELECT d.id, d.title, d.tags AS meta, v.filename, d.description,
               CASE WHEN v.scan_status IN ('clean', 'not_scanned') AND t.status = 'ok'
                    THEN substr(t.text, 1, 300000) END AS body
        FROM documents d
        LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.latest_number
        LEFT JOIN version_texts t ON t.version_id = v.id
        WHERE d.id IN :ids
        """
    ),
    all_ids="SELECT id FROM documents",
)
ITEMS = Kind(
    table="search_items",
    key="item_id",
    fts="search_items_fts",
    source=_expanding(
        "SELECT i.id, i.title, i.code AS meta, '' AS filename, i.description, '' AS body"
        " FROM action_items i WHERE i.id IN :ids"
    ),
    all_ids="SELECT id FROM action_items",
)
_ITEM_NOTES = _expanding(
    "SELECT item_id, note FROM action_progress_updates WHERE item_id IN :ids ORDER BY id"
)
_VERSIONS_DOCUMENTS = _expanding(
    "SELECT DISTINCT document_id FROM document_versions WHERE id IN :ids"
)


def _row(source, body: str) -> dict:
    meta = " ".join(t for t in (source.meta or "").split("|") if t)
    description = source.description or ""
    body = body[:BODY_CHARS]
    return {
        "id": source.id,
        "title": index_text(source.title or ""),
        "meta": index_text(f"{meta} {source.filename or ''}"),
        "description": index_text(description),
        "body": index_text(body),
        "content": f"{description}\n{body}"[:SNIPPET_CHARS],
    }


def _rows(connection, kind: Kind, ids: list[int]) -> list[dict]:
    sources = list(connection.execute(kind.source, {"ids": ids}))
    notes = defaultdict(list)
    if kind is ITEMS:
        for note in connection.execute(_ITEM_NOTES, {"ids": ids}):
            notes[note.item_id].append(note.note)
    return [_row(s, s.body or "\n".join(notes[s.id])) for s in sources]


def reindex(connection, ids, kind: Kind = DOCUMENTS) -> int:
    """Rebuild the rows of these ids (one that is gone has none); the count."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    rows = _rows(connection, kind, ids)
    if connection.dialect.name == "postgresql":
        if rows:
            connection.execute(
                text(
                    f"INSERT INTO {kind.table} ({kind.key}, content, vector) VALUES (:id,"  # noqa: S608 # nosec B608 # table names of this module
                    " :content, setweight(to_tsvector('simple', :title), 'A')"
                    " || setweight(to_tsvector('simple', :meta), 'B')"
                    " || setweight(to_tsvector('simple', :description), 'C')"
                    " || setweight(to_tsvector('simple', :body), 'D'))"
                    f" ON CONFLICT ({kind.key}) DO UPDATE"
                    " SET content = excluded.content, vector = excluded.vector"
                ),
                rows,
            )
        return len(rows)
    connection.execute(_expanding(f"DELETE FROM {kind.fts} WHERE rowid IN :ids"), {"ids": ids})  # noqa: S608 # nosec B608
    if rows:
        connection.execute(
            text(
                f"INSERT INTO {kind.table} ({kind.key}, content) VALUES (:id, :content)"  # noqa: S608 # nosec B608
                f" ON CONFLICT ({kind.key}) DO UPDATE SET content = excluded.content"
            ),
            [{"id": r["id"], "content": r["content"]} for r in rows],
        )
        connection.execute(
            text(
                f"INSERT INTO {kind.fts} (rowid, title, meta, description, body)"  # noqa: S608 # nosec B608
                " VALUES (:id, :title, :meta, :description, :body)"
            ),
            rows,
        )
    return len(rows)


def all_ids(connection, kind: Kind = DOCUMENTS, *, since=None, batch: int = 500):
    """Every id of the kind (changed since `since`), in batches."""
    query, params = kind.all_ids, {}
    if since is not None and kind is DOCUMENTS:
        query += (
            " WHERE updated_at >= :since OR created_at >= :since OR id IN"
            " (SELECT document_id FROM document_versions WHERE created_at >= :since)"
        )
        params["since"] = since
    elif since is not None:
        query += (
            " WHERE updated_at >= :since OR created_at >= :since OR id IN"
            " (SELECT item_id FROM action_progress_updates WHERE created_at >= :since)"
        )
        params["since"] = since
    ids = [row.id for row in connection.execute(text(query + " ORDER BY id"), params)]
    for start in range(0, len(ids), batch):
        yield ids[start : start + batch]


def document_ids(connection, *, since=None, batch: int = 500):
    return all_ids(connection, DOCUMENTS, since=since, batch=batch)


# --- on every flush ---------------------------------------------------------------------------


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


#: model -> (the kind, the attribute naming its row, what it is made of; None: any change).
_WATCHED = {
    Document: ("documents", "id", ("title", "description", "tags", "latest_number")),
    DocumentVersion: ("documents", "document_id", ("scan_status", "filename")),
    VersionText: ("versions", "version_id", ("status", "text")),
    ActionItem: ("items", "id", ("title", "description", "code")),
    ProgressUpdate: ("items", "item_id", ("note",)),
}


def _touched(session) -> dict[str, set[int]]:
    """The ids to rebuild, by kind ("versions": documents by a version's id)."""
    touched = defaultdict(set)
    for obj in session.new:
        watched = _WATCHED.get(type(obj))
        if watched:
            touched[watched[0]].add(getattr(obj, watched[1]))
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched and _changed(obj, watched[2]):
            touched[watched[0]].add(getattr(obj, watched[1]))
    return touched


def _after_flush(session, _context) -> None:
    touched = _touched(session)
    if not touched:
        return
    connection = session.connection()
    documents = touched["documents"]
    if touched["versions"]:
        found = connection.execute(_VERSIONS_DOCUMENTS, {"ids": list(touched["versions"])})
        documents |= {row.document_id for row in found}
    reindex(connection, documents, DOCUMENTS)
    reindex(connection, touched["items"], ITEMS)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def in_models(_obj, name, type_, _reflected, _compare_to) -> bool:
    """For Alembic's comparison: the index's tables are made by their migration alone (a
    tsvector column on PostgreSQL only, FTS5 tables and their shadow tables on SQLite)."""
    if type_ != "table":
        return True
    return (
        name not in ("search_index", "search_items")
        and not name.endswith("_fts")
        and ("_fts_" not in name)
    )
