"""Write a new migration: ``python -m vcc.store.migrations "what changed"``.

Alembic autogenerates it from the difference between the models and a scratch
SQLite database migrated to head, as ``versions/r<next number>_<slug>.py``. Read it
and fix it (autogenerate misses CHECK constraints, renames and data moves), and
let tests/store prove it on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy.engine import Connection

from vcc.store.database import _create_engine, database_url
from vcc.store.migrate import alembic_config, head_revision, upgrade


async def _generate(url: str, message: str, rev_id: str) -> None:
    engine = _create_engine(database_url(url), foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_revision, message, rev_id)
    finally:
        await engine.dispose()


def _revision(connection: Connection, message: str, rev_id: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():  # format the new file as the rest of vcc (the venv's ruff)
        for key, value in (
            ("hooks", "ruff"),
            ("ruff.type", "exec"),
            ("ruff.executable", str(ruff)),
            ("ruff.options", "format REVISION_SCRIPT_FILENAME"),
        ):
            config.set_section_option("post_write_hooks", key, value)
    command.revision(config, message=message, autogenerate=True, rev_id=rev_id)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print('usage: python -m vcc.store.migrations "what changed"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        asyncio.run(upgrade(url))
        asyncio.run(_generate(url, argv[0], f"{int(head_revision()) + 1:04d}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
