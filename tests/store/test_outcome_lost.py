"""Revision 0002, the ``lost`` outcome: interactions can end lost on both backends,
the database still refuses outcomes it does not know, upgrading a database with rows
keeps them, and downgrading puts the old CHECK back (or refuses while a row is lost)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from tests.store.test_migrations import TABLES
from vcc.store import create_engine, head_revision, repository, upgrade
from vcc.store.database import _create_engine, database_url
from vcc.store.migrate import alembic_config
from vcc.store.models import Base, Interaction, InteractionOffer, InteractionOutcome, OfferResult

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CHECK = "ck_interaction_interaction_outcome"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@asynccontextmanager
async def migration_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine as vcc.store.migrate opens one: SQLite's foreign keys off, so that
    rebuilding a table does not cascade into the tables that refer to it."""
    engine = _create_engine(database_url(url), foreign_keys=False)
    try:
        yield engine
    finally:
        await engine.dispose()


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _outcome_check(connection: Connection) -> str:
    checks = inspect(connection).get_check_constraints("interaction")
    [sqltext] = [str(check["sqltext"]) for check in checks if check["name"] == CHECK]
    return sqltext


async def downgrade(url: str, revision: str) -> None:
    async with migration_engine(url) as engine, engine.begin() as connection:
        await connection.run_sync(_downgrade, revision)


async def revision_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision)
    finally:
        await engine.dispose()


# Rows written with the tables as the models describe them, which at 0001 differ only
# in the outcomes the CHECK allows: every table interaction refers to, and that refers
# to it, has some, and the interactions have every outcome 0001 knows and none.
ROWS: dict[str, list[dict[str, Any]]] = {
    "agent": [
        {"id": "anna", "name": "Anna", "extension": "1001", "sip_password": "pw-anna"},
        {"id": "bram", "name": "Bram", "extension": "1002", "sip_password": "pw-bram"},
    ],
    "queue": [{"id": "support", "name": "Support", "extension": "7000"}],
    "interaction": [
        {
            "id": f"call-{number}",
            "kind": "call",
            "queue_id": "support",
            "pbx_call_id": f"pbx-{number}",
            "caller": f"+3120555{number:04d}",
            "priority": number % 3,
            "enqueued_at": at(number),
            "offered_at": at(number + 1),
            "answered_at": at(number + 5) if outcome == "answered" else None,
            "ended_at": at(number + 60) if outcome else None,
            "agent_id": "anna" if outcome == "answered" else None,
            "outcome": outcome,
            "disposition": "sale" if outcome == "answered" else None,
        }
        for number, outcome in enumerate(
            (
                "answered",
                "abandoned",
                "overflowed",
                "transferred",
                "exited",
                "rejected",
                "timed_out",
                None,  # still waiting
            )
        )
    ],
    "interaction_offer": [
        {
            "id": f"vcc-{number}-1",
            "interaction_id": f"call-{number}",
            "agent_id": "bram",
            "offered_at": at(number + 1),
            "result": "no_answer",
            "ended_at": at(number + 2),
        }
        for number in range(8)
    ]
    + [
        {
            "id": "vcc-0-2",
            "interaction_id": "call-0",
            "agent_id": "anna",
            "offered_at": at(2),
            "result": "answered",
            "ended_at": at(5),
        },
        {  # still ringing
            "id": "vcc-7-2",
            "interaction_id": "call-7",
            "agent_id": "anna",
            "offered_at": at(9),
            "result": None,
            "ended_at": None,
        },
    ],
}


def _stored_tables(connection: Connection) -> dict[str, Table]:
    """The models' tables as the database has them at its revision: only the tables and
    columns it has (later revisions add some), with the models' types and defaults."""
    inspector = inspect(connection)
    tables: dict[str, Table] = {}
    metadata = MetaData()
    for model in Base.metadata.sorted_tables:
        if not inspector.has_table(model.name):
            continue
        have = {column["name"] for column in inspector.get_columns(model.name)}
        tables[model.name] = Table(
            model.name,
            metadata,
            *(
                Column(
                    c.name,
                    c.type,
                    primary_key=c.primary_key,
                    default=getattr(c.default, "arg", None),
                )
                for c in model.columns
                if c.name in have
            ),
        )
    return tables


