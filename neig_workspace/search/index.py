"""Keeping the search index current, in the same transaction as the change.

Each searchable kind (a `Kind` of `KINDS`) has its pair of index rows: a table keyed by the
thing's id with `content` (the text its snippets are cut from) and, on PostgreSQL, `vector` (a
tsvector with weights A title, B meta, C description, D body, GIN-indexed); on SQLite the terms
are in an FTS5 table (rowid = the thing's id, one column per weight). text.py makes the terms.

- documents (text drafts are documents too): A title, B tags and file name, C description,
  D the current version's text (only if that version may be opened);
- action items: A title, B code, C description, D the notes of their progress updates;
- comments: C the comment, D the editors' answer (a deleted comment has no row);
- knowledge articles: A title, B kind, C summary, D body;
- meetings: A title, B location, C description;
- cases: A reference, B postcode, neighbourhood and municipality, C description, D damage and
  purpose (never the address);
- case measures, aftercare tasks, timeline entries: A their type or kind, C their text.

What a row holds depends only on the thing's own words (and, for a document, its space and
whether it is a text draft: both fixed when it is made, copied so that search can leave out
other spaces' rows before it looks up a document). Whether the reader may see it (trash,
narrowing, space, classification, case participation, MFA) is decided at query time by the
policy's clause, so trashing, restoring or narrowing needs no new row. A listener on
every flush (`install`) rebuilds the rows of what changed, on the flush's own connection:
nothing the index says outlives a rolled-back change, nothing committed is missing. A deleted
row takes its index rows along (a foreign key on PostgreSQL, a trigger on SQLite), so a
destroyed case, a purged document or a removed comment leaves nothing behind.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.orm import Session

from ..actions.models import ActionItem, ProgressUpdate
from ..cases.models import AftercareTask, Case, Measure, TimelineEntry
from ..comments.models import Comment
from ..documents.models import Document, DocumentVersion, VersionText
from ..knowledge.models import Article
from ..meetings.models import Meeting
from .text import index_text

#: Of a text, what is indexed (a tsvector holds at most 1 MB) and kept for snippets.
BODY_CHARS = 300_000
SNIPPET_CHARS = 20_000


def _expanding(sql: str):
    return text(sql).bindparams(bindparam("ids", expanding=True))


@dataclass(frozen=True, eq=False)
class Kind:
    """One searchable kind: where its words come from and where its index rows go."""

    name: str  # what it is, in English (the progress bar of `reindex`)
    table: str  # the rows with the snippet text (and the tsvector on PostgreSQL)
    key: str  # their key column
    fts: str  # the FTS5 table on SQLite
    source: object  # SELECT id, title, meta, filename, description, body WHERE id IN :ids
    all_ids: str  # SELECT id of every row of the kind (FROM its table, aliased or not)
    #: Since when (a WHERE on :since, appended to all_ids), for `reindex --since`.
    since: str = "updated_at >= :since OR created_at >= :since"
    #: SELECT parent_id, note WHERE parent_id IN :ids: more text for the body, in order.
    notes: object = None
    #: Columns of the source copied into the row as they are (all in the SELECT `source`).
    copied: tuple[str, ...] = ()


def _kind(name, table, key, fts, source, all_ids, **more) -> Kind:
    return Kind(name, table, key, fts, _expanding(source), all_ids, **more)


DOCUMENTS = _kind(
    "documents",
    "search_index",
    "document_id",
    "search_fts",
    """
    SELECT d.id, d.title, d.tags AS meta, v.filename, d.description, d.space_id, d.is_text,
           CASE WHEN v.scan_status IN ('clean', 'not_scanned') AND t.status = 'ok'
                THEN substr(t.text, 1, 300000) END AS body
    FROM documents d
    LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.latest_number
    LEFT JOIN version_texts t ON t.version_id = v.id
    WHERE d.id IN :ids
    """,
    "SELECT id FROM documents",
    since=(
        "updated_at >= :since OR created_at >= :since OR id IN"
        " (SELECT document_id FROM document_versions WHERE created_at >= :since)"
    ),
    copied=("space_id", "is_text"),
)
ITEMS = _kind(
    "action items",
    "search_items",
    "item_id",
    "search_items_fts",
    "SELECT i.id, i.title, i.code AS meta, '' AS filename, i.description, '' AS body"
    " FROM action_items i WHERE i.id IN :ids",
    "SELECT id FROM action_items",
    since=(
        "updated_at >= :since OR created_at >= :since OR id IN"
        " (SELECT item_id FROM action_progress_updates WHERE created_at >= :since)"
    ),
    notes=_expanding(
        "SELECT item_id AS parent_id, note FROM action_progress_updates"
        " WHERE item_id IN :ids ORDER BY id"
    ),
)
COMMENTS = _kind(
    "comments",
    "search_comments",
    "comment_id",
    "search_comments_fts",
    "SELECT c.id, '' AS title, '' AS meta, '' AS filename, c.body AS description,"
    " c.response AS body FROM comments c WHERE c.id IN :ids AND c.deleted_at IS NULL",
    "SELECT id FROM comments",
    since=(
        "created_at >= :since OR edited_at >= :since OR deleted_at >= :since"
        " OR responded_at >= :since"
    ),
)
ARTICLES = _kind(
    "articles",
    "search_articles",
    "article_id",
    "search_articles_fts",
    "SELECT a.id, a.title, a.kind AS meta, '' AS filename, a.summary AS description, a.body"
    " FROM articles a WHERE a.id IN :ids",
    "SELECT id FROM articles",
    since="updated_at >= :since OR published_at >= :since",
)
MEETINGS = _kind(
    "meetings",
    "search_meetings",
    "meeting_id",
    "search_meetings_fts",
    "SELECT m.id, m.title, m.location AS meta, '' AS filename, m.description, '' AS body"
    " FROM meetings m WHERE m.id IN :ids",
    "SELECT id FROM meetings",
)
CASES = _kind(
    "cases",
    "search_cases",
    "case_id",
    "search_cases_fts",
    "SELECT c.id, c.reference AS title,"
    " c.postcode4 || '|' || c.neighbourhood || '|' || o.name AS meta, '' AS filename,"
    " c.description, c.damage || '\n' || c.purpose AS body"
    " FROM cases c JOIN organisations o ON o.id = c.municipality_id WHERE c.id IN :ids",
    "SELECT id FROM cases",
)
MEASURES = _kind(
    "case measures",
    "search_measures",
    "measure_id",
    "search_measures_fts",
    "SELECT m.id, m.type AS title, '' AS meta, '' AS filename, m.description, '' AS body"
    " FROM case_measures m WHERE m.id IN :ids",
    "SELECT id FROM case_measures",
)
TASKS = _kind(
    "aftercare tasks",
    "search_tasks",
    "task_id",
    "search_tasks_fts",
    "SELECT t.id, t.kind AS title, '' AS meta, '' AS filename, t.description, '' AS body"
    " FROM case_aftercare_tasks t WHERE t.id IN :ids",
    "SELECT id FROM case_aftercare_tasks",
)
ENTRIES = _kind(
    "timeline entries",
    "search_entries",
    "entry_id",
    "search_entries_fts",
    "SELECT e.id, e.kind AS title, '' AS meta, '' AS filename, e.text AS description,"
    " '' AS body FROM case_timeline_entries e WHERE e.id IN :ids",
    "SELECT id FROM case_timeline_entries",
    since="created_at >= :since OR occurred_at >= :since",
)
#: Every kind, in the order `reindex` builds them.
KINDS = (DOCUMENTS, ITEMS, COMMENTS, ARTICLES, MEETINGS, CASES, MEASURES, TASKS, ENTRIES)

_VERSIONS_DOCUMENTS = _expanding(
    "SELECT DISTINCT document_id FROM document_versions WHERE id IN :ids"
)


def _row(source, body: str, copied: tuple[str, ...]) -> dict:
    meta = " ".join(t for t in (source.meta or "").split("|") if t)
    description = source.description or ""
    body = body[:BODY_CHARS]
    return {
        **{name: getattr(source, name) for name in copied},
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
    if kind.notes is not None:
        for note in connection.execute(kind.notes, {"ids": ids}):
            notes[note.parent_id].append(note.note)
    return [_row(s, s.body or "\n".join(notes[s.id]), kind.copied) for s in sources]


def reindex(connection, ids, kind: Kind = DOCUMENTS) -> int:
    """Rebuild the rows of these ids (one that is gone, or holds nothing to search, has none);
    the count of rows written."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    rows = _rows(connection, kind, ids)
    gone = sorted(set(ids) - {r["id"] for r in rows})
    if gone:
        connection.execute(
            _expanding(f"DELETE FROM {kind.table} WHERE {kind.key} IN :ids"),  # noqa: S608 # nosec B608 # names of this module
            {"ids": gone},
        )
    names = "".join(f", {name}" for name in kind.copied)
    values = "".join(f", :{name}" for name in kind.copied)
    updates = "".join(f" {name} = excluded.{name}," for name in kind.copied)
    if connection.dialect.name == "postgresql":
        if rows:
            connection.execute(
                text(
                    f"INSERT INTO {kind.table} ({kind.key}{names}, content, vector)"  # noqa: S608 # nosec B608 # names of this module
                    f" VALUES (:id{values}, :content, setweight(to_tsvector('simple', :title), 'A')"
                    " || setweight(to_tsvector('simple', :meta), 'B')"
                    " || setweight(to_tsvector('simple', :description), 'C')"
                    " || setweight(to_tsvector('simple', :body), 'D'))"
                    f" ON CONFLICT ({kind.key}) DO UPDATE SET{updates}"
                    " content = excluded.content, vector = excluded.vector"
                ),
                rows,
            )
        return len(rows)
    connection.execute(_expanding(f"DELETE FROM {kind.fts} WHERE rowid IN :ids"), {"ids": ids})  # noqa: S608 # nosec B608
    if rows:
        connection.execute(
            text(
                f"INSERT INTO {kind.table} ({kind.key}{names}, content)"  # noqa: S608 # nosec B608
                f" VALUES (:id{values}, :content)"
                f" ON CONFLICT ({kind.key}) DO UPDATE SET{updates} content = excluded.content"
            ),
            [{key: r[key] for key in ("id", "content", *kind.copied)} for r in rows],
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
    if since is not None:
        query += f" WHERE {kind.since}"
        params["since"] = since
    ids = [row.id for row in connection.execute(text(query + " ORDER BY id"), params)]
    for start in range(0, len(ids), batch):
        yield ids[start : start + batch]


def document_ids(connection, *, since=None, batch: int = 500):
    return all_ids(connection, DOCUMENTS, since=since, batch=batch)


def reindex_all(session, *, since=None, progressbar=None) -> int:
    """Rebuild every kind's rows (or those changed since `since`), committing a batch at a time
    so a long run holds no transaction open; `progressbar(length, label)` a context manager
    with update(n) (click.progressbar), or None. The count of rows written."""
    total = 0
    for kind in KINDS:
        batches = list(all_ids(session.connection(), kind, since=since))
        length = sum(len(b) for b in batches)
        bar = progressbar(length, kind.name) if progressbar else None
        with bar if bar is not None else _NoBar() as shown:
            for batch in batches:
                total += reindex(session.connection(), batch, kind)
                session.commit()
                shown.update(len(batch))
    return total


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False

    def update(self, _n) -> None:
        pass


# --- on every flush ---------------------------------------------------------------------------


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


#: model -> (the kind, the attribute naming its row, what it is made of).
_WATCHED = {
    Document: (DOCUMENTS, "id", ("title", "description", "tags", "latest_number", "space_id")),
    DocumentVersion: (DOCUMENTS, "document_id", ("scan_status", "filename")),
    VersionText: ("versions", "version_id", ("status", "text")),
    ActionItem: (ITEMS, "id", ("title", "description", "code")),
    ProgressUpdate: (ITEMS, "item_id", ("note",)),
    Comment: (COMMENTS, "id", ("body", "response", "deleted_at")),
    Article: (ARTICLES, "id", ("title", "kind", "summary", "body")),
    Meeting: (MEETINGS, "id", ("title", "location", "description")),
    Case: (
        CASES,
        "id",
        ("reference", "postcode4", "neighbourhood", "municipality_id", "description", "damage")
        + ("purpose",),
    ),
    Measure: (MEASURES, "id", ("type", "description")),
    AftercareTask: (TASKS, "id", ("kind", "description")),
    TimelineEntry: (ENTRIES, "id", ("kind", "text")),
}


def _touched(session) -> dict:
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
    versions = touched.pop("versions", set())
    if versions:
        found = connection.execute(_VERSIONS_DOCUMENTS, {"ids": list(versions)})
        touched[DOCUMENTS] |= {row.document_id for row in found}
    for kind, ids in touched.items():
        reindex(connection, ids, kind)


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
        name not in {kind.table for kind in KINDS}
        and not name.endswith("_fts")
        and ("_fts_" not in name)
    )
