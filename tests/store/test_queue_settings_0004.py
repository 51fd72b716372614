"""Revision 0004, what the tenant file says that the database did not keep: a database
at 0003 upgrades with every row kept (existing queues get the 180 s handle time the
router assumes), the rebuilt queue table keeps its keys, and downgrading drops the new
settings only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.store.test_outcome_lost import (
    _downgrade,
    before_0004,
    downgrade,
    everything,
    revision_of,
    seed,
)
from vcc.store import create_engine, upgrade


async def test_upgrading_from_0003_keeps_every_row_and_gives_queues_the_default(
    empty_url: str,
) -> None:
    assert await upgrade(empty_url, "0003") == "0003"
    await seed(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:  # what a queue at 0003 may have
            await connection.execute(text("INSERT INTO queue_member VALUES ('anna', 'support', 0)"))
            await connection.execute(text("INSERT INTO skill VALUES ('dutch', 'Dutch')"))
            await connection.execute(text("INSERT INTO queue_skill VALUES ('support', 'dutch', 3)"))
            await connection.execute(
                text(
                    "INSERT INTO queue (id, name, extension, moh_class, ring_timeout_s, "
                    "overflow_queue_id, join_when_empty, leave_when_empty, strategy, wrap_up_s, "
                    "exit_key, announce_only_when_improved, created_at) VALUES ('sales', "
                    "'Sales', '7001', 'default', 15, 'support', true, false, 'longest_idle', 0, "
                    "'0', false, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        await engine.dispose()
    before = await everything(empty_url)

    assert await upgrade(empty_url, "0004") == "0004"

    after = await everything(empty_url)
    assert before_0004(after) == before
    assert after["tenant_settings"] == []
    assert [
        (q["id"], q["default_handle_time_s"], q["exit_queue_id"], q["exit_message"])
        for q in after["queue"]
    ] == [("sales", 180, None, None), ("support", 180, None, None)]
    engine = create_engine(empty_url)  # foreign keys on, as for the application
    try:
        async with engine.connect() as connection:
            # The keys to and from the rebuilt table still hold, the new one too.
            with pytest.raises(IntegrityError):
                await connection.execute(text("UPDATE queue_member SET queue_id = 'nowhere'"))
            await connection.rollback()
            with pytest.raises(IntegrityError):
                await connection.execute(text("DELETE FROM queue WHERE id = 'support'"))
            await connection.rollback()  # it has interactions: reports need it
            await connection.execute(
                text("UPDATE queue SET exit_queue_id = 'sales' WHERE id = 'support'")
            )
            await connection.execute(text("UPDATE queue SET overflow_queue_id = NULL"))
            await connection.execute(text("DELETE FROM queue WHERE id = 'sales'"))
            assert await connection.scalar(text("SELECT exit_queue_id FROM queue")) is None
    finally:
        await engine.dispose()


async def test_downgrading_to_0003_drops_the_new_settings_and_keeps_the_rest(
    empty_url: str,
) -> None:
    await upgrade(empty_url, "0004")
    await seed(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO tenant_settings VALUES (1, 2)"))
            await connection.execute(text("UPDATE queue SET default_handle_time_s = 240"))
    finally:
        await engine.dispose()
    before = await everything(empty_url)

    await downgrade(empty_url, "0003")

    assert await revision_of(empty_url) == "0003"
    assert await everything(empty_url) == before_0004(before)
    assert await upgrade(empty_url, "0004") == "0004"  # and back, with the defaults again
    again = await everything(empty_url)
    assert [q["default_handle_time_s"] for q in again["queue"]] == [180]
    assert again["tenant_settings"] == []


async def test_sqlite_refuses_to_rebuild_queue_with_foreign_keys_on(tmp_path: Path) -> None:
    # SQLite only, by nature: dropping the old queue table with foreign keys on would
    # delete its members and skills through their ON DELETE CASCADE.
    url = f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
    await upgrade(url, "0004")
    await seed(url)
    before = await everything(url)
    engine = create_engine(url)  # foreign keys on, as for the application
    try:
        with pytest.raises(RuntimeError, match="rebuilding the queue table"):
            async with engine.begin() as connection:
                await connection.run_sync(_downgrade, "0003")
    finally:
        await engine.dispose()
    assert await everything(url) == before
    assert await revision_of(url) == "0004"
