"""Engines and sessions for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from vcc.errors import ConfigError

# The asyncio driver for each supported backend; a URL without one gets it.
_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}

# Execution option that marks a read-only engine view (session_factory(read_only=True)).
_READ_ONLY = "vcc_read_only"

# How long a SQLite writer waits for another one to commit before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0


def database_url(url: str | URL) -> URL:
    """Parse ``url`` and give it the asyncio driver vcc uses for its backend.

    ``sqlite:///…`` and ``postgresql://…`` are accepted as shorthands; any other
    backend or driver is a ConfigError.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "the database URL is not valid",
            hint="use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB",
        ) from None
    backend = parsed.get_backend_name()
    driver = _DRIVERS.get(backend)
    if driver is None or parsed.drivername not in (backend, f"{backend}+{driver}"):
        raise ConfigError(
            f"unsupported database {parsed.render_as_string(hide_password=True)}: "
            "vcc works with SQLite and PostgreSQL",
            hint="use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB",
        )
    return parsed.set(drivername=f"{backend}+{driver}")


def create_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` (SQLite through aiosqlite, PostgreSQL through asyncpg).

    Every SQLite connection runs in WAL mode with foreign keys enforced and waits
    for other writers rather than failing with "database is locked". ``options``
    go to SQLAlchemy's ``create_async_engine``.
    """
    return _create_engine(database_url(url), foreign_keys=True, **options)


def _create_engine(url: URL, *, foreign_keys: bool, **options: Any) -> AsyncEngine:
    if url.get_backend_name() != "sqlite":
        return _create_async_engine(url, pool_pre_ping=True, **options)
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **options.pop("connect_args", {})}
    engine = _create_async_engine(url, connect_args=connect_args, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 module's own transaction handling starts transactions late and
        # as readers; SQLAlchemy starts them instead (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL: readers don't block the writer and the writer doesn't block readers.
            cursor.execute("PRAGMA journal_mode=WAL")
            # Off only while migrating: SQLite rebuilds a table to alter it, and with
            # foreign keys on, dropping the old copy would cascade into other tables.
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Take the write lock when the transaction starts. A transaction that read
        # first and writes later cannot wait for a concurrent writer in WAL mode (its
        # snapshot would be stale): SQLite fails it at once with "database is locked",
        # whatever the busy timeout. Starting IMMEDIATE makes writers queue instead.
        # Read-only sessions start DEFERRED: in WAL mode they block nobody. query_only
        # makes them refuse writes, as PostgreSQL's READ ONLY transactions do; it
        # stays set on the connection, so every transaction sets it either way.
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine


def session_factory(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``. Objects stay readable after commit (no reload on access,
    which under asyncio would be a hidden query).

    Sessions that only read (reports, the API's GETs) should be ``read_only``: on
    SQLite a writing session holds the database's one write lock from its first
    statement to its end, a read-only one holds nothing. Both backends refuse
    writes in a read-only session.
    """
    if read_only:
        engine = engine.execution_options(**{_READ_ONLY: True, "postgresql_readonly": True})
    return async_sessionmaker(engine, expire_on_commit=False)
