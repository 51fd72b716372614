"""Revision 0003, the outcomes of an agent's own calls: stored on both backends, a
database at 0002 upgrades with its rows kept, and downgrading refuses while one is used."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.store.test_outcome_lost import (
    CHECK,
    downgrade,
    everything,
    insert_outcome,
    revision_of,
    seed,
)
from vcc.store import create_engine, upgrade

NEW = ("busy", "no_answer", "unreachable", "cancelled")


async def test_the_database_accepts_the_outcomes_of_agents_own_calls(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        for n, outcome in enumerate(NEW):
            await insert_outcome(connection, f"out-{n}", outcome)
        stored = await connection.scalars(text("SELECT outcome FROM interaction ORDER BY id"))
        assert tuple(stored) == NEW
        await connection.commit()
        with pytest.raises(IntegrityError, match=CHECK):
            await insert_outcome(connection, "out-9", "no-answer")  # the router's word, not ours


async def test_upgrading_from_0002_keeps_every_row_and_downgrading_refuses_while_used(
    empty_url: str,
) -> None:
    assert await upgrade(empty_url, "0002") == "0002"
    await seed(empty_url)
    before = await everything(empty_url)
    assert await upgrade(empty_url, "0003") == "0003"
    assert await everything(empty_url) == before

    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            await insert_outcome(connection, "out-busy", "busy")
            await connection.commit()
    finally:
        await engine.dispose()
    with pytest.raises(RuntimeError, match=r"1 interaction\(s\) have an outcome"):
        await downgrade(empty_url, "0002")
    assert await revision_of(empty_url) == "0003"
