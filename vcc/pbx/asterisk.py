"""``AsteriskDriver``: the :class:`PbxDriver` over AMI.

panoramisk's ``AMIProtocol`` does the byte framing and matches responses to
actions; the policy is ours, because panoramisk's ``Manager`` has three habits a
contact center cannot live with: it re-sends unanswered actions after a reconnect
(an Originate would ring an agent twice), it never checks its keep-alive ping's
reply, and coroutine callbacks run as loose tasks whose exceptions vanish.

So here: one supervised connection task that logs in, waits for ``FullyBooted``,
takes a resync snapshot, pings and reconnects with backoff; events only go onto
``self.events``; every action runs under a timeout; no action is ever re-sent by
the library, and Originate is retried only after checking, by the ``ChannelId``
we chose, that the first attempt did not reach Asterisk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from vcc import validate
from vcc.config import AmiSettings
from vcc.errors import ConfigError, InvalidInput, PbxDisconnected, PbxError, PbxTimeout
from vcc.pbx import ami_events
from vcc.pbx.ami_events import Lenient
from vcc.pbx.events import (
    ChannelCreated,
    ChannelInfo,
    ChannelState,
    OriginateRequest,
    PbxReady,
    PbxResynced,
    PbxSnapshot,
    PbxStatus,
    Reservation,
)
from vcc.pbx.supervised import Supervised

log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[tuple[asyncio.BaseTransport, AMIProtocol]]]
# Variables read back from waiting callers after a reconnect.
RESYNC_VARIABLES = ("VCC_QUEUE", "VCC_ENQUEUED", "VCC_PRIORITY")
# ... and from other channels: an agent's leg says which caller and offer it is for.
LEG_VARIABLES = ("VCC_INTERACTION", "VCC_OFFER")
BOOT_TIMEOUT = 60.0

# Reservations live in Asterisk global variables that dialplan/extensions.conf
# (vcc-enqueue) reads and clears under LOCK() when a caller arrives:
#   VCC_NEXT_<queue> = <endpoint>|<offer id>|<ring timeout, whole seconds>
# Queue ids are slugs ([a-z][a-z0-9_-]); '-' becomes '_' in the variable's name
# (REPLACE() in the dialplan does the same), so 'after-hours' and 'after_hours'
# would share one: vcc.core refuses neither, so don't name two queues like that.
# The three parts are checked here and again in the dialplan before they reach Dial.
RESERVATION_PREFIX = "VCC_NEXT_"
_ENDPOINT = re.compile(r"[A-Za-z]{1,16}/[A-Za-z0-9_.-]{1,64}")
_OFFER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_RING_SECONDS = 3600


def reservation_variable(queue: str) -> str:
    """The global variable that holds ``queue``'s reservation (``-`` becomes ``_``)."""
    validate.slug(queue, what="queue id")
    return RESERVATION_PREFIX + queue.replace("-", "_")


def reservation_value(reservation: Reservation) -> str:
    """``<endpoint>|<offer id>|<ring seconds>``, each part checked: it reaches Dial()."""
    if not _ENDPOINT.fullmatch(reservation.endpoint):
        raise InvalidInput(f"endpoint {reservation.endpoint!r} cannot be reserved")
    if not _OFFER_ID.fullmatch(reservation.offer_id):
        raise InvalidInput(f"offer id {reservation.offer_id!r} cannot be reserved")
    # Dial() takes whole seconds
    seconds = min(MAX_RING_SECONDS, max(1, round(reservation.ring_timeout)))
    return f"{reservation.endpoint}|{reservation.offer_id}|{seconds}"


class _NeverResend:
    """Given to AMIProtocol as the set of "forgettable" actions: all of them are."""

    def __contains__(self, _action: object) -> bool:
        return True


