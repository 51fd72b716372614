"""The fast path on the real PBX: a free agent is reserved before the caller arrives,
and the caller's own dialplan rings them at once (no round trip to the controller),
with music for the caller until the agent answers; audio checked both ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from tests.harness.audio import assert_heard
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_acd import request, waiting_unoffered
from tests.pbx.test_first_call import (
    AGENT_PICKS_UP_AFTER,
    agent_channels,
    hear_each_other_for_a_second,
)
from vcc.core.agents import Status
from vcc.core.routing import Agent
from vcc.engine import Engine
from vcc.pbx.asterisk import reservation_variable
from vcc.pbx.events import (
    CallerEnqueued,
    CallerTookReservation,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelState,
    ChannelStateChanged,
    HoldMusicStarted,
    HoldMusicStopped,
    OriginateFinished,
    Reservation,
    ReservedDialFailed,
)


@pytest_asyncio.fixture(loop_scope="session", autouse=True)
async def no_reservations_left(pbx: PbxHarness) -> AsyncIterator[None]:
    """Each test starts with no reservation on the PBX, and the controller leaves none."""
    for queue in (QUEUE.queue, SALES.queue):
        await pbx.monitor.driver.release(queue, "")
    yield
    for queue in (QUEUE.queue, SALES.queue):
        assert await held_by_pbx(pbx, queue) is None, "a controller left a reservation behind"


async def held_by_pbx(pbx: PbxHarness, queue: str = QUEUE.queue) -> str | None:
    """The reservation the PBX holds for ``queue`` (``<endpoint>|<offer>|<seconds>``)."""
    return await pbx.monitor.driver.get_global(reservation_variable(queue))


async def reserved_on_pbx(pbx: PbxHarness, engine: Engine, agent: str) -> str:
    """Wait until the PBX holds the engine's reservation of ``agent``; its offer id."""

    async def held() -> str | None:
        offer_id = engine.state.reservations.get(QUEUE.queue)
        if offer_id is None or engine.state.offers[offer_id].agent_id != agent:
            return None
        value = await held_by_pbx(pbx)
        return offer_id if value == f"PJSIP/{agent}|{offer_id}|{value_seconds(value)}" else None

    offer_id: str = await eventually(held, what=f"the PBX holds a reservation of {agent}")
    return offer_id


def value_seconds(value: str | None) -> str:
    return (value or "||").split("|")[2]


async def end_call(pbx: PbxHarness, engine: Engine, *extensions: str) -> None:
    """The caller hangs up; every phone's call closes; those agents are free again
    (or reserved for the next caller: a reservation is no call)."""
    await pbx.phones["2001"].hangup()
    for ext in ("2001", *extensions):
        await pbx.phones[ext].wait_for("CALL_CLOSED")

    def free(agent_id: str) -> bool:
        agent = engine.state.agents[agent_id]
        offer = engine.state.offers.get(agent.offer_id or "")
        return agent.status is not Status.BUSY and (offer is None or offer.reserved)

    await eventually(lambda: all(free(ext) for ext in extensions), what=f"agents {extensions} free")


def plain_enqueues(pbx: PbxHarness) -> list[CallerEnqueued]:
    """VccEnqueue: callers who went into the wait loop (not those who took a reservation)."""
    return [e for e in pbx.monitor.of(CallerEnqueued) if not isinstance(e, CallerTookReservation)]


