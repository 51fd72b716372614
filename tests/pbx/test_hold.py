"""Hold and resume on the real PBX: the caller hears music while on hold, the two
talk again after; either side hanging up during the hold ends the call cleanly."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness.audio import assert_heard
from tests.harness.calls import agent, connected, unoccupied
from tests.harness.pbx import MOH_HZ, QUEUE, PbxHarness
from tests.harness.until import eventually
from vcc.calls import CallControl
from vcc.core.agents import Status
from vcc.errors import Conflict
from vcc.pbx.events import HoldMusicStarted, HoldMusicStopped

ON_HOLD_FOR = 1.5  # seconds of music: part of the scenario, checked by ear after


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "originate"])
async def test_caller_hears_music_on_hold_and_talks_again_after_resume(
    pbx: PbxHarness, fast_path: bool
) -> None:
    caller, desk = pbx.phones["2001"], pbx.phones["1001"]
    async with connected(pbx, agent("1001", QUEUE.queue), fast_path=fast_path) as (engine, calls):
        call_id = engine.state.offers[engine.state.agents["1001"].offer_id or ""].call_id
        await calls.hold("1001")
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=call_id)
        assert engine.state.agents["1001"].status is Status.BUSY
        await asyncio.sleep(ON_HOLD_FOR)  # the caller listens to the music a while
        await calls.resume("1001")
        await pbx.monitor.wait_for(HoldMusicStopped, uniqueid=call_id)
        await asyncio.sleep(1.0)  # and talks again
        await caller.hangup()
        await desk.wait_for("CALL_CLOSED")
        await eventually(lambda: unoccupied(engine, "1001"), what="free")
    # On hold: music; after: the agent again. The agent's phone stayed up throughout.
    assert_heard(caller.heard, MOH_HZ, start=-(1.0 + ON_HOLD_FOR) + 0.3, end=-1.3)
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(desk.heard, 440.0, start=-0.8)
    assert desk.count("CALL_CLOSED") == 1


async def test_caller_hanging_up_on_hold_frees_the_agent(pbx: PbxHarness) -> None:
    async with connected(pbx, agent("1001", QUEUE.queue)) as (engine, calls):
        await calls.hold("1001")
        await pbx.monitor.wait_for(HoldMusicStarted)
        await pbx.phones["2001"].hangup()
        await pbx.phones["1001"].wait_for("CALL_CLOSED")
        await eventually(
            lambda: (
                unoccupied(engine, "1001") and engine.state.agents["1001"].status is not Status.BUSY
            ),
            what="agent 1001 free",
        )


async def test_agent_hanging_up_on_hold_ends_the_callers_call(pbx: PbxHarness) -> None:
    async with connected(pbx, agent("1001", QUEUE.queue)) as (engine, calls):
        await calls.hold("1001")
        await pbx.monitor.wait_for(HoldMusicStarted)
        await pbx.phones["1001"].hangup()
        await pbx.phones["2001"].wait_for("CALL_CLOSED")

        async def nothing_left() -> bool:
            return not (await pbx.monitor.driver.snapshot()).channels

        await eventually(nothing_left, what="no channel left")
        await eventually(lambda: unoccupied(engine, "1001"), what="free")


async def test_hold_without_a_call_is_refused(pbx: PbxHarness) -> None:
    async with pbx.controller(["1001"]) as engine:
        with pytest.raises(Conflict, match="no connected caller"):
            await CallControl(engine, None).hold("1001")
