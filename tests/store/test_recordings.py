"""Call recordings on record: the journal links each file to its interaction and agent,
with its pauses; what makes no sense is refused and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.store.test_journal import setup_db
from tests.store.test_outcome_lost import downgrade, everything, revision_of, seed
from vcc.core.routing import InteractionStarted
from vcc.errors import Conflict, InvalidInput, NotFound
from vcc.recording import RecordingPaused, RecordingResumed, RecordingStarted, RecordingStopped
from vcc.store import create_engine, recordings, repository, session_factory, upgrade
from vcc.store.journal import StoreJournal
from vcc.store.models import CallRecording, CallRecordingPause

PATH = "2026/11/24/c1-1.wav"
T0 = 1_790_000_000.0


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(T0 + offset, UTC)


async def test_the_journal_links_a_recording_and_its_pauses_to_the_interaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    journal = StoreJournal(sessions)
    for record in (
        InteractionStarted("c1", "support", 0, T0),
        RecordingStarted("c1", PATH, T0 + 1, "1001"),
        RecordingPaused("c1", PATH, T0 + 5),
        RecordingResumed("c1", PATH, T0 + 9),
        RecordingPaused("c1", PATH, T0 + 12),
        RecordingStopped("c1", PATH, T0 + 14),  # ends the open pause too
        RecordingStarted("c1", "2026/11/24/c1-2.wav", T0 + 20, "1002"),  # transferred on
    ):
        journal.submit(record, T0)
    writer = asyncio.create_task(journal.run())
    await journal.drain()
    writer.cancel()
    assert journal.refused == 0

    async with sessions() as session:
        first, second = await recordings.recordings_of(session, "c1")
    assert (first.path, first.agent_id, first.started_at, first.stopped_at) == (
        PATH, "1001", at(1), at(14),
    )  # fmt: skip
    assert [(p.paused_at, p.resumed_at) for p in first.pauses] == [(at(5), at(9)), (at(12), at(14))]
    assert (second.path, second.agent_id, second.stopped_at) == (
        "2026/11/24/c1-2.wav",
        "1002",
        None,
    )


async def test_what_makes_no_sense_is_refused_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    async with sessions() as session:
        await repository.start_interaction(
            session, kind="call", enqueued_at=at(0), queue_id="support", id="c1"
        )
        await session.commit()
        with pytest.raises(NotFound, match="interaction"):
            await recordings.start_recording(session, "nope", "1001", "2026/11/24/x-1.wav", at(0))
        for bad in ("../secrets/ami-secret.wav", "/etc/passwd.wav", "a b.wav", "c1-1.mp3"):
            with pytest.raises(InvalidInput):
                await recordings.start_recording(session, "c1", "1001", bad, at(0))
        await recordings.start_recording(session, "c1", "1001", PATH, at(1))
        await session.commit()
        with pytest.raises(Conflict):  # one file, one recording
            await recordings.start_recording(session, "c1", "1001", PATH, at(2))
        with pytest.raises(Conflict, match="not paused"):
            await recordings.resume_recording(session, PATH, at(3))
        with pytest.raises(NotFound, match="no recording"):
            await recordings.pause_recording(session, "2026/11/24/other-1.wav", at(3))
        with pytest.raises(InvalidInput, match="before it started"):
            await recordings.stop_recording(session, PATH, at(0))
        await recordings.stop_recording(session, PATH, at(4))
        await session.commit()
        with pytest.raises(Conflict, match="stopped"):
            await recordings.pause_recording(session, PATH, at(5))
        assert await session.scalar(select(func.count()).select_from(CallRecording)) == 1
        assert await session.scalar(select(func.count()).select_from(CallRecordingPause)) == 0


async def test_upgrading_from_0004_keeps_every_row_and_downgrading_refuses_while_used(
    empty_url: str,
) -> None:
    assert await upgrade(empty_url, "0004") == "0004"
    await seed(empty_url)
    before = await everything(empty_url)
    assert await upgrade(empty_url, "0005") == "0005"
    after = await everything(empty_url)
    assert [row.pop("recording").value for row in after["queue"]] == ["never"] * len(
        before["queue"]
    )
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["call_recording"] == after["call_recording_pause"] == []

    engine = create_engine(empty_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            (interaction_id,) = [r["id"] for r in before["interaction"]][:1]
            await recordings.start_recording(session, interaction_id, None, PATH, at(0))
            await session.commit()
    finally:
        await engine.dispose()
    with pytest.raises(RuntimeError, match=r"1 call recording\(s\) are on record"):
        await downgrade(empty_url, "0004")
    assert await revision_of(empty_url) == "0005"