async def test_reserved_agent_rings_at_once_while_the_caller_hears_music_then_they_talk(
    pbx: PbxHarness,
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    await agent.set_auto_answer(False)
    async with pbx.controller(["1001"], fast_path=True) as engine:
        offer_id = await reserved_on_pbx(pbx, engine, "1001")
        assert value_seconds(await held_by_pbx(pbx)) == "10"  # the queue's ring timeout

        await caller.dial(QUEUE.extension)
        took = await pbx.monitor.wait_for(CallerTookReservation, queue=QUEUE.queue)
        assert took.offer_id == offer_id
        await agent.wait_for("CALL_INCOMING")
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=took.uniqueid)
        # Only the agent rings: the caller is not connected to anyone yet.
        assert not pbx.monitor.of(ChannelEnteredBridge, uniqueid=took.uniqueid)
        (leg,) = agent_channels(pbx, "1001")
        # The caller's own Dial made the leg, and its DialBegin told vcc so.
        assert (took.leg_uniqueid, took.leg_channel) == (leg.uniqueid, leg.channel)
        assert took.endpoint == "PJSIP/1001"
        assert engine.leg_names.get(offer_id) == leg.channel  # so vcc can hang it up
        leg_vars = (await pbx.monitor.driver.snapshot()).channel(leg.uniqueid)
        assert leg_vars is not None  # it says whose it is, for a restarted controller
        assert leg_vars.variables == {"VCC_OFFER": offer_id, "VCC_INTERACTION": took.uniqueid}
        # The PBX took the reservation itself: no Originate, no VccEnqueue.
        assert not pbx.monitor.of(OriginateFinished)
        assert not plain_enqueues(pbx)
        assert await held_by_pbx(pbx) is None  # taken: nobody else gets this agent
        await eventually(
            lambda: engine.state.offers.get(offer_id) and engine.state.offers[offer_id].fast,
            what="the engine sees its reservation taken",
        )

        await asyncio.sleep(AGENT_PICKS_UP_AFTER)  # the agent reaches for the phone
        await agent.answer()
        bridged = await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=took.uniqueid)
        await caller.wait_for("CALL_RTPESTAB")
        await agent.wait_for("CALL_RTPESTAB")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.BUSY, what="agent on call"
        )
        ringing = pbx.monitor.of(
            ChannelStateChanged, uniqueid=leg.uniqueid, state=ChannelState.RINGING
        )
        answered = pbx.monitor.of(ChannelStateChanged, uniqueid=leg.uniqueid, state=ChannelState.UP)
        music_stopped = pbx.monitor.of(HoldMusicStopped, uniqueid=took.uniqueid)
        assert ringing
        assert answered
        assert music_stopped
        # On Asterisk's clock: caller came, agent leg made and rang at once, answered,
        # the caller's music stopped, both bridged.
        (arrived,) = pbx.monitor.of(ChannelCreated, uniqueid=took.uniqueid)
        assert arrived.at <= leg.at <= took.at  # vcc hears of the Dial once it made the leg
        assert leg.at <= ringing[0].at < answered[0].at
        assert answered[0].at <= music_stopped[-1].at <= bridged.at
        assert ringing[0].at - arrived.at < 0.5
        assert answered[0].at - ringing[0].at >= AGENT_PICKS_UP_AFTER * 0.9

        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
        # free again, nobody waiting: reserved again for the next caller
        await reserved_on_pbx(pbx, engine, "1001")

    assert_heard(caller.heard, MOH_HZ, start=0.3, end=AGENT_PICKS_UP_AFTER - 0.3)
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=0.0, end=0.6)
    assert_heard(agent.heard, 440.0, start=-0.8)


async def test_reserved_agent_not_answering_falls_back_and_the_next_agent_rings(
    pbx: PbxHarness,
) -> None:
    slow, fast, caller = pbx.phones["1001"], pbx.phones["1002"], pbx.phones["2001"]
    await slow.set_auto_answer(False)
    async with pbx.controller(["1001", "1002"], ring_timeout=2.0, fast_path=True) as engine:
        # 1001 has been idle longest: it is the one kept for the next caller.
        await reserved_on_pbx(pbx, engine, "1001")
        await caller.dial(QUEUE.extension)
        took = await pbx.monitor.wait_for(CallerTookReservation, queue=QUEUE.queue)
        await slow.wait_for("CALL_INCOMING")
        await slow.wait_for("CALL_CLOSED", timeout=10)  # ring timeout: Dial gives up
        failed = await pbx.monitor.wait_for(ReservedDialFailed, caller_uniqueid=took.uniqueid)
        assert failed.status == "NOANSWER"
        # The caller falls back into the wait loop, and vcc rings the next agent.
        (fell_back,) = await eventually(
            lambda: [e for e in plain_enqueues(pbx) if e.uniqueid == took.uniqueid],
            what="the caller back in the wait loop (VccEnqueue)",
        )
        assert fell_back.enqueued_at == took.enqueued_at  # the caller keeps their place
        await fast.wait_for("CALL_RTPESTAB", timeout=10)
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=took.uniqueid)
        (second,) = agent_channels(pbx, "1002")
        assert second.at >= failed.at
        assert pbx.monitor.of(OriginateFinished, channel_id=second.uniqueid, answered=True)
        assert not pbx.monitor.of(ChannelHungUp, uniqueid=took.uniqueid)
        assert engine.state.agents["1001"].missed_offers == 1
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")

    assert slow.count("CALL_ESTABLISHED") == 0
    assert_heard(caller.heard, MOH_HZ, start=0.3, end=1.5)
    assert_heard(caller.heard, 1200.0, start=-0.8)
    assert_heard(fast.heard, 440.0, start=-0.8)


