"""Agent-to-agent calls on the real PBX, agent first: the calling agent's phone rings,
then the other agent's, who may be Available or Working offline (Busy, Wrap-up and
Break agents are not called)."""

from __future__ import annotations

import pytest

from tests.harness.audio import assert_heard
from tests.harness.calls import POLICY, RecordsKept, agent, outcome, unoccupied
from tests.harness.pbx import QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import agent_channels, hear_each_other_for_a_second
from vcc.calls import CallControl
from vcc.core.agents import Status
from vcc.engine import Engine
from vcc.errors import Conflict
from vcc.pbx.events import ChannelState, ChannelStateChanged


def free(engine: Engine, ext: str, status: Status) -> bool:
    return engine.state.agents[ext].status is status and unoccupied(engine, ext)


async def test_an_agent_calls_one_working_offline_and_both_return_to_their_status(
    pbx: PbxHarness,
) -> None:
    caller, callee = pbx.phones["1001"], pbx.phones["1002"]
    await caller.set_auto_answer(False)
    records = RecordsKept()
    agents = [agent("1001", QUEUE.queue), agent("1002", SALES.queue, Status.WORKING_OFFLINE)]
    async with pbx.controller(agents, journal=records) as engine:
        call_id = await CallControl(engine, POLICY).call_agent("1001", "1002")
        await caller.wait_for("CALL_INCOMING")
        assert not agent_channels(pbx, "1002")  # the caller's own phone first
        await caller.answer()
        await callee.wait_for("CALL_RTPESTAB")
        await caller.wait_for("CALL_RTPESTAB")
        await eventually(
            lambda: all(engine.state.agents[a].status is Status.BUSY for a in ("1001", "1002")),
            what="both busy",
        )
        (up,) = pbx.monitor.of(ChannelStateChanged, uniqueid=call_id, state=ChannelState.UP)
        (callee_leg,) = agent_channels(pbx, "1002")
        assert up.at <= callee_leg.at

        await hear_each_other_for_a_second(pbx)
        await callee.hangup()
        await caller.wait_for("CALL_CLOSED")
        await eventually(lambda: free(engine, "1001", Status.AVAILABLE), what="1001 back")
        await eventually(lambda: free(engine, "1002", Status.WORKING_OFFLINE), what="1002 back")
        assert await outcome(records, call_id) == "answered"
    assert_heard(caller.heard, 1200.0, start=-0.8)
    assert_heard(callee.heard, 1000.0, start=-0.8)


async def test_the_other_agent_not_answering_frees_both_with_no_missed_offer(
    pbx: PbxHarness,
) -> None:
    await pbx.phones["1002"].set_auto_answer(False)
    records = RecordsKept()
    agents = [agent("1001", QUEUE.queue), agent("1002", SALES.queue)]
    async with pbx.controller(agents, journal=records) as engine:
        calls = CallControl(engine, POLICY, agent_ring_timeout=3.0)
        call_id = await calls.call_agent("1001", "1002")
        await pbx.phones["1002"].wait_for("CALL_INCOMING")
        await pbx.phones["1002"].wait_for("CALL_CLOSED", timeout=10)

        assert await outcome(records, call_id) == "no_answer"
        await eventually(lambda: free(engine, "1001", Status.AVAILABLE), what="1001 free")
        assert free(engine, "1002", Status.AVAILABLE)
        assert engine.state.agents["1002"].missed_offers == 0


@pytest.mark.parametrize("status", [Status.BREAK, Status.WRAP_UP, Status.LOGGED_OUT])
async def test_agents_who_may_not_be_called_are_not_rung(pbx: PbxHarness, status: Status) -> None:
    agents = [agent("1001", QUEUE.queue), agent("1002", SALES.queue, status)]
    async with pbx.controller(agents) as engine:
        with pytest.raises(Conflict, match="the other agent"):
            await CallControl(engine, POLICY).call_agent("1001", "1002")
        assert not agent_channels(pbx, "1001")
        assert not agent_channels(pbx, "1002")
