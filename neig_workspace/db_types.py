"""Column types and mixins shared by the models."""

import enum
from collections.abc import Collection
from functools import lru_cache

from sqlalchemy import ColumnElement, Enum, Integer, Text, any_, bindparam, cast, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store a string enum by its value in a plain VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Versioned:
    """A row people edit (optimistic locking, neig_workspace/editing.py): every ORM UPDATE of it
    checks the version it read (`WHERE version = …`) and sets the next one, so a write over a
    change it did not see fails (StaleDataError) instead of silently undoing it."""

    #: One higher on every change of the row; edit forms carry the one they were loaded with.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def lock_latest(session, obj) -> None:
    """Wait for any other transaction that changes `obj`'s row, then read the row afresh
    (SELECT … FOR UPDATE; SQLite lets one writer in at a time anyway and ignores it). For a
    write that adds to a row rather than edits it (a new version, a progress note): it applies
    on top of whatever was committed meanwhile, instead of failing on the version it read."""
    model = type(obj)
    session.execute(
        select(model)
        .where(model.id == obj.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()  # the row must be fetched for the object to be refreshed


def in_ids(column, ids: Collection[int], dialect: str) -> ColumnElement[bool]:
    """`column IN ids`, on PostgreSQL as one array parameter (`column = ANY(:ids)`). IN binds
    each id apart: for a member of 300 spaces every filtered query grows by 300 parameters that
    SQLAlchemy renders and psycopg parses anew on every request, too long for either to cache."""
    if dialect == "postgresql":
        array = bindparam(None, _array_text(ids), type_=Text, unique=True)
        return column == any_(cast(array, ARRAY(Integer)))
    return column.in_(ids)


def _array_text(ids: Collection[int]) -> str:
    """The ids as PostgreSQL's array text ('{1,2,3}'), bound as one string and cast in SQL:
    psycopg dumps a list of hundreds of ids element by element in Python, and a page binds the
    same id sets over and over. `int()` keeps anything but integers out of the literal."""
    if isinstance(ids, tuple):
        return _tuple_array_text(ids)
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


@lru_cache(maxsize=128)
def _tuple_array_text(ids: tuple[int, ...]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"
