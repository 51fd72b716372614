"""Alembic's environment for vcc: runs on the connection ``vcc.store.migrate`` hands over.

vcc's migrations are run through ``vcc db upgrade`` (or ``vcc.store.migrate.upgrade``),
which opens the async connection and passes its sync facade in
``config.attributes["connection"]``; there is no alembic.ini and no offline mode.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from vcc.store.models import Base
from vcc.store.types import UtcDateTime


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write vcc's own column types as plain SQLAlchemy ones in new migrations,
    so that a migration never changes when vcc's Python code does."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError("run vcc's migrations with 'vcc db upgrade'")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters a table by rebuilding it; batch mode writes migrations that do so.
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
