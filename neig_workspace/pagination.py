"""Paginated lists. A short list pages by number (the page and a count); a long list that grows
at one end (the audit log) pages by key, so a page costs the same on the first page and the
thousandth, and nothing is counted that the page does not show."""

from dataclasses import dataclass

from flask import current_app

from .extensions import db
from .integers import query_int


def paginate(query, total: int | None = None):
    """One page of `query` (?pagina=); with `total` known already (counted along with other
    figures), no SELECT count(*) of its own."""
    page, size = asked_page()
    found = db.paginate(
        query,
        page=page,
        per_page=size,
        error_out=False,
        max_per_page=100,
        count=total is None,
    )
    if total is not None:
        found.total = total
    return found


def asked_page() -> tuple[int, int]:
    """The page asked for (?pagina=, from 1) and the page size."""
    return max(query_int("pagina", 1), 1), current_app.config["PAGE_SIZE"]


@dataclass(frozen=True)
class ListPage:
    """One page of a list whose keys are all known in order (search hits): what the pager and
    the lists read of Flask-SQLAlchemy's pages."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def known_page(ids: list, total: int, asked: tuple[int, int], load) -> ListPage:
    """The page `asked` (asked_page) of a list of `total` rows whose keys on that page, `ids`,
    were found along with the total (search hits): the rows loaded by `load(ids)` in order."""
    page, size = asked
    return ListPage(load(ids) if ids else [], page, size, total)


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list newest first: its rows, and the keys the links to the next newer
    (`?voor=`) and next older (`?na=`) pages start from (None where there is none)."""

    items: list
    newer: int | None
    older: int | None


def keyset_page(query, key) -> KeysetPage:
    """The page of `query`, newest first by `key` (unique and indexed), that `?na=<key>` (older
    than) or `?voor=<key>` (newer than) asks for; the newest page without either."""
    size = current_app.config["PAGE_SIZE"]
    older_than, newer_than = query_int("na"), query_int("voor")
    if newer_than is not None:
        rows = _rows(query.where(key > newer_than).order_by(key.asc()), size)
        items = list(reversed(rows[:size]))
        return _page(items, key, has_newer=len(rows) > size, has_older=True)
    if older_than is not None:
        query = query.where(key < older_than)
    rows = _rows(query.order_by(key.desc()), size)
    return _page(rows[:size], key, has_newer=older_than is not None, has_older=len(rows) > size)


def _rows(query, size: int) -> list:
    return list(db.session.scalars(query.limit(size + 1)))


def _page(items: list, key, *, has_newer: bool, has_older: bool) -> KeysetPage:
    def key_of(row):
        return getattr(row, key.key)

    return KeysetPage(
        items=items,
        newer=key_of(items[0]) if has_newer and items else None,
        older=key_of(items[-1]) if has_older and items else None,
    )
