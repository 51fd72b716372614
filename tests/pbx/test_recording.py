"""Call recording per queue policy on the real PBX: the file vcc names holds both
voices (caller 440 Hz, agent 1000 Hz), silence where it was paused, and nothing is
recorded where the queue never records."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tests.harness.audio import assert_heard, assert_heard_all, duration, read_wav
from tests.harness.calls import RecordsKept, agent, caller_hangs_up
from tests.harness.pbx import QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from vcc.calls import CallControl
from vcc.core.agents import Status
from vcc.core.queues import QueueConfig, RecordingPolicy
from vcc.engine import Engine
from vcc.errors import Conflict, RecordingNotAllowed
from vcc.recording import (
    RecordingPaused,
    RecordingResumed,
    RecordingStarted,
    RecordingStopped,
    file_stem,
)

CALLER_HZ, AGENT_HZ = 440.0, 1000.0
TALK = 1.5  # seconds the two talk while recorded: part of the scenario


@asynccontextmanager
async def connected(
    pbx: PbxHarness, policy: RecordingPolicy, *, fast_path: bool = True
) -> AsyncIterator[tuple[Engine, CallControl, str]]:
    """2001 called support, whose recording policy is ``policy``; 1001 took the call.
    Yields the engine, call control and the interaction's id."""
    queues = [
        QueueConfig(QUEUE.queue, ring_timeout=3.0, recording=policy),
        QueueConfig(SALES.queue, ring_timeout=3.0),
    ]
    agents = [agent("1001", QUEUE.queue)]
    journal = RecordsKept()
    async with pbx.controller(
        agents, queues=queues, fast_path=fast_path, journal=journal
    ) as engine:
        await pbx.phones["2001"].dial(QUEUE.extension)
        await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        offer = engine.state.offers[engine.state.agents["1001"].offer_id or ""]
        yield engine, CallControl(engine, None), offer.call_id


def records(engine: Engine) -> list[object]:
    """The recording records the engine handed its journal (the store links them)."""
    assert isinstance(engine.journal, RecordsKept)
    kinds = (RecordingStarted, RecordingPaused, RecordingResumed, RecordingStopped)
    return [r for r in engine.journal.records if isinstance(r, kinds)]


def started(engine: Engine) -> RecordingStarted | None:
    return next((r for r in records(engine) if isinstance(r, RecordingStarted)), None)


def files_of(pbx: PbxHarness, call_id: str) -> list[Path]:
    root = pbx.recordings.host_root
    assert root is not None
    return sorted(root.rglob(f"{file_stem(call_id)}-*.wav"))


async def finished_file(pbx: PbxHarness, record: RecordingStarted, at_least: float) -> Path:
    """The recording's file once Asterisk has closed it (its WAV header then says how
    long it is)."""
    path = pbx.recordings.host_path(record.path)
    assert path is not None
    await eventually(
        lambda: path.exists() and duration(path) >= at_least,
        what=f"{record.path} written and closed",
    )
    return path


def rms(path: Path, start: float, end: float) -> float:
    samples, rate = read_wav(path)
    segment = samples[int(start * rate) : int(end * rate)]
    assert len(segment) >= rate // 10, f"{path} has no audio between {start} and {end} s"
    return float(np.sqrt(np.mean(segment**2)))


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "originate"])
async def test_always_records_both_voices_into_the_file_vcc_names(
    pbx: PbxHarness, fast_path: bool
) -> None:
    async with connected(pbx, RecordingPolicy.ALWAYS, fast_path=fast_path) as (
        engine, _, call_id,
    ):  # fmt: skip
        record = await eventually(lambda: started(engine), what="recording started")
        await asyncio.sleep(TALK)  # the two talk
        await caller_hangs_up(pbx, "1001")
        await eventually(
            lambda: any(isinstance(r, RecordingStopped) for r in records(engine)),
            what="recording stopped with the call",
        )
    day = datetime.fromtimestamp(record.at, UTC)
    assert record.call_id == call_id
    assert record.agent_id == "1001"
    assert record.path == f"{day:%Y/%m/%d}/{file_stem(call_id)}-1.wav"
    wav = await finished_file(pbx, record, TALK - 0.5)
    assert wav.stat().st_size > 44  # more than a WAV header
    assert files_of(pbx, call_id) == [wav]  # one recording, where the record says
    assert_heard_all(wav, [CALLER_HZ, AGENT_HZ], start=0.2, end=-0.2)


async def test_on_demand_records_only_from_the_agents_request(pbx: PbxHarness) -> None:
    async with connected(pbx, RecordingPolicy.ON_DEMAND) as (engine, calls, call_id):
        await asyncio.sleep(0.5)  # they talk, not recorded
        assert files_of(pbx, call_id) == []
        assert started(engine) is None
        record = await calls.start_recording("1001")
        with pytest.raises(Conflict, match="already being recorded"):
            await calls.start_recording("1001")
        await asyncio.sleep(TALK)  # and talk on, recorded
        await caller_hangs_up(pbx, "1001")
    # Starting took the two a moment of silence (their legs were bridged again); they
    # talked on after it.
    assert_heard(pbx.phones["2001"].heard, AGENT_HZ, start=-0.8)
    assert_heard(pbx.phones["1001"].heard, CALLER_HZ, start=-0.8)
    assert records(engine)[0] == record
    wav = await finished_file(pbx, record, TALK - 0.5)
    assert files_of(pbx, call_id) == [wav]
    assert_heard_all(wav, [CALLER_HZ, AGENT_HZ], start=0.2, end=-0.2)


