"""Finding what a reader may read, ranked, with snippets and facet counts.

Every searchable kind (`KINDS`: documents, text drafts, comments, action items, knowledge
articles, meetings, and the case material: cases, measures, aftercare tasks and timeline
entries) is a `SearchKind`: its index (index.py), its model and the policy's `visible_*` clause
for it. That clause is part of every SELECT here (results, counts, facets), so trashed and
narrowed documents, narrowed items and entries, other organisations' spaces and, without MFA,
case documents and case material never match; case material is searched in a session with MFA
only, whatever the clause says. The snippets are cut only from the rows of the page, which the
clause let through. The view hands in the user and the query as typed; what comes back does not
depend on the database.
"""

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    bindparam,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    text,
)

from ..access.policy import (
    session_has_mfa,
    visible_action_items,
    visible_articles,
    visible_cases,
    visible_comments,
    visible_documents,
    visible_measures,
    visible_meetings,
    visible_tasks,
    visible_timeline_entries,
)
from ..actions.models import ActionItem
from ..cases.models import AftercareTask, Case, Measure, TimelineEntry
from ..comments.models import Comment
from ..documents.models import Document
from ..extensions import db
from ..knowledge.models import Article
from ..meetings.models import Meeting
from ..spaces.models import Space
from . import index
from .text import START, STOP, Query, parse, snippet, to_fts5, to_websearch

#: ?sorteer=: by relevance (the default) or newest first.
SORTS = ("relevantie", "datum")
#: At most this many hits of a kind are counted, ranked, sorted and counted in the facets: the
#: newest (by id) that the reader may read. A word in most of 100,000 texts would otherwise
#: make every search read every matching vector three times (counts, facets, ranking); above
#: it the page says "more than" and asks for a narrower search.
CAP = 1000


@dataclass(frozen=True, eq=False)
class SearchKind:
    """One kind of hit: ?soort=<key>, its index rows, its model and who may read it."""

    key: str
    index: index.Kind
    model: type
    #: user -> the policy's clause on `model`.
    visible: Callable[..., ColumnElement[bool]]
    #: What "newest first" sorts on.
    date: object
    #: More conditions on `model` (text drafts are the documents written in the app).
    where: tuple = ()
    #: Loader options for what a hit shows (its space, case or subject), in the same SELECT.
    options: tuple = ()
    #: Case material: searched only in a session with MFA.
    case: bool = False

    def readable(self, user) -> ColumnElement[bool]:
        if self.case and not session_has_mfa():
            return false()
        return self.visible(user)

    @property
    def key_column(self):
        return self.model.id


def _documents_visible(user):
    return visible_documents(user)


def _comments_visible(user):
    return visible_comments(user) & Comment.deleted_at.is_(None)


# The current version in a second SELECT of the page's 20 rows: joined, it made every hit of a
# common word pass through a hash join with all versions.
_DOCUMENT_OPTIONS = (db.selectinload(Document.latest), db.joinedload(Document.space))