async def seed(url: str, *extra_interactions: dict[str, Any]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = await connection.run_sync(_stored_tables)
            for name, rows in ROWS.items():
                await connection.execute(tables[name].insert(), rows)
            for row in extra_interactions:
                await connection.execute(tables["interaction"].insert(), row)
    finally:
        await engine.dispose()


async def everything(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the database has, in primary key order."""
    found: dict[str, list[dict[str, Any]]] = {}
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            for table in (await connection.run_sync(_stored_tables)).values():
                query = select(table).order_by(*table.primary_key.columns)
                found[table.name] = [dict(row._mapping) for row in await connection.execute(query)]
    finally:
        await engine.dispose()
    return found


# What revision 0004 added, which a database downgraded below it no longer has.
# Columns and tables revisions 0004 and later added (0005: call recording).
ADDED_IN_0004 = {"queue": {"default_handle_time_s", "exit_queue_id", "exit_message", "recording",
                           "overflow_voicemail", "exit_voicemail"}}  # fmt: skip
TABLES_BEFORE_0004 = {
    "agent", "skill", "agent_skill", "queue", "queue_skill", "queue_member", "status_code",
    "status_policy", "agent_status_change", "interaction", "interaction_offer",
}  # fmt: skip
TABLES_ADDED_IN_0004 = TABLES - TABLES_BEFORE_0004


def before_0004(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``rows`` (from :func:`everything`) as a database below revision 0004 holds them."""
    return {
        table: [
            {k: v for k, v in row.items() if k not in ADDED_IN_0004.get(table, set())}
            for row in table_rows
        ]
        for table, table_rows in rows.items()
        if table not in TABLES_ADDED_IN_0004
    }


async def insert_outcome(connection: AsyncConnection, id: str, outcome: str) -> None:
    """Insert an ended interaction in plain SQL, past the ORM's own enum validation."""
    await connection.execute(
        text(
            "INSERT INTO interaction (id, kind, priority, enqueued_at, ended_at, outcome) "
            "VALUES (:id, 'call', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :outcome)"
        ),
        {"id": id, "outcome": outcome},
    )


# -- at head ----------------------------------------------------------------------------
async def test_an_interaction_the_pbx_lost_ends_lost(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await repository.add_agent(
            session, id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"
        )
        call = await repository.start_interaction(session, kind="call", enqueued_at=at(0))
        offer = await repository.record_offer(session, call.id, "anna", at(3), id="vcc-1-1")
    async with sessions() as session, session.begin():
        await repository.finish_interaction(session, call.id, at(9), "lost")
    async with sessions() as session:
        stored = await session.get(Interaction, call.id)
        ringing = await session.get(InteractionOffer, offer.id)
    assert stored is not None
    assert (stored.outcome, stored.ended_at) == (InteractionOutcome.LOST, at(9))
    assert ringing is not None
    assert ringing.result is OfferResult.CANCELLED


async def test_the_database_accepts_lost_and_still_refuses_unknown_outcomes(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await insert_outcome(connection, "call-1", "lost")
        assert await connection.scalar(text("SELECT outcome FROM interaction")) == "lost"
        await connection.commit()
        with pytest.raises(IntegrityError, match=CHECK):
            await insert_outcome(connection, "call-2", "vanished")
        await connection.rollback()
        with pytest.raises(IntegrityError, match=CHECK):
            await connection.execute(text("UPDATE interaction SET outcome = 'LOST'"))
        await connection.rollback()
        # The other CHECK on the table, which SQLite's rebuild had to carry over.
        with pytest.raises(IntegrityError, match="ck_interaction_interaction_kind"):
            await connection.execute(text("UPDATE interaction SET kind = 'fax'"))


# -- upgrading and downgrading ------------------------------------------------------------
async def test_upgrading_from_0001_keeps_every_row(empty_url: str) -> None:
    assert await upgrade(empty_url, "0001") == "0001"
    await seed(empty_url)
    before = await everything(empty_url)
    assert len(before["interaction"]) == 8
    assert len(before["interaction_offer"]) == 10

    assert await upgrade(empty_url, "0002") == "0002"
    assert await everything(empty_url) == before
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            assert "'lost'" in await connection.run_sync(_outcome_check)
            # The foreign keys to and from the rebuilt table still hold (this engine
            # enforces them on SQLite too): an offer goes with its interaction, an
            # agent who answered one cannot go, nor can an offer point nowhere.
            await connection.execute(text("DELETE FROM interaction WHERE id = 'call-1'"))
            offers = text("SELECT count(*) FROM interaction_offer WHERE interaction_id = 'call-1'")
            assert await connection.scalar(offers) == 0
            with pytest.raises(IntegrityError):
                await connection.execute(text("DELETE FROM agent WHERE id = 'anna'"))
            await connection.rollback()
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text("UPDATE interaction_offer SET interaction_id = 'nowhere'")
                )
    finally:
        await engine.dispose()


async def test_downgrading_to_0001_puts_the_narrower_check_back(empty_url: str) -> None:
    await upgrade(empty_url)
    await seed(empty_url)
    before = await everything(empty_url)

    await downgrade(empty_url, "0001")
    assert await revision_of(empty_url) == "0001"
    assert await everything(empty_url) == before_0004(before)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            assert "'lost'" not in await connection.run_sync(_outcome_check)
            with pytest.raises(IntegrityError, match=CHECK):
                await insert_outcome(connection, "call-lost", "lost")
    finally:
        await engine.dispose()

    assert await upgrade(empty_url) == head_revision()
    assert await everything(empty_url) == before


async def test_downgrading_refuses_while_an_interaction_ended_lost(empty_url: str) -> None:
    await upgrade(empty_url)
    lost = {"id": "call-lost", "kind": "call", "enqueued_at": at(0), "ended_at": at(5)}
    await seed(empty_url, {**lost, "outcome": "lost"})
    before = await everything(empty_url)

    with pytest.raises(RuntimeError, match=r"1 interaction\(s\) ended as 'lost'") as caught:
        await downgrade(empty_url, "0001")
    assert "UPDATE interaction SET outcome" in str(caught.value)  # what to do about it
    assert await revision_of(empty_url) == head_revision()  # one transaction: all undone
    assert await everything(empty_url) == before


async def test_sqlite_refuses_to_rebuild_interaction_with_foreign_keys_on(
    tmp_path: Path,
) -> None:
    # SQLite only, by nature. Dropping the old table with foreign keys on would
    # delete every offer through interaction_offer's ON DELETE CASCADE.
    url = f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
    await upgrade(url, "0003")  # the last revision that rebuilds interaction
    await seed(url)
    before = await everything(url)
    engine = create_engine(url)  # foreign keys on, as for the application
    try:
        with pytest.raises(RuntimeError, match="rebuilding the interaction table"):
            async with engine.begin() as connection:
                await connection.run_sync(_downgrade, "0001")
    finally:
        await engine.dispose()
    assert await everything(url) == before
    assert await revision_of(url) == "0003"
