"""Keeping the document index current, in the same transaction as the change.

One row per document in `search_index`: `content` (the description and the current version's
text as written, for snippets) and, on PostgreSQL, `vector` (a tsvector with weights A title,
B tags and file name, C description, D text, GIN-indexed). On SQLite the terms are in the FTS5
table `search_fts` (rowid = document id, one column per weight). text.py makes the terms.

What a document's row holds depends only on its title, tags, description and current version
(its file name, and its text if that version may be opened). Whether the reader may see it
(trash, narrowing, space, classification) is decided at query time by the policy's clause,
so trashing, restoring, moving or narrowing needs no new row. A listener on every flush
(`install`) rebuilds the rows of the documents whose indexed parts changed, on the flush's own
connection: nothing the index says outlives a rolled-back change, nothing committed is missing.
A deleted document takes its rows along (a foreign key on PostgreSQL, a trigger on SQLite).
"""

from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.orm import Session

from ..documents.models import Document, DocumentVersion, VersionText
from .text import index_text

#: Of a version's text, what is indexed (a tsvector holds at most 1 MB) and kept for snippets.
BODY_CHARS = 300_000
SNIPPET_CHARS = 20_000

#: The parts of a document that its row is made of.
_DOCUMENT_FIELDS = ("title", "description", "tags", "latest_number")

_SOURCE = text(
    """
    SELECT d.id, d.title, d.tags, d.description, v.filename,
           CASE WHEN v.scan_status IN ('clean', 'not_scanned') AND t.status = 'ok'
                THEN substr(t.text, 1, :body_chars) END AS body
    FROM documents d
    LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.latest_number
    LEFT JOIN version_texts t ON t.version_id = v.id
    WHERE d.id IN :ids
    """
).bindparams(bindparam("ids", expanding=True))

_PG_UPSERT = text(
    """
    INSERT INTO search_index (document_id, content, vector) VALUES (:id, :content,
        setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :meta), 'B')
        || setweight(to_tsvector('simple', :description), 'C')
        || setweight(to_tsvector('simple', :body), 'D'))
    ON CONFLICT (document_id) DO UPDATE SET content = excluded.content, vector = excluded.vector
    """
)
_SQLITE_UPSERT = text(
    "INSERT INTO search_index (document_id, content) VALUES (:id, :content)"
    " ON CONFLICT (document_id) DO UPDATE SET content = excluded.content"
)
_SQLITE_FTS_DELETE = text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_SQLITE_FTS_INSERT = text(
    "INSERT INTO search_fts (rowid, title, meta, description, body)"
    " VALUES (:id, :title, :meta, :description, :body)"
)
_VERSIONS_DOCUMENTS = text(
    "SELECT DISTINCT document_id FROM document_versions WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def _row(source) -> dict:
    tags = " ".join(t for t in (source.tags or "").split("|") if t)
    body = source.body or ""
    description = source.description or ""
    return {
        "id": source.id,
        "title": index_text(source.title or ""),
        "meta": index_text(f"{tags} {source.filename or ''}"),
        "description": index_text(description),
        "body": index_text(body),
        "content": f"{description}\n{body}"[:SNIPPET_CHARS],
    }


def reindex(connection, document_ids) -> int:
    """Rebuild the rows of these documents (a document that is gone has none); the count."""
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    rows = [_row(r) for r in connection.execute(_SOURCE, {"ids": ids, "body_chars": BODY_CHARS})]
    if connection.dialect.name == "postgresql":
        if rows:
            connection.execute(_PG_UPSERT, rows)
    else:
        connection.execute(_SQLITE_FTS_DELETE, {"ids": ids})
        if rows:
            connection.execute(
                _SQLITE_UPSERT, [{"id": r["id"], "content": r["content"]} for r in rows]
            )
            connection.execute(_SQLITE_FTS_INSERT, rows)
    return len(rows)


def document_ids(connection, *, since=None, batch: int = 500):
    """Every document's id (changed since `since`: created, edited or given a version), in
    batches."""
    query = "SELECT id FROM documents"
    params = {}
    if since is not None:
        query += (
            " WHERE updated_at >= :since OR created_at >= :since OR id IN"
            " (SELECT document_id FROM document_versions WHERE created_at >= :since)"
        )
        params["since"] = since
    ids = [row.id for row in connection.execute(text(query + " ORDER BY id"), params)]
    for start in range(0, len(ids), batch):
        yield ids[start : start + batch]


# --- on every flush ---------------------------------------------------------------------------


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session) -> tuple[set[int], set[int]]:
    """The documents, and the versions whose documents, need their rows rebuilt."""
    documents, versions = set(), set()
    for obj in session.new:
        if isinstance(obj, Document):
            documents.add(obj.id)
        elif isinstance(obj, DocumentVersion):
            documents.add(obj.document_id)
        elif isinstance(obj, VersionText):
            versions.add(obj.version_id)
    for obj in session.dirty:
        if isinstance(obj, Document) and _changed(obj, _DOCUMENT_FIELDS):
            documents.add(obj.id)
        elif isinstance(obj, DocumentVersion) and _changed(obj, ("scan_status", "filename")):
            documents.add(obj.document_id)
        elif isinstance(obj, VersionText) and _changed(obj, ("status", "text")):
            versions.add(obj.version_id)
    return documents, versions


def _after_flush(session, _context) -> None:
    documents, versions = _touched(session)
    if not documents and not versions:
        return
    connection = session.connection()
    if versions:
        documents |= {
            r.document_id for r in connection.execute(_VERSIONS_DOCUMENTS, {"ids": list(versions)})
        }
    reindex(connection, documents)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def in_models(_obj, name, type_, _reflected, _compare_to) -> bool:
    """For Alembic's comparison: the index's tables are made by their migration alone (a
    tsvector column on PostgreSQL only, an FTS5 table and its shadow tables on SQLite)."""
    return not (type_ == "table" and (name == "search_index" or name.startswith("search_fts")))