KINDS = (
    SearchKind(
        "documenten",
        index.DOCUMENTS,
        Document,
        _documents_visible,
        Document.updated_at,
        where=(Document.is_text.is_(False),),
        options=_DOCUMENT_OPTIONS,
    ),
    SearchKind(
        "concepten",
        index.DOCUMENTS,
        Document,
        _documents_visible,
        Document.updated_at,
        where=(Document.is_text.is_(True),),
        options=_DOCUMENT_OPTIONS,
    ),
    SearchKind(
        "reacties",
        index.COMMENTS,
        Comment,
        _comments_visible,
        Comment.created_at,
        options=(
            db.joinedload(Comment.document),
            db.joinedload(Comment.action_item),
            db.joinedload(Comment.article),
            db.joinedload(Comment.author),
        ),
    ),
    SearchKind(
        "actiepunten",
        index.ITEMS,
        ActionItem,
        visible_action_items,
        ActionItem.updated_at,
        options=(db.joinedload(ActionItem.plan),),
    ),
    SearchKind(
        "kennisbank",
        index.ARTICLES,
        Article,
        visible_articles,
        Article.updated_at,
        options=(db.joinedload(Article.organisation),),
    ),
    SearchKind(
        "bijeenkomsten",
        index.MEETINGS,
        Meeting,
        visible_meetings,
        Meeting.starts_at,
        options=(db.joinedload(Meeting.space),),
    ),
    SearchKind(
        "casussen",
        index.CASES,
        Case,
        visible_cases,
        Case.updated_at,
        options=(db.joinedload(Case.municipality),),
        case=True,
    ),
    SearchKind(
        "maatregelen",
        index.MEASURES,
        Measure,
        visible_measures,
        Measure.updated_at,
        options=(db.joinedload(Measure.case),),
        case=True,
    ),
    SearchKind(
        "nazorgtaken",
        index.TASKS,
        AftercareTask,
        visible_tasks,
        AftercareTask.updated_at,
        options=(db.joinedload(AftercareTask.case),),
        case=True,
    ),
    SearchKind(
        "tijdlijn",
        index.ENTRIES,
        TimelineEntry,
        visible_timeline_entries,
        TimelineEntry.occurred_at,
        options=(db.joinedload(TimelineEntry.case),),
        case=True,
    ),
)
BY_KEY = {kind.key: kind for kind in KINDS}
#: The kinds whose hits are documents: the space and classification facets are theirs.
DOCUMENT_KINDS = ("documenten", "concepten")


@dataclass(frozen=True)
class Filters:
    """What the facets narrow the results to (None: everything)."""

    space_id: int | None = None
    classification: str | None = None


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _match(query: Query, kind: SearchKind):
    """(the join target and its ON clause, the WHERE clause, the ranking, best first)."""
    rows = kind.index
    if _postgres():
        index_table = table(rows.table, column(rows.key), column("vector"))
        tsquery = func.websearch_to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("search_q", to_websearch(query))
        )
        vector = index_table.c.vector
        return (
            (index_table, index_table.c[rows.key] == kind.key_column),
            vector.op("@@")(tsquery),
            func.ts_rank_cd(vector, tsquery).desc(),
        )
    fts = table(rows.fts, column("rowid"))
    # bm25: lower is better; the weights of title, meta, description, body.
    return (
        (fts, fts.c.rowid == kind.key_column),
        literal_column(rows.fts).op("MATCH")(bindparam("search_q", to_fts5(query))),
        literal_column(f"bm25({rows.fts}, 10.0, 5.0, 2.0, 1.0)").asc(),
    )


def _conditions(user, kind: SearchKind, where, filters: Filters | None) -> list:
    conditions = [kind.readable(user), where, *kind.where]
    if filters is not None and kind.model is Document:
        if filters.space_id is not None:
            conditions.append(Document.space_id == filters.space_id)
        if filters.classification is not None:
            conditions.append(Document.classification == filters.classification)
    return conditions


def _capped(user, query: Query, kind: SearchKind, filters: Filters | None, cap: int):
    """The ids of the newest `cap` matching things of `kind` that `user` may read: a
    subquery of its own (never correlated with the query it is used in)."""
    (target, on), where, _rank = _match(query, kind)
    return (
        select(kind.model.id)
        .join(target, on)
        .where(*_conditions(user, kind, where, filters))
        .order_by(kind.model.id.desc())
        .limit(cap)
        .correlate(None)
    )


def results(user, query: Query, kind: SearchKind, *, sort: str = "relevantie", filters=Filters()):
    """One SELECT of the matching things of `kind` that `user` may read (the newest CAP), with
    what their hits show, for paginate."""
    (target, on), where, rank = _match(query, kind)
    model = kind.model
    order = (kind.date.desc(),) if sort == "datum" else (rank, kind.date.desc())
    capped = _capped(user, query, kind, filters, CAP).subquery()
    return (
        select(model)
        .join(capped, capped.c.id == model.id)  # joined: 1,000 lookups by key, not a scan
        .join(target, on)
        # the match again: SQLite's bm25() ranks only in the query that MATCHes
        .where(where)
        .options(*kind.options)
        .order_by(*order, model.id)
    )


