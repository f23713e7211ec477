"""Finding the documents and action items a reader may read, ranked, with snippets and
facet counts.

The view hands in the user and the query as typed; what comes back does not depend on the
database. The policy's `visible_documents` (`visible_action_items`) clause is part of every
SELECT here (results, counts, facets), so trashed and narrowed documents, narrowed items, other
organisations' spaces and, without MFA, case documents never match; the snippets are cut only
from the rows of the page.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, column, func, literal_column, select, table, text

from ..access.policy import visible_action_items, visible_documents
from ..actions.models import ActionItem
from ..documents.models import Document, DocumentVersion
from ..extensions import db
from ..spaces.models import Space
from .text import START, STOP, Query, parse, snippet, to_fts5, to_websearch

#: ?sorteer=: by relevance (the default) or newest change first.
SORTS = ("relevantie", "datum")
#: ?soort=: what is listed.
KINDS = ("documenten", "actiepunten")

_index = table("search_index", column("document_id"), column("content"), column("vector"))
_fts = table("search_fts", column("rowid"))
_item_index = table("search_items", column("item_id"), column("content"), column("vector"))
_item_fts = table("search_items_fts", column("rowid"))


@dataclass(frozen=True)
class Filters:
    """What the facets narrow the results to (None: everything)."""

    space_id: int | None = None
    classification: str | None = None


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _match(query: Query, items: bool = False):
    """(the join target and its ON clause, the WHERE clause, the ranking, best first)."""
    entity = ActionItem if items else Document
    if _postgres():
        index = _item_index if items else _index
        key = index.c.item_id if items else index.c.document_id
        tsquery = func.websearch_to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("search_q", to_websearch(query))
        )
        return (
            (index, key == entity.id),
            index.c.vector.op("@@")(tsquery),
            func.ts_rank_cd(index.c.vector, tsquery).desc(),
        )
    fts, name = (_item_fts, "search_items_fts") if items else (_fts, "search_fts")
    # bm25: lower is better; the weights of title, tags/code and file name, description, text.
    return (
        (fts, fts.c.rowid == entity.id),
        literal_column(name).op("MATCH")(bindparam("search_q", to_fts5(query))),
        literal_column(f"bm25({name}, 10.0, 5.0, 2.0, 1.0)").asc(),
    )


def _matching(user, query: Query, filters: Filters, *, facets: bool = False):
    """The documents that match and `user` may read: the SELECT's FROM and WHERE, and the
    ranking. `facets`: without the facet filters (the counts show every choice)."""
    (target, on), where, rank = _match(query)
    conditions = [visible_documents(user), where]
    if not facets:
        if filters.space_id is not None:
            conditions.append(Document.space_id == filters.space_id)
        if filters.classification is not None:
            conditions.append(Document.classification == filters.classification)
    return target, on, conditions, rank


def documents(user, query: Query, *, sort: str = "relevantie", filters: Filters = Filters()):
    """One SELECT of the matching documents with their current version and space, for
    paginate."""
    target, on, conditions, rank = _matching(user, query, filters)
    order = (Document.updated_at.desc(),) if sort == "datum" else (rank, Document.updated_at.desc())
    return (
        select(Document)
        .join(target, on)
        .join(
            DocumentVersion,
            (DocumentVersion.document_id == Document.id)
            & (DocumentVersion.number == Document.latest_number),
        )
        .where(*conditions)
        .options(db.contains_eager(Document.latest), db.joinedload(Document.space))
        .order_by(*order, Document.id)
    )


def facet_counts(user, query: Query) -> dict:
    """How many matching documents `user` may read per space and per classification: two
    GROUP BYs, whatever the number of documents."""
    target, on, conditions, _rank = _matching(user, query, Filters(), facets=True)
    spaces = db.session.execute(
        select(Space.id, Space.name, func.count())
        .select_from(Document)
        .join(target, on)
        .join(Space, Space.id == Document.space_id)
        .where(*conditions)
        .group_by(Space.id, Space.name)
        .order_by(func.count().desc(), Space.name)
    ).all()
    classifications = db.session.execute(
        select(Document.classification, func.count())
        .select_from(Document)
        .join(target, on)
        .where(*conditions)
        .group_by(Document.classification)
        .order_by(Document.classification)
    ).all()
    return {"spaces": spaces, "classifications": classifications}


def items(user, query: Query, *, sort: str = "relevantie"):
    """One SELECT of the matching action items `user` may see, with their plan, for paginate."""
    (target, on), where, rank = _match(query, items=True)
    order = (
        (ActionItem.updated_at.desc(),) if sort == "datum" else (rank, ActionItem.updated_at.desc())
    )
    return (
        select(ActionItem)
        .join(target, on)
        .where(visible_action_items(user), where)
        .options(db.joinedload(ActionItem.plan))
        .order_by(*order, ActionItem.id)
    )


def kind_counts(user, query: Query) -> dict[str, int]:
    """How many documents and how many action items match that `user` may read: one SELECT."""
    target, on, conditions, _rank = _matching(user, query, Filters(), facets=True)
    (item_target, item_on), item_where, _rank = _match(query, items=True)
    documents = select(func.count()).select_from(Document).join(target, on).where(*conditions)
    found_items = (
        select(func.count())
        .select_from(ActionItem)
        .join(item_target, item_on)
        .where(visible_action_items(user), item_where)
    )
    row = db.session.execute(
        select(documents.scalar_subquery(), found_items.scalar_subquery())
    ).one()
    return {"documenten": row[0], "actiepunten": row[1]}


def snippets(ids, query: Query, *, items: bool = False) -> dict[int, Markup]:
    """The highlighted snippet of each row of the page (the caller passes only rows the reader
    may read): escaped first, then the hits marked. One SELECT."""
    if not ids:
        return {}
    sql = (
        "SELECT item_id AS id, content FROM search_items WHERE item_id IN :ids"
        if items
        else "SELECT document_id AS id, content FROM search_index WHERE document_id IN :ids"
    )
    rows = db.session.execute(
        text(sql).bindparams(bindparam("ids", expanding=True)), {"ids": list(ids)}
    )
    wanted = query.positive_terms()
    return {row.id: highlight(snippet(row.content, wanted)) for row in rows}


def highlight(marked: str) -> Markup:
    """Escape everything, then turn the hit markers into <mark>: the text cannot add markup."""
    escaped = str(escape(marked))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704 # nosec B704 # escaped above


__all__ = [
    "KINDS",
    "SORTS",
    "Filters",
    "documents",
    "facet_counts",
    "items",
    "kind_counts",
    "parse",
    "snippets",
]
