"""Migrations: from nothing to head on both backends, the schema they build is the one
the models describe, and ``vcc db upgrade`` does it from the command line."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Enum, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.store.postgres import PostgresServer
from vcc.config import load_settings
from vcc.errors import ConfigError, DatabaseUnavailable
from vcc.store import create_engine, database_url, head_revision, session_factory, upgrade
from vcc.store.database import _create_engine
from vcc.store.migrate import alembic_config
from vcc.store.models import Base

TABLES = {
    "agent",
    "skill",
    "agent_skill",
    "queue",
    "queue_skill",
    "queue_member",
    "status_code",
    "status_policy",
    "tenant_settings",
    "agent_status_change",
    "interaction",
    "interaction_offer",
    "call_recording",
    "call_recording_pause",
    "agent_phone",
    "notification",
    "notification_receipt",
    "app_user",
    "user_session",
    "user_favourite",
    "wfm_activity",
    "wfm_roster",
    "wfm_day",
    "wfm_block",
    "wfm_request",
    "wfm_balance",
    "wfm_swap",
    "wfm_swap_decline",
    "user_recent",
    "custom_recording",
    "customer",
    "crm_case",
    "crm_task",
    "chat_session",
    "chat_message",
    "mail_message",
    "mail_attachment",
    "voicemail",
    "help_article",
    "agent_message",
}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _schema_diff(connection: Connection) -> list[Any]:
    diff: list[Any] = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    return diff


async def test_upgrade_builds_every_table_from_an_empty_database(empty_url: str) -> None:
    assert await upgrade(empty_url) == head_revision()
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
            assert await connection.run_sync(_revision) == head_revision()
    finally:
        await engine.dispose()


async def test_a_second_upgrade_changes_nothing(engine: AsyncEngine, url: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO skill (id, name) VALUES ('dutch', 'Dutch')"))
    assert await upgrade(url) == head_revision()
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT name FROM skill")) == "Dutch"


def _check_constraints(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {str(check["name"]) for check in inspector.get_check_constraints(table)}
        for table in TABLES
    }


async def test_the_migrated_schema_is_exactly_what_the_models_describe(
    engine: AsyncEngine,
) -> None:
    # Alembic's autogenerate comparison: tables, columns, types, nullability,
    # indexes, unique constraints and foreign keys. An empty diff means a model
    # change without its migration (or the reverse) cannot go unnoticed.
    async with engine.connect() as connection:
        assert await connection.run_sync(_schema_diff) == []
        # Autogenerate does not compare CHECK constraints; their names must match.
        found = await connection.run_sync(_check_constraints)
    preparer = engine.dialect.identifier_preparer
    described = {
        table.name: {
            preparer.format_constraint(c) or ""
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        }
        for table in Base.metadata.sorted_tables
    }
    assert found == described


def _enum_checks(connection: Connection) -> dict[str, set[str]]:
    # The quoted words of each CHECK: an enum's values, whatever the backend's spelling
    # (SQLite keeps the text as written, PostgreSQL writes '...'::character varying).
    inspector = inspect(connection)
    return {
        str(check["name"]): set(re.findall(r"'([^']*)'", str(check["sqltext"])))
        for table in TABLES
        for check in inspector.get_check_constraints(table)
    }


async def test_every_enum_check_allows_exactly_the_values_of_its_enum(
    engine: AsyncEngine,
) -> None:
    # The comparison above is by name only: a value added to an enum (or removed)
    # without the migration that changes its CHECK would pass it.
    async with engine.connect() as connection:
        found = await connection.run_sync(_enum_checks)
    enums = {
        f"ck_{table.name}_{column.type.name}": set(column.type.enums)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum)
    }
    assert "ck_interaction_interaction_outcome" in enums
    assert {name: found[name] for name in enums} == enums


async def test_the_database_refuses_values_outside_an_enum(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(
            text(
                "INSERT INTO agent VALUES ('anna', 'Anna', '1001', 'pass-word', CURRENT_TIMESTAMP)"
            )
        )
        with pytest.raises(IntegrityError, match="agent_status"):
            await connection.execute(
                text(
                    "INSERT INTO agent_status_change (agent_id, status, at) "
                    "VALUES ('anna', 'dancing', CURRENT_TIMESTAMP)"
                )
            )


async def test_downgrade_to_nothing_and_back(empty_url: str) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    await upgrade(empty_url)
    # As vcc.store.migrate does: SQLite's foreign keys off, or rebuilding a table
    # would cascade into the tables that refer to it (0002 refuses to).
    engine = _create_engine(database_url(empty_url), foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()
        assert await upgrade(empty_url) == head_revision()
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced_on_every_connection(engine: AsyncEngine) -> None:
    # Two connections open at once: the pool set each one up the same way.
    async with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text("INSERT INTO agent_skill VALUES ('nobody', 'nothing', 5)")
                )
            await connection.rollback()


async def test_every_sqlite_connection_is_in_wal_mode_and_waits_for_writers(
    tmp_path: Path,
) -> None:
    # SQLite only, by nature: PostgreSQL has no journal mode or busy timeout.
    engine = create_engine(f"sqlite:///{tmp_path / 'vcc.db'}")
    readers = session_factory(engine, read_only=True)
    try:
        async with readers() as first, readers() as second:
            for session in (first, second):
                assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
                assert await session.scalar(text("PRAGMA foreign_keys")) == 1
                assert await session.scalar(text("PRAGMA busy_timeout")) == 30000
    finally:
        await engine.dispose()


def test_urls_without_a_driver_get_the_asyncio_one() -> None:
    assert database_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert database_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert database_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "sqlite+pysqlite:///x", "nonsense"]
)
def test_other_databases_and_drivers_are_refused_with_what_to_use(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        database_url(url)
    assert "sqlite+aiosqlite" in caught.value.hint


def test_the_password_is_not_shown_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        database_url("mysql://vcc:s3cret@h/db")
    assert "s3cret" not in str(caught.value)


async def test_a_missing_postgresql_database_is_database_unavailable(
    postgres: PostgresServer,
) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        await upgrade(postgres.url("no_such_database"))
    assert "no_such_database" in caught.value.message
    assert "database exists" in caught.value.hint


async def test_a_postgresql_server_that_is_not_there_is_database_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DatabaseUnavailable, match=f"127.0.0.1:{port}") as caught:
        await upgrade(f"postgresql://vcc:s3cret@127.0.0.1:{port}/vcc")
    assert "s3cret" not in str(caught.value)
    assert "server runs" in caught.value.hint


def test_by_default_the_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(env={"VCC_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/vcc.db"
    config = tmp_path / "vcc.toml"
    config.write_text('database_url = "postgresql+asyncpg://vcc@db/vcc"\n')
    assert load_settings(config, env={}).effective_database_url == "postgresql+asyncpg://vcc@db/vcc"
    env = {"VCC_DATABASE_URL": "postgresql+asyncpg://other@db/vcc"}
    assert load_settings(config, env=env).effective_database_url == env["VCC_DATABASE_URL"]


def _vcc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vcc", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_vcc_db_upgrade_creates_a_sqlite_database_at_head(tmp_path: Path) -> None:
    path = tmp_path / "new-dir" / "vcc.db"
    env = {"VCC_DATABASE_URL": f"sqlite:///{path}", "VCC_CONFIG": "/dev/null"}
    result = _vcc("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    assert f"vcc: database sqlite+aiosqlite:///{path} is at revision {head_revision()}" in (
        result.stderr
    )
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_vcc_db_upgrade_says_what_to_check_when_the_database_cannot_be_opened(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {"VCC_DATABASE_URL": f"sqlite:///{blocker}/vcc.db", "VCC_CONFIG": "/dev/null"}
    result = _vcc("db", "upgrade", env=env)
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr
    assert "VCC_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
