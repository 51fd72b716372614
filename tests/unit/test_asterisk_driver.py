"""AsteriskDriver against a fake AMI server on a real loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import TypeVar

import pytest

from tests.harness.until import eventually
from tests.unit.fake_ami import FakeAmi
from vcc.config import AmiSettings
from vcc.errors import InvalidInput, PbxDisconnected, PbxError, PbxTimeout
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.events import (
    CallerEnqueued,
    ChannelCreated,
    ChannelHungUp,
    ChannelInfo,
    ChannelState,
    OriginateFailure,
    OriginateFinished,
    OriginateRequest,
    PbxEvent,
    PbxReady,
    PbxResynced,
    PbxSnapshot,
)
from vcc.pbx.events import PbxDisconnected as PbxDisconnectedEvent

E = TypeVar("E", bound=PbxEvent)

SECRET = "s3cretvalue"
REQUEST = OriginateRequest(
    channel_id="vcc-1",
    endpoint="PJSIP/1001",
    context="vcc-connect",
    timeout=15.0,
    variables={"VCC_CALLER": "PJSIP/2001-00000001", "VCC_INTERACTION": "1700000000.1"},
)


class Inbox:
    """What the driver put on ``driver.events``, kept in order."""

    def __init__(self, driver: AsteriskDriver) -> None:
        self.queue = driver.events
        self.seen: list[PbxEvent] = []

    def all(self) -> list[PbxEvent]:
        while not self.queue.empty():
            self.seen.append(self.queue.get_nowait())
        return self.seen

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.all() if isinstance(e, kind)]


def make_driver(
    ami: FakeAmi,
    *,
    secret: str = SECRET,
    action_timeout: float = 2.0,
    ping_interval: float = 60.0,
    originate_grace: float = 0.2,
) -> AsteriskDriver:
    settings = AmiSettings(host="127.0.0.1", port=ami.port, username="vcc", secret=secret)
    return AsteriskDriver(
        settings,
        action_timeout=action_timeout,
        originate_grace=originate_grace,
        ping_interval=ping_interval,
        backoff=(0.05, 0.2),
    )


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmi]:
    async with FakeAmi(secret=SECRET) as server:
        yield server


@contextlib.asynccontextmanager
async def started(
    ami: FakeAmi,
    *,
    action_timeout: float = 2.0,
    ping_interval: float = 60.0,
    originate_grace: float = 0.2,
) -> AsyncIterator[AsteriskDriver]:
    driver = make_driver(
        ami,
        action_timeout=action_timeout,
        ping_interval=ping_interval,
        originate_grace=originate_grace,
    )
    try:
        await driver.start(timeout=5.0)
        yield driver
    finally:
        await driver.close()


# -- connecting -----------------------------------------------------------------------
async def test_start_logs_in_probes_the_boot_and_reports_ready_then_resynced(
    ami: FakeAmi,
) -> None:
    async with started(ami) as driver:
        inbox = Inbox(driver)

        assert driver.connected
        assert [type(e) for e in inbox.all()] == [PbxReady, PbxResynced]
        assert inbox.of(PbxResynced)[0].snapshot == PbxSnapshot((), {})
        (login,) = ami.of("Login")
        assert (login["Username"], login["Secret"], login["Events"]) == ("vcc", SECRET, "on")
        assert ami.of("ShowDialPlan")[0]["Context"] == "vcc-connect"
        assert ami.of("DeviceStateList")
        assert ami.of("CoreShowChannels")


async def test_the_resync_snapshot_holds_channels_bridges_and_waiting_callers_variables(
    ami: FakeAmi,
) -> None:
    ami.add_channel(
        "1.1",
        "PJSIP/2001-00000001",
        context="vcc-wait",
        state="Up",
        variables={"VCC_QUEUE": "support", "VCC_ENQUEUED": "1699999999.5"},
    )
    ami.add_channel("1.2", "PJSIP/2002-00000002", context="vcc-callers", bridge="b-1")
    ami.add_channel("vcc-9", "PJSIP/1001-00000003", context="vcc-connect", bridge="b-1")

    async with started(ami) as driver:
        (resynced,) = Inbox(driver).of(PbxResynced)

    snapshot = resynced.snapshot
    assert snapshot.channel("1.1") == ChannelInfo(
        "PJSIP/2001-00000001", "1.1", ChannelState.UP, "vcc-wait", "s", "Wait", ""
    )
    assert snapshot.channel("1.1").variables == {  # type: ignore[union-attr]
        "VCC_QUEUE": "support",
        "VCC_ENQUEUED": "1699999999.5",
    }
    assert snapshot.channel("1.2").variables == {}  # type: ignore[union-attr]
    assert snapshot.bridges == {"b-1": ("1.2", "vcc-9")}


async def test_a_wrong_secret_fails_start_with_a_pbx_error_not_a_library_error(
    ami: FakeAmi,
) -> None:
    driver = make_driver(ami, secret="wrong-secret")
    try:
        with pytest.raises(PbxError) as caught:
            await driver.start(timeout=0.5)
    finally:
        await driver.close()

    assert not driver.connected
    assert ami.of("Login")
    assert "wrong-secret" not in str(caught.value)


async def test_a_secret_with_a_line_break_fails_start_cleanly_and_never_reaches_the_wire(
    ami: FakeAmi,
) -> None:
    # e.g. a secret file with two lines. The connection task must survive the
    # refusal (no stray exception out of close()), and no injected line is sent.
    driver = make_driver(ami, secret="s3cretvalue\r\nAction: Originate")

    with pytest.raises(PbxError):
        await driver.start(timeout=0.5)
    await driver.close()

    assert ami.actions == []


async def test_actions_before_the_driver_is_connected_fail_with_pbx_disconnected(
    ami: FakeAmi,
) -> None:
    driver = make_driver(ami)

    with pytest.raises(PbxDisconnected):
        await driver.hangup("PJSIP/1001-00000001")

    assert ami.connections == 0


# -- timeouts, keep-alive, reconnects -------------------------------------------------
async def test_an_action_without_a_reply_raises_pbx_timeout_within_the_action_timeout(
    ami: FakeAmi,
) -> None:
    async with started(ami, action_timeout=0.3) as driver:
        ami.unanswered.add("Getvar")
        began = time.monotonic()

        with pytest.raises(PbxTimeout, match="Getvar"):
            await driver.get_variable("PJSIP/2001-00000001", "VCC_QUEUE")

        assert 0.25 <= time.monotonic() - began < 0.3 + 1.0
        # One slow action is not a dead link: the connection stays and serves others.
        assert driver.connected
        await driver.hangup("PJSIP/2001-00000001")


async def test_when_asterisk_closes_the_connection_the_driver_reconnects_and_resyncs(
    ami: FakeAmi,
) -> None:
    async with started(ami) as driver:
        inbox = Inbox(driver)

        await ami.drop()

        await eventually(lambda: inbox.of(PbxDisconnectedEvent), timeout=5, what="disconnect")
        await eventually(lambda: len(inbox.of(PbxResynced)) == 2, timeout=5, what="resync")
        assert driver.connected
        assert driver.reconnects >= 1
        assert len(ami.of("Login")) == 2
        assert [type(e) for e in inbox.all()] == [
            PbxReady, PbxResynced, PbxDisconnectedEvent, PbxReady, PbxResynced,
        ]  # fmt: skip
        assert await driver.ping() >= 0


async def test_a_connection_closed_by_asterisk_is_reported_as_closed_by_peer(
    ami: FakeAmi,
) -> None:
    async with started(ami) as driver:
        inbox = Inbox(driver)

        await ami.drop()

        (lost,) = await eventually(lambda: inbox.of(PbxDisconnectedEvent), timeout=5)
        assert lost.reason == "closed by peer"


async def test_a_connection_cut_during_login_is_retried_without_waiting_out_the_login(
    ami: FakeAmi,
) -> None:
    # An Asterisk that is restarting accepts and drops connections; the driver must
    # notice the drop at once, not after the action timeout of the Login it sent.
    ami.cut_on.add("Login")
    driver = make_driver(ami, action_timeout=3.0)
    try:
        await driver.start(timeout=1.5)
    finally:
        await driver.close()

    assert len(ami.of("Login")) == 2


async def test_an_unanswered_keep_alive_ping_drops_the_link_and_reconnects(ami: FakeAmi) -> None:
    ami.unanswered.add("Ping")
    async with started(ami, ping_interval=0.05, action_timeout=0.3) as driver:
        inbox = Inbox(driver)

        (lost,) = await eventually(lambda: inbox.of(PbxDisconnectedEvent), timeout=5)
        ami.unanswered.clear()  # the next connection is healthy

        assert "Ping" in lost.reason
        await eventually(lambda: len(inbox.of(PbxResynced)) >= 2, timeout=5, what="resync")
        await eventually(lambda: driver.connected, timeout=5, what="connected again")
        assert ami.connections >= 2


# -- originate ------------------------------------------------------------------------
async def test_originate_asks_asterisk_once_for_our_channel_id_and_context(ami: FakeAmi) -> None:
    async with started(ami) as driver:
        await driver.originate(REQUEST)

    (sent,) = ami.of("Originate")
    assert sent["ChannelId"] == "vcc-1"
    assert sent["ActionID"] == "vcc-originate/vcc-1"
    assert sent["Channel"] == "PJSIP/1001"
    assert (sent["Context"], sent["Exten"], sent["Priority"]) == ("vcc-connect", "s", "1")
    assert sent["Async"] == "true"
    assert sent["Timeout"] == "15000"
    assert sent["Variable"] == "VCC_CALLER=PJSIP/2001-00000001,VCC_INTERACTION=1700000000.1"


async def test_an_originate_cut_after_it_reached_asterisk_is_not_sent_again(ami: FakeAmi) -> None:
    ami.cut_on.add("Originate")
    ami.originate_creates_channel = True  # still listed when the driver is back
    async with started(ami) as driver:
        async with asyncio.timeout(5):
            await driver.originate(REQUEST)

        assert len(ami.of("Originate")) == 1
        assert ami.connections == 2
        assert driver.connected


async def test_an_originate_cut_before_it_took_effect_is_sent_exactly_once_more(
    ami: FakeAmi,
) -> None:
    ami.cut_on.add("Originate")  # and CoreShowChannels lists nothing after the cut
    async with started(ami) as driver:
        async with asyncio.timeout(5):
            await driver.originate(REQUEST)

    first, second = ami.of("Originate")
    assert first["ChannelId"] == second["ChannelId"] == "vcc-1"
    assert ami.connections == 2


async def test_an_originate_whose_channel_was_seen_before_the_cut_is_not_sent_again(
    ami: FakeAmi,
) -> None:
    # The agent's leg came and went while the link was down: no longer listed, but
    # its Newchannel reached the driver, so it did ring; ringing again would be wrong.
    ami.cut_on.add("Originate")
    ami.originate_announces_channel = True
    async with started(ami) as driver:
        async with asyncio.timeout(5):
            await driver.originate(REQUEST)

        assert len(ami.of("Originate")) == 1
        assert Inbox(driver).of(ChannelCreated)[0].uniqueid == "vcc-1"


async def test_an_originate_whose_channel_appears_after_the_reconnect_is_not_sent_again(
    ami: FakeAmi,
) -> None:
    # Asterisk's Originate thread was slow: the channel is created only after the
    # driver is back and has looked (resync and check), and announced on the new link.
    ami.cut_on.add("Originate")
    async with started(ami, originate_grace=10.0) as driver:
        originating = asyncio.create_task(driver.originate(REQUEST))
        await eventually(lambda: len(ami.of("CoreShowChannels")) >= 3, what="driver looked")
        await ami.push({
            "Event": "Newchannel", "Channel": "PJSIP/1001-00000001", "Uniqueid": "vcc-1",
            "ChannelStateDesc": "Down", "Context": "vcc-connect", "Exten": "s",
        })  # fmt: skip
        async with asyncio.timeout(5):
            await originating

        assert len(ami.of("Originate")) == 1


async def test_an_originate_refused_by_asterisk_is_a_pbx_error_and_not_retried(
    ami: FakeAmi,
) -> None:
    ami.refused.add("Originate")
    async with started(ami) as driver:
        with pytest.raises(PbxError, match="Originate refused"):
            await driver.originate(REQUEST)

    assert len(ami.of("Originate")) == 1


async def test_a_line_break_in_an_originate_value_is_refused_before_anything_is_sent(
    ami: FakeAmi,
) -> None:
    injected = "x\r\nAction: Hangup\r\nChannel: PJSIP/2001-1"
    hostile = OriginateRequest("vcc-2", "PJSIP/1001", "vcc-connect", 15.0, {"VCC_CALLER": injected})
    async with started(ami) as driver:
        with pytest.raises(InvalidInput):
            await driver.originate(hostile)
        await driver.ping()  # every byte sent before this has been read by the server

    assert ami.of("Originate") == []
    assert ami.of("Hangup") == []


# -- events ---------------------------------------------------------------------------
async def test_events_asterisk_pushes_arrive_typed_on_the_events_queue(ami: FakeAmi) -> None:
    async with started(ami) as driver:
        inbox = Inbox(driver)
        await ami.push(
            {"Event": "VarSet", "Channel": "PJSIP/2001-1", "Variable": "X", "Value": "1"},
            {"Event": "UserEvent", "UserEvent": "VccEnqueue", "Queue": "support",
             "CallerChannel": "PJSIP/2001-1", "CallerUniqueid": "1.1", "Enqueued": "10.5",
             "Timestamp": "11.0"},
            {"Event": "UserEvent", "UserEvent": "NotOurs", "Timestamp": "11.5"},
            {"Event": "OriginateResponse", "ActionID": "vcc-originate/vcc-4",
             "Response": "Failure", "Reason": "5", "Timestamp": "12.0"},
            {"Event": "Hangup", "Channel": "PJSIP/2001-1", "Uniqueid": "1.1", "Cause": "16",
             "Cause-txt": "Normal Clearing", "Timestamp": "13.0"},
        )  # fmt: skip

        await eventually(lambda: inbox.of(ChannelHungUp), timeout=5, what="the hangup")

        assert inbox.all()[2:] == [
            CallerEnqueued(11.0, "support", "PJSIP/2001-1", "1.1", 10.5),
            OriginateFinished(12.0, "vcc-4", answered=False, reason=OriginateFailure.BUSY),
            ChannelHungUp(13.0, "PJSIP/2001-1", "1.1", 16, "Normal Clearing"),
        ]


async def test_a_subscriber_receives_the_events_instead_of_the_queue(ami: FakeAmi) -> None:
    received: list[PbxEvent] = []
    driver = make_driver(ami)
    driver.subscribe(received.append)
    try:
        await driver.start(timeout=5.0)
        await ami.push({"Event": "Hangup", "Channel": "PJSIP/2001-1", "Uniqueid": "1.1"})
        await eventually(lambda: any(isinstance(e, ChannelHungUp) for e in received), timeout=5)
    finally:
        await driver.close()

    assert driver.events.empty()
    assert [type(e) for e in received] == [PbxReady, PbxResynced, ChannelHungUp]