class AsteriskDriver(Supervised):
    supports_reservations = True  # dialplan/extensions.conf takes them (vcc-enqueue)
    link_name = "AMI connection"

    def __init__(
        self,
        ami: AmiSettings,
        *,
        action_timeout: float = 5.0,
        ping_interval: float = 5.0,
        originate_grace: float = 5.0,
        backoff: tuple[float, float] = (0.1, 5.0),
        connect: Connect | None = None,
    ) -> None:
        super().__init__(backoff, action_timeout)
        self.ami = ami
        self.secret = _read_secret(ami)
        self.ping_interval = ping_interval
        self.originate_grace = originate_grace
        self._connect = connect or self._tcp_connect
        self._protocol: AMIProtocol | None = None
        self._booted = asyncio.Event()
        self._lost: asyncio.Future[str] | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._recent_channel_ids: deque[str] = deque(maxlen=10_000)
        self._awaited_channels: dict[str, asyncio.Future[None]] = {}
        self._pinger: asyncio.Task[None] | None = None

    def _not_ready(self, timeout: float, last: str) -> PbxTimeout:
        return PbxTimeout(
            f"Asterisk AMI at {self.ami.host}:{self.ami.port} not ready within {timeout:g} s{last}",
            hint="is Asterisk running ('vcc pbx status')? are the AMI user and secret right?",
        )

    async def _connect_once(self) -> asyncio.Future[str]:
        self._lost = asyncio.get_running_loop().create_future()
        self._booted.clear()
        async with asyncio.timeout(self.action_timeout):
            _transport, protocol = await self._connect()
        self._protocol = protocol
        protocol.factory = self
        protocol.encoding = "utf8"
        protocol.log = log
        reply = await self._send({
            "Action": "Login", "Username": self.ami.username,
            "Secret": self.secret, "Events": "on",
        })  # fmt: skip
        if not reply.success:
            raise PbxError(
                f"AMI login as '{self.ami.username}' refused",
                hint="check the AMI user and secret (VCC_AMI_USERNAME, VCC_AMI_SECRET_FILE)",
            )
        await self._wait_booted()
        snapshot = await self.snapshot()
        self._ready.set()
        self._sink(PbxReady(time.time()))
        self._sink(PbxResynced(time.time(), snapshot))
        self._pinger = asyncio.create_task(self._ping_forever(), name="ami-ping")
        return self._lost

    async def _wait_booted(self) -> None:
        """Wait until Asterisk has finished booting.

        Asterisk sends ``FullyBooted`` only to users that receive 'system' events,
        which vcc's least-privilege user does not. So either that event arrives (an
        admin's own user may have it), or we probe until the two things vcc relies
        on are loaded: its dialplan (``vcc-connect``) and PJSIP's endpoints.
        """
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not self._booted.is_set():
            dialplan = await self._send({"Action": "ShowDialPlan", "Context": "vcc-connect"})
            devices = await self._pjsip_devices()
            if _as_list(dialplan)[0].success and devices:
                return
            if time.monotonic() > deadline:
                raise PbxTimeout(
                    "Asterisk did not finish booting: no vcc-connect dialplan or PJSIP endpoints",
                    hint="check that dialplan/ is loaded and res_pjsip is running",
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):  # or sooner, if FullyBooted arrives
                    await self._booted.wait()

    async def _ping_forever(self) -> None:
        """Keep-alive whose reply is checked: no reply means the link is dead."""
        while self._lost is not None and not self._lost.done():
            await asyncio.sleep(self.ping_interval)  # keep-alive period, not synchronisation
            try:
                await self.ping()
            except PbxError as exc:
                self.connection_lost(exc)
                return

    def _drop_connection(self, reason: str) -> None:
        self._ready.clear()
        if self._pinger is not None and self._pinger is not asyncio.current_task():
            self._pinger.cancel()
        self._pinger = None
        if self._protocol is not None:
            self._protocol.close()
            self._protocol = None
        for future in self._pending:
            if not future.done():
                future.set_exception(PbxDisconnected(f"AMI connection lost: {reason}"))
        self._pending.clear()

    async def _tcp_connect(self) -> tuple[asyncio.BaseTransport, AMIProtocol]:
        return await asyncio.get_running_loop().create_connection(
            AMIProtocol, self.ami.host, self.ami.port
        )

    # -- the AMIProtocol "factory" interface -----------------------------------------
    save_stream = None
    forgetable_actions = _NeverResend()
    awaiting_actions: ClassVar[deque[Any]] = deque()  # always empty: nothing is re-sent

    def dispatch(self, message: Any) -> None:
        headers = Lenient(message)
        if headers["Event"] == "FullyBooted":
            self._booted.set()
            return
        event = ami_events.parse(headers["Event"], headers)
        if event is None:
            return
        if isinstance(event, ChannelCreated):
            self._recent_channel_ids.append(event.uniqueid)
            awaited = self._awaited_channels.get(event.uniqueid)
            if awaited is not None and not awaited.done():
                awaited.set_result(None)
        self._sink(event)

    def connection_lost(self, exc: object) -> None:
        reason = (str(exc) if exc is not None else "") or "closed by peer"
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(reason)
        # Fail what is in flight now, not after its timeout: login, probes, originates.
        self._drop_connection(reason)

    # -- actions ---------------------------------------------------------------
    async def _send(self, fields: dict[str, str], *, as_list: bool | None = None) -> Any:
        protocol = self._protocol
        if protocol is None:
            raise PbxDisconnected("not connected to Asterisk AMI")
        for value in fields.values():
            validate.header_value(value, what="AMI header")
        action = Action(fields, as_list=as_list)
        future: asyncio.Future[Any] = action.future
        self._pending.add(future)
        try:
            protocol.send(action, as_list=as_list)
            async with asyncio.timeout(self.action_timeout):
                return await future
        except TimeoutError:
            raise PbxTimeout(
                f"AMI {fields['Action']} got no reply in {self.action_timeout} s"
            ) from None
        finally:
            self._pending.discard(future)

    async def _call(self, fields: dict[str, str], *, as_list: bool | None = None) -> Any:
        """Send an action to a ready connection and fail loudly if Asterisk refuses."""
        if not self._ready.is_set():
            raise PbxDisconnected("not connected to Asterisk AMI")
        reply = await self._send(fields, as_list=as_list)
        first = reply[0] if isinstance(reply, list) else reply
        if not first.success:
            reason = Lenient(first)["Message"] or "no reason"
            raise PbxError(f"AMI {fields['Action']} failed: {reason}")
        return reply

    async def originate(self, request: OriginateRequest) -> None:
        variables = [f"{k}={v}" for k, v in request.variables.items()]
        fields = {
            "Action": "Originate",
            "ActionID": ami_events.ORIGINATE_ACTION_PREFIX + request.channel_id,
            "Channel": request.endpoint,
            "Context": request.context,
            "Exten": "s",
            "Priority": "1",
            "Async": "true",
            "Timeout": str(int(request.timeout * 1000)),
            "ChannelId": request.channel_id,
        }
        if request.caller_id:
            fields["CallerID"] = request.caller_id
        if variables:
            fields["Variable"] = ",".join(variables)

        async def send() -> None:
            # as_list=False: done at "successfully queued"; the outcome is an event.
            await self._call(fields, as_list=False)

        await self._originate_once(request.channel_id, send)

    async def _channel_was_created(self, channel_id: str) -> bool:
        """Whether an Originate cut off from its reply did reach Asterisk.

        Asterisk runs an async Originate on a thread of its own, so a channel it
        queued before the cut can still be created after the reconnect, and even
        after the snapshot (it was seen on a loaded machine). Its Newchannel then
        comes on this connection: wait for that a short while before re-sending.
        """
        created = asyncio.get_running_loop().create_future()
        self._awaited_channels[channel_id] = created
        try:
            if channel_id in self._recent_channel_ids:
                return True
            if (await self.snapshot()).channel(channel_id) is not None:
                return True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.originate_grace):
                    await created
                    return True
            return False
        finally:
            self._awaited_channels.pop(channel_id, None)

    async def redirect(
        self, channel: str, context: str, *, extra: tuple[str, str] | None = None
    ) -> None:
        action = {"Action": "Redirect", "Channel": channel, "Context": context, "Exten": "s",
                  "Priority": "1"}  # fmt: skip
        if extra is not None:
            action |= {"ExtraChannel": extra[0], "ExtraContext": extra[1], "ExtraExten": "s",
                       "ExtraPriority": "1"}  # fmt: skip
        await self._call(action)

    async def hangup(self, channel: str) -> None:
        await self._call({"Action": "Hangup", "Channel": channel})

    async def set_variable(self, channel: str, name: str, value: str) -> None:
        await self._call({"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value})

    async def mute_recording(self, channel: str, muted: bool) -> None:
        # MixMonitorMute needs only the 'call' class (starting MixMonitor needs 'system':
        # the dialplan starts it, see vcc.recording). Muted audio is written as silence.
        await self._call({
            "Action": "MixMonitorMute", "Channel": channel, "Direction": "both",
            "State": "1" if muted else "0",
        })  # fmt: skip

    async def reserve(self, reservation: Reservation) -> None:
        # Setvar without a Channel sets a global variable ('call' write class suffices).
        name = reservation_variable(reservation.queue)
        value = reservation_value(reservation)
        await self._call({"Action": "Setvar", "Variable": name, "Value": value})

    async def release(self, queue: str, offer_id: str) -> None:
        """Clear the queue's reservation, whichever offer it holds.

        AMI cannot compare-and-swap, and need not: this connection is the only writer
        and Asterisk runs its actions in order, so the variable holds either
        ``offer_id`` or nothing (a caller took it, and the router hears of that as a
        ``ReservationTaken`` it handles even for a reservation it withdrew).
        """
        name = reservation_variable(queue)
        await self._call({"Action": "Setvar", "Variable": name, "Value": ""})

    async def get_global(self, name: str) -> str | None:
        """A global dialplan variable (e.g. a queue's reservation), None when unset."""
        reply = await self._call({"Action": "Getvar", "Variable": name})
        value = Lenient(reply)["Value"]
        return None if value in ("", "(null)") else value

    async def get_variable(self, channel: str, name: str) -> str | None:
        reply = await self._call({"Action": "Getvar", "Channel": channel, "Variable": name})
        value = Lenient(reply)["Value"]
        return None if value in ("", "(null)") else value

    async def status(self) -> PbxStatus:
        settings = Lenient(await self._call({"Action": "CoreSettings"}))
        core = Lenient(await self._call({"Action": "CoreStatus"}))
        devices = await self._pjsip_devices()
        registered = sorted(
            name for name, state in devices.items() if state not in ("UNAVAILABLE", "INVALID")
        )
        try:
            started = time.mktime(
                time.strptime(
                    f"{core['CoreStartupDate']} {core['CoreStartupTime']}", "%Y-%m-%d %H:%M:%S"
                )
            )
            uptime = max(0.0, time.time() - started)
        except ValueError:
            uptime = 0.0
        return PbxStatus(settings["AsteriskVersion"], uptime, tuple(registered))

    async def _pjsip_devices(self) -> dict[str, str]:
        """PJSIP endpoint → device state ('UNAVAILABLE' when no phone is registered)."""
        reply = await self._send({"Action": "DeviceStateList"})
        rows = [Lenient(m) for m in _as_list(reply)]
        return {
            row["Device"].removeprefix("PJSIP/"): row["State"]
            for row in rows
            if row["Event"] == "DeviceStateChange" and row["Device"].startswith("PJSIP/")
        }

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._send({"Action": "Ping"})
        return time.perf_counter() - started

    async def snapshot(self) -> PbxSnapshot:
        """Channels, bridges and vcc's variables on waiting callers, as they are now."""
        reply = await self._send({"Action": "CoreShowChannels"})
        rows = [Lenient(m) for m in _as_list(reply)]
        rows = [row for row in rows if row["Event"] == "CoreShowChannel"]
        channels = []
        bridges: dict[str, list[str]] = {}
        for row in rows:
            waiting = row["Context"] in ("vcc-wait", "vcc-announce", "vcc-message")
            names = RESYNC_VARIABLES if waiting else LEG_VARIABLES
            variables: dict[str, str] = {}
            for name in names:
                got = await self._send(
                    {"Action": "Getvar", "Channel": row["Channel"], "Variable": name}
                )
                value = Lenient(got)["Value"]
                if got.success and value not in ("", "(null)"):
                    variables[name] = value
            channels.append(
                ChannelInfo(
                    channel=row["Channel"],
                    uniqueid=row["Uniqueid"],
                    state=ChannelState.parse(row["ChannelStateDesc"]),
                    context=row["Context"],
                    exten=row["Exten"],
                    application=row["Application"],
                    bridge_id=row["BridgeId"],
                    variables=variables,
                )
            )
            if row["BridgeId"]:
                bridges.setdefault(row["BridgeId"], []).append(row["Uniqueid"])
        return PbxSnapshot(tuple(channels), {k: tuple(v) for k, v in bridges.items()})


def _as_list(reply: Any) -> list[Any]:
    return reply if isinstance(reply, list) else [reply]


def _read_secret(ami: AmiSettings) -> str:
    if ami.secret:
        return ami.secret
    if ami.secret_file is None:
        raise ConfigError(
            "no AMI secret configured",
            hint="set VCC_AMI_SECRET_FILE (or [ami] secret_file) to a file holding the secret",
        )
    try:
        return ami.secret_file.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the AMI secret from {ami.secret_file}: {exc.strerror}",
            hint="run as root, or start the local PBX first with 'vcc pbx start'",
        ) from None