PAUSED_FOR = 1.5  # seconds the caller reads out card details: part of the scenario


async def test_a_paused_stretch_is_silence_between_both_voices(pbx: PbxHarness) -> None:
    async with connected(pbx, RecordingPolicy.ALWAYS) as (engine, calls, _):
        record = await eventually(lambda: started(engine), what="recording started")
        await asyncio.sleep(1.0)  # they talk, recorded
        await calls.pause_recording("1001")
        await calls.pause_recording("1001")  # twice is no change
        await asyncio.sleep(PAUSED_FOR)  # not recorded
        await calls.resume_recording("1001")
        await asyncio.sleep(1.0)  # recorded again
        await caller_hangs_up(pbx, "1001")
    paused = next(r for r in records(engine) if isinstance(r, RecordingPaused))
    resumed = next(r for r in records(engine) if isinstance(r, RecordingResumed))
    assert (paused.path, resumed.path) == (record.path, record.path)
    assert sum(isinstance(r, RecordingPaused) for r in records(engine)) == 1
    wav = await finished_file(pbx, record, 2.0 + PAUSED_FOR - 0.5)
    # The file's clock starts when the recording did; 0.3 s margins for the moments
    # the requests take to reach Asterisk.
    pause_at, resume_at = paused.at - record.at, resumed.at - record.at
    assert rms(wav, pause_at + 0.3, resume_at - 0.3) < 10.0  # digital silence
    assert rms(wav, 0.2, pause_at - 0.3) > 300.0
    assert_heard_all(wav, [CALLER_HZ, AGENT_HZ], start=0.2, end=pause_at - 0.3)
    assert_heard_all(wav, [CALLER_HZ, AGENT_HZ], start=resume_at + 0.3, end=-0.3)


async def test_a_hold_is_left_out_and_the_same_recording_goes_on_after(pbx: PbxHarness) -> None:
    async with connected(pbx, RecordingPolicy.ALWAYS) as (engine, calls, call_id):
        record = await eventually(lambda: started(engine), what="recording started")
        await asyncio.sleep(1.0)  # they talk, recorded
        await calls.hold("1001")
        await asyncio.sleep(1.0)  # the caller hears music, the agent silence: not recorded
        await calls.resume("1001")
        await asyncio.sleep(1.0)  # they talk again, recorded
        await caller_hangs_up(pbx, "1001")
    assert [type(r) for r in records(engine)] == [RecordingStarted, RecordingStopped]
    wav = await finished_file(pbx, record, 1.5)
    assert files_of(pbx, call_id) == [wav]
    assert duration(wav) < 2.6  # two seconds of talk, the second on hold left out
    assert_heard_all(wav, [CALLER_HZ, AGENT_HZ], start=-0.8, end=-0.2)


async def test_never_refuses_to_record_and_writes_nothing(pbx: PbxHarness) -> None:
    async with connected(pbx, RecordingPolicy.NEVER) as (engine, calls, call_id):
        with pytest.raises(RecordingNotAllowed, match="never recorded") as refused:
            await calls.start_recording("1001")
        assert refused.value.code == "recording-not-allowed"
        assert isinstance(refused.value, Conflict)
        with pytest.raises(Conflict, match="not being recorded"):
            await calls.pause_recording("1001")
        await asyncio.sleep(0.5)  # they talk on
        await caller_hangs_up(pbx, "1001")
    assert records(engine) == []
    assert files_of(pbx, call_id) == []


async def test_recording_without_a_connected_call_is_refused(pbx: PbxHarness) -> None:
    async with pbx.controller(["1001"]) as engine:
        with pytest.raises(Conflict, match="no connected caller"):
            await CallControl(engine, None).start_recording("1001")


async def test_a_caller_transferred_on_is_recorded_again_into_a_file_of_its_own(
    pbx: PbxHarness,
) -> None:
    """Agent 1001's recording stops as they hand the caller to 1002, whose leg gets
    the interaction's second file: each file holds the caller and its own agent."""
    queues = [
        QueueConfig(QUEUE.queue, ring_timeout=3.0, recording=RecordingPolicy.ALWAYS),
        QueueConfig(SALES.queue, ring_timeout=3.0),
    ]
    journal = RecordsKept()
    agents = [agent("1001", QUEUE.queue), agent("1002", SALES.queue, Status.WORKING_OFFLINE)]
    async with pbx.controller(agents, queues=queues, fast_path=True, journal=journal) as engine:
        await pbx.phones["2001"].dial(QUEUE.extension)
        first = await eventually(lambda: started(engine), what="1001's recording")
        await asyncio.sleep(TALK)  # the caller and 1001 talk
        await CallControl(engine, None).transfer("1001", to_agent="1002")
        second = await eventually(
            lambda: [r for r in records(engine) if isinstance(r, RecordingStarted)][1:],
            what="1002's recording",
        )
        await asyncio.sleep(TALK)  # the caller and 1002 talk
        await caller_hangs_up(pbx, "1002")
        await eventually(
            lambda: sum(isinstance(r, RecordingStopped) for r in records(engine)) == 2,
            what="both recordings stopped",
        )
    (then,) = second
    assert (first.agent_id, then.agent_id) == ("1001", "1002")
    assert first.path.endswith("-1.wav")
    assert then.path.endswith("-2.wav")
    assert_heard_all(
        await finished_file(pbx, first, TALK - 0.5), [CALLER_HZ, AGENT_HZ], start=0.2, end=-0.2
    )
    assert_heard_all(
        await finished_file(pbx, then, TALK - 0.5), [CALLER_HZ, 1200.0], start=0.2, end=-0.2
    )