async def test_reserved_agent_whose_phone_is_gone_is_skipped_for_the_next_one(
    pbx: PbxHarness,
) -> None:
    caller, agent = pbx.phones["2001"], pbx.phones["1001"]
    # 1003 exists in the PBX but no phone is registered for it; it has been idle longest.
    async with pbx.controller(["1003", "1001"], fast_path=True) as engine:
        await reserved_on_pbx(pbx, engine, "1003")
        await caller.dial(QUEUE.extension)
        # No agent leg was made, so no DialBegin: the failure says it was taken.
        failed = await pbx.monitor.wait_for(ReservedDialFailed)
        assert failed.status == "CHANUNAVAIL"
        took = failed.taken
        assert took is not None
        assert took.endpoint == "PJSIP/1003"
        await agent.wait_for("CALL_RTPESTAB")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=took.uniqueid)
        assert not agent_channels(pbx, "1003")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=-0.8)


async def test_agent_on_break_has_the_reservation_released_and_nothing_rings(
    pbx: PbxHarness,
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    async with pbx.controller(["1001"], fast_path=True) as engine:
        await reserved_on_pbx(pbx, engine, "1001")
        request(engine, "1001", Status.BREAK)

        async def released() -> bool:
            return not engine.state.reservations and await held_by_pbx(pbx) is None

        await eventually(released, what="the reservation withdrawn from the PBX")
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        assert not isinstance(enqueued, CallerTookReservation)
        await waiting_unoffered(engine, 1)
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=enqueued.uniqueid)
        await hear_each_other_for_a_second(pbx)  # the caller waits with music a while
        assert not agent_channels(pbx, "1001")
        assert agent.calls_in() == 0
        assert engine.state.agents["1001"].status is Status.BREAK

        # Back from the break: the waiting caller is rung for (the normal path).
        request(engine, "1001", Status.AVAILABLE)
        await agent.wait_for("CALL_RTPESTAB")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert_heard(caller.heard, MOH_HZ, start=0.3, end=1.0)
    assert_heard(caller.heard, 1000.0, start=-0.8)


async def test_a_reservation_taken_after_vcc_withdrew_it_rings_nobody_and_the_caller_waits(
    pbx: PbxHarness,
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    await agent.set_auto_answer(False)
    on_break = Agent("1001", "PJSIP/1001", {QUEUE.queue: 0}, status=Status.BREAK)
    async with pbx.controller([on_break], fast_path=True) as engine:
        await eventually(lambda: engine.steps, what="the engine running")
        # What the PBX may hold when a caller takes a reservation just as vcc clears it.
        await pbx.monitor.driver.reserve(Reservation(QUEUE.queue, "withdrawn-1", "PJSIP/1001", 10))
        await caller.dial(QUEUE.extension)
        took = await pbx.monitor.wait_for(CallerTookReservation, offer_id="withdrawn-1")
        # The agent is on break: vcc hangs the leg up at once, the caller falls back.
        (leg,) = await eventually(lambda: agent_channels(pbx, "1001"), what="the agent leg")
        await pbx.monitor.wait_for(ChannelHungUp, uniqueid=leg.uniqueid)
        await pbx.monitor.wait_for(ReservedDialFailed, caller_uniqueid=took.uniqueid)
        await eventually(
            lambda: [e for e in plain_enqueues(pbx) if e.uniqueid == took.uniqueid],
            what="the caller back in the wait loop",
        )
        await waiting_unoffered(engine, 1)
        assert engine.state.agents["1001"].missed_offers == 0  # not the agent's miss
        assert agent.count("CALL_ESTABLISHED") == 0
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=took.uniqueid)
        await hear_each_other_for_a_second(pbx)  # the caller waits with music a while

        # Back from the break, the agent rings for the caller the normal way.
        await agent.set_auto_answer(True)
        request(engine, "1001", Status.AVAILABLE)
        await agent.wait_for("CALL_RTPESTAB")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=took.uniqueid)
        assert not pbx.monitor.of(ChannelHungUp, uniqueid=took.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert_heard(caller.heard, MOH_HZ, start=0.3, end=0.8)
    assert_heard(caller.heard, 1000.0, start=-0.8)
    # (Not the agent's recording: baresip opened heard.wav for the leg vcc hung up as
    # well, and that writer's empty header ends up in the file.)
