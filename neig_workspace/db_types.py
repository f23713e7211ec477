"""Column types shared by the models."""

import enum

from sqlalchemy import Enum


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store a string enum by its value in a plain VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
