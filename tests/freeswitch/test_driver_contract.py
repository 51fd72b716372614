"""The PbxDriver contract, run against both drivers: the Asterisk one over AMI with
the fake AMI server (tests/unit/fake_ami.py), the FreeSWITCH one over the event
socket with the fake ESL server (fake_esl.py), each speaking its PBX's wire format.
What the engine relies on holds for both: ready then resynced on connect, one
originate per offer even when the link is cut mid-originate, typed events, bad
input refused before anything is sent, a refused originate reported."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
import pytest_asyncio

from tests.freeswitch.fake_esl import PASSWORD, FakeEsl
from tests.harness.until import eventually
from tests.unit.fake_ami import DEFAULT_SECRET, FakeAmi
from vcc.config import AmiSettings, EslSettings
from vcc.errors import InvalidInput, PbxTimeout
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import (
    ChannelCreated,
    OriginateFailure,
    OriginateFinished,
    OriginateRequest,
    PbxDisconnected,
    PbxEvent,
    PbxReady,
    PbxResynced,
)
from vcc.pbx.freeswitch import FreeSwitchDriver

REQUEST = OriginateRequest(
    channel_id="vcc-1", endpoint="PJSIP/1001", context="vcc-connect", timeout=15.0,
    variables={"VCC_INTERACTION": "1700000000.1"},
)  # fmt: skip


class Pbx(Protocol):
    """What a contract test does to the PBX behind a driver."""

    def driver(self) -> PbxDriver: ...
    def cut_next_originate(self) -> None: ...
    def originate_creates_channel(self) -> None: ...
    def originate_announces_channel(self) -> None: ...
    def originates(self) -> list[str]: ...  # the channel ids asked for, in order
    def connections(self) -> int: ...
    async def announce_channel(self, uniqueid: str) -> None: ...


@dataclass
class Asterisk:
    server: FakeAmi

    def driver(self) -> PbxDriver:
        settings = AmiSettings(host="127.0.0.1", port=self.server.port, username="vcc",
                               secret=DEFAULT_SECRET)  # fmt: skip
        return AsteriskDriver(settings, action_timeout=2.0, ping_interval=60.0,
                              backoff=(0.05, 0.2), originate_grace=0.3)  # fmt: skip

    def cut_next_originate(self) -> None:
        self.server.cut_on.add("Originate")

    def originate_creates_channel(self) -> None:
        self.server.originate_creates_channel = True

    def originate_announces_channel(self) -> None:
        self.server.originate_announces_channel = True

    def originates(self) -> list[str]:
        return [a["ChannelId"] for a in self.server.of("Originate")]

    def connections(self) -> int:
        return self.server.connections

    async def announce_channel(self, uniqueid: str) -> None:
        await self.server.push({"Event": "Newchannel", "Channel": f"PJSIP/1001-{uniqueid}",
                                "Uniqueid": uniqueid, "ChannelStateDesc": "Down",
                                "Context": "vcc-connect", "Exten": "s",
                                "CallerIDNum": "1001"})  # fmt: skip


@dataclass
class FreeSwitch:
    server: FakeEsl

    def driver(self) -> PbxDriver:
        settings = EslSettings(port=self.server.port, password=PASSWORD)
        return FreeSwitchDriver(settings, action_timeout=2.0, backoff=(0.05, 0.2),
                                originate_grace=0.3)  # fmt: skip

    def cut_next_originate(self) -> None:
        self.server.cut_on.add("bgapi originate")

    def originate_creates_channel(self) -> None:
        self.server.originate_creates_channel = True

    def originate_announces_channel(self) -> None:
        self.server.originate_announces_channel = True

    def originates(self) -> list[str]:
        return [self.server._uuid_of(c) for c in self.server.of("bgapi originate")]

    def connections(self) -> int:
        return self.server.connections

    async def announce_channel(self, uniqueid: str) -> None:
        await self.server.push({"Event-Name": "CHANNEL_CREATE", "Unique-ID": uniqueid,
                                "Caller-Caller-ID-Number": "1001",
                                "Caller-Destination-Number": "s",
                                "Caller-Context": "vcc-connect"})  # fmt: skip


@pytest_asyncio.fixture(params=["asterisk", "freeswitch"])
async def pbx(request: pytest.FixtureRequest) -> AsyncIterator[Pbx]:
    if request.param == "asterisk":
        async with FakeAmi() as ami:
            yield Asterisk(ami)
    else:
        async with FakeEsl() as esl:
            yield FreeSwitch(esl)


class Started:
    def __init__(self, driver: PbxDriver) -> None:
        self.driver = driver
        self.seen: list[PbxEvent] = []
        driver.subscribe(self.seen.append)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind)]


async def started(pbx: Pbx) -> Started:
    watched = Started(pbx.driver())
    await watched.driver.start()
    return watched


async def test_connecting_reports_ready_then_a_resync(pbx: Pbx) -> None:
    watched = await started(pbx)
    try:
        kinds = [type(e) for e in watched.seen]
        assert kinds[:2] == [PbxReady, PbxResynced]
        assert watched.driver.connected  # type: ignore[attr-defined]
    finally:
        await watched.driver.close()


async def test_an_originate_asks_once_for_the_channel_id_vcc_chose(pbx: Pbx) -> None:
    watched = await started(pbx)
    try:
        await watched.driver.originate(REQUEST)
        await eventually(lambda: pbx.originates(), what="the originate")
        assert pbx.originates() == ["vcc-1"]
    finally:
        await watched.driver.close()


async def test_an_originate_cut_after_it_reached_the_pbx_is_not_sent_again(pbx: Pbx) -> None:
    pbx.cut_next_originate()
    pbx.originate_creates_channel()  # the channel is there when the driver is back
    watched = await started(pbx)
    try:
        async with asyncio.timeout(10):
            await watched.driver.originate(REQUEST)
        assert pbx.originates() == ["vcc-1"]
        assert pbx.connections() == 2
    finally:
        await watched.driver.close()


async def test_an_originate_cut_before_it_took_effect_is_sent_exactly_once_more(
    pbx: Pbx,
) -> None:
    pbx.cut_next_originate()
    watched = await started(pbx)
    try:
        async with asyncio.timeout(10):
            await watched.driver.originate(REQUEST)
        assert pbx.originates() == ["vcc-1", "vcc-1"]
    finally:
        await watched.driver.close()


async def test_a_channel_the_pbx_creates_arrives_as_a_typed_event(pbx: Pbx) -> None:
    watched = await started(pbx)
    try:
        await pbx.announce_channel("vcc-7")
        created = await eventually(lambda: watched.of(ChannelCreated), what="ChannelCreated")
        assert created[0].uniqueid == "vcc-7"
    finally:
        await watched.driver.close()


@pytest.mark.parametrize("bad", ["1\nAction: Hangup", "x\r\ny", "x\ry"])
async def test_a_line_break_in_a_value_is_refused_before_anything_is_sent(
    pbx: Pbx, bad: str
) -> None:
    watched = await started(pbx)
    try:
        request = OriginateRequest("vcc-2", "PJSIP/1001", "vcc-connect", 15.0,
                                   {"VCC_INTERACTION": bad})  # fmt: skip
        with pytest.raises(InvalidInput):
            await watched.driver.originate(request)
        assert pbx.originates() == []
    finally:
        await watched.driver.close()


# -- FreeSWITCH only ----------------------------------------------------------------------
async def test_freeswitch_reports_each_originates_outcome_by_its_job() -> None:
    async with FakeEsl() as esl:
        watched = await started(FreeSwitch(esl))
        try:
            await watched.driver.originate(REQUEST)
            esl.refuse_originate = True
            await watched.driver.originate(OriginateRequest("vcc-2", "PJSIP/1002", "vcc-connect",
                                                            15.0))  # fmt: skip
            done = await eventually(
                lambda: len(watched.of(OriginateFinished)) == 2 and watched.of(OriginateFinished),
                what="both outcomes",
            )
            outcomes = {(d.channel_id, d.answered, d.reason) for d in done}
            assert outcomes == {("vcc-1", True, None),
                                ("vcc-2", False, OriginateFailure.BUSY)}  # fmt: skip
            line = esl.of("bgapi originate")[0]
            assert line.endswith("user/1001 s XML vcc-connect")
            assert "origination_uuid=vcc-1" in line
        finally:
            await watched.driver.close()


async def test_freeswitch_refuses_a_space_in_a_channel_variable_and_a_wrong_password() -> None:
    async with FakeEsl() as esl:
        watched = await started(FreeSwitch(esl))
        try:
            request = OriginateRequest("vcc-3", "PJSIP/1001", "vcc-connect", 15.0,
                                       {"VCC_X": "a b"})  # fmt: skip
            with pytest.raises(InvalidInput):
                await watched.driver.originate(request)
        finally:
            await watched.driver.close()
        wrong = FreeSwitchDriver(EslSettings(port=esl.port, password="nope"), backoff=(0.05, 0.1))
        with pytest.raises(PbxTimeout, match="password"):
            await wrong.start(timeout=0.5)
        await wrong.close()


async def test_freeswitch_saying_goodbye_is_a_disconnect_then_a_resync() -> None:
    async with FakeEsl() as esl:
        watched = await started(FreeSwitch(esl))
        try:
            await esl.say_goodbye()
            await eventually(lambda: watched.of(PbxDisconnected), what="the disconnect")
            await eventually(lambda: len(watched.of(PbxResynced)) == 2, what="resynced")
            assert esl.connections == 2
        finally:
            await watched.driver.close()
