"""Alembic, driven from code: ``upgrade(url)`` brings a database to this version's schema.

Nothing here needs an ``alembic.ini``; the migrations ship inside the package
(``vcc/store/migrations``). Alembic itself is synchronous, so ``upgrade`` opens an
async connection and runs Alembic on it through ``run_sync``: that works inside a
running event loop (tests, the server) and under ``asyncio.run`` (``vcc db upgrade``).

To write a migration after changing the models, from the repository:
``.venv/bin/python -m vcc.store.migrations "what changed"`` (see its ``__main__``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from vcc.errors import DatabaseUnavailable
from vcc.store.database import _create_engine, database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration for vcc's migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Revision files are modules (mypy and ruff check them), so their names start
    # with a letter: r0002_add_foo.py.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    return config


def head_revision() -> str:
    """The newest migration this version of vcc ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "vcc ships at least one migration"
    return head


async def upgrade(url: str | URL, revision: str = "head") -> str:
    """Migrate the database at ``url`` to ``revision``; returns the revision it is at.

    Creates the SQLite file (and its directory) if needed. All of it runs in one
    transaction: a failed migration leaves the database as it was (on SQLite as on
    PostgreSQL, whose DDL is transactional too). Raises DatabaseUnavailable if the
    database cannot be reached.
    """
    parsed = database_url(url)
    engine = _create_engine(parsed, foreign_keys=False)
    try:
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        async with engine.begin() as connection:
            return await connection.run_sync(_upgrade, revision)
    except (OperationalError, OSError) as exc:
        raise _unavailable(parsed, exc) from exc
    except DBAPIError as exc:
        # asyncpg reports a refused login or a missing database as its own errors,
        # which SQLAlchemy wraps as a plain DBAPIError.
        if exc.connection_invalidated or _is_connect_error(exc):
            raise _unavailable(parsed, exc) from exc
        raise
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str) -> str:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    if connection.dialect.name == "sqlite":
        # Foreign keys were off while migrating (see database.py); check them now,
        # inside the transaction, so a migration that broke one is rolled back.
        broken = connection.execute(text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"a migration left broken foreign keys: {broken[:5]}")
    current = MigrationContext.configure(connection).get_current_revision()
    assert current is not None
    return current


def _unavailable(url: URL, exc: BaseException) -> DatabaseUnavailable:
    if url.get_backend_name() == "sqlite":
        hint = "check the path in VCC_DATABASE_URL (or data_dir) and that vcc may write there"
    else:
        hint = (
            "check VCC_DATABASE_URL (or database_url in the config file), that the "
            "server runs, that the database exists and that this user may log in"
        )
    shown = url.render_as_string(hide_password=True)
    return DatabaseUnavailable(f"cannot open the database {shown}: {_first_line(exc)}", hint=hint)


def _is_connect_error(exc: DBAPIError) -> bool:
    # SQLSTATE classes 08 (connection exception) and 28 (invalid authorization),
    # and 3D000 (the database does not exist).
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return sqlstate.startswith(("08", "28")) or sqlstate == "3D000"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
