"""Faults on the real PBX: the AMI link cut mid-originate, and Asterisk restarted."""

from __future__ import annotations

import pytest

from tests.harness.audio import assert_heard
from tests.harness.pbx import PbxHarness
from tests.harness.proxy import AmiProxy, Cut
from tests.harness.until import eventually
from tests.pbx.test_first_call import agent_channels, end_call, hear_each_other_for_a_second
from vcc.core.agents import Status
from vcc.engine import Engine
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.events import (
    CallerEnqueued,
    ChannelEnteredBridge,
    PbxDisconnected,
    PbxEvent,
    PbxResynced,
)


def ami(engine: Engine) -> AsteriskDriver:
    assert isinstance(engine.driver, AsteriskDriver)
    return engine.driver


@pytest.mark.parametrize("cut", [Cut.AFTER_ORIGINATE, Cut.BEFORE_ORIGINATE])
async def test_agent_rings_exactly_once_when_ami_is_cut_mid_originate(
    pbx: PbxHarness, cut: Cut
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    await agent.set_auto_answer(False)
    async with (
        AmiProxy(pbx.ports.ami) as proxy,
        pbx.controller(["1001"], ami_port=proxy.port, backoff=(0.05, 0.5)) as engine,
    ):
        proxy.cut = cut
        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await agent.wait_for("CALL_INCOMING")
        await eventually(lambda: ami(engine).reconnects >= 1, what="controller reconnected")
        await eventually(lambda: engine.steps and engine.state.offers, what="offer kept")
        assert proxy.cuts_done == 1
        # Before: Asterisk never saw the first Originate, so it was sent once more.
        # After: Asterisk had it; the retry found the channel by its ChannelId and held
        # back, or (seen once on a loaded CI machine) no such channel came within the
        # grace, so it was sent again. Either way the promise is one ring and one agent
        # channel, checked below: a first channel made late would ring the agent twice.
        if cut is Cut.BEFORE_ORIGINATE:
            assert proxy.originates_forwarded == 1
        else:
            assert proxy.originates_forwarded in (1, 2)
        await agent.answer()
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await caller.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")

    assert agent.count("CALL_INCOMING") == 1  # (this phone answers by hand: it says so)
    assert agent.calls_in() == 1
    assert len(agent_channels(pbx, "1001")) == 1
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=-0.8)


async def test_controller_reconnects_and_serves_calls_after_asterisk_restarts(
    pbx: PbxHarness,
) -> None:
    agent, caller = pbx.phones["1001"], pbx.phones["2001"]
    events: list[object] = []
    async with pbx.controller(["1001"], backoff=(0.05, 0.5)) as engine:

        def record_and_submit(event: PbxEvent) -> None:
            events.append(event)
            engine.submit(event)

        engine.driver.subscribe(record_and_submit)
        pbx.asterisk.stop()
        await eventually(
            lambda: any(isinstance(e, PbxDisconnected) for e in events),
            what="controller saw the PBX go",
        )
        pbx.asterisk.start()
        await ami(engine).wait_ready(30)
        await pbx.monitor.driver.wait_ready(30)
        await eventually(
            lambda: any(isinstance(e, PbxResynced) for e in events), what="controller resynced"
        )
        for phone in pbx.phones.values():
            await phone.register()
        assert ami(engine).reconnects >= 1

        await caller.dial("7000")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue="support")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await agent.wait_for("CALL_RTPESTAB")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.BUSY,
            what="agent on call",
        )
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert_heard(caller.heard, 1000.0, start=-0.8)
    assert_heard(agent.heard, 440.0, start=-0.8)
