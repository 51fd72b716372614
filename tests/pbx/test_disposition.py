"""Transaction (disposition) codes on the real PBX: after a queue call the agent is in
wrap-up; where the queue requires a code, wrap-up lasts until the agent gives one."""

from __future__ import annotations

import pytest

from tests.harness.calls import POLICY, RecordsKept, agent
from tests.harness.pbx import QUEUE, PbxHarness
from tests.harness.until import eventually
from vcc.calls import CallControl
from vcc.core import routing
from vcc.core.agents import Status, StatusRequest
from vcc.core.queues import QueueConfig
from vcc.errors import InvalidInput

CODES = ("sale", "no-sale", "callback")


async def test_a_required_code_holds_wrap_up_until_the_agent_gives_one(pbx: PbxHarness) -> None:
    records = RecordsKept()
    queue = QueueConfig(QUEUE.queue, wrap_up=1.0, dispositions=CODES, disposition_required=True)
    async with pbx.controller([agent("1001", QUEUE.queue)], queues=[queue], journal=records) as (
        engine
    ):
        calls = CallControl(engine, POLICY)
        await pbx.phones["2001"].dial(QUEUE.extension)
        await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
        call_id = engine.state.offers[engine.state.agents["1001"].offer_id or ""].call_id
        await pbx.phones["2001"].hangup()
        await pbx.phones["1001"].wait_for("CALL_CLOSED")
        await eventually(lambda: engine.state.agents["1001"].status is Status.WRAP_UP, what="wrap")
        until = engine.state.agents["1001"].wrap_up_until or 0.0
        await eventually(lambda: engine.state.now > until + 1.0, what="the wrap-up time over")
        assert engine.state.agents["1001"].status is Status.WRAP_UP  # still: no code yet

        engine.submit(
            routing.StatusRequested("1001", StatusRequest(Status.AVAILABLE), engine.clock(), "1001")
        )
        await eventually(lambda: engine.refusals, what="the status change refused")
        assert engine.refusals[-1].problem.value == "disposition-required"
        with pytest.raises(InvalidInput, match="sale, no-sale, callback"):
            await calls.set_disposition("1001", "bogus")

        await calls.set_disposition("1001", "callback")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.AVAILABLE, what="available"
        )
    given = [r for r in records.records if isinstance(r, routing.DispositionSet)]
    assert [(d.call_id, d.agent_id, d.code) for d in given] == [(call_id, "1001", "callback")]
