"""Every storage test runs twice: on SQLite (a file in tmp_path) and on a real
PostgreSQL 15 that this session starts itself (see postgres.py).

Each test starts from an empty database at head. Migrating takes a few hundred
milliseconds, so it happens once per backend and session: SQLite tests get a copy
of a migrated file; PostgreSQL tests share one migrated database, emptied after
each test (DELETE takes milliseconds, CREATE DATABASE a checkpoint).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.store.postgres import PostgresServer
from vcc.store import create_engine, session_factory, upgrade
from vcc.store.models import Base

BACKENDS = ["sqlite", "postgresql"]
PG_DATABASE = "vcc_test"
_database_numbers = itertools.count(1)


def migrate(url: str) -> None:
    """Migrate to head from a sync fixture: on a loop of its own, in a worker thread,
    so as not to touch the event loop pytest-asyncio runs the tests on."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, upgrade(url)).result()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (started on first use), with a
    database migrated to head that the tests share (see ``url``)."""
    server = PostgresServer.start()
    try:
        server.sql(f"CREATE DATABASE {PG_DATABASE}")
        migrate(server.url(PG_DATABASE))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "vcc.db"
    migrate(f"sqlite+aiosqlite:///{path}")
    # Disposing the engine closed the last connection, which folds the WAL back into
    # the file: the one file is the whole database.
    assert not path.with_name("vcc.db-wal").exists()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a database with nothing in it, for this test only."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"empty_{next(_database_numbers)}"
    server.sql(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.sql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty database at head, for this test only."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "vcc.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    try:
        yield server.url(PG_DATABASE)
    finally:
        # The test's engine is disposed by now; a lock timeout turns a connection
        # left open by mistake into a clear failure instead of a hang.
        # DELETE, children first: on a few rows it beats TRUNCATE, which makes new files.
        deletes = " ".join(
            f"DELETE FROM {table.name};"  # noqa: S608 - names from vcc's own models
            for table in reversed(Base.metadata.sorted_tables)
        )
        server.sql(f"SET lock_timeout = '5s'; {deletes}", database=PG_DATABASE)


@pytest_asyncio.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)
