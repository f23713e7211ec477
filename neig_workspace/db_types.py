"""Column types and mixins shared by the models."""

import enum
from collections.abc import Collection
from functools import lru_cache

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import ColumnElement, Enum, any_, bindparam, select, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import UserDefinedType


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
        array = IdArray(_array_text(ids))
        return column == any_(bindparam(None, array, type_=IdArrayType(), unique=True))
    return column.in_(ids)


class IdArray:
    """An id set as PostgreSQL's array text ('{1,2,3}'), bound as an integer[] parameter
    (`IdArrayDumper`): psycopg dumps a list of hundreds of ids element by element in Python,
    and a page binds the same id sets over and over. A parameter of its own type, not a
    string cast in SQL: the planner must see the ids (a cast of text to an array is not folded
    at planning time, and the plans go wrong)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class IdArrayType(UserDefinedType):
    """The SQL type of an `IdArray` parameter: passed to psycopg as it is."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "INTEGER[]"

    def bind_processor(self, dialect):
        return None


class IdArrayDumper(Dumper):
    oid = 1007  # integer[] (psycopg.postgres.types["int4"].array_oid)
    format = Format.TEXT

    def dump(self, obj: IdArray) -> bytes:
        return obj.text.encode()


psycopg.adapters.register_dumper(IdArray, IdArrayDumper)


def _array_text(ids: Collection[int]) -> str:
    """'{1,2,3}'; `int()` keeps anything but integers out of the literal."""
    if isinstance(ids, tuple):
        return _tuple_array_text(ids)
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


@lru_cache(maxsize=128)
def _tuple_array_text(ids: tuple[int, ...]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"
