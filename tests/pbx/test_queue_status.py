"""A queue's status from real calls: one answered within the target, one caller who
gave up after waiting, as the engine counts them for the supervisor's view."""

from __future__ import annotations

import asyncio

from tests.harness.calls import agent, caller_hangs_up
from tests.harness.pbx import QUEUE, PbxHarness
from tests.harness.until import eventually
from vcc.core.agents import Status, StatusRequest
from vcc.core.queue_status import SHORT_ABANDON, queue_status
from vcc.core.queues import QueueConfig
from vcc.core.routing import StatusRequested


async def test_an_answered_call_and_a_real_abandon_make_the_service_level(
    pbx: PbxHarness,
) -> None:
    queues = [QueueConfig(QUEUE.queue, ring_timeout=3.0, service_level_target=20.0)]
    async with pbx.controller([agent("1001", QUEUE.queue)], queues=queues) as engine:
        await pbx.phones["2001"].dial(QUEUE.extension)
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        await caller_hangs_up(pbx, "1001")
        await eventually(
            lambda: (
                queue_status(
                    engine.state, QUEUE.queue, engine.service_levels
                ).service_level.answered
                == 1
            ),
            what="the answered call counted",
        )
        await eventually(
            lambda: engine.state.agents["1001"].status is not Status.BUSY, what="call over"
        )
        await engine.ask(
            StatusRequested("1001", StatusRequest(Status.BREAK), engine.clock(), "1001")
        )
        await pbx.phones["2002"].dial(QUEUE.extension)
        await eventually(lambda: engine.state.waiting, what="2002 waiting")
        status = queue_status(engine.state, QUEUE.queue, engine.service_levels)
        assert status.waiting == 1
        assert status.agents == {Status.BREAK: 1}
        await asyncio.sleep(SHORT_ABANDON + 0.5)  # the caller waits, then gives up
        await pbx.phones["2002"].hangup()
        await eventually(lambda: not engine.state.waiting, what="2002 gone")
    level = queue_status(engine.state, QUEUE.queue, engine.service_levels).service_level
    assert (level.answered, level.answered_in_target, level.abandoned) == (1, 1, 1)
    assert level.percent == 50.0
