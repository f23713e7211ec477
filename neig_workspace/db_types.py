"""Column types and mixins shared by the models."""

import enum

from sqlalchemy import Enum, text
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