def documents(user, query: Query, *, sort: str = "relevantie", filters: Filters = Filters()):
    """The matching documents (not text drafts), for paginate."""
    return results(user, query, BY_KEY["documenten"], sort=sort, filters=filters)


def items(user, query: Query, *, sort: str = "relevantie"):
    """The matching action items, for paginate."""
    return results(user, query, BY_KEY["actiepunten"], sort=sort)


def facet_counts(user, query: Query, kind: SearchKind = BY_KEY["documenten"]) -> dict:
    """How many matching documents (or text drafts) `user` may read per space and per
    classification: one GROUP BY of both, summed here (a few rows, whatever the number of
    documents), so the hits are counted in one pass."""
    capped = _capped(user, query, kind, None, CAP).subquery()
    groups = db.session.execute(
        select(Space.id, Space.name, Document.classification, func.count())
        .select_from(capped)
        .join(Document, Document.id == capped.c.id)
        .join(Space, Space.id == Document.space_id)
        .group_by(Space.id, Space.name, Document.classification)
    ).all()
    spaces, classifications = {}, {}
    for space_id, name, classification, count in groups:
        spaces[(space_id, name)] = spaces.get((space_id, name), 0) + count
        classifications[classification] = classifications.get(classification, 0) + count
    return {
        "spaces": sorted(
            ((i, name, n) for (i, name), n in spaces.items()), key=lambda s: (-s[2], s[1])
        ),
        "classifications": sorted(classifications.items(), key=lambda c: c[0].value),
    }


def _count(user, query: Query, kind: SearchKind, filters: Filters | None):
    found = _capped(user, query, kind, filters, CAP + 1).subquery()
    return select(func.count()).select_from(found).scalar_subquery()


def kind_counts(user, query: Query, listed: SearchKind | None = None, filters=Filters()):
    """How many things of each kind match that `user` may read (CAP + 1: more than CAP), and
    (under None) how many of the `listed` kind with the facet `filters`: one SELECT."""
    counts = [_count(user, query, kind, None) for kind in KINDS]
    if listed is not None:
        counts.append(_count(user, query, listed, filters))
    row = db.session.execute(select(*counts)).one()
    found = {kind.key: row[n] for n, kind in enumerate(KINDS)}
    if listed is not None:
        found[None] = row[len(KINDS)]
    return found


def snippets(ids, query: Query, kind: SearchKind = BY_KEY["documenten"]) -> dict[int, Markup]:
    """The highlighted snippet of each row of the page (the caller passes only rows the reader
    may read): escaped first, then the hits marked. One SELECT."""
    if not ids:
        return {}
    rows = kind.index
    sql = f"SELECT {rows.key} AS id, content FROM {rows.table} WHERE {rows.key} IN :ids"  # noqa: S608 # nosec B608 # names of index.py
    found = db.session.execute(
        text(sql).bindparams(bindparam("ids", expanding=True)), {"ids": list(ids)}
    )
    wanted = query.positive_terms()
    return {row.id: highlight(snippet(row.content, wanted)) for row in found}


def highlight(marked: str) -> Markup:
    """Escape everything, then turn the hit markers into <mark>: the text cannot add markup."""
    escaped = str(escape(marked))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704 # nosec B704 # escaped above


__all__ = [
    "BY_KEY",
    "CAP",
    "DOCUMENT_KINDS",
    "KINDS",
    "SORTS",
    "Filters",
    "SearchKind",
    "documents",
    "facet_counts",
    "items",
    "kind_counts",
    "parse",
    "results",
    "snippets",
]
