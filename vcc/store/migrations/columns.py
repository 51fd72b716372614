"""Column types the migrations share. Written out here, never taken from the models:
a migration must build the schema of its own revision, whatever the models say now."""

from __future__ import annotations

import sqlalchemy as sa


def big_id() -> sa.types.TypeEngine[int]:
    """A 64-bit key; INTEGER on SQLite, which only numbers a primary key by itself then."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def enum(name: str, *values: str) -> sa.Enum:
    """An enum as a VARCHAR with a named CHECK (see vcc.store.models._enum)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)
