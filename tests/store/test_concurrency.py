"""Writers at the same time: on SQLite (WAL, one writer at a time) they queue rather
than fail with "database is locked"; readers block nobody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vcc.core.agents import SYSTEM, Status
from vcc.store import repository as repo
from vcc.store import session_factory
from vcc.store.models import Agent, AgentStatusChange

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WRITES_PER_TASK = 100


@pytest.fixture
async def agents(sessions: Sessions) -> Sessions:
    async with sessions() as session, session.begin():
        for login, ext in (("anna", "1001"), ("bram", "1002")):
            await repo.add_agent(
                session, id=login, name=login, extension=ext, sip_password="s3cret-pass"
            )
    return sessions


async def test_two_writers_at_once_all_succeed(agents: Sessions) -> None:
    async def write_status_changes(agent_id: str) -> None:
        for n in range(WRITES_PER_TASK):
            # Its own transaction each time, reading (the agent) before writing: the
            # pattern SQLite refuses at once unless transactions start IMMEDIATE.
            async with agents() as session, session.begin():
                await repo.record_status_change(
                    session, agent_id, Status.AVAILABLE, None, T0 + timedelta(seconds=n), SYSTEM
                )

    async with asyncio.timeout(60), asyncio.TaskGroup() as writers:
        writers.create_task(write_status_changes("anna"))
        writers.create_task(write_status_changes("bram"))

    async with agents() as session:
        rows = await session.execute(
            select(AgentStatusChange.agent_id, func.count()).group_by(AgentStatusChange.agent_id)
        )
        per_agent = {agent_id: number for agent_id, number in rows}
    assert per_agent == {"anna": WRITES_PER_TASK, "bram": WRITES_PER_TASK}


async def test_an_open_read_only_session_does_not_hold_writers_up(
    engine: AsyncEngine, agents: Sessions
) -> None:
    readers = session_factory(engine, read_only=True)
    async with readers() as reader:
        assert await reader.scalar(select(func.count()).select_from(Agent)) == 2
        # The reader's transaction is still open while another session writes.
        async with asyncio.timeout(10), agents() as writer, writer.begin():
            await repo.record_status_change(writer, "anna", Status.BREAK, None, T0, "anna")
        assert await reader.scalar(select(func.count()).select_from(Agent)) == 2


async def test_read_only_sessions_refuse_to_write(engine: AsyncEngine) -> None:
    readers = session_factory(engine, read_only=True)
    async with readers() as reader:
        with pytest.raises(DBAPIError, match=r"read-only transaction|readonly database"):
            await reader.execute(text("INSERT INTO skill (id, name) VALUES ('dutch', 'Dutch')"))
    # The same pooled connection writes again in a writing session.
    async with session_factory(engine)() as writer, writer.begin():
        await writer.execute(text("INSERT INTO skill (id, name) VALUES ('dutch', 'Dutch')"))
