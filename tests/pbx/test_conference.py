"""Three-way calls ("Lijnen samenvoegen") on the real PBX: from line 2, the caller,
the agent and the consulted agent talk together; any party may leave and the other two
stay connected; the last one alone is hung up. Each hears the other two (both tones)."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness.audio import assert_heard, assert_heard_all
from tests.harness.calls import agent, connected, line_2_answered, nothing_left, unoccupied
from tests.harness.pbx import QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from vcc.core.agents import Status

THREE_TALK = 1.5  # seconds all three talk: part of the scenario
TWO_TALK = 1.0  # then the two who stay


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "originate"])
async def test_three_talk_the_agent_leaves_and_the_other_two_stay_connected(
    pbx: PbxHarness,
    fast_path: bool,
) -> None:
    caller, first, second = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    agents = agent("1001", QUEUE.queue), agent("1002", SALES.queue)
    async with connected(pbx, *agents, fast_path=fast_path) as (engine, calls):
        await line_2_answered(engine, calls, to_agent="1002")
        await calls.conference("1001")
        await asyncio.sleep(THREE_TALK)  # all three talk

        await first.hangup()  # the first agent leaves
        await eventually(lambda: unoccupied(engine, "1001"), what="1001 out")
        assert engine.state.agents["1001"].status is Status.WRAP_UP
        await asyncio.sleep(TWO_TALK)  # the caller and agent 1002 go on
        await caller.hangup()
        await second.wait_for("CALL_CLOSED")  # alone in the room: hung up by vcc
        await nothing_left(pbx)
        await eventually(lambda: unoccupied(engine, "1002"), what="1002 free")

    three = {"start": -(TWO_TALK + THREE_TALK) + 0.4, "end": -TWO_TALK - 0.4}
    assert_heard_all(caller.heard, [1000.0, 1200.0], **three)
    assert_heard_all(second.heard, [440.0, 1000.0], **three)
    assert_heard_all(first.heard, [440.0, 1200.0], start=-THREE_TALK + 0.4, end=-0.3)
    assert_heard(caller.heard, 1200.0, start=-TWO_TALK + 0.3)  # then only 1002
    assert_heard(second.heard, 440.0, start=-TWO_TALK + 0.3)  # and only the caller


async def test_the_caller_leaving_leaves_the_agents_talking_until_one_hangs_up(
    pbx: PbxHarness,
) -> None:
    first, second = pbx.phones["1001"], pbx.phones["1002"]
    async with connected(pbx, agent("1001", QUEUE.queue), agent("1002", SALES.queue)) as (
        engine, calls,
    ):  # fmt: skip
        await line_2_answered(engine, calls, to_agent="1002")
        await calls.conference("1001")
        await asyncio.sleep(THREE_TALK)
        await pbx.phones["2001"].hangup()
        await asyncio.sleep(TWO_TALK)  # the two agents go on
        assert first.count("CALL_CLOSED") == 0
        await second.hangup()
        await first.wait_for("CALL_CLOSED")  # alone: hung up by vcc
        await nothing_left(pbx)
        await eventually(
            lambda: all(unoccupied(engine, a) for a in ("1001", "1002")),
            what="both free",
        )
    assert_heard(first.heard, 1200.0, start=-TWO_TALK + 0.3)
    assert_heard(second.heard, 1000.0, start=-TWO_TALK + 0.3)
