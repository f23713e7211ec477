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
from ..documents.models import Document
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
#: it the page says "more than" and asks for a narrower search.
CAP = 1000
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
# them by key (load): the hits are found without them (find_hits), so no join reaches beyond
# the page.
_DOCUMENT_OPTIONS = (db.joinedload(Document.latest), db.joinedload(Document.space))

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
    conditions = [kind.readable(user), where, *kind.where]
    if filters is not None and kind.model is Document:
        if filters.space_id is not None:
            conditions.append(Document.space_id == filters.space_id)
        if filters.classification is not None:
            conditions.append(Document.classification == filters.classification)
        if filters.organisation_id is not None:
            conditions.append(Document.space_id.in_(_owned_by(filters.organisation_id)))
        if filters.period in PERIODS:
            conditions.extend(_in_period(filters.period, utcnow()))
    return conditions


def _owned_by(organisation_id: int):
    owner = Space.organisation_id
    if organisation_id == SHARED_SPACES:
        return select(Space.id).where(owner.is_(None))
    return select(Space.id).where(owner == organisation_id)


def _in_period(period: str, now) -> list:
    since, before = PERIODS[period]
    conditions = [] if since is None else [Document.updated_at >= now - since]
    return conditions if before is None else [*conditions, Document.updated_at < now - before]


def _period_of(now: datetime) -> Callable[[datetime | None], str]:
    """date -> the PERIODS key of a document's last change on that date (seen from `now`)."""
    starts = [(now - since, key) for key, (since, _) in PERIODS.items() if since is not None]

    def period(date: datetime | None) -> str:
        if date is not None:
            for start, key in starts:
                if date >= start:
                    return key
        return "ouder"

    return period


def _capped(user, query: Query | None, kind: SearchKind, filters, cap: int, *, ranked=False):
    """The ids of the newest `cap` matching things of `kind` that `user` may read (`ranked`:
    with their rank and date, and a document's space and classification for the facets)."""
    if kind.many_readable and filters in (None, Filters()) and _postgres():
        # A facet's filter leaves few documents: PostgreSQL then starts from those.
        return _capped_documents(user, query, kind, cap, ranked=ranked)
    if kind.few_readable and _postgres():
        return _capped_from_readable(user, query, kind, filters, cap, ranked=ranked)
    (target, on), where, rank = _match(query, kind)
    shown = (rank, kind.date, *_FACETED.get(kind.model, ())) if ranked else ()
    return (
        select(kind.model.id, *shown)
        .join(target, on)
        .where(*_conditions(user, kind, where, filters))
        .order_by(kind.model.id.desc())
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
    shown = (func.ts_rank_cd(match.c.vector, tsquery), kind.date) if ranked else ()
    return (
        select(kind.model.id, *shown)
        .join(match, true())
        .where(*_conditions(user, kind, true(), filters))
        .order_by(kind.model.id.desc())
        .limit(cap)
    )


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
        select(Document.id, kind.date, *_FACETED[Document])
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
    rank = func.ts_rank_cd(kept.c.vector, tsquery)
    shown = [c for c in kept.c if c.key not in ("id", "vector")]
    return select(kept.c.id, rank, *shown).order_by(kept.c.id.desc())


#: What a hit carries for the facets, beside its date: from the rows the SELECT reads anyway
#: (a document's, or ix_documents_live_by_space), so the facets need no second pass.
_FACETED = {Document: (Document.space_id, Document.classification)}


class Hit(NamedTuple):
    """A matching thing the reader may read: its id, how well it matches (higher is better) and
    its date (what "newest first" sorts on)."""

    id: int
    rank: float
    date: datetime | None
    #: A document's space and classification (the facets); None for other kinds.
    space_id: int | None = None
    classification: Classification | None = None


def find_hits(user, query: Query, kind: SearchKind, filters: Filters = Filters()) -> list[Hit]:
    """The newest CAP + 1 matching things of `kind` that `user` may read (with the facet
    `filters`), each ranked: one SELECT, the only one that goes through the policy's clause for
    the listed kind; the page and the facets then look up these ids by key, and the ranking
    reads no match twice."""
    # Core rows, not the ORM's: a thousand of them are read for every search.
    found = _core(_capped(user, query, kind, filters, CAP + 1, ranked=True)).all()
    return [Hit(*row) for row in found]


def ordered(hits: list[Hit], sort: str = "relevantie") -> list[int]:
    """The ids of `hits` (at most CAP) best first, or newest first (sort "datum"); ties by date,
    then by id."""
    found = sorted(hits[:CAP], key=lambda hit: hit.id)
    found.sort(key=lambda hit: hit.date or datetime.min, reverse=True)
    if sort != "datum":
        found.sort(key=lambda hit: hit.rank, reverse=True)
    return [hit.id for hit in found]


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


def facet_counts(hits: list[Hit]) -> dict:
    """How many of the documents (or text drafts) `hits` (find_hits, without facet filters) lie
    in each space, each owning organisation and each period, and have each classification:
    counted here, with the spaces' and organisations' names in one SELECT by key."""
    hits = hits[:CAP]
    by_space = Counter(hit.space_id for hit in hits)
    names = _space_names(list(by_space))
    spaces, organisations = Counter(), Counter()
    for space_id, count in by_space.items():
        name, organisation_id, organisation_name = names.get(space_id, (None, None, None))
        spaces[(space_id, name)] += count
        organisations[(organisation_id or SHARED_SPACES, organisation_name)] += count
    periods = Counter(map(_period_of(utcnow()), (hit.date for hit in hits)))
    classifications = Counter(hit.classification for hit in hits)
    return {
        "spaces": _by_count(spaces),
        "organisations": _by_count(organisations),
        "periods": [(key, periods[key]) for key in PERIODS if key in periods],
        "classifications": sorted(classifications.items(), key=lambda c: c[0].value),
    }


def _space_names(space_ids: list[int]) -> dict[int, tuple]:
    """space id -> (its name, its organisation's id and name; None for a shared space)."""
    found = _core(
        select(Space.id, Space.name, Organisation.id, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Space.organisation_id)
        .where(ids_in(Space.id, space_ids))
    ).all()
    return {space_id: rest for space_id, *rest in found}


def _by_count(tally: dict) -> list[tuple]:
    """(id, name, count), the most first; a shared space's organisation (no name) last."""
    rows = ((i, name, n) for (i, name), n in tally.items())
    return sorted(rows, key=lambda r: (r[1] is None, -r[2], r[1] or ""))


def kind_counts(user, query: Query, *, but: SearchKind | None = None) -> dict[str, int]:
    """How many things of each kind (but `but`, whose find_hits count it) match that `user` may
    read, COUNT_CAP + 1 meaning more than COUNT_CAP: one SELECT. Built from the policy's
    clauses alone, with the words as a parameter, so it is kept across requests
    (policy.kept_across_requests): building its nine parts cost more than running it."""
    kinds = [kind for kind in KINDS if kind is not but]
    what = ("search.kind_counts", but and but.key, _postgres())
    statement = kept_across_requests(user, what, lambda: _counts_of(user, kinds))
    row = _core(statement, {"search_q": _search_text(query)}).one()
    return {kind.key: row[n] for n, kind in enumerate(kinds)}


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
    "Hit",
    "facet_counts",
    "find_hits",
    "kind_counts",
    "load",
    "ordered",
    "parse",
    "snippets",
]
