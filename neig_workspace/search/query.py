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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    table,
    text,
    true,
    type_coerce,
    union_all,
)

from ..access.policy import (
    in_readable_document_spaces,
    kept_across_requests,
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
from ..database import one_row_meanwhile
from ..documents.models import Document, DocumentVersion
from ..extensions import db
from ..knowledge.models import Article
from ..meetings.models import Meeting
from ..organisations.models import Organisation
from ..queries import ids_in
from ..spaces.models import Classification, Space
from ..timeutil import utcnow
from . import index
from .text import START, STOP, Query, parse, snippet, to_fts5, to_websearch

#: ?sorteer=: by relevance (the default) or newest first.
SORTS = ("relevantie", "datum")
#: At most this many hits of a kind are counted, ranked, sorted and counted in the facets: the
#: newest (by id) that the reader may read. A word in most of 100,000 texts would otherwise
#: make every search read every matching vector three times (counts, facets, ranking); above
#: it the page says "more than" and asks for a narrower search. Twenty pages of hits: finding
#: the newest 1,000 instead took a common word's page a third longer (bench/search.py), for
#: a ranking and facets over a window that is no less arbitrary.
CAP = 500
#: The other kinds beside the listed one are counted up to this many (a tab says "more than
#: 100"): each count reads its matches once more, for a number that only tells where to look.
COUNT_CAP = 100


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
    #: Found from its index rows in the reader's spaces, each one's thing then looked up by
    #: key (the documents: a member may read 18,000 of them, a word may be in 8,000).
    many_readable: bool = False
    #: Found from the few a reader may read, each one's index row looked up by key (cases: a
    #: member takes part in a hundred of ten thousand, and a word may be in all of them).
    few_readable: bool = False

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


# The current version and the space of the page's 25 rows, joined in the SELECT that loads
# them by key (load): the hits are found without them (find), so no join reaches beyond
# the page. Only the columns a hit shows (hits.py) and its provenance reads (the space's kind).
_DOCUMENT_OPTIONS = (
    db.load_only(Document.title, Document.updated_at, Document.space_id),
    db.joinedload(Document.latest).load_only(DocumentVersion.filename),
    db.joinedload(Document.space).load_only(Space.name, Space.kind),
)

KINDS = (
    SearchKind(
        "documenten",
        index.DOCUMENTS,
        Document,
        _documents_visible,
        Document.updated_at,
        where=(Document.is_text == false(),),
        options=_DOCUMENT_OPTIONS,
        many_readable=True,
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
        few_readable=True,
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
#: The kinds whose hits are documents: the space, organisation, period and classification
#: facets are theirs.
DOCUMENT_KINDS = ("documenten", "concepten")

#: The period facet: how long ago a document last changed, in disjoint spans (newest first).
PERIODS = {
    "week": (timedelta(days=7), None),
    "maand": (timedelta(days=31), timedelta(days=7)),
    "jaar": (timedelta(days=365), timedelta(days=31)),
    "ouder": (None, timedelta(days=365)),
}
#: The organisation facet's value for documents in a space no organisation owns (shared).
SHARED_SPACES = 0


@dataclass(frozen=True)
class Filters:
    """What the facets narrow the results to (None: everything). The organisation is the one
    that owns the document's space (SHARED_SPACES: a shared space)."""

    space_id: int | None = None
    classification: str | None = None
    organisation_id: int | None = None
    period: str | None = None

    @property
    def shape(self) -> tuple:
        """What the SELECT of a search depends on (its values are parameters)."""
        organisation = self.organisation_id
        shared = None if organisation is None else organisation == SHARED_SPACES
        return (self.space_id is None, self.classification is None, shared, self.period)


def _core(statement, params: dict | None = None):
    """Run a SELECT of columns (no ORM entities) in the session's transaction, its rows as
    Core rows: the ORM's loading costs several microseconds a row."""
    return db.session.connection().execute(statement, params)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _search_text(query: Query) -> str:
    """The words as the database's own search syntax: the parameter search_q."""
    return to_websearch(query) if _postgres() else to_fts5(query)


def _words(query: Query | None):
    """The parameter search_q: the words (without `query`, given when the statement runs)."""
    return bindparam("search_q", None if query is None else _search_text(query))


def _tsquery(query: Query | None):
    return func.websearch_to_tsquery(literal_column("'simple'::regconfig"), _words(query))


def _match(query: Query | None, kind: SearchKind):
    """(the join target and its ON clause, the WHERE clause, the rank: higher is better)."""
    rows = kind.index
    if _postgres():
        index_table = _index_table(rows)
        tsquery = _tsquery(query)
        matches = index_table.c.vector.op("@@")(tsquery)
        return (
            (index_table, index_table.c[rows.key] == kind.key_column),
            matches,
            func.ts_rank_cd(index_table.c.vector, tsquery),
        )
    fts = table(rows.fts, column("rowid"))
    # bm25: lower is better (so negated); the weights of title, meta, description, body. Only
    # in the SELECT that MATCHes.
    return (
        (fts, fts.c.rowid == kind.key_column),
        literal_column(rows.fts).op("MATCH")(_words(query)),
        -literal_column(f"bm25({rows.fts}, 10.0, 5.0, 2.0, 1.0)", Float),
    )


@cache
def _index_table(rows: index.Kind):
    """The index table of a kind, made once: the policy keeps its filters by their columns."""
    return table(
        rows.table, column(rows.key), column("vector"), column("space_id"), column("is_text")
    )


def _conditions(user, kind: SearchKind, where, filters: Filters | None) -> list:
    """The conditions on `kind` of a search, `filters`' values as parameters (_filter_values)."""
    conditions = [kind.readable(user), where, *kind.where]
    if filters is not None and kind.model is Document:
        if filters.space_id is not None:
            conditions.append(Document.space_id == bindparam("facet_space"))
        if filters.classification is not None:
            conditions.append(Document.classification == bindparam("facet_classification"))
        if filters.organisation_id is not None:
            conditions.append(Document.space_id.in_(_owned_by(filters.organisation_id)))
        if filters.period in PERIODS:
            since, before = PERIODS[filters.period]
            if since is not None:
                conditions.append(Document.updated_at >= _start(since))
            if before is not None:
                conditions.append(Document.updated_at < _start(before))
    return conditions


def _owned_by(organisation_id: int):
    owner = Space.organisation_id
    if organisation_id == SHARED_SPACES:
        return select(Space.id).where(owner.is_(None))
    return select(Space.id).where(owner == bindparam("facet_organisation"))


def _filter_values(filters: Filters, now: datetime) -> dict:
    """The parameters of _conditions for `filters`, and the periods' starts seen from `now`
    (_start: the period filter's and the period facet's)."""
    values = {
        "facet_space": filters.space_id,
        "facet_classification": filters.classification,
        "facet_organisation": filters.organisation_id,
    }
    spans = {span for period in PERIODS.values() for span in period if span is not None}
    values.update({f"start_{span.days}": now - span for span in spans})
    return {name: value for name, value in values.items() if value is not None}


def _start(span: timedelta):
    """The moment `span` before now, a parameter (_filter_values): a period begins or ends
    there."""
    return bindparam(f"start_{span.days}")


def _capped(user, query: Query | None, kind: SearchKind, filters, cap: int, *, ranked=False):
    """The ids of the newest `cap` matching things of `kind` that `user` may read (`ranked`:
    with their rank and date, and a document's space and classification for the facets)."""
    if kind.many_readable and filters in (None, Filters()) and _postgres():
        # A facet's filter leaves few documents: PostgreSQL then starts from those.
        return _capped_documents(user, query, kind, cap, ranked=ranked)
    if kind.few_readable and _postgres():
        return _capped_from_readable(user, query, kind, filters, cap, ranked=ranked)
    (target, on), where, rank = _match(query, kind)
    shown = (rank.label("rank"), kind.date.label("date"), *_FACETED.get(kind.model, ()))
    shown = shown if ranked else ()
    return (
        select(kind.model.id, *shown)
        .join(target, on)
        .where(*_conditions(user, kind, where, filters))
        .order_by(*_newest_first(kind, ranked))
        .limit(cap)
    )


def _capped_from_readable(user, query, kind: SearchKind, filters, cap: int, *, ranked):
    """_capped on PostgreSQL for a kind of which a reader may read few: those few, newest
    first, each with its index row looked up by key (a LATERAL subquery, never a join that
    walks every match: "gemeente" is in every case, and a member reads a hundred of them)."""
    rows = _index_table(kind.index)
    tsquery = _tsquery(query)
    match = (
        select(rows.c.vector)
        .where(rows.c[kind.index.key] == kind.key_column, rows.c.vector.op("@@")(tsquery))
        .limit(1)
        .lateral("match")
    )
    shown = (func.ts_rank_cd(match.c.vector, tsquery).label("rank"), kind.date.label("date"))
    return (
        select(kind.model.id, *(shown if ranked else ()))
        .join(match, true())
        .where(*_conditions(user, kind, true(), filters))
        .order_by(*_newest_first(kind, ranked))
        .limit(cap)
    )


def _newest_first(kind: SearchKind, ranked: bool) -> tuple:
    """The order in which `cap` things are kept: the newest, except for case material that is
    only counted. A reader takes part in a few cases, so PostgreSQL then reads them by space
    and their items by case, with no sort and stopping at `cap`. For the other kinds the order
    stays: dropping it helped one word and hurt another."""
    return () if kind.case and not ranked else (kind.model.id.desc(),)


def _capped_documents(user, query: Query | None, kind: SearchKind, cap: int, *, ranked):
    """_capped for the documents (not the text drafts) on PostgreSQL. Their index rows keep
    each document's space: the rows that match in the reader's spaces are read newest first,
    and each one's document is looked up by key (a LATERAL subquery PostgreSQL cannot turn
    into a join of all of them), where the policy's clause decides. Joined otherwise, a word
    in 8,000 texts had PostgreSQL look up every one of those documents, or sort all 18,000
    the reader may read, to keep the newest thousand."""
    rows = _index_table(kind.index)
    tsquery = _tsquery(query)
    document = (
        select(Document.id, kind.date.label("date"), *_FACETED[Document])
        .where(Document.id == rows.c.document_id, *_conditions(user, kind, true(), None))
        .limit(1)
        .lateral("document")
    )
    hits = (
        select(document.c.id, *((rows.c.vector, *list(document.c)[1:]) if ranked else ()))
        .select_from(rows)
        .join(document, true())
        .where(
            rows.c.vector.op("@@")(tsquery),
            in_readable_document_spaces(user, rows.c.space_id),
            rows.c.is_text == false(),
        )
        .order_by(rows.c.document_id.desc())
        .limit(cap)
    )
    if not ranked:
        return hits
    # Ranked once the newest are kept: ranking a phrase reads every position again.
    kept = hits.subquery("hit")
    rank = func.ts_rank_cd(kept.c.vector, tsquery).label("rank")
    shown = [c for c in kept.c if c.key not in ("id", "vector")]
    return select(kept.c.id, rank, *shown).order_by(kept.c.id.desc())


#: What a hit carries for the facets, beside its date: from the rows the SELECT reads anyway
#: (a document's, or ix_documents_live_by_space), so the facets need no second pass.
_FACETED = {Document: (Document.space_id, Document.classification)}


class Found(NamedTuple):
    """What the results page shows of one kind's matches that the reader may read."""

    #: How many, up to CAP + 1 (more than CAP).
    count: int
    #: The ids of the asked page, best (or newest) first, of the newest CAP.
    ids: list[int]
    #: The documents' facets, when asked for: per facet its options, the most first ("spaces"
    #: and "organisations": (id, name, count); "periods": (PERIODS key, count);
    #: "classifications": (Classification, count)).
    facets: dict | None = None


def find(
    user,
    query: Query,
    kind: SearchKind,
    filters: Filters = Filters(),
    *,
    sort: str = "relevantie",
    page: tuple[int, int] = (0, 0),
    facets: bool = False,
) -> Found:
    """The matches of `kind` that `user` may read (with the facet `filters`): their count, the
    ids of `page` ((number from 1, size); (0, 0): none) in the order `sort` asks, and with
    `facets` the documents' facet counts. One SELECT, the only one that goes through the
    policy's clause for the kind: the newest CAP + 1 matches are found and ranked once, and the
    database orders, pages and counts them, so only a page and the facets' rows come back."""
    number, size = page
    filters = filters if kind.model is Document else Filters()  # the facets are documents'
    shape = (kind.key, filters.shape, size > 0 and sort, facets, _postgres())
    statement = kept_across_requests(
        user, ("search.find", *shape), lambda: _find(user, kind, filters, sort, size, facets)
    )
    params = {"search_q": _search_text(query), **_filter_values(filters, utcnow())}
    if size:
        params.update(page_first=(number - 1) * size, page_last=number * size)
    rows = _core(statement, params).all()
    by_part: dict[str, list] = {}
    for row in rows:
        by_part.setdefault(row.part, []).append(row)
    ids = [row.key for row in sorted(by_part.get("page", ()), key=lambda row: row.n)]
    return Found(by_part["n"][0].n, ids, _facets_of(by_part) if facets else None)


def _find(user, kind: SearchKind, filters: Filters, sort: str, size: int, facets: bool):
    """find's SELECT, its values as parameters: built from the policy's clauses, the kind and
    the shape of the filters alone, so it is kept across requests (building it cost more
    than running it)."""
    found = _capped(user, None, kind, filters, CAP + 1, ranked=True).cte("found")
    kept = select(found).order_by(found.c.id.desc()).limit(CAP).cte("kept")
    parts = [_part("n", n=func.count()).select_from(found)]
    if size:
        parts.append(_page_part(kept, sort))
    if facets:
        parts.extend(_facet_parts(kept))
    return union_all(*parts)


def _part(part: str, key=None, label=None, key2=None, label2=None, n=None):
    """A SELECT of one part of find's UNION: (part, key, label, key2, label2, n)."""
    return select(
        literal(part, String).label("part"),
        _or_null(key, Integer).label("key"),
        _or_null(label, String).label("label"),
        _or_null(key2, Integer).label("key2"),
        _or_null(label2, String).label("label2"),
        _or_null(n, Integer).label("n"),
    )


def _or_null(value, type_):
    return cast(null(), type_) if value is None else value


def _page_part(kept, sort: str):
    """The ids of one page, each with its place (n) in the order: best first (ties newest
    first, then by id), or newest first."""
    order = [kept.c.date.desc().nulls_last(), kept.c.id]
    if sort != "datum":
        order.insert(0, kept.c.rank.desc())
    placed = select(kept.c.id, func.row_number().over(order_by=order).label("place")).subquery()
    return _part("page", key=placed.c.id, n=placed.c.place).where(
        placed.c.place > bindparam("page_first"), placed.c.place <= bindparam("page_last")
    )


def _facet_parts(kept) -> list:
    """The facets' counts of the documents `kept`: per space (with its name and its
    organisation's), per classification and per period."""
    organisation = Organisation.__table__
    per_space = (
        select(kept.c.space_id, func.count().label("n")).group_by(kept.c.space_id).subquery()
    )
    space, on = _space_by_key(per_space.c.space_id)
    spaces = (
        _part(
            "space",
            key=per_space.c.space_id,
            label=space.c.name,
            key2=organisation.c.id,
            label2=organisation.c.name,
            n=per_space.c.n,
        )
        .select_from(per_space)
        .outerjoin(space, on)
        .outerjoin(organisation, organisation.c.id == space.c.organisation_id)
    )
    value = type_coerce(kept.c.classification, String)
    classifications = _part("classification", label=value, n=func.count()).group_by(value)
    period = _period_case(kept.c.date)
    periods = _part("period", label=period, n=func.count()).group_by(period)
    return [spaces, classifications.select_from(kept), periods.select_from(kept)]


def _space_by_key(space_id) -> tuple:
    """(the space `space_id` with its name and organisation, the ON clause to join it), looked
    up by key: on PostgreSQL a LATERAL subquery, as a join read all 11,000 spaces for the 300
    counted; SQLite, which has no LATERAL, looks each one up by key in a join anyway."""
    if _postgres():
        found = select(Space.name, Space.organisation_id).where(Space.id == space_id)
        return found.limit(1).lateral("space"), true()
    found = Space.__table__
    return found, found.c.id == space_id


def _period_case(date):
    """The PERIODS key of a document last changed on `date`."""
    whens = [(date >= _start(since), key) for key, (since, _) in PERIODS.items() if since]
    return case(*whens, else_=literal("ouder", String))


def _facets_of(by_part: dict) -> dict:
    """Found.facets from find's rows."""
    spaces, organisations = Counter(), Counter()
    for row in by_part.get("space", ()):
        spaces[(row.key, row.label)] += row.n
        organisations[(row.key2 or SHARED_SPACES, row.label2)] += row.n
    periods = {row.label: row.n for row in by_part.get("period", ())}
    classifications = [(Classification(r.label), r.n) for r in by_part.get("classification", ())]
    return {
        "spaces": _by_count(spaces),
        "organisations": _by_count(organisations),
        "periods": [(key, periods[key]) for key in PERIODS if key in periods],
        "classifications": sorted(classifications, key=lambda c: c[0].value),
    }


def load(kind: SearchKind, ids: list[int]) -> list:
    """The things `ids` (of hits: the reader may read them) in that order, with what their hits
    show. One SELECT (and the SELECTs of `kind.options`)."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(kind.model).where(ids_in(kind.model.id, ids)).options(*kind.options)
    ).unique()
    by_id = {row.id: row for row in rows}
    return [by_id[key] for key in ids if key in by_id]


def _by_count(tally: dict) -> list[tuple]:
    """(id, name, count), the most first; a shared space's organisation (no name) last."""
    rows = ((i, name, n) for (i, name), n in tally.items())
    return sorted(rows, key=lambda r: (r[1] is None, -r[2], r[1] or ""))


def kind_counts(user, query: Query, *, but: SearchKind | None = None) -> Callable[[], dict]:
    """How many things of each kind (but `but`, which find counts) match that `user` may
    read, COUNT_CAP + 1 meaning more than COUNT_CAP: one SELECT, run on a connection of its
    own while the page finds the listed kind (database.one_row_meanwhile): what comes back
    waits for it and returns the counts.
    Built from the policy's clauses alone, with the words as a parameter, so it is kept across
    requests (policy.kept_across_requests): building its nine parts cost more than running
    it."""
    kinds = [kind for kind in KINDS if kind is not but]
    what = ("search.kind_counts", but and but.key, _postgres())
    statement = kept_across_requests(user, what, lambda: _counts_of(user, kinds))
    row = one_row_meanwhile(db.session, statement, {"search_q": _search_text(query)})
    return lambda: {kind.key: n for kind, n in zip(kinds, row(), strict=True)}


def _counts_of(user, kinds: list[SearchKind]):
    counts = []
    for kind in kinds:
        found = _capped(user, None, kind, None, COUNT_CAP + 1).subquery()
        counts.append(select(func.count()).select_from(found).scalar_subquery())
    return select(*counts)


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
    "COUNT_CAP",
    "DOCUMENT_KINDS",
    "KINDS",
    "SORTS",
    "Filters",
    "PERIODS",
    "SHARED_SPACES",
    "SearchKind",
    "Found",
    "find",
    "kind_counts",
    "load",
    "parse",
    "snippets",
]
