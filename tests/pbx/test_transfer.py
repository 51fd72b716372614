"""Blind transfer on the real PBX: an agent hands their connected caller to a queue,
to another agent (one in Working offline too) or to a number; the agent goes to
wrap-up; every leg said to connect is checked by ear."""

from __future__ import annotations

import pytest

from tests.harness.audio import assert_heard
from tests.harness.calls import agent, caller_hangs_up, connected
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import hear_each_other_for_a_second
from vcc.core.agents import Status
from vcc.errors import Conflict
from vcc.pbx.events import CallerEnqueued, ChannelEnteredBridge, HoldMusicStarted


@pytest.mark.parametrize("keep_wait", [True, False], ids=["keep-wait", "wait-anew"])
async def test_to_a_queue_the_caller_reaches_its_agent_and_the_first_agent_wraps_up(
    pbx: PbxHarness, keep_wait: bool
) -> None:
    async with connected(pbx, agent("1001", QUEUE.queue), agent("1002", SALES.queue)) as (
        engine, calls,
    ):  # fmt: skip
        (first,) = pbx.monitor.of(CallerEnqueued, queue=QUEUE.queue)
        await hear_each_other_for_a_second(pbx)
        await calls.transfer("1001", to_queue=SALES.queue, keep_wait=keep_wait)

        again = await pbx.monitor.wait_for(CallerEnqueued, queue=SALES.queue)
        assert again.uniqueid == first.uniqueid
        assert (again.enqueued_at == first.enqueued_at) is keep_wait
        await pbx.phones["1002"].wait_for("CALL_RTPESTAB")
        await pbx.phones["1001"].wait_for("CALL_CLOSED")
        await eventually(lambda: engine.state.agents["1002"].status is Status.BUSY, what="1002")
        assert engine.state.agents["1001"].status is Status.WRAP_UP
        await hear_each_other_for_a_second(pbx)
        await caller_hangs_up(pbx, "1002")
    assert_heard(pbx.phones["2001"].heard, 1200.0, start=-0.8)  # agent 1002
    assert_heard(pbx.phones["1002"].heard, 440.0, start=-0.8)  # the caller


async def test_to_an_agent_working_offline_who_then_returns_to_working_offline(
    pbx: PbxHarness,
) -> None:
    offline = agent("1002", SALES.queue, Status.WORKING_OFFLINE)
    async with connected(pbx, agent("1001", QUEUE.queue), offline) as (engine, calls):
        (first,) = pbx.monitor.of(CallerEnqueued, queue=QUEUE.queue)
        await calls.transfer("1001", to_agent="1002")

        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=first.uniqueid)
        await pbx.phones["1002"].wait_for("CALL_RTPESTAB")
        await eventually(
            lambda: len(pbx.monitor.of(ChannelEnteredBridge, uniqueid=first.uniqueid)) >= 2,
            what="the caller bridged with 1002",
        )
        await eventually(lambda: engine.state.agents["1002"].status is Status.BUSY, what="1002")
        assert engine.state.agents["1001"].status is Status.WRAP_UP
        await hear_each_other_for_a_second(pbx)
        await caller_hangs_up(pbx, "1002")
        # support's wrap-up, then back to Working offline (not Available)
        await eventually(
            lambda: engine.state.agents["1002"].status is Status.WRAP_UP, what="1002 wraps up"
        )
        after = engine.state.agents["1002"].requested
        assert after is not None
        assert after.status is Status.WORKING_OFFLINE
    assert_heard(pbx.phones["2001"].heard, 1200.0, start=-0.8)
    assert_heard(pbx.phones["1002"].heard, 440.0, start=-0.8)


async def test_to_a_number_through_the_trunk(pbx: PbxHarness) -> None:
    async with connected(pbx, agent("1001", QUEUE.queue)) as (engine, calls):
        await calls.transfer("1001", to_number="2002")

        await pbx.phones["2002"].wait_for("CALL_RTPESTAB")
        await pbx.phones["1001"].wait_for("CALL_CLOSED")
        assert engine.state.agents["1001"].status is Status.WRAP_UP
        await hear_each_other_for_a_second(pbx)
        await caller_hangs_up(pbx, "2002")
    assert_heard(pbx.phones["2001"].heard, 600.0, start=-0.8)  # the customer's phone
    assert_heard(pbx.phones["2002"].heard, 440.0, start=-0.8)


async def test_a_target_agent_not_answering_sends_the_caller_back_to_their_queue(
    pbx: PbxHarness,
) -> None:
    await pbx.phones["1002"].set_auto_answer(False)
    async with connected(pbx, agent("1001", QUEUE.queue), agent("1002", SALES.queue)) as (
        engine, calls,
    ):  # fmt: skip
        (first,) = pbx.monitor.of(CallerEnqueued, queue=QUEUE.queue)
        await calls.transfer("1001", to_agent="1002")
        await pbx.phones["1002"].wait_for("CALL_INCOMING")
        await pbx.phones["1002"].wait_for("CALL_CLOSED", timeout=10)  # support's 3 s

        enqueued = await eventually(
            lambda: pbx.monitor.of(CallerEnqueued, queue=QUEUE.queue)[1:],
            what="the caller back in support",
        )
        back = enqueued[0]
        assert back.enqueued_at == first.enqueued_at  # their place in time is kept
        await eventually(lambda: engine.state.waiting, what="the caller waiting again")
        assert engine.state.waiting[0].call_id == first.uniqueid
        await caller_hangs_up(pbx)
    assert_heard(pbx.phones["2001"].heard, MOH_HZ, start=-0.8)  # music meanwhile


@pytest.mark.parametrize("status", [Status.BREAK, Status.WRAP_UP])
async def test_to_an_agent_who_may_not_take_it_is_refused_and_the_call_goes_on(
    pbx: PbxHarness, status: Status
) -> None:
    target = agent("1002", SALES.queue, status)
    async with connected(pbx, agent("1001", QUEUE.queue), target) as (engine, calls):
        with pytest.raises(Conflict, match="other agent"):
            await calls.transfer("1001", to_agent="1002")
        assert engine.state.agents["1001"].status is Status.BUSY
        assert pbx.phones["1002"].calls_in() == 0
        await hear_each_other_for_a_second(pbx)
        await caller_hangs_up(pbx, "1001")
    assert_heard(pbx.phones["2001"].heard, 1000.0, start=-0.8)  # still agent 1001
