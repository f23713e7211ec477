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
    true,
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
from ..queries import ids_in
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
        where=(Document.is_text == false(),),
        options=_DOCUMENT_OPTIONS,
    ),
    SearchKind(
        "concepten",
        index.DOCUMENTS,
        Document,
        _documents_visible,
        Document.updated_at,
        where=(Document.is_text == true(),),  # ix_documents_text_drafts
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
    """The ids of the newest `cap` matching things of `kind` that `user` may read."""
    (target, on), where, _rank = _match(query, kind)
    return (
        select(kind.model.id)
        .join(target, on)
        .where(*_conditions(user, kind, where, filters))
        .order_by(kind.model.id.desc())
        .limit(cap)
    )


def hit_ids(user, query: Query, kind: SearchKind, filters: Filters = Filters()) -> list[int]:
    """The ids of the newest CAP + 1 matching things of `kind` that `user` may read (with the
    facet `filters`): one SELECT, the only one that goes through the policy's clause for the
    listed kind; the page, its ranking and the facets then look up these ids by key."""
    return list(db.session.scalars(_capped(user, query, kind, filters, CAP + 1)))


def results(user, query: Query, kind: SearchKind, ids: list[int], *, sort: str = "relevantie"):
    """One SELECT of the hits `ids` (hit_ids: `user` may read them), ranked or newest first,
    with what their hits show, for paginate."""
    (target, on), where, rank = _match(query, kind)
    model = kind.model
    order = (kind.date.desc(),) if sort == "datum" else (rank, kind.date.desc())
    return (
        select(model)
        .join(target, on)
        # the match again: SQLite's bm25() ranks only in the query that MATCHes
        .where(where, ids_in(model.id, ids[:CAP]))
        .options(*kind.options)
        .order_by(*order, model.id)
    )


def documents(user, query: Query, *, sort: str = "relevantie", filters: Filters = Filters()):
    """The matching documents (not text drafts), for paginate."""
    kind = BY_KEY["documenten"]
    return results(user, query, kind, hit_ids(user, query, kind, filters), sort=sort)


def items(user, query: Query, *, sort: str = "relevantie"):
    """The matching action items, for paginate."""
    kind = BY_KEY["actiepunten"]
    return results(user, query, kind, hit_ids(user, query, kind), sort=sort)


def facet_counts(ids: list[int]) -> dict:
    """How many of the documents (or text drafts) `ids` (hit_ids, without facet filters) lie in
    each space and have each classification: one GROUP BY of both, summed here."""
    groups = db.session.execute(
        select(Space.id, Space.name, Document.classification, func.count())
        .select_from(Document)
        .join(Space, Space.id == Document.space_id)
        .where(ids_in(Document.id, ids[:CAP]))
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


def kind_counts(user, query: Query, *, but: SearchKind | None = None) -> dict[str, int]:
    """How many things of each kind (but `but`, whose hit_ids count it) match that `user` may
    read, CAP + 1 meaning more than CAP: one SELECT."""
    kinds = [kind for kind in KINDS if kind is not but]
    counts = []
    for kind in kinds:
        found = _capped(user, query, kind, None, CAP + 1).subquery()
        counts.append(select(func.count()).select_from(found).scalar_subquery())
    row = db.session.execute(select(*counts)).one()
    return {kind.key: row[n] for n, kind in enumerate(kinds)}


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
    "hit_ids",
    "items",
    "kind_counts",
    "parse",
    "results",
    "snippets",
]
