"""Click-to-dial, agent first, on the real PBX: the agent's desk phone rings, and only
once the agent answers is the customer dialled through the outbound trunk (in the
tests a SIP phone, 2002, behind the dial string PJSIP/{number}).

Each flow and each way it can fail: connected (audio both ways), customer busy, no
answer, a number nobody has, the agent not picking up, and numbers refused before
anything rings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness.audio import assert_heard
from tests.harness.calls import (
    CUSTOMER,
    POLICY,
    RecordsKept,
    outcome,
    unoccupied,
)
from tests.harness.pbx import PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import agent_channels, hear_each_other_for_a_second
from vcc.calls import CallControl
from vcc.core.agents import Status
from vcc.core.outbound import NotAllowed
from vcc.core.routing import Agent
from vcc.engine import Engine
from vcc.errors import Conflict, InvalidInput
from vcc.pbx.events import ChannelCreated, ChannelState, ChannelStateChanged, DialEnded


async def idle(pbx: PbxHarness, engine: Engine, status: Status = Status.AVAILABLE) -> None:
    """No channel left on the PBX, the agent free again in ``status``."""

    async def nothing_left() -> bool:
        return not (await pbx.monitor.driver.snapshot()).channels

    await eventually(nothing_left, what="no channels left")
    await eventually(
        lambda: engine.state.agents["1001"].status is status and unoccupied(engine, "1001"),
        what=f"agent 1001 {status.value} and free",
    )


@pytest.fixture
def records() -> RecordsKept:
    return RecordsKept()


@pytest.fixture
async def calls(pbx: PbxHarness, records: RecordsKept) -> AsyncIterator[CallControl]:
    async with pbx.controller(["1001"], journal=records) as engine:
        yield CallControl(engine, POLICY, agent_ring_timeout=4.0)


async def test_agent_phone_rings_first_then_the_customer_and_they_talk(
    pbx: PbxHarness, calls: CallControl, records: RecordsKept
) -> None:
    agent, customer = pbx.phones["1001"], pbx.phones[CUSTOMER]
    await agent.set_auto_answer(False)

    call_id = await calls.click_to_dial("1001", "20 02")
    await agent.wait_for("CALL_INCOMING")
    assert not agent_channels(pbx, CUSTOMER)  # nobody dials the customer yet
    await agent.answer()
    await customer.wait_for("CALL_RTPESTAB")
    await agent.wait_for("CALL_RTPESTAB")
    await eventually(
        lambda: calls.engine.state.agents["1001"].status is Status.BUSY, what="agent busy"
    )

    # Asterisk's order: the agent's leg (vcc's call id) answered, then the customer's
    # leg made by the dialplan's Dial, which answered.
    (agent_leg,) = agent_channels(pbx, "1001")
    (customer_leg,) = agent_channels(pbx, CUSTOMER)
    assert agent_leg.uniqueid == call_id
    (agent_up,) = pbx.monitor.of(ChannelStateChanged, uniqueid=call_id, state=ChannelState.UP)
    assert agent_up.at <= customer_leg.at
    (dial,) = pbx.monitor.of(DialEnded, uniqueid=customer_leg.uniqueid)
    assert dial.status == "ANSWER"

    await hear_each_other_for_a_second(pbx)
    await agent.hangup()
    await customer.wait_for("CALL_CLOSED")
    await idle(pbx, calls.engine)
    assert await outcome(records, call_id) == "answered"
    assert_heard(agent.heard, 600.0, start=-0.8)  # the customer's tone
    assert_heard(customer.heard, 1000.0, start=-0.8)  # the agent's


async def test_customer_busy_ends_the_call_with_busy_and_frees_the_agent(
    pbx: PbxHarness, calls: CallControl, records: RecordsKept
) -> None:
    customer = pbx.phones[CUSTOMER]
    await customer.set_auto_answer(False)

    call_id = await calls.click_to_dial("1001", "2002")
    await customer.wait_for("CALL_INCOMING")
    await customer.hangup()  # rejects: "486 Busy Here"

    assert await outcome(records, call_id) == "busy"
    await idle(pbx, calls.engine)
    assert customer.count("CALL_ESTABLISHED") == 0


async def test_customer_not_answering_ends_with_no_answer(
    pbx: PbxHarness, calls: CallControl, records: RecordsKept
) -> None:
    customer = pbx.phones[CUSTOMER]
    await customer.set_auto_answer(False)

    call_id = await calls.click_to_dial("1001", "2002")
    await customer.wait_for("CALL_INCOMING")
    await customer.wait_for("CALL_CLOSED", timeout=10)  # the policy's 3 s ring timeout

    assert await outcome(records, call_id) == "no_answer"
    await idle(pbx, calls.engine)


async def test_a_number_nobody_has_ends_with_unreachable(
    pbx: PbxHarness, calls: CallControl, records: RecordsKept
) -> None:
    call_id = await calls.click_to_dial("1001", "2099")  # allowed, but no such phone

    assert await outcome(records, call_id) == "unreachable"
    await idle(pbx, calls.engine)
    assert pbx.phones["1001"].count("CALL_ESTABLISHED") == 1  # the agent heard the tone


async def test_agent_not_picking_up_cancels_the_call_before_the_customer_rings(
    pbx: PbxHarness, calls: CallControl, records: RecordsKept
) -> None:
    agent = pbx.phones["1001"]
    await agent.set_auto_answer(False)

    call_id = await calls.click_to_dial("1001", "2002")
    await agent.wait_for("CALL_INCOMING")
    await agent.wait_for("CALL_CLOSED", timeout=10)  # the agent's 4 s

    assert await outcome(records, call_id) == "cancelled"
    await idle(pbx, calls.engine)
    assert not agent_channels(pbx, CUSTOMER)
    assert calls.engine.state.agents["1001"].missed_offers == 0  # their own call


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("0900123456", NotAllowed),  # well-formed, but not in the outbound policy
        ("2002&PJSIP/1002", InvalidInput),
        ("2002,1", InvalidInput),
        ("PJSIP/2002", InvalidInput),
        ("2002)", InvalidInput),
        ("2002;x", InvalidInput),
        ("2002\n", InvalidInput),
        ("２００２", InvalidInput),  # fullwidth digits
        ("2" * 5000, InvalidInput),
        ("", InvalidInput),
    ],
)
async def test_numbers_that_are_refused_ring_nothing(
    pbx: PbxHarness, calls: CallControl, typed: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await calls.click_to_dial("1001", typed)
    assert not (await pbx.monitor.driver.snapshot()).channels
    assert not pbx.monitor.of(ChannelCreated)
    assert unoccupied(calls.engine, "1001")


async def test_an_agent_on_break_or_unknown_is_refused_and_nothing_rings(
    pbx: PbxHarness, records: RecordsKept
) -> None:
    on_break = Agent("1001", "PJSIP/1001", {"support": 0}, status=Status.BREAK)
    async with pbx.controller([on_break], journal=records) as engine:
        calls = CallControl(engine, POLICY)
        with pytest.raises(Conflict, match="Break"):
            await calls.click_to_dial("1001", "2002")
        with pytest.raises(Exception, match="does not exist"):
            await calls.click_to_dial("9999", "2002")
    assert not pbx.monitor.of(ChannelCreated)


async def test_working_offline_agent_calls_out_and_returns_to_working_offline(
    pbx: PbxHarness, records: RecordsKept
) -> None:
    offline = Agent("1001", "PJSIP/1001", {"support": 0}, status=Status.WORKING_OFFLINE)
    agent, customer = pbx.phones["1001"], pbx.phones[CUSTOMER]
    async with pbx.controller([offline], journal=records) as engine:
        calls = CallControl(engine, POLICY)
        call_id = await calls.click_to_dial("1001", "2002")
        await customer.wait_for("CALL_RTPESTAB")
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        await agent.hangup()
        await idle(pbx, engine, Status.WORKING_OFFLINE)
        assert await outcome(records, call_id) == "answered"
