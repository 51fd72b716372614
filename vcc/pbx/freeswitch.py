"""``FreeSwitchDriver``: the :class:`PbxDriver` over FreeSWITCH's Event Socket.

Same policy as the Asterisk driver: one supervised connection that authenticates,
subscribes to the events vcc reads, takes a resync snapshot (``show channels as
json``) and reconnects with backoff; every command under a timeout; an originate is
sent again after a lost link only if ``uuid_exists`` says FreeSWITCH never created
the channel vcc named (``origination_uuid``), so an agent never rings twice.

Channels are named by their UUID here (what FreeSWITCH's commands take), so the
engine's channel names are UUIDs on FreeSWITCH. Endpoints come from the engine in
Asterisk's spelling (``PJSIP/1001``); the driver maps them to FreeSWITCH's
(``user/1001``). The caller waits in FreeSWITCH's own dialplan (freeswitch-conf/),
never in vcc, so a vcc restart drops no call.

Not supported (the engine checks ``supports_reservations``): the reserved-agent fast
path, which needs dialplan-side global variables; FreeSWITCH callers are rung by
the controller's originate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime

from vcc.config import EslSettings
from vcc.errors import PbxDisconnected, PbxError, PbxTimeout
from vcc.pbx.esl import EslConnection, EslEvent, argument, channel_variable
from vcc.pbx.events import (
    CallerEnqueued,
    CallerHearsMusic,
    CallerPressed,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelInfo,
    ChannelLeftBridge,
    ChannelState,
    ChannelStateChanged,
    OriginateFailure,
    OriginateFinished,
    OriginateRequest,
    PbxEvent,
    PbxReady,
    PbxResynced,
    PbxSnapshot,
    PbxStatus,
    Reservation,
)
from vcc.pbx.supervised import Supervised

log = logging.getLogger(__name__)

SUBSCRIBED = (
    "CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CHANNEL_BRIDGE "
    "CHANNEL_UNBRIDGE BACKGROUND_JOB CUSTOM vcc::enqueue vcc::key vcc::music"
)
# FreeSWITCH's hangup causes → why an originate failed (as the Asterisk driver says it).
FAILURES = {
    "NO_ANSWER": OriginateFailure.NO_ANSWER, "ORIGINATOR_CANCEL": OriginateFailure.HUNG_UP,
    "USER_BUSY": OriginateFailure.BUSY, "CALL_REJECTED": OriginateFailure.BUSY,
    "NO_USER_RESPONSE": OriginateFailure.NO_ANSWER, "NORMAL_CLEARING": OriginateFailure.HUNG_UP,
}  # fmt: skip
STATES = {"ACTIVE": ChannelState.UP, "RINGING": ChannelState.RINGING, "EARLY": ChannelState.RING,
          "DOWN": ChannelState.DOWN, "HELD": ChannelState.UP}  # fmt: skip


def endpoint(name: str) -> str:
    """An engine endpoint (``PJSIP/1001``, ``PJSIP/vcc-uri/sip:…``) in FreeSWITCH's
    dial-string spelling: a directory user, or a SIP URI through the external profile."""
    tech, _, rest = name.partition("/")
    if tech.upper() != "PJSIP" or not rest:
        raise PbxError(f"endpoint {name[:60]!r} has no FreeSWITCH equivalent")
    if rest.startswith("vcc-uri/"):
        return argument("sofia/external/" + rest.removeprefix("vcc-uri/").removeprefix("sip:"))
    return argument(f"user/{rest}", what="endpoint")


class FreeSwitchDriver(Supervised):
    supports_reservations = False
    link_name = "event socket"

    def __init__(
        self,
        esl: EslSettings,
        *,
        action_timeout: float = 5.0,
        backoff: tuple[float, float] = (0.1, 5.0),
        originate_grace: float = 5.0,
    ) -> None:
        super().__init__(backoff, action_timeout)
        self.esl = esl
        self.originate_grace = originate_grace
        self._connection: EslConnection | None = None
        self._jobs: dict[str, str] = {}  # bgapi Job-UUID → the channel id it originates
        # A job can finish before its bgapi reply is read back (a fast refusal): kept.
        self._early: dict[str, EslEvent] = {}

    def _not_ready(self, timeout: float, last: str) -> PbxTimeout:
        return PbxTimeout(
            f"FreeSWITCH's event socket at {self.esl.host}:{self.esl.port} not ready "
            f"within {timeout:g} s{last}",
            hint="is FreeSWITCH running with freeswitch-conf/'s event_socket.conf.xml?",
        )

    async def _connect_once(self) -> asyncio.Future[str]:
        connection = await EslConnection.open(
            self.esl.host, self.esl.port, self.esl.password, self._dispatch, self.action_timeout
        )
        self._connection = connection
        await connection.command(f"event plain {SUBSCRIBED}")
        snapshot = await self.snapshot_on(connection)
        self._ready.set()
        self._sink(PbxReady(time.time()))
        self._sink(PbxResynced(time.time(), snapshot))
        return connection.closed

    def _drop_connection(self, reason: str) -> None:
        self._ready.clear()
        if self._connection is not None:
            self._connection.close(reason)
            self._connection = None

    def _link(self) -> EslConnection:
        if self._connection is None or not self._ready.is_set():
            raise PbxDisconnected("not connected to FreeSWITCH's event socket")
        return self._connection

    # -- commands --------------------------------------------------------------------
    async def originate(self, request: OriginateRequest) -> None:
        variables = [
            channel_variable("origination_uuid", request.channel_id),
            channel_variable("originate_timeout", str(max(1, int(request.timeout)))),
            *(channel_variable(k.lower(), v) for k, v in request.variables.items()),
        ]
        if request.caller_id:
            variables.append(channel_variable("origination_caller_id_number", request.caller_id))
        line = (
            f"bgapi originate {{{','.join(variables)}}}{endpoint(request.endpoint)} "
            f"s XML {argument(request.context, what='context')}"
        )

        async def send() -> None:
            reply = await self._link().command(line)
            job = reply.headers.get("Job-UUID", "")
            if job:
                self._jobs[job] = request.channel_id
                early = self._early.pop(job, None)
                if early is not None:
                    self._dispatch(early)

        await self._originate_once(request.channel_id, send)

    async def _channel_was_created(self, uuid: str) -> bool:
        """Did FreeSWITCH create the channel? Its originate may still be creating it."""
        deadline = time.monotonic() + self.originate_grace
        while True:
            if (await self._link().api(f"uuid_exists {uuid}")).strip() == "true":
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)  # polling FreeSWITCH within the grace period

    async def hangup(self, channel: str) -> None:
        await self._link().api(f"uuid_kill {argument(channel, what='channel')}")

    async def reserve(self, reservation: Reservation) -> None:
        raise PbxError("the FreeSWITCH driver keeps no reservations (no fast path)")

    async def release(self, queue: str, offer_id: str) -> None:
        raise PbxError("the FreeSWITCH driver keeps no reservations (no fast path)")

    async def redirect(
        self, channel: str, context: str, *, extra: tuple[str, str] | None = None
    ) -> None:
        """Both legs of a bridge move: first told to stay up when the bridge ends."""
        moves = [(channel, context), *([extra] if extra else [])]
        link = self._link()
        for uuid, _ in moves:
            await link.api(
                f"uuid_setvar {argument(uuid, what='channel')} hangup_after_bridge false"
            )
        for uuid, where in moves:
            await link.api(f"uuid_transfer {uuid} s XML {argument(where, what='context')}")

    async def set_variable(self, channel: str, name: str, value: str) -> None:
        pair = channel_variable(name.lower(), value).replace("=", " ", 1)
        await self._link().api(f"uuid_setvar {argument(channel, what='channel')} {pair}")

    async def get_variable(self, channel: str, name: str) -> str | None:
        value = await self._link().api(
            f"uuid_getvar {argument(channel, what='channel')} {argument(name.lower(), what='name')}"
        )
        value = value.strip()
        return None if value in ("", "_undef_") else value

    async def mute_recording(self, channel: str, muted: bool) -> None:
        path = await self.get_variable(channel, "vcc_record_path")
        if path is None:
            raise PbxError(f"channel {channel} is not being recorded")
        mask = "mask" if muted else "unmask"
        await self._link().api(f"uuid_record {argument(channel)} {mask} {argument(path)}")

    async def snapshot(self) -> PbxSnapshot:
        return await self.snapshot_on(self._link())

    async def snapshot_on(self, link: EslConnection) -> PbxSnapshot:
        try:
            rows = json.loads(await link.api("show channels as json") or "{}").get("rows") or []
        except json.JSONDecodeError:
            raise PbxError("FreeSWITCH's channel list is not JSON") from None
        channels: list[ChannelInfo] = []
        bridges: dict[str, tuple[str, ...]] = {}
        for row in rows:
            uuid = str(row.get("uuid", ""))
            bridged = str(row.get("call_uuid") or "")
            channels.append(
                ChannelInfo(
                    channel=uuid, uniqueid=uuid,
                    state=STATES.get(str(row.get("callstate", "")), ChannelState.UNKNOWN),
                    context=str(row.get("context", "")), exten=str(row.get("dest", "")),
                    application=str(row.get("application", "")), bridge_id=bridged,
                )
            )  # fmt: skip
            if bridged:
                bridges.setdefault(bridged, ())
                bridges[bridged] += (uuid,)
        return PbxSnapshot(tuple(channels), bridges)

    async def status(self) -> PbxStatus:
        text = await self._link().api("status")
        version = next((line for line in text.splitlines() if "FreeSWITCH" in line), "")
        registered = json.loads(await self._link().api("show registrations as json") or "{}")
        users = tuple(sorted(str(r.get("reg_user", "")) for r in registered.get("rows") or []))
        return PbxStatus(version.strip(), 0.0, users)

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._link().api("status")
        return time.perf_counter() - started

    # -- events ----------------------------------------------------------------------
    def _dispatch(self, event: EslEvent) -> None:
        typed = self.translate(event)
        if typed is not None:
            self._sink(typed)

    def translate(self, event: EslEvent) -> PbxEvent | None:
        at = _at(event)
        uuid = event.get("Unique-ID")
        match event.name:
            case "CHANNEL_CREATE":
                return ChannelCreated(
                    at, uuid, uuid, event.get("Caller-Caller-ID-Number"),
                    event.get("Caller-Destination-Number"), event.get("Caller-Context"),
                )  # fmt: skip
            case "CHANNEL_PROGRESS":
                return ChannelStateChanged(at, uuid, uuid, ChannelState.RINGING)
            case "CHANNEL_ANSWER":
                return ChannelStateChanged(at, uuid, uuid, ChannelState.UP)
            case "CHANNEL_HANGUP_COMPLETE":
                cause = event.get("variable_hangup_cause_q850", "0")
                return ChannelHungUp(
                    at, uuid, uuid, int(cause) if cause.isdigit() else 0, event.get("Hangup-Cause")
                )
            case "CHANNEL_BRIDGE":
                return ChannelEnteredBridge(at, event.get("Bridge-A-Unique-ID", uuid), uuid, uuid)
            case "CHANNEL_UNBRIDGE":
                return ChannelLeftBridge(at, event.get("Bridge-A-Unique-ID", uuid), uuid, uuid)
            case "BACKGROUND_JOB":
                return self._job_done(event, at)
            case "CUSTOM":
                return _custom(event, at, uuid)
        return None

    def _job_done(self, event: EslEvent, at: float) -> PbxEvent | None:
        channel_id = self._jobs.pop(event.get("Job-UUID"), None)
        if channel_id is None:
            if len(self._early) < 1000:
                self._early[event.get("Job-UUID")] = event
            return None
        result = event.body.strip()
        if result.startswith("+OK"):
            return OriginateFinished(at, channel_id, True, None)
        cause = result.removeprefix("-ERR").strip()
        return OriginateFinished(
            at, channel_id, False, FAILURES.get(cause, OriginateFailure.UNREACHABLE)
        )


def _custom(event: EslEvent, at: float, uuid: str) -> PbxEvent | None:
    match event.get("Event-Subclass"):
        case "vcc::enqueue":
            enqueued = event.get("variable_vcc_enqueued", "")
            priority = event.get("variable_vcc_priority", "0")
            return CallerEnqueued(
                at, event.get("variable_vcc_queue"), uuid, uuid,
                float(enqueued) if enqueued.replace(".", "", 1).isdigit() else at,
                int(priority) if priority.isdigit() else 0,
            )  # fmt: skip
        case "vcc::key":
            return CallerPressed(at, uuid, event.get("vcc_key"))
        case "vcc::music":
            return CallerHearsMusic(at, uuid)
    return None


def _at(event: EslEvent) -> float:
    micros = event.get("Event-Date-Timestamp")
    if micros.isdigit():
        return int(micros) / 1_000_000
    return datetime.now(UTC).timestamp()
