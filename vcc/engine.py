"""The one loop: PBX events → the pure core → PBX commands.

PBX adapters (and later the API) only hand events to :meth:`Engine.submit`; one
task consumes them in order, so the core needs no locks and nothing runs loose.

Where the driver supports it, the router reserves free agents for the next caller of
a queue and the PBX rings them without asking (``fast_path``). Such an agent leg is
made by the caller's own Dial, so its unique id is the PBX's, not the offer id: the
engine learns it from that Dial's ``DialBegin`` (``CallerTookReservation``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from vcc.core import routing
from vcc.core.queue_status import ServiceLevels
from vcc.core.queues import RecordingPolicy
from vcc.errors import Conflict, PbxDisconnected, PbxError, RecordingNotAllowed
from vcc.metrics import Histogram
from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import (
    CallerEnqueued,
    CallerHearsMusic,
    CallerPressed,
    CallerTookReservation,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelInfo,
    ChannelState,
    ChannelStateChanged,
    ConsultLineEnded,
    DialEnded,
    DialStarted,
    OriginateFinished,
    OriginateRequest,
    PbxEvent,
    PbxResynced,
    Reservation,
    ReservedDialFailed,
)
from vcc.recording import Recorder, RecordingRecord, RecordingStarted, RecordingStore

log = logging.getLogger(__name__)

CONNECT_CONTEXT = "vcc-connect"
OUTBOUND_CONTEXT = "vcc-outbound"
ENQUEUE_CONTEXT = "vcc-enqueue"
HOLD_CONTEXT = "vcc-hold"
AGENT_HOLD_CONTEXT = "vcc-agent-hold"
CONSULT_CONTEXT = "vcc-consult"
END_CONTEXT = "vcc-end"
CONFERENCE_CONTEXT = "vcc-conference"
TRANSFER_OUT_CONTEXT = "vcc-transfer-out"
WAIT_CONTEXT = "vcc-wait"
AWAY_CONTEXT = "vcc-away"
ANNOUNCE_CONTEXT = "vcc-announce"
MESSAGE_CONTEXT = "vcc-message"
VOICEMAIL_CONTEXT = "vcc-voicemail"
VOICEMAIL_FOLDER = "voicemail"  # in the recordings directory
# A waiting caller is in one of these (music, or hearing something from the queue).
WAITING_CONTEXTS = frozenset({WAIT_CONTEXT, ANNOUNCE_CONTEXT, MESSAGE_CONTEXT})
# A reserved agent's Dial that ended unanswered (DIALSTATUS) → the core's reason.
DIAL_FAILURES = {"NOANSWER": "no-answer", "BUSY": "busy"}  # others: unreachable
# How the customer's phone answered an agent-first call's Dial → the core's reason.
NOT_REACHED = {"BUSY": "busy", "NOANSWER": "no_answer"}  # others: unreachable
# Hangup causes of a reserved agent's leg that mean the agent turned the call down.
BUSY_CAUSES = frozenset({17, 21})  # user busy, call rejected

Input = PbxEvent | routing.Event


class _Wake:
    """In the inbox: events were submitted first (:meth:`Engine.submit_first`)."""


_WAKE = _Wake()


@dataclass(frozen=True)
class _Ask:
    """An event whose commands the asker waits for (see :meth:`Engine.ask`)."""

    event: routing.Event
    reply: asyncio.Future[list[routing.Command]]


class Journal(Protocol):
    """Where the router's records go (the database: ``vcc.store.journal.StoreJournal``)."""

    def submit(
        self,
        record: routing.Record | RecordingRecord | routing.RingAgent | routing.CallAgentFirst,
        at: float,
    ) -> None:
        """Take a record; must not wait."""

    async def run(self) -> None:
        """Write records until cancelled."""

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until what was submitted is written."""


class Engine:
    def __init__(
        self,
        driver: PbxDriver,
        state: routing.RouterState,
        *,
        tick_interval: float = 0.5,
        clock: Callable[[], float] = time.time,
        journal: Journal | None = None,
        fast_path: bool | None = None,
        recordings: RecordingStore | None = None,
    ) -> None:
        """``fast_path``: reserve free agents for the next caller (None: whenever the
        driver supports it). ``recordings``: where the PBX writes call recordings (None:
        calls are not recorded, whatever their queue says)."""
        self.driver = driver
        self.journal = journal
        self.service_levels = ServiceLevels()  # for the queues' status (vcc.core.queue_status)
        # Called with each event the router took and each command it made, once applied
        # (the API's live events); an observer that fails is logged, never stops the engine.
        self.observers: list[Callable[[routing.Event | routing.Command], None]] = []
        self.routing_latency = Histogram()  # each decision of the router (/metrics)
        # Called with each PBX event first (services that wait on one, vcc.prompts).
        self.pbx_listeners: list[Callable[[PbxEvent], None]] = []
        self.recorder = (
            None if recordings is None else Recorder(recordings, driver, self._keep_recording)
        )
        if fast_path is None:
            fast_path = driver.supports_reservations
        self.state = replace(state, reserve_agents=fast_path)
        self.tick_interval = tick_interval
        self.clock = clock
        self.inbox: asyncio.Queue[Input | _Ask | _Wake] = asyncio.Queue()
        self.first: collections.deque[routing.Event] = collections.deque()  # submit_first
        self.channel_names: dict[str, str] = {}  # uniqueid → channel name, for hangups
        self.caller_ids: dict[str, str] = {}  # uniqueid → the number it calls from
        # Callers who took a reservation, while their Dial runs: uniqueid → offer id;
        # the agent legs those Dials made: uniqueid → offer id, and offer id → channel
        # name (an originated leg's uniqueid is its offer id: it needs none of this).
        self.reserving: dict[str, str] = {}
        self.reserved_legs: dict[str, str] = {}
        self.leg_names: dict[str, str] = {}
        self.steps = 0  # events handled: lets tests and benchmarks wait for quiescence
        # Recent status changes and refusals, in order, for whoever is in this process
        # (the API will read refusals; the journal, if any, stores the changes).
        self.status_log: list[routing.StatusChanged] = []
        self.refusals: list[routing.StatusRefused] = []
        driver.subscribe(self.inbox.put_nowait)

    def submit(self, event: Input) -> None:
        self.inbox.put_nowait(event)

    def submit_first(self, event: routing.Event) -> None:
        """Apply ``event`` before anything already waiting in the inbox: what another
        router decided for an agent (the digital desk's offers) binds this one from its
        very next decision."""
        self.first.append(event)
        self.inbox.put_nowait(_WAKE)

    async def ask(self, event: routing.Event) -> list[routing.Command]:
        """Apply ``event`` in turn with the others; return the commands it produced
        (how a service learns, say, that a call it asked for was refused)."""
        reply: asyncio.Future[list[routing.Command]] = asyncio.get_running_loop().create_future()
        self.inbox.put_nowait(_Ask(event, reply))
        return await reply

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[asyncio.Task[None]]:
        """Run the loop and connect the PBX; on exit stop both. Yields the loop's task."""
        task = asyncio.create_task(self.run(), name="engine")
        writer = None
        if self.journal is not None:
            writer = asyncio.create_task(self.journal.run(), name="journal")
        try:
            await self.driver.start()
            yield task
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self._withdraw_reservations()
            await self.driver.close()
            if writer is not None and self.journal is not None:
                await self.journal.drain()
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer

    async def run(self) -> None:
        """Consume events forever (cancel the task to stop)."""
        await self._apply(routing.Tick(self.clock()))  # the core learns the time first
        next_tick = self.clock() + self.tick_interval
        while True:
            try:
                async with asyncio.timeout(max(0.0, next_tick - self.clock())):
                    item: Input | _Ask | _Wake = await self.inbox.get()
            except TimeoutError:
                item = routing.Tick(self.clock())
            if self.clock() >= next_tick:
                next_tick = self.clock() + self.tick_interval
                if not isinstance(item, routing.Tick):
                    await self._apply(routing.Tick(self.clock()))
            await self._step(item)

    async def _withdraw_reservations(self) -> None:
        """On the way out: no PBX should ring an agent for a controller that is gone."""
        for queue, offer_id in self.state.reservations.items():
            try:
                await self.driver.release(queue, offer_id)
            except PbxError as exc:
                log.info("reservation of %s left on the PBX: %s", queue, exc)

    async def _step(self, item: Input | _Ask | _Wake) -> None:
        self.steps += 1
        if isinstance(item, _Wake):
            await self._apply_first()
        elif isinstance(item, _Ask):
            commands = await self._apply(item.event)
            if not item.reply.done():  # the asker may have given up
                item.reply.set_result(commands)
        elif isinstance(item, PbxEvent):
            for listener in self.pbx_listeners:
                listener(item)
            for event in self._translate(item):
                await self._apply(event)
            if isinstance(item, ChannelEnteredBridge) and self.recorder is not None:
                await self._bridged(item)
        else:
            await self._apply(item)

    async def _apply_first(self) -> None:
        while self.first:
            await self._apply_now(self.first.popleft())

    async def _apply(self, event: routing.Event) -> list[routing.Command]:
        """Apply what was submitted first, then ``event`` (returns its commands)."""
        await self._apply_first()
        return await self._apply_now(event)

    async def _apply_now(self, event: routing.Event) -> list[routing.Command]:
        """Apply ``event`` and what its commands' failures cause; return all commands."""
        done: list[routing.Command] = []
        follow_ups: list[routing.Event] = [event]
        while follow_ups:
            started = time.perf_counter()
            current = follow_ups.pop(0)
            self.state, commands = routing.handle(self.state, current)
            self.routing_latency.observe(time.perf_counter() - started)
            self._tell_observers(current)
            for command in commands:  # first what waits on nothing: a slow PBX delays no record
                self._record(command)
                self._tell_observers(command)
            for command in commands:
                failure = await self._execute(command)
                if failure is not None:
                    follow_ups.append(failure)
            done += commands
        if self.recorder is not None:
            self.recorder.ended(self.state.offers, self.clock())
        return done

    def _tell_observers(self, item: routing.Event | routing.Command) -> None:
        for observer in self.observers:
            try:
                observer(item)
            except Exception:  # a listener's bug must not stop the calls
                log.exception("an observer failed on %s", type(item).__name__)

    def _record(self, command: routing.Command) -> None:
        """The store's records and this process's logs of a command."""
        match command:
            case routing.StatusChanged():
                self.status_log.append(command)
                log.info(
                    "agent %s: %s%s by %s",
                    command.agent_id,
                    command.status.value,
                    f" ({command.reason})" if command.reason else "",
                    command.by,
                )
            case routing.StatusRefused():
                self.refusals.append(command)
            case routing.InteractionStarted(queue=str(queue)):
                self.service_levels.started(command.call_id, queue, command.enqueued_at)
            case routing.OfferEnded(result="answered"):
                offer = self.state.offers.get(command.offer_id)
                if offer is not None and offer.call_id and not offer.direct:
                    self.service_levels.answered(offer.call_id, command.at)
            case routing.InteractionEnded(outcome="abandoned"):
                self.service_levels.abandoned(command.call_id, command.at)
            case routing.InteractionEnded():
                self.service_levels.forget(command.call_id)
        if isinstance(command, routing.OfferEnded) and self.recorder is not None:
            self._recording_answered(command)
        if self.journal is not None and isinstance(
            command,
            routing.InteractionStarted
            | routing.OfferEnded
            | routing.InteractionEnded
            | routing.StatusChanged
            | routing.DispositionSet
            | routing.OfferAdopted
            | routing.RingAgent
            | routing.CallAgentFirst,
        ):
            self.journal.submit(command, self.state.now)
        if self.journal is not None and isinstance(command, routing.ReservationUsed):
            self.journal.submit(command.ring, self.state.now)  # the offer, as if originated

    async def _execute(self, command: routing.Command) -> routing.Event | None:
        """Carry out a command on the PBX; a failure the router must hear of, returned."""
        try:
            match command:
                case routing.RingAgent():  # once answered, the agent's leg bridges the caller
                    await self._ring(
                        command,
                        CONNECT_CONTEXT,
                        VCC_CALLER=command.caller_channel,
                        **self._recording_for(command),
                    )
                case routing.CallAgentFirst():  # once answered, it dials the customer
                    await self._ring(
                        command,
                        OUTBOUND_CONTEXT,
                        VCC_DIAL=command.dial,
                        VCC_RING=f"{command.customer_timeout:.0f}",
                    )
                case routing.SendToQueue():
                    await self.driver.set_variable(command.channel, "VCC_QUEUE", command.queue)
                    if not command.keep_wait:  # vcc-enqueue stamps the time anew
                        await self.driver.set_variable(command.channel, "VCC_ENQUEUED", "")
                    await self.driver.redirect(command.channel, ENQUEUE_CONTEXT)
                case routing.HoldCall():
                    await self._hold(command)
                case routing.StartConsult():
                    await self._start_consult(command)
                case routing.CompleteConsult():
                    await self._complete_consult(command)
                case routing.JoinConference():
                    await self._join_conference(command)
                case routing.HangUpCaller():
                    caller = self.channel_names.get(command.call_id)
                    if caller is not None:
                        await self.driver.hangup(caller)
                case routing.HoldCaller():
                    await self.driver.redirect(command.channel, HOLD_CONTEXT)
                case routing.SendToNumber():
                    await self.driver.set_variable(command.channel, "VCC_DIAL", command.dial)
                    await self.driver.set_variable(
                        command.channel, "VCC_RING", f"{command.timeout:.0f}"
                    )
                    await self.driver.redirect(command.channel, TRANSFER_OUT_CONTEXT)
                case routing.StopRinging():
                    name = self._agent_leg(command.offer_id)
                    if name is not None:
                        await self.driver.hangup(name)
                case routing.ReserveAgent():
                    await self.driver.reserve(
                        Reservation(
                            command.queue, command.offer_id, command.endpoint, command.timeout
                        )
                    )
                case routing.ReleaseReservation():
                    await self.driver.release(command.queue, command.offer_id)
                case routing.MoveCaller():
                    # kept on the channel so a restarted controller finds the queue
                    await self.driver.set_variable(command.channel, "VCC_QUEUE", command.queue)
                    await self.driver.set_variable(
                        command.channel, "VCC_ENQUEUED", f"{self.state.now:.0f}"
                    )
                    if command.restart_music:  # the wait loop picks its class as it starts
                        await self.driver.redirect(command.channel, WAIT_CONTEXT)
                case routing.AnnouncePosition():
                    minutes = "" if command.wait is None else str(max(1, round(command.wait / 60)))
                    await self.driver.set_variable(
                        command.channel, "VCC_AHEAD", str(command.position - 1)
                    )
                    await self.driver.set_variable(command.channel, "VCC_EWT_MINUTES", minutes)
                    await self.driver.redirect(command.channel, ANNOUNCE_CONTEXT)
                case routing.PlayMessage():
                    await self.driver.set_variable(command.channel, "VCC_SOUND", command.sound)
                    await self.driver.redirect(command.channel, MESSAGE_CONTEXT)
                case routing.SendToVoicemail() if self.recorder is not None:
                    # The file's name is vcc's own; the digital desk hears of the message
                    # from the dialplan's VccVoicemail (pbx.events.VoicemailLeft).
                    name = f"vm-{uuid.uuid4().hex}"
                    path = self.recorder.store.pbx_path(f"{VOICEMAIL_FOLDER}/{name}.wav")
                    for variable, value in (("VCC_VM_NAME", name), ("VCC_VM_FILE", path),
                                            ("VCC_VM_QUEUE", command.queue)):  # fmt: skip
                        await self.driver.set_variable(command.channel, variable, value)
                    await self.driver.redirect(command.channel, VOICEMAIL_CONTEXT)
                case routing.SendToVoicemail():  # no recordings directory: no messages
                    log.warning("queue %s: no voicemail without vcc's own PBX", command.queue)
                    await self.driver.redirect(command.channel, AWAY_CONTEXT)
                case routing.SendCallerAway():
                    if command.sound is not None:
                        await self.driver.set_variable(command.channel, "VCC_SOUND", command.sound)
                    await self.driver.redirect(command.channel, AWAY_CONTEXT)
        except PbxError as exc:
            if isinstance(
                command, routing.ReserveAgent | routing.ReleaseReservation
            ) and isinstance(exc, PbxDisconnected):
                # Harmless: the resync after the reconnect sends every reservation again,
                # and a caller who takes a stale one is handled by the router.
                log.debug("%s failed: %s", type(command).__name__, exc)
                return None
            log.warning("%s failed: %s", type(command).__name__, exc)
            if isinstance(command, routing.RingAgent | routing.CallAgentFirst):
                return routing.OfferFailed(command.offer_id, "pbx-error", self.clock())
        except Exception:
            # A bug, or a library error the driver did not translate: one command lost,
            # not the loop, nor the commands after it (statuses, records, other calls).
            log.exception("%s failed", type(command).__name__)
            if isinstance(command, routing.RingAgent | routing.CallAgentFirst):
                return routing.OfferFailed(command.offer_id, "pbx-error", self.clock())
        return None

    def _translate(self, event: PbxEvent) -> list[routing.Event]:
        """PBX facts → the core's events. Unknown channels are not the core's business."""
        state = self.state
        match event:
            case CallerTookReservation():  # before CallerEnqueued: it is one too
                self.reserving[event.uniqueid] = event.offer_id
                self.reserved_legs[event.leg_uniqueid] = event.offer_id
                self.leg_names[event.offer_id] = event.leg_channel
                return [self._reservation_taken(event)]
            case CallerEnqueued():
                return [
                    routing.CallerArrived(
                        event.uniqueid,
                        event.channel,
                        event.queue,
                        event.enqueued_at,
                        event.priority,
                    )
                ]
            case CallerPressed():
                return [routing.CallerPressedKey(event.uniqueid, event.key, event.at)]
            case CallerHearsMusic():
                return [routing.CallerBackToMusic(event.uniqueid)]
            case ChannelCreated():
                self.channel_names[event.uniqueid] = event.channel
                self.caller_ids[event.uniqueid] = event.caller_id
            case ChannelStateChanged(state=ChannelState.UP) if event.uniqueid in state.offers:
                return [routing.AgentAnswered(event.uniqueid, event.at)]
            case ChannelStateChanged(state=ChannelState.UP) if event.uniqueid in self.reserved_legs:
                return [routing.AgentAnswered(self.reserved_legs[event.uniqueid], event.at)]
            case DialStarted() if (offer := self._offer_of_leg(event.caller_uniqueid)) and (
                offer.consult is not None
            ):
                self.reserved_legs[event.uniqueid] = offer.consult  # line 2's far end
                self.leg_names[offer.consult] = event.channel
            case DialEnded() if (offer := self._offer_of_leg(event.caller_uniqueid)) and (
                offer.consult is not None
            ):
                if event.status == "ANSWER":
                    return [routing.ConsultAnswered(offer.offer_id, event.at)]
            case ConsultLineEnded() if offer := self._offer_of_leg(event.uniqueid):
                return [routing.ConsultEnded(offer.offer_id, event.at)]
            case DialEnded() if (
                offer := state.offers.get(event.caller_uniqueid)
            ) is not None and offer.direct:
                if event.status == "ANSWER":
                    return [routing.CustomerAnswered(offer.call_id, event.at)]
                reason = NOT_REACHED.get(event.status, "unreachable")
                return [routing.CustomerNotReached(offer.call_id, reason, event.at)]
            case ReservedDialFailed():
                self.reserving.pop(event.caller_uniqueid, None)
                offer = state.offers.get(event.offer_id)
                if offer is None or offer.answered:
                    return []
                reason = DIAL_FAILURES.get(event.status, "unreachable")
                failed = routing.OfferFailed(event.offer_id, reason, event.at)
                if not offer.reserved:
                    return [failed]
                # The Dial made no leg (the phone is gone): no DialBegin said it was taken.
                return [] if event.taken is None else [self._reservation_taken(event.taken), failed]
            case OriginateFinished():
                if event.answered:
                    return [routing.AgentAnswered(event.channel_id, event.at)]
                reason = event.reason.value if event.reason else "failed"
                return [routing.OfferFailed(event.channel_id, reason, event.at)]
            case ChannelHungUp():
                self.channel_names.pop(event.uniqueid, None)
                self.caller_ids.pop(event.uniqueid, None)
                self.reserving.pop(event.uniqueid, None)
                leg_of = self.reserved_legs.pop(event.uniqueid, None)
                if leg_of is not None:
                    self.leg_names.pop(leg_of, None)
                    offer = state.offers.get(leg_of)
                    if offer is None or offer.reserved:
                        return []
                    if offer.answered:
                        return [routing.CallEnded(leg_of, event.at)]
                    reason = "busy" if event.cause in BUSY_CAUSES else "no-answer"
                    return [routing.OfferFailed(leg_of, reason, event.at)]
                if event.uniqueid in state.offers:
                    return [routing.CallEnded(event.uniqueid, event.at)]
                if state.caller(event.uniqueid) or state.offer_for_call(event.uniqueid):
                    return [routing.CallerLeft(event.uniqueid)]
            case PbxResynced():
                return self._reconcile(event)
        return []

    async def _ring(
        self, command: routing.RingAgent | routing.CallAgentFirst, context: str, **variables: str
    ) -> None:
        """Originate the agent's phone (its leg's unique id is the offer id) into ``context``."""
        await self.driver.originate(
            OriginateRequest(
                channel_id=command.offer_id,
                endpoint=command.endpoint,
                context=context,
                timeout=command.timeout,
                variables={**variables, "VCC_INTERACTION": command.call_id},
            )
        )

    # -- recording (vcc.recording) ---------------------------------------------------
    def _keep_recording(self, record: RecordingRecord) -> None:
        log.info("recording %s: %s", type(record).__name__, record.path)
        if self.journal is not None:
            self.journal.submit(record, record.at)

    def _records_always(self, offer: routing.Offer | None) -> bool:
        queue = self.state.queues.get(offer.queue) if offer is not None else None
        return queue is not None and queue.recording is RecordingPolicy.ALWAYS

    def _recording_for(self, command: routing.RingAgent) -> dict[str, str]:
        """A file for the leg to record into once it answers, if its queue records always."""
        offer = self.state.offers.get(command.offer_id)
        if self.recorder is None or offer is None or not self._records_always(offer):
            return {}
        if self.recorder.recording(command.offer_id):
            return {}
        return {"VCC_RECORD": self.recorder.plan(command.offer_id, command.call_id, self.clock())}

    def _recording_answered(self, command: routing.OfferEnded) -> None:
        assert self.recorder is not None
        offer = self.state.offers.get(command.offer_id)
        if command.result != "answered" or offer is None:
            self.recorder.forget(command.offer_id)
        elif not self.recorder.answered(offer.offer_id, offer.agent_id, command.at) and (
            offer.fast and offer.call_id and self._records_always(offer)
        ):
            # The caller's own Dial rang the agent: no file was handed over. Once the
            # Dial has bridged the two, they are bridged again through vcc-record.
            leg = next((u for u, o in self.reserved_legs.items() if o == offer.offer_id), "")
            self.recorder.want(offer.offer_id, offer.call_id, leg)

    async def _bridged(self, event: ChannelEnteredBridge) -> None:
        assert self.recorder is not None
        offer_id = self.recorder.bridged(event.uniqueid)
        if offer_id is not None:
            try:
                await self.start_recording(offer_id)
            except (PbxError, Conflict) as exc:
                log.warning("recording %s did not start: %s", offer_id, exc.message)

    async def start_recording(self, offer_id: str) -> RecordingStarted:
        """Record the offer's connected call from now on (CallControl checks the policy)."""
        if self.recorder is None:
            raise RecordingNotAllowed(
                "calls are not recorded here", hint="vcc records calls on its own PBX only"
            )
        offer = self.state.offers.get(offer_id)
        caller = self.channel_names.get(offer.call_id) if offer is not None else None
        agent = self._agent_leg(offer_id)
        if offer is None or caller is None or agent is None:
            raise Conflict("the legs of this call are not known")
        return await self.recorder.start(
            offer_id, offer.call_id, offer.agent_id, agent, caller, self.clock()
        )

    async def pause_recording(self, offer_id: str, paused: bool) -> None:
        """Record silence (``paused``) or the call again."""
        agent = self._agent_leg(offer_id)
        if self.recorder is None or agent is None or not self.recorder.recording(offer_id):
            raise Conflict("this call is not being recorded")
        await self.recorder.pause(offer_id, agent, paused, self.clock())

    def _offer_of_leg(self, uniqueid: str) -> routing.Offer | None:
        """The offer whose agent's leg this is (an originated leg's id is its offer id)."""
        offer_id = uniqueid if uniqueid in self.state.offers else self.reserved_legs.get(uniqueid)
        return self.state.offers.get(offer_id or "")

    async def hang_up_agent(self, offer_id: str) -> None:
        """End the agent's leg of a call (the router hears of it as for any hang-up)."""
        leg = self._agent_leg(offer_id)
        if leg is None:
            raise Conflict("the agent's leg of this call is not known")
        await self.driver.hangup(leg)

    def _agent_leg(self, offer_id: str) -> str | None:
        return self.channel_names.get(offer_id) or self.leg_names.get(offer_id)

    def _legs(
        self, what: str, call_id: str, offer_id: str, line_2: str | None = None
    ) -> list[str] | None:
        """The channel names of the caller and the agent's leg (and line 2's), or None,
        logged, if one is not known (its events were missed while vcc was away)."""
        wanted = [self.channel_names.get(call_id), self._agent_leg(offer_id)]
        if line_2 is not None:
            wanted.append(self.leg_names.get(line_2))
        names = [name for name in wanted if name is not None]
        if len(names) < len(wanted):
            log.warning("%s: the legs of %s are not known", what, call_id)
            return None
        return names

    async def _start_consult(self, command: routing.StartConsult) -> None:
        legs = self._legs("consult", command.call_id, command.offer_id)
        if legs is None:  # no line 2, then: the router takes the agent back
            self.submit(routing.ConsultEnded(command.offer_id, self.clock()))
            return
        caller, agent = legs
        await self.driver.set_variable(agent, "VCC_DIAL", command.dial)
        await self.driver.set_variable(agent, "VCC_RING", f"{command.timeout:.0f}")
        await self.driver.redirect(caller, HOLD_CONTEXT, extra=(agent, CONSULT_CONTEXT))

    async def _complete_consult(self, command: routing.CompleteConsult) -> None:
        """Line 2's party takes the caller (bridged from their side); the agent leaves."""
        legs = self._legs("complete", command.call_id, command.offer_id, command.consult)
        if legs is None:
            return
        caller, agent, line2 = legs
        await self.driver.set_variable(line2, "VCC_CALLER", caller)
        await self.driver.redirect(line2, CONNECT_CONTEXT, extra=(agent, END_CONTEXT))

    async def _join_conference(self, command: routing.JoinConference) -> None:
        """The agent and line 2 move together (one Redirect: their Dial must not hang
        either up), then the caller from the music."""
        legs = self._legs("conference", command.call_id, command.offer_id, command.consult)
        if legs is None:
            return
        caller, agent, line2 = legs
        for channel in (caller, agent, line2):
            await self.driver.set_variable(channel, "VCC_ROOM", command.room)
        await self.driver.redirect(agent, CONFERENCE_CONTEXT, extra=(line2, CONFERENCE_CONTEXT))
        await self.driver.redirect(caller, CONFERENCE_CONTEXT)

    async def _hold(self, command: routing.HoldCall) -> None:
        """Both legs move at once (one Redirect), so neither is hung up when the other
        leaves their bridge; taking the call back bridges them again in vcc-connect."""
        legs = self._legs("hold", command.call_id, command.offer_id)
        if legs is None:
            return
        caller, agent = legs
        if command.hold:
            await self.driver.redirect(caller, HOLD_CONTEXT, extra=(agent, AGENT_HOLD_CONTEXT))
        else:
            await self.driver.set_variable(agent, "VCC_CALLER", caller)
            await self.driver.redirect(agent, CONNECT_CONTEXT)

    def _reservation_taken(self, event: CallerTookReservation) -> routing.ReservationTaken:
        return routing.ReservationTaken(
            event.queue,
            event.offer_id,
            event.uniqueid,
            event.channel,
            event.enqueued_at,
            event.priority,
            event.at,
            self._reserved_agent(event),
        )

    def _reserved_agent(self, event: CallerTookReservation) -> str:
        """Whose reservation the caller took: the offer's agent (their phone may be any
        dial string, see vcc.profile), else whoever's endpoint the Dial rang."""
        offer = self.state.offers.get(event.offer_id)
        return offer.agent_id if offer is not None else self._agent_at(event.endpoint) or ""

    def _agent_of(self, channel: str) -> str | None:
        """The agent whose phone this channel is (``PJSIP/1001-0000002a`` → 1001)."""
        return self._agent_at(channel.rsplit("-", 1)[0])

    def _agent_at(self, endpoint: str) -> str | None:
        """The agent whose phone is ``endpoint`` (``PJSIP/1001`` → 1001)."""
        return next((a.id for a in self.state.agents.values() if a.endpoint == endpoint), None)

    def _reconcile(self, event: PbxResynced) -> list[routing.Event]:
        """After a (re)connect, events were missed: rebuild from what the PBX holds."""
        snapshot = event.snapshot
        seen_before = set(self.channel_names) | set(self.leg_names)
        self.channel_names.update({c.uniqueid: c.channel for c in snapshot.channels})
        offer_of = {c.uniqueid: _offer_of(c) for c in snapshot.channels}
        self.reserving = {k: v for k, v in self.reserving.items() if k in offer_of}
        for uniqueid, offer_id in offer_of.items():
            if offer_id != uniqueid:
                self.reserved_legs[uniqueid] = offer_id
                self.leg_names[offer_id] = self.channel_names[uniqueid]
        present = {c.uniqueid for c in snapshot.channels} | set(offer_of.values())
        arrived: list[routing.Event] = []
        adopted: list[routing.Event] = []
        for channel in snapshot.channels:
            queue = channel.variables.get("VCC_QUEUE")
            if channel.context in WAITING_CONTEXTS and queue:
                with contextlib.suppress(ValueError):
                    enqueued = float(channel.variables.get("VCC_ENQUEUED", event.at))
                    priority = int(channel.variables.get("VCC_PRIORITY", "0"))
                    arrived.append(
                        routing.CallerArrived(
                            channel.uniqueid, channel.channel, queue, enqueued, priority
                        )
                    )
            offer_id = offer_of[channel.uniqueid]
            known = self.state.offers.get(offer_id)
            if known is not None and not known.reserved and channel.state is ChannelState.UP:
                adopted.append(routing.AgentAnswered(offer_id, event.at))
            agent_id = self._agent_of(channel.channel)
            # (a reservation a caller took while we were away: the router adopts it too)
            if agent_id is not None and (known is None or known.reserved):
                adopted.append(
                    routing.OfferFound(
                        offer_id,
                        agent_id,
                        channel.variables.get("VCC_INTERACTION", ""),
                        channel.state is ChannelState.UP,
                        event.at,
                    )
                )
        # callers first, so an adopted offer finds the caller it was for
        events: list[routing.Event] = [*arrived, *adopted]
        events += [
            routing.CallerLeft(c.call_id, lost=True)
            for c in self.state.waiting
            if c.call_id not in present
        ]
        # An offer whose channel we saw, and which is gone now, ended while we were away.
        # One whose channel we never saw may still be on its way (its Originate is being
        # retried right now): the router's own offer deadline covers it if it never comes.
        events += [
            routing.CallEnded(offer_id, event.at, lost=True)
            for offer_id, offer in self.state.offers.items()
            if offer_id not in present
            and not offer.reserved
            and (offer.answered or offer_id in seen_before)
        ]
        return [routing.Resynced(tuple(events))]


def _offer_of(channel: ChannelInfo) -> str:
    """The offer an agent's channel would be for: its uniqueid if originated. A reserved
    agent's leg has the offer id in VCC_OFFER and its caller's uniqueid in
    VCC_INTERACTION, both inherited from that caller (who has them too)."""
    offer = channel.variables.get("VCC_OFFER", "")
    caller = channel.variables.get("VCC_INTERACTION", "")
    return offer if offer and caller and caller != channel.uniqueid else channel.uniqueid
