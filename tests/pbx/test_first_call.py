"""The first call, agent first, on the real PBX with real SIP phones and audio checks."""

from __future__ import annotations

import asyncio

from tests.harness.audio import assert_heard
from tests.harness.pbx import MOH_HZ, PbxHarness
from tests.harness.until import eventually
from vcc.core.agents import Status
from vcc.engine import Engine
from vcc.pbx.events import (
    CallerEnqueued,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelState,
    ChannelStateChanged,
    HoldMusicStarted,
    HoldMusicStopped,
    OriginateFailure,
    OriginateFinished,
)

AGENT_PICKS_UP_AFTER = 2.0  # seconds the agent lets the phone ring: part of the scenario


def agent_channels(pbx: PbxHarness, extension: str) -> list[ChannelCreated]:
    return [
        e for e in pbx.monitor.of(ChannelCreated) if e.channel.startswith(f"PJSIP/{extension}-")
    ]


async def end_call(pbx: PbxHarness, engine: Engine, *extensions: str) -> None:
    """The caller hangs up; every phone's call closes; those agents are free again."""
    await pbx.phones["2001"].hangup()
    for ext in ("2001", *extensions):
        await pbx.phones[ext].wait_for("CALL_CLOSED")
    await eventually(
        lambda: all(
            engine.state.agents[ext].status is not Status.BUSY
            and engine.state.agents[ext].offer_id is None
            for ext in extensions
        ),
        what=f"agents {extensions} free after the call",
    )


async def test_agent_phone_rings_first_then_caller_is_connected_with_audio_both_ways(
    pbx: PbxHarness,
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    await agent.set_auto_answer(False)
    async with pbx.controller(["1001"]) as engine:
        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await agent.wait_for("CALL_INCOMING")
        # The agent's phone rings while the caller is still in the wait loop with music.
        assert pbx.monitor.of(HoldMusicStarted, uniqueid=enqueued.uniqueid)
        assert not pbx.monitor.of(HoldMusicStopped, uniqueid=enqueued.uniqueid)
        assert not pbx.monitor.of(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await asyncio.sleep(AGENT_PICKS_UP_AFTER)  # the agent reaches for the phone
        await agent.answer()
        bridged = await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await caller.wait_for("CALL_RTPESTAB")
        await agent.wait_for("CALL_RTPESTAB")

        (agent_leg,) = agent_channels(pbx, "1001")
        ringing = pbx.monitor.of(
            ChannelStateChanged, uniqueid=agent_leg.uniqueid, state=ChannelState.RINGING
        )
        answered = pbx.monitor.of(
            ChannelStateChanged, uniqueid=agent_leg.uniqueid, state=ChannelState.UP
        )
        music_stopped = pbx.monitor.of(HoldMusicStopped, uniqueid=enqueued.uniqueid)
        assert ringing
        assert answered
        assert music_stopped
        # Order on Asterisk's own clock: agent rang, agent answered, caller left the music.
        assert agent_leg.at <= ringing[0].at < answered[0].at <= music_stopped[-1].at <= bridged.at
        assert answered[0].at - ringing[0].at >= AGENT_PICKS_UP_AFTER * 0.9

        await caller.wait_for("CALL_RTPESTAB")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.BUSY,
            what="agent on call",
        )
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")

    # What each phone heard: the caller music, then the agent; the agent only the caller.
    assert_heard(caller.heard, MOH_HZ, start=0.3, end=AGENT_PICKS_UP_AFTER - 0.3)
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=0.0, end=0.6)
    assert_heard(agent.heard, 440.0, start=-0.8)


async def hear_each_other_for_a_second(pbx: PbxHarness) -> None:
    """Audio flows for a while before anyone hangs up: the scenario, not a sync point."""
    await asyncio.sleep(1.0)


async def test_next_agent_rings_when_the_first_does_not_answer_and_caller_never_notices(
    pbx: PbxHarness,
) -> None:
    slow, fast, caller = pbx.phones["1001"], pbx.phones["1002"], pbx.phones["2001"]
    await slow.set_auto_answer(False)
    async with pbx.controller(["1001", "1002"], ring_timeout=2.0) as engine:
        # 1001 has been idle longest, so it is offered first.
        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await slow.wait_for("CALL_INCOMING")
        await slow.wait_for("CALL_CLOSED", timeout=10)  # ring timeout: Asterisk gives up
        await fast.wait_for("CALL_RTPESTAB", timeout=10)
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        (first,) = agent_channels(pbx, "1001")
        assert pbx.monitor.of(OriginateFinished, channel_id=first.uniqueid)[0].reason in (
            OriginateFailure.NO_ANSWER,
            OriginateFailure.HUNG_UP,
        )
        # The caller stayed in the wait loop throughout: one music session, ended by the bridge.
        assert len(pbx.monitor.of(HoldMusicStarted, uniqueid=enqueued.uniqueid)) == 1
        assert not pbx.monitor.of(ChannelHungUp, uniqueid=enqueued.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")

    assert slow.count("CALL_ESTABLISHED") == 0
    assert_heard(caller.heard, MOH_HZ, start=0.3, end=1.5)
    assert_heard(caller.heard, 1200.0, start=-0.8)
    assert_heard(fast.heard, 440.0, start=-0.8)


async def test_unregistered_agent_is_skipped_for_the_next_one(pbx: PbxHarness) -> None:
    caller, agent = pbx.phones["2001"], pbx.phones["1001"]
    # 1003 exists in the PBX but no phone is registered for it; it has been idle longest.
    async with pbx.controller(["1003", "1001"]) as engine:
        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await agent.wait_for("CALL_RTPESTAB")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        (failed,) = pbx.monitor.of(OriginateFinished, answered=False)
        assert failed.reason is OriginateFailure.UNREACHABLE
        (second,) = agent_channels(pbx, "1001")
        assert failed.at <= second.at
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=-0.8)


async def test_busy_agent_phone_is_skipped_for_the_next_one(pbx: PbxHarness) -> None:
    busy, free, caller = pbx.phones["1001"], pbx.phones["1002"], pbx.phones["2001"]
    await busy.set_auto_answer(False)
    async with pbx.controller(["1001", "1002"]) as engine:
        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await busy.wait_for("CALL_INCOMING")
        await busy.hangup()  # the agent rejects the call: the phone answers "486 Busy Here"
        await free.wait_for("CALL_RTPESTAB")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        (first,) = agent_channels(pbx, "1001")
        (failure,) = pbx.monitor.of(OriginateFinished, channel_id=first.uniqueid)
        assert not failure.answered
        # Asterisk reports originate Reason 0 here; the hangup cause says what happened.
        (rejected,) = pbx.monitor.of(ChannelHungUp, uniqueid=first.uniqueid)
        assert rejected.cause == 17  # "User busy"
        assert len(pbx.monitor.of(HoldMusicStarted, uniqueid=enqueued.uniqueid)) == 1
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")
    assert busy.count("CALL_ESTABLISHED") == 0
    assert_heard(caller.heard, 1200.0, start=-0.8)
    assert_heard(free.heard, 440.0, start=-0.8)


async def test_caller_hanging_up_while_agent_rings_stops_the_ringing(pbx: PbxHarness) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    await agent.set_auto_answer(False)
    async with pbx.controller(["1001"]) as engine:
        await caller.dial("7000")
        await agent.wait_for("CALL_INCOMING")
        await caller.hangup()
        await agent.wait_for("CALL_CLOSED")
        await eventually(
            lambda: engine.state.agents["1001"].offer_id is None and not engine.state.waiting,
            what="agent idle, nobody waiting",
        )
    assert agent.count("CALL_ESTABLISHED") == 0
