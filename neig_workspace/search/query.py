"""Finding the documents a reader may read, ranked, with snippets and facet counts.

The view hands in the user and the query as typed; what comes back does not depend on the
database. The policy's `visible_documents` clause is part of every SELECT here (results,
count, facets), so trashed and narrowed documents, other organisations' spaces and, without
MFA, case documents never match; the snippets are cut only from the rows of the page.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, column, func, literal_column, select, table, text

from ..access.policy import visible_documents
from ..documents.models import Document, DocumentVersion
from ..extensions import db
from ..spaces.models import Space
from .text import START, STOP, Query, parse, snippet, to_fts5, to_websearch

#: ?sorteer=: by relevance (the default) or newest change first.
SORTS = ("relevantie", "datum")

_index = table("search_index", column("document_id"), column("content"), column("vector"))
_fts = table("search_fts", column("rowid"))


@dataclass(frozen=True)
class Filters:
    """What the facets narrow the results to (None: everything)."""

    space_id: int | None = None
    classification: str | None = None


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _match(query: Query):
    """(the join target and its ON clause, the WHERE clause, the ranking, best first)."""
    if _postgres():
        tsquery = func.websearch_to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("search_q", to_websearch(query))
        )
        return (
            (_index, _index.c.document_id == Document.id),
            _index.c.vector.op("@@")(tsquery),
            func.ts_rank_cd(_index.c.vector, tsquery).desc(),
        )
    # bm25: lower is better; the weights of title, tags and file name, description, text.
    return (
        (_fts, _fts.c.rowid == Document.id),
        literal_column("search_fts").op("MATCH")(bindparam("search_q", to_fts5(query))),
        literal_column("bm25(search_fts, 10.0, 5.0, 2.0, 1.0)").asc(),
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


def snippets(document_ids, query: Query) -> dict[int, Markup]:
    """The highlighted snippet of each document of the page (the caller passes only rows the
    reader may read): escaped first, then the hits marked. One SELECT."""
    if not document_ids:
        return {}
    rows = db.session.execute(
        text("SELECT document_id, content FROM search_index WHERE document_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": list(document_ids)},
    )
    wanted = query.positive_terms()
    return {row.document_id: highlight(snippet(row.content, wanted)) for row in rows}


def highlight(marked: str) -> Markup:
    """Escape everything, then turn the hit markers into <mark>: the text cannot add markup."""
    escaped = str(escape(marked))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704 # nosec B704 # escaped above


__all__ = ["SORTS", "Filters", "documents", "facet_counts", "parse", "snippets"]
