"""The ACD core: which agent's phone rings for which waiting caller, and what follows.

``handle(state, event) -> (state, commands)`` over frozen values, with the time
carried by the events (the core has no clock). The engine feeds it PBX and API
events and carries out the commands.

Routing rules, in the order they apply:

1. Callers wait per queue, served by caller priority (higher first), then arrival.
2. An agent may take a caller when their status takes queue offers (Available),
   they have no offer ringing or connected, they serve the caller's queue, have the
   queue's required skills, and have not already let this caller ring out.
3. Among those, only agents at their best (lowest) priority for the queue ring, and
   an agent is held for a queue they rank higher when it has a caller for them.
4. The queue's strategy picks one: longest idle, round robin, fewest calls, best skill.

An agent's status changes when they ask (checked against :mod:`vcc.core.agents`),
when an interaction starts (Busy) and ends (Wrap-up, then Available or what they
asked for meanwhile), and when they let too many offers ring out (Break, with the
system's reason code).

Reservations (``RouterState.reserve_agents``): ringing an agent only once a caller
is in the queue costs a round trip to the controller and back. So while an agent is
free and nobody they could take waits, the router *reserves* them for the next
caller of one queue — the queue they rank best (ties: the smaller queue id), at
most one agent per queue, picked by the queue's strategy as a new caller would be.
The PBX keeps the reservation (``ReserveAgent``) and rings the agent itself the
moment a caller arrives (``ReservationTaken``), and the router withdraws it
(``ReleaseReservation``) as soon as the agent is needed elsewhere or is no longer
free. A reserved agent holds an offer (``Offer.reserved``, no caller yet), so no one
else rings them; while an event is applied, reservations are lifted, so every rule
above sees the agent as free, and they are made again afterwards.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeVar

from vcc.core.agents import (
    ALLOWED,
    SYSTEM,
    RequestProblem,
    Status,
    StatusRequest,
    StatusRules,
    check_request,
)
from vcc.core.ewt import average_handle_time, estimate_wait, remember_handle_time
from vcc.core.queues import (
    Candidate,
    Overflow,
    OverflowToMessage,
    OverflowToQueue,
    OverflowToVoicemail,
    QueueConfig,
    Strategy,
    pick,
    qualifies,
    skill_score,
)

V = TypeVar("V")

# How long past its ring timeout an unanswered offer may go without news from the
# PBX before the router gives up on it (its outcome event was lost, e.g. in a
# disconnect) and hangs the agent's leg up to be sure.
OFFER_GRACE = 5.0


def _frozen(d: Mapping[str, V]) -> Mapping[str, V]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Agent:
    id: str
    endpoint: str  # what the PBX dials, e.g. "PJSIP/1001"
    queues: Mapping[str, int]  # queue → the agent's priority in it (lower rings first)
    skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    status: Status = Status.LOGGED_OUT
    reason: str | None = None
    status_since: float = 0.0  # the console's timer counts from here
    idle_since: float = 0.0  # for longest-idle: when the agent last became free
    offer_id: str | None = None  # ringing or connected
    requested: StatusRequest | None = None  # asked for during an interaction
    requested_by: str | None = None  # who asked (the agent, or a supervisor for them)
    wrap_up_until: float | None = None
    missed_offers: int = 0  # unanswered offers in a row
    calls_answered: int = 0
    # The agent's last queue call, to which they may give a disposition (transaction
    # code) until their next one; ``disposition_due``: its queue requires one.
    last_call: str | None = None
    last_queue: str | None = None
    disposition_due: bool = False
    # Handling chats, emails or voicemails the admin lets no call come with
    # (vcc.core.channels): the same agent, status and reason codes, but no call now.
    busy_elsewhere: bool = False

    @property
    def free_for_queue_calls(self) -> bool:
        return self.status.takes_queue_offers and self.offer_id is None and not self.busy_elsewhere


@dataclass(frozen=True)
class Caller:
    call_id: str  # the PBX's id of the caller's channel
    channel: str
    queue: str
    enqueued_at: float
    priority: int = 0  # higher is served first
    seq: int = 0  # arrival order, the last tie-break
    tried: frozenset[str] = frozenset()  # agents who let this caller ring out
    next_announce_at: float | None = None
    last_announced: int | None = None  # the position the caller was last told
    next_message_at: float | None = None
    hearing_music: bool = True  # not in the middle of an announcement or a message

    @property
    def order(self) -> tuple[int, float, int]:
        return (-self.priority, self.enqueued_at, self.seq)


@dataclass(frozen=True)
class Offer:
    offer_id: str
    agent_id: str
    call_id: str
    queue: str
    offered_at: float
    answered_at: float | None = None
    cancelled: bool = False  # the caller left while it rang: not the agent's miss
    # A reservation: the agent is kept for the queue's next caller (call_id '').
    reserved: bool = False
    # Rung by the PBX from a reservation (Dial from the caller's dialplan), not by a
    # RingAgent: the caller's hangup ends the agent's leg by itself.
    fast: bool = False
    # An agent-first call the agent asked for (click-to-dial): no queue, the agent's
    # phone rings first, then the customer's; how that went, and the call's own timers.
    direct: bool = False
    peer: str | None = None  # on a direct call: the number dialled, or the other agent
    customer_answered_at: float | None = None
    not_reached: str | None = None  # busy, no_answer, unreachable
    ring_timeout: float | None = None
    wrap_up: float = 0.0
    # A blind transfer to this agent: the caller's channel, to send them back to their
    # queue if the agent does not answer.
    transferred_channel: str | None = None
    on_hold: bool = False  # the caller hears music, the agent silence
    # The caller was put on hold: from then on they sit in the PBX's hold context
    # between bridges, and only vcc takes them away (or hangs them up).
    held: bool = False
    # Line 2: the agent consults someone while the caller holds (``consult``: that
    # line's id, also the consulted agent's offer id), and whether they answered.
    consult: str | None = None
    consult_answered: bool = False
    consult_of: str | None = None  # on the consulted agent's offer: the first agent's
    # A three-way call: the room, shared by the offers of the agents in it; whether the
    # caller has left it.
    conference: str | None = None
    caller_gone: bool = False

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


@dataclass(frozen=True)
class RouterState:
    agents: Mapping[str, Agent]
    queues: Mapping[str, QueueConfig]
    rules: StatusRules = field(default_factory=StatusRules)
    id_prefix: str = "vcc"
    waiting: tuple[Caller, ...] = ()  # kept sorted by Caller.order
    offers: Mapping[str, Offer] = field(default_factory=lambda: MappingProxyType({}))
    last_agent: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    handle_times: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    next_seq: int = 1
    now: float = 0.0  # the latest time an event told us
    reserve_agents: bool = False  # make reservations (the PBX can take them)
    reservations: Mapping[str, str] = field(  # queue → offer id of its reservation
        default_factory=lambda: MappingProxyType({})
    )
    # agent → the queue they would be reserved for (None: none they qualify for); set by
    # create(): agents' queues and skills and the queues' requirements never change here
    homes: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def create(
        cls,
        agents: Iterable[Agent],
        queues: Iterable[QueueConfig],
        *,
        rules: StatusRules | None = None,
        id_prefix: str = "vcc",
        reserve_agents: bool = False,
    ) -> RouterState:
        queue_map = {q.id: q for q in queues}
        agent_map = {a.id: a for a in agents}
        for agent in agent_map.values():
            unknown = set(agent.queues) - set(queue_map)
            if unknown:
                raise ValueError(f"agent {agent.id} serves unknown queue(s) {sorted(unknown)}")
        for queue in queue_map.values():
            if (
                isinstance(queue.overflow, OverflowToQueue)
                and queue.overflow.queue not in queue_map
            ):
                raise ValueError(f"queue {queue.id} overflows into unknown {queue.overflow.queue}")
            if isinstance(queue.exit_to, OverflowToQueue) and queue.exit_to.queue not in queue_map:
                raise ValueError(f"queue {queue.id} exits into unknown {queue.exit_to.queue}")
        return cls(
            agents=_frozen(agent_map),
            queues=_frozen(queue_map),
            rules=rules or StatusRules(),
            id_prefix=id_prefix,
            reserve_agents=reserve_agents,
            homes=_frozen({a.id: _home_queue(a, queue_map) for a in agent_map.values()}),
        )

    def offer_for_call(self, call_id: str) -> Offer | None:
        if not call_id:  # reservations have no caller yet
            return None
        return next((o for o in self.offers.values() if o.call_id == call_id), None)

    def caller(self, call_id: str) -> Caller | None:
        return next((c for c in self.waiting if c.call_id == call_id), None)

    def estimated_wait(self, queue_id: str, position: int) -> float:
        """Seconds the caller at ``position`` in ``queue_id`` can expect to wait."""
        queue = self.queues[queue_id]
        working = sum(
            1
            for a in self.agents.values()
            if queue_id in a.queues and a.status in (Status.AVAILABLE, Status.BUSY, Status.WRAP_UP)
        )
        average = average_handle_time(
            self.handle_times.get(queue_id, ()), queue.default_handle_time
        )
        return estimate_wait(position, average, working)

    def position(self, call_id: str) -> int | None:
        """1-based place of a waiting caller in their queue."""
        caller = self.caller(call_id)
        if caller is None:
            return None
        same_queue = [c for c in self.waiting if c.queue == caller.queue]
        return same_queue.index(caller) + 1


# -- events --------------------------------------------------------------------------
@dataclass(frozen=True)
class CallerArrived:
    call_id: str
    channel: str
    queue: str
    enqueued_at: float
    priority: int = 0


@dataclass(frozen=True)
class CallerLeft:
    call_id: str
    lost: bool = False  # gone while vcc could not see (PBX restart, controller away)


@dataclass(frozen=True)
class CallerPressedKey:
    """A waiting caller pressed a key (the queue's exit key, perhaps)."""

    call_id: str
    key: str
    at: float


@dataclass(frozen=True)
class CallerBackToMusic:
    """The PBX says the caller finished hearing an announcement or message."""

    call_id: str


@dataclass(frozen=True)
class OfferFound:
    """After a restart: the PBX has an agent's leg this router did not know of (an offer
    a previous controller made, ringing or answered). Adopt it, so nobody rings twice."""

    offer_id: str
    agent_id: str
    call_id: str  # the caller it was for, if the leg says ('' if not)
    answered: bool
    at: float


@dataclass(frozen=True)
class AgentAnswered:
    offer_id: str
    at: float


@dataclass(frozen=True)
class OfferFailed:
    offer_id: str
    reason: str
    at: float


@dataclass(frozen=True)
class CallEnded:
    """The agent's leg of an offer hung up (after or before answering)."""

    offer_id: str
    at: float
    lost: bool = False  # ended while vcc could not see (PBX restart, controller away)


@dataclass(frozen=True)
class DialRequested:
    """An agent asks to call ``number`` (already validated and allowed by the admin's
    outbound policy): their own phone rings first, the customer's once they answer."""

    call_id: str
    agent_id: str
    number: str
    dial: str  # how the PBX reaches the number (the admin's trunk, e.g. PJSIP/0201234@trunk)
    at: float
    ring_timeout: float  # for the agent's own phone
    customer_timeout: float  # for the customer's
    wrap_up: float = 0.0  # after the call, if the customer answered
    # An agent-to-agent call: the other agent (Available or Working offline), whose
    # phone ``dial`` rings once the caller answered theirs.
    to_agent: str | None = None


@dataclass(frozen=True)
class CustomerAnswered:
    """The customer of an agent-first call picked up: the call is connected."""

    call_id: str
    at: float


@dataclass(frozen=True)
class CustomerNotReached:
    """The customer of an agent-first call did not pick up (busy, no_answer, unreachable)."""

    call_id: str
    reason: str
    at: float


@dataclass(frozen=True)
class TransferRequested:
    """An agent hands their connected caller on, blind: to a queue (``keep_wait``: the
    caller keeps their place in time, else waits anew), to an agent (Available or
    Working offline), or to a number (validated and allowed, ``dial`` built from it).
    ``channel``: the caller's channel, as the PBX names it."""

    call_id: str
    agent_id: str
    channel: str
    at: float
    to_queue: str | None = None
    keep_wait: bool = True
    to_agent: str | None = None
    dial: str | None = None
    ring_timeout: float = 45.0  # for a number


@dataclass(frozen=True)
class HoldRequested:
    """The agent puts their connected caller on hold (``hold``) or takes them back."""

    agent_id: str
    hold: bool
    at: float


@dataclass(frozen=True)
class ConsultRequested:
    """Line 2: the agent's caller holds while the agent calls another agent or a
    number (``dial``, already validated and allowed)."""

    agent_id: str
    at: float
    to_agent: str | None = None
    dial: str | None = None
    ring_timeout: float = 20.0
    to_queue: str | None = None  # its next free agent, as the queue's strategy picks


@dataclass(frozen=True)
class ConsultAnswered:
    """The consulted party picked up line 2 (``offer_id``: the consulting agent's)."""

    offer_id: str
    at: float


@dataclass(frozen=True)
class ConsultEnded:
    """Line 2 is over without a transfer (not answered, hung up, cancelled)."""

    offer_id: str
    at: float


@dataclass(frozen=True)
class ConsultFinishRequested:
    """The agent ends line 2: ``complete`` hands the caller to the consulted party and
    leaves; otherwise line 2 is hung up and the agent is back with the caller."""

    agent_id: str
    complete: bool
    at: float


@dataclass(frozen=True)
class ConferenceRequested:
    """Join lines: the agent's caller, the agent and line 2's party talk together."""

    agent_id: str
    at: float


@dataclass(frozen=True)
class PhoneChanged:
    """Ring the agent at ``endpoint`` from now on (their profile's desk phone, verified
    by vcc.profile): what the PBX dials, e.g. ``PJSIP/1001`` or a trunk dial string."""

    agent_id: str
    endpoint: str
    at: float


@dataclass(frozen=True)
class DispositionChosen:
    """The agent gives their last call a transaction code (during wrap-up, typically)."""

    agent_id: str
    code: str
    at: float


@dataclass(frozen=True)
class StatusRequested:
    """An agent (or a supervisor for them) asks for a status."""

    agent_id: str
    request: StatusRequest
    at: float
    by: str


@dataclass(frozen=True)
class OtherWorkChanged:
    """The agent's chats, emails and voicemails (vcc.core.channels) now do or do not
    keep calls away from them; freed, they take the next waiting caller."""

    agent_id: str
    busy_elsewhere: bool
    at: float


@dataclass(frozen=True)
class ReservationTaken:
    """A caller arrived and the PBX took the queue's reservation: it rings the reserved
    agent itself (the caller hears music meanwhile). The agent is known by the offer
    id, or, for a reservation this router no longer holds, by ``agent_id``."""

    queue: str
    offer_id: str
    call_id: str
    channel: str
    enqueued_at: float
    priority: int
    at: float
    agent_id: str = ""


@dataclass(frozen=True)
class Tick:
    now: float


@dataclass(frozen=True)
class Resynced:
    """What the PBX holds after a (re)connect, as events applied together: nobody is
    rung until all of them are in, so an adopted call is never offered again."""

    events: tuple[Event, ...]


Event = (
    OtherWorkChanged
    | CallerArrived
    | CallerLeft
    | CallerBackToMusic
    | CallerPressedKey
    | OfferFound
    | AgentAnswered
    | OfferFailed
    | CallEnded
    | StatusRequested
    | ReservationTaken
    | DialRequested
    | TransferRequested
    | HoldRequested
    | ConsultRequested
    | ConsultAnswered
    | ConsultEnded
    | ConsultFinishRequested
    | ConferenceRequested
    | DispositionChosen
    | PhoneChanged
    | CustomerAnswered
    | CustomerNotReached
    | Tick
    | Resynced
)


# -- commands ------------------------------------------------------------------------
@dataclass(frozen=True)
class RingAgent:
    """Ring the agent's phone first; once answered, the PBX bridges the caller."""

    offer_id: str
    agent_id: str
    endpoint: str
    call_id: str
    caller_channel: str
    timeout: float


@dataclass(frozen=True)
class CallAgentFirst:
    """Ring the agent's phone; once they answer, the PBX dials ``number`` for them."""

    offer_id: str  # also the agent's leg's unique id
    call_id: str
    agent_id: str
    endpoint: str
    number: str
    dial: str
    timeout: float
    customer_timeout: float


@dataclass(frozen=True)
class DialRefused:
    """An agent's call was not placed (``problem`` says why, for the agent)."""

    call_id: str
    agent_id: str
    problem: str


@dataclass(frozen=True)
class HoldCall:
    """Put the call on hold (``hold``: caller to music, agent to silence) or back."""

    offer_id: str
    call_id: str
    hold: bool


@dataclass(frozen=True)
class HoldRefused:
    agent_id: str
    problem: str


@dataclass(frozen=True)
class StartConsult:
    """Caller to music, the agent's leg to dial ``dial`` (line 2, id ``consult``)."""

    offer_id: str
    call_id: str
    consult: str
    dial: str
    timeout: float


@dataclass(frozen=True)
class CompleteConsult:
    """Bridge the caller with line 2's party; the agent's leg leaves."""

    offer_id: str
    call_id: str
    consult: str


@dataclass(frozen=True)
class JoinConference:
    """Move the caller, the agent's leg and line 2's leg into ``room``."""

    room: str
    call_id: str
    offer_id: str
    consult: str


@dataclass(frozen=True)
class ConsultRefused:
    agent_id: str
    problem: str


@dataclass(frozen=True)
class HangUpCaller:
    """End the caller's side: their agent left while they were on hold."""

    call_id: str


@dataclass(frozen=True)
class TransferRefused:
    call_id: str
    agent_id: str
    problem: str


@dataclass(frozen=True)
class SendToQueue:
    """Take the caller out of their call into ``queue``'s entry (a transferred caller)."""

    call_id: str
    channel: str
    queue: str
    keep_wait: bool


@dataclass(frozen=True)
class HoldCaller:
    """Take the caller out of their call to music, waiting for ``RingAgent`` of theirs."""

    call_id: str
    channel: str


@dataclass(frozen=True)
class SendToNumber:
    """Take the caller out of their call and dial ``dial`` for them (the trunk)."""

    call_id: str
    channel: str
    dial: str
    timeout: float


@dataclass(frozen=True)
class ReserveAgent:
    """Keep the agent for the queue's next caller: the PBX rings them, for at most
    ``timeout`` seconds, as soon as that caller arrives (no round trip to vcc)."""

    queue: str
    offer_id: str
    agent_id: str
    endpoint: str
    timeout: float


@dataclass(frozen=True)
class ReleaseReservation:
    """Withdraw the queue's reservation ``offer_id`` ('': whatever the PBX may still
    hold, e.g. one a previous controller made)."""

    queue: str
    offer_id: str


@dataclass(frozen=True)
class ReservationUsed:
    """Record: the PBX rang a reserved agent for a caller, as ``ring`` would have
    (the store records it as that offer)."""

    ring: RingAgent


@dataclass(frozen=True)
class StopRinging:
    """Hang up the agent's leg of an offer that must not be answered any more."""

    offer_id: str


@dataclass(frozen=True)
class StatusChanged:
    """Record and announce: the agent is now in ``status`` (for analytics and WFM too)."""

    agent_id: str
    status: Status
    reason: str | None
    at: float
    by: str


@dataclass(frozen=True)
class StatusRefused:
    agent_id: str
    request: StatusRequest
    problem: RequestProblem


@dataclass(frozen=True)
class MoveCaller:
    """The caller now waits in another queue (the PBX keeps VCC_QUEUE in step).
    ``restart_music``: the caller is hearing music, which the PBX restarts so it is the
    new queue's class (a caller hearing an announcement gets it when that ends)."""

    call_id: str
    channel: str
    queue: str
    why: str
    restart_music: bool = False


@dataclass(frozen=True)
class AnnouncePosition:
    """Tell a waiting caller their place and expected wait (None: no estimate)."""

    call_id: str
    channel: str
    position: int
    wait: float | None


@dataclass(frozen=True)
class PlayMessage:
    """Play the queue's periodic message to a waiting caller, then back to the music."""

    call_id: str
    channel: str
    sound: str


@dataclass(frozen=True)
class SendToVoicemail:
    """Let the caller leave a message; the PBX reports it (pbx.events.VoicemailLeft)
    and the digital desk routes it in ``queue``."""

    call_id: str
    channel: str
    queue: str
    why: str


@dataclass(frozen=True)
class SendCallerAway:
    """Play ``sound`` (None: the standard closed message) to the caller, then hang up."""

    call_id: str
    channel: str
    sound: str | None
    why: str


@dataclass(frozen=True)
class InteractionStarted:
    """Record: a caller entered a queue (``None``: a queue vcc does not know), or an
    agent asked to call ``number`` (``queue`` None)."""

    call_id: str
    queue: str | None
    priority: int
    enqueued_at: float
    number: str | None = None


@dataclass(frozen=True)
class OfferEnded:
    """Record how a ring attempt ended: answered, no_answer, busy, unreachable, cancelled."""

    offer_id: str
    result: str
    at: float


@dataclass(frozen=True)
class DispositionSet:
    """Record: the transaction code an agent gave a call."""

    call_id: str
    agent_id: str
    code: str
    at: float


@dataclass(frozen=True)
class OfferAdopted:
    """Record: after a restart, an agent's leg a previous controller made (ringing or
    answered). That controller may have died before it wrote the call down: the
    store fills in what is missing and keeps what is there."""

    offer_id: str
    agent_id: str
    call_id: str
    queue: str | None
    at: float


@dataclass(frozen=True)
class PhoneRefused:
    agent_id: str
    problem: str  # unknown-agent, on-a-call


@dataclass(frozen=True)
class DispositionRefused:
    agent_id: str
    problem: str  # no-call, unknown-code


@dataclass(frozen=True)
class InteractionEnded:
    """Record how an interaction ended: answered, abandoned, rejected, timed_out, exited,
    lost (and an agent's own call's busy, no_answer, unreachable, cancelled)."""

    call_id: str
    outcome: str
    at: float


# Commands that only record what happened, for the store (analytics, WFM, resync).
Record = (
    InteractionStarted
    | OfferEnded
    | InteractionEnded
    | StatusChanged
    | DispositionSet
    | OfferAdopted
)

# OfferFailed reasons (the PBX's words) → the recorded result
_OFFER_RESULTS = {"no-answer": "no_answer", "busy": "busy", "hung-up": "no_answer"}

Command = (
    InteractionStarted
    | OfferEnded
    | InteractionEnded
    | RingAgent
    | CallAgentFirst
    | DialRefused
    | TransferRefused
    | HoldCall
    | HoldRefused
    | StartConsult
    | CompleteConsult
    | JoinConference
    | ConsultRefused
    | DispositionSet
    | OfferAdopted
    | DispositionRefused
    | PhoneRefused
    | HangUpCaller
    | SendToQueue
    | HoldCaller
    | SendToNumber
    | ReserveAgent
    | ReleaseReservation
    | ReservationUsed
    | StopRinging
    | StatusChanged
    | StatusRefused
    | MoveCaller
    | SendCallerAway
    | SendToVoicemail
    | AnnouncePosition
    | PlayMessage
)


def handle(state: RouterState, event: Event) -> tuple[RouterState, list[Command]]:
    """Apply one event; return the new state and what the PBX and the store must do."""
    out: list[Command] = []
    lifted: Mapping[str, Offer] = {}
    if state.reservations:
        state, lifted = _lift_reservations(state)
    if isinstance(event, PhoneChanged) and lifted:
        # The PBX rings a reservation's agent at the endpoint it was made with: one of
        # this agent's is withdrawn and made anew for the new phone.
        lifted = {
            queue: replace(offer, agent_id="") if offer.agent_id == event.agent_id else offer
            for queue, offer in lifted.items()
        }
    if isinstance(event, Resynced):
        for part in event.events:
            state = _apply(state, part, out, lifted)
    else:
        state = _apply(state, event, out, lifted)
    state, out = _route(state, out)
    # After a resync, also without the fast path: a reservation a previous controller
    # left on the PBX must not ring an agent this router knows nothing of.
    if lifted or state.reserve_agents or isinstance(event, Resynced):
        state = _reserve(state, lifted, out, refresh=isinstance(event, Resynced))
    return state, out


def _apply(
    state: RouterState, event: Event, out: list[Command], lifted: Mapping[str, Offer]
) -> RouterState:
    at = event.now if isinstance(event, Tick) else getattr(event, "at", None)
    if at is not None and at > state.now:
        state = replace(state, now=at)
    match event:
        case OtherWorkChanged(agent_id=agent_id) if agent_id in state.agents:
            state = _update_agent(
                state, state.agents[agent_id], busy_elsewhere=event.busy_elsewhere
            )
        case CallerArrived():
            state = _arrive(state, event, out)
        case CallerLeft() if any(
            o.conference and o.call_id == event.call_id for o in state.offers.values()
        ):
            for o in [o for o in state.offers.values() if o.call_id == event.call_id]:
                state = _put_offer(state, replace(o, caller_gone=True))
            state = _conference_left(state, event.call_id, out)
        case CallerLeft():
            offer = state.offer_for_call(event.call_id)
            if state.caller(event.call_id) is not None:
                outcome = "lost" if event.lost else "abandoned"
                out.append(InteractionEnded(event.call_id, outcome, state.now))
            state = _forget_caller(state, event.call_id)
            if offer is not None and not offer.answered:
                offers = {**state.offers, offer.offer_id: replace(offer, cancelled=True)}
                state = replace(state, offers=_frozen(offers))
                if not offer.fast:  # a Dial from the caller's dialplan ends with the caller
                    out.append(StopRinging(offer.offer_id))
            elif offer is not None and offer.on_hold:  # the agent waits in silence: end it
                out.append(StopRinging(offer.offer_id))
        case CallerBackToMusic():
            state = replace(
                state,
                waiting=tuple(
                    replace(c, hearing_music=True) if c.call_id == event.call_id else c
                    for c in state.waiting
                ),
            )
        case CallerPressedKey():
            state = _pressed(state, event, out)
        case OfferFound():
            state = _adopt(state, event, out, lifted)
        case AgentAnswered():
            offer = state.offers.get(event.offer_id)
            # a leg answered after its caller left is no call: StopRinging is on its way
            if offer is not None and not offer.answered and not offer.cancelled:
                state = _answered(state, offer, event.at, out)
        case OfferFailed():
            offer = state.offers.get(event.offer_id)
            if offer is not None and not offer.answered:
                result = _OFFER_RESULTS.get(event.reason, "unreachable")
                state = _offer_failed(state, offer, event.at, out, result)
        case CallEnded():
            offer = state.offers.get(event.offer_id)
            if offer is not None and offer.answered:
                state = _call_ended(state, offer, event.at, out, lost=event.lost)
            elif offer is not None:
                state = _offer_failed(state, offer, event.at, out, "no_answer")
        case StatusRequested():
            state = _request_status(state, event, out)
        case ReservationTaken():
            state = _take(state, event, lifted, out)
        case DialRequested():
            state = _dial(state, event, out)
        case TransferRequested():
            state = _transfer(state, event, out)
        case HoldRequested():
            state = _hold(state, event, out)
        case ConsultRequested():
            state = _consult(state, event, out)
        case ConsultAnswered():
            offer = state.offers.get(event.offer_id)
            if offer is not None and offer.consult is not None and not offer.consult_answered:
                state = _put_offer(state, replace(offer, consult_answered=True))
                consulted = state.offers.get(offer.consult)
                if consulted is not None and not consulted.answered:
                    state = _answered(state, consulted, event.at, out)
        case ConsultEnded():
            state = _consult_ended(state, event.offer_id, event.at, out)
        case ConsultFinishRequested():
            state = _finish_consult(state, event, out)
        case ConferenceRequested():
            state = _conference(state, event, out)
        case DispositionChosen():
            state = _dispose(state, event, out)
        case PhoneChanged():
            agent = state.agents.get(event.agent_id)
            if agent is None:
                out.append(PhoneRefused(event.agent_id, "unknown-agent"))
            elif agent.offer_id is not None:  # rung or on a call: the old phone has it
                out.append(PhoneRefused(event.agent_id, "on-a-call"))
            else:
                agents = {**state.agents, agent.id: _evolve(agent, endpoint=event.endpoint)}
                state = replace(state, agents=_frozen(agents))
        case CustomerAnswered():
            offer = state.offers.get(event.call_id)  # the caller's offer id is the call id
            if offer is not None and offer.direct and offer.customer_answered_at is None:
                state = _put_offer(state, replace(offer, customer_answered_at=event.at))
                callee = state.offers.get(_callee_offer(event.call_id))
                if callee is not None and not callee.answered:
                    state = _answered(state, callee, event.at, out)
        case CustomerNotReached():
            offer = state.offers.get(event.call_id)
            if offer is not None and offer.direct and offer.customer_answered_at is None:
                state = _put_offer(state, replace(offer, not_reached=event.reason))
                state = _release_callee(state, event.call_id, event.at, out)
        case Tick():
            state = _tick(state, event.now, out)
        case Resynced():
            raise ValueError("a Resynced holds no Resynced")
    return state


# -- callers ---------------------------------------------------------------------------
def _arrive(state: RouterState, event: CallerArrived, out: list[Command]) -> RouterState:
    if state.caller(event.call_id) is not None or state.offer_for_call(event.call_id):
        return state  # already known (a resync repeats what we saw)
    state = replace(state, now=max(state.now, event.enqueued_at))
    caller = Caller(
        event.call_id,
        event.channel,
        event.queue,
        event.enqueued_at,
        event.priority,
        seq=state.next_seq,
    )
    state = replace(state, next_seq=state.next_seq + 1)
    queue = state.queues.get(event.queue)
    known = event.queue if queue is not None else None
    out.append(InteractionStarted(caller.call_id, known, caller.priority, caller.enqueued_at))
    if queue is None:
        out.append(SendCallerAway(caller.call_id, caller.channel, None, "unknown-queue"))
        out.append(InteractionEnded(caller.call_id, "rejected", state.now))
        return state
    if not queue.join_when_empty and not _staffed(state, queue.id):
        return _overflow(state, caller, queue, "no-agents", out)
    waiting_here = sum(1 for c in state.waiting if c.queue == queue.id)
    if queue.max_length is not None and waiting_here >= queue.max_length:
        return _overflow(state, caller, queue, "queue-full", out)
    return _enqueue(state, caller)


def _pressed(state: RouterState, event: CallerPressedKey, out: list[Command]) -> RouterState:
    """A waiting caller pressed a key: the queue's exit key takes them to its exit
    destination; any other key does nothing (the PBX goes on with the music).

    Keys come from the wait loop only, so never while the PBX's own Dial rings an agent
    for the caller (the fast path), and never once an agent answered. While the
    controller rings one (the caller still hears music), the key wins, as with
    app_queue: that phone stops ringing, and it is no missed offer of the agent's.
    """
    caller = state.caller(event.call_id)
    queue = state.queues.get(caller.queue) if caller is not None else None
    if caller is None or queue is None or queue.exit_key != event.key:
        return state
    offer = state.offer_for_call(caller.call_id)
    if offer is not None and (offer.answered or offer.fast):
        return state  # the key was pressed just before the call connected: it is late
    if offer is not None:
        # Stop the phone before the caller moves: an answer now would bridge them.
        out.append(StopRinging(offer.offer_id))
        state = _put_offer(state, replace(offer, cancelled=True))
    state = _forget_caller(state, caller.call_id)
    return _overflow(state, caller, queue, "exit-key", out, queue.exit_to)


def _enqueue(state: RouterState, caller: Caller) -> RouterState:
    queue = state.queues[caller.queue]
    caller = replace(
        caller,
        next_announce_at=_after(state.now, queue.announce_position_every),
        last_announced=None,
        next_message_at=_after(state.now, queue.periodic_message_every),
    )
    waiting = sorted((*state.waiting, caller), key=lambda c: c.order)
    return replace(state, waiting=tuple(waiting))


def _after(now: float, every: float | None) -> float | None:
    return None if every is None else now + every


def _forget_caller(state: RouterState, call_id: str) -> RouterState:
    return replace(state, waiting=tuple(c for c in state.waiting if c.call_id != call_id))


def _overflow(
    state: RouterState,
    caller: Caller,
    queue: QueueConfig,
    why: str,
    out: list[Command],
    to: Overflow | None = None,
) -> RouterState:
    """Send a caller where the queue's overflow says (or ``to``, for the exit key).
    ``caller`` is not in ``waiting``."""
    target: Overflow | None = queue.overflow if to is None else to
    if isinstance(target, OverflowToVoicemail):
        out.append(SendToVoicemail(caller.call_id, caller.channel, queue.id, why))
        out.append(InteractionEnded(caller.call_id, "overflowed", state.now))
        return state
    if isinstance(target, OverflowToQueue):
        other = state.queues[target.queue]
        full = other.max_length is not None and (
            sum(1 for c in state.waiting if c.queue == other.id) >= other.max_length
        )
        closed = not other.join_when_empty and not _staffed(state, other.id)
        if not (full or closed):
            moved = replace(caller, queue=other.id, enqueued_at=state.now, tried=frozenset())
            # The exit key is pressed in the wait loop: restart its music whatever the
            # router last asked the PBX to play (an announcement may be on its way).
            restart = caller.hearing_music or why == "exit-key"
            out.append(MoveCaller(caller.call_id, caller.channel, other.id, why, restart))
            return _enqueue(state, moved)
        target = other.overflow if isinstance(other.overflow, OverflowToMessage) else None
    sound = target.sound if isinstance(target, OverflowToMessage) else None
    out.append(SendCallerAway(caller.call_id, caller.channel, sound, why))
    outcome = {"max-wait": "timed_out", "exit-key": "exited"}.get(why, "rejected")
    out.append(InteractionEnded(caller.call_id, outcome, state.now))
    return state


def _staffed(state: RouterState, queue: str) -> bool:
    """Is any agent of the queue logged in (whatever their status)?"""
    return any(
        queue in a.queues and a.status is not Status.LOGGED_OUT for a in state.agents.values()
    )


# -- agents ----------------------------------------------------------------------------
def _set_status(
    state: RouterState,
    agent: Agent,
    status: Status,
    reason: str | None,
    at: float,
    by: str,
    out: list[Command],
    **changes: object,
) -> RouterState:
    assert status is agent.status or status in ALLOWED[agent.status], (agent.status, status)
    becomes_free = status is Status.AVAILABLE and agent.status is not Status.AVAILABLE
    updated = replace(
        agent,
        status=status,
        reason=reason,
        status_since=at if (status, reason) != (agent.status, agent.reason) else agent.status_since,
        idle_since=at if becomes_free else agent.idle_since,
        **changes,  # type: ignore[arg-type]
    )
    if (status, reason) != (agent.status, agent.reason):
        out.append(StatusChanged(agent.id, status, reason, at, by))
    state = replace(state, agents=_frozen({**state.agents, agent.id: updated}))
    if status is Status.LOGGED_OUT:
        state = _leave_empty_queues(state, updated, out)
    return state


def _update_agent(state: RouterState, agent: Agent, **changes: object) -> RouterState:
    updated = replace(agent, **changes)  # type: ignore[arg-type]
    return replace(state, agents=_frozen({**state.agents, agent.id: updated}))


def _request_status(state: RouterState, event: StatusRequested, out: list[Command]) -> RouterState:
    agent = state.agents.get(event.agent_id)
    if agent is None:
        return state
    request = event.request
    problem = check_request(state.rules, agent.status, request)
    if problem is None and agent.disposition_due and agent.status is Status.WRAP_UP:
        problem = RequestProblem.DISPOSITION_REQUIRED
    if problem is not None:
        out.append(StatusRefused(agent.id, request, problem))
        return state
    if agent.offer_id is not None:
        # Ringing or on a call: the change applies when the interaction is over.
        return _update_agent(state, agent, requested=request, requested_by=event.by)
    return _set_status(
        state, agent, request.status, request.reason, event.at, event.by, out,
        requested=None, requested_by=None, wrap_up_until=None,
    )  # fmt: skip


def _after_interaction(
    state: RouterState, agent: Agent, at: float, out: list[Command]
) -> RouterState:
    """An interaction (and its wrap-up) is over: the status asked for meanwhile, by
    whoever asked, or else Available (the system's doing)."""
    request = agent.requested or StatusRequest(Status.AVAILABLE)
    by = agent.requested_by if agent.requested is not None and agent.requested_by else SYSTEM
    return _set_status(
        state, agent, request.status, request.reason, at, by, out,
        requested=None, requested_by=None, wrap_up_until=None,
    )  # fmt: skip


def _leave_empty_queues(state: RouterState, agent: Agent, out: list[Command]) -> RouterState:
    """The last agent of a leave-when-empty queue logged out: its callers go on."""
    for queue_id in agent.queues:
        queue = state.queues[queue_id]
        if not queue.leave_when_empty or _staffed(state, queue_id):
            continue
        leaving = [
            c for c in state.waiting if c.queue == queue_id and not state.offer_for_call(c.call_id)
        ]
        for caller in leaving:
            state = _forget_caller(state, caller.call_id)
            state = _overflow(state, caller, queue, "no-agents", out)
    return state


# -- offers ----------------------------------------------------------------------------
def _answered(state: RouterState, offer: Offer, at: float, out: list[Command]) -> RouterState:
    out.append(OfferEnded(offer.offer_id, "answered", at))
    agent = state.agents[offer.agent_id]
    offers = {**state.offers, offer.offer_id: replace(offer, answered_at=at)}
    state = replace(state, offers=_frozen(offers))
    state = _forget_caller(state, offer.call_id)
    return _set_status(
        state, agent, Status.BUSY, None, at, SYSTEM, out,
        missed_offers=0, calls_answered=agent.calls_answered + 1,
        last_call=None, last_queue=None, disposition_due=False,
    )  # fmt: skip


def _adopt(
    state: RouterState, event: OfferFound, out: list[Command], lifted: Mapping[str, Offer]
) -> RouterState:
    agent = state.agents.get(event.agent_id)
    known = state.offers.get(event.offer_id)
    if known is not None:
        if event.answered and not known.answered:
            return _answered(state, known, event.at, out)
        return state
    if agent is None or agent.offer_id is not None:
        return state
    caller = state.caller(event.call_id)
    # A reservation a caller took while we could not see: the PBX rings (or connected)
    # the agent from the caller's dialplan.
    taken = next((r for r in lifted.values() if r.offer_id == event.offer_id), None)
    queue = caller.queue if caller is not None else taken.queue if taken is not None else ""
    offer = Offer(event.offer_id, agent.id, event.call_id, queue, event.at, fast=taken is not None)
    state = replace(state, offers=_frozen({**state.offers, offer.offer_id: offer}))
    if event.call_id:
        out.append(OfferAdopted(offer.offer_id, agent.id, event.call_id, queue or None, event.at))
    state = _update_agent(state, agent, offer_id=offer.offer_id)
    if not event.answered:
        return state
    if not agent.status.takes_direct_calls:  # e.g. on break per our records: keep the status
        offers = {**state.offers, offer.offer_id: replace(offer, answered_at=event.at)}
        return _forget_caller(replace(state, offers=_frozen(offers)), event.call_id)
    return _answered(state, offer, event.at, out)


def _put_offer(state: RouterState, offer: Offer) -> RouterState:
    return replace(state, offers=_frozen({**state.offers, offer.offer_id: offer}))


# Statuses an agent may call out from (and return to after the call, unless they ask
# for another meanwhile). Not from Wrap-up, Break or Logged out: the agent changes
# status first, as the console asks.
DIAL_FROM = frozenset({Status.AVAILABLE, Status.WORKING_OFFLINE})


def _callee_offer(call_id: str) -> str:
    """The offer id of the agent an agent-to-agent call rings (the caller's is the call id)."""
    return f"{call_id}-to"


def _release_callee(state: RouterState, call_id: str, at: float, out: list[Command]) -> RouterState:
    """The agent an agent-to-agent call was for is free again (never a missed offer)."""
    callee = state.offers.get(_callee_offer(call_id))
    if callee is None:
        return state
    out.append(OfferEnded(callee.offer_id, "answered" if callee.answered else "cancelled", at))
    state = _drop_offer(state, callee)
    return _after_interaction(state, state.agents[callee.agent_id], at, out)


def _direct_target_problem(target: Agent | None, agent_id: str) -> str | None:
    """Why ``target`` may not be rung for a call ``agent_id`` places or hands on: only
    a free agent in Available or Working offline, someone else."""
    if target is None:
        return None
    if target.id == agent_id:
        return "same-agent"
    if not target.status.takes_direct_calls or target.offer_id is not None:
        return f"target-{target.status.value}"
    return None


def _keep_for(state: RouterState, agent: Agent, offer: Offer) -> RouterState:
    """Record ``offer`` as ``agent``'s; after the call they return to the status they
    have now, unless they ask for another meanwhile."""
    state = _put_offer(state, offer)
    return _update_agent(
        state, agent, offer_id=offer.offer_id,
        requested=agent.requested or StatusRequest(agent.status, agent.reason),
        requested_by=agent.requested_by or SYSTEM,
    )  # fmt: skip


def _dial(state: RouterState, event: DialRequested, out: list[Command]) -> RouterState:
    """An agent-first call: ring the agent (busy for queue calls from now), record it;
    for an agent-to-agent call, keep the other agent for it too."""
    agent = state.agents.get(event.agent_id)
    callee = state.agents.get(event.to_agent or "")
    problem = (
        "unknown-agent" if agent is None
        else "on-a-call" if agent.offer_id is not None
        else f"status-{agent.status.value}" if agent.status not in DIAL_FROM
        else "unknown-target" if event.to_agent is not None and callee is None
        else _direct_target_problem(callee, agent.id)
    )  # fmt: skip
    if agent is None or problem is not None or state.offer_for_call(event.call_id):
        out.append(DialRefused(event.call_id, event.agent_id, problem or "duplicate-call"))
        return state
    if callee is not None:
        state = _keep_for(
            state, callee,
            Offer(_callee_offer(event.call_id), callee.id, event.call_id, "", event.at,
                  direct=True, peer=agent.id,
                  ring_timeout=event.ring_timeout + event.customer_timeout),
        )  # fmt: skip
    offer = Offer(
        event.call_id, agent.id, event.call_id, "", event.at, direct=True,
        peer=event.to_agent or event.number, ring_timeout=event.ring_timeout, wrap_up=event.wrap_up,
    )  # fmt: skip
    state = _keep_for(state, agent, offer)
    out.append(InteractionStarted(event.call_id, None, 0, event.at, number=event.number))
    out.append(
        CallAgentFirst(
            offer.offer_id, event.call_id, agent.id, agent.endpoint, event.number, event.dial,
            event.ring_timeout, event.customer_timeout,
        )
    )  # fmt: skip
    return state


def _consult(state: RouterState, event: ConsultRequested, out: list[Command]) -> RouterState:
    agent = state.agents.get(event.agent_id)
    offer = state.offers.get(agent.offer_id or "") if agent is not None else None
    target = state.agents.get(event.to_agent or "")
    if event.to_queue is not None and event.to_queue in state.queues:
        target = _next_free_agent(state, event.to_queue, but=event.agent_id)
    problem = (
        "one-target" if [event.to_agent, event.dial, event.to_queue].count(None) != 2
        else "unknown-queue" if event.to_queue is not None and event.to_queue not in state.queues
        else "nobody-free" if event.to_queue is not None and target is None
        else "not-on-this-call" if offer is None or not offer.answered or offer.direct
        else "consulting" if offer.consult is not None
        else "unknown-agent" if event.to_agent is not None and target is None
        else _direct_target_problem(target, event.agent_id)
    )  # fmt: skip
    if problem is not None or offer is None:
        out.append(ConsultRefused(event.agent_id, problem or "not-on-this-call"))
        return state
    line = f"{offer.offer_id}-c"
    dial = target.endpoint if target is not None else event.dial or ""
    state = _put_offer(state, replace(offer, on_hold=True, held=True, consult=line))
    if target is not None:
        consulted = Offer(
            line, target.id, offer.call_id, offer.queue, event.at, consult_of=offer.offer_id,
            ring_timeout=event.ring_timeout,
        )  # fmt: skip
        state = _keep_for(state, target, consulted)
    out.append(StartConsult(offer.offer_id, offer.call_id, line, dial, event.ring_timeout))
    return state


def _next_free_agent(state: RouterState, queue_id: str, *, but: str) -> Agent | None:
    """Who the queue would ring now for a new caller (line 2 to a queue)."""
    queue = state.queues[queue_id]
    free = [
        a
        for a in state.agents.values()
        if a.id != but
        and a.free_for_queue_calls
        and queue_id in a.queues
        and qualifies(a.skills, queue.required_skills)
    ]
    if not free:
        return None
    best = min(a.queues[queue_id] for a in free)
    candidates = [
        Candidate(
            a.id, a.idle_since, a.calls_answered, skill_score(a.skills, queue.required_skills)
        )
        for a in free
        if a.queues[queue_id] == best
    ]
    return state.agents[pick(queue.strategy, candidates, state.last_agent.get(queue_id))]


def _consult_ended(state: RouterState, offer_id: str, at: float, out: list[Command]) -> RouterState:
    """Line 2 is gone: free whoever it held; the agent is back with the caller (or,
    if the caller left meanwhile, their call is over)."""
    offer = state.offers.get(offer_id)
    if offer is None or offer.consult is None:
        return state
    consulted = state.offers.get(offer.consult)
    if consulted is not None:
        state = _drop_offer(state, consulted)
        state = _after_interaction(state, state.agents[consulted.agent_id], at, out)
    out.append(HoldCall(offer.offer_id, offer.call_id, False))
    return _put_offer(state, replace(offer, consult=None, consult_answered=False, on_hold=False))


def _finish_consult(
    state: RouterState, event: ConsultFinishRequested, out: list[Command]
) -> RouterState:
    agent = state.agents.get(event.agent_id)
    offer = state.offers.get(agent.offer_id or "") if agent is not None else None
    if agent is None or offer is None or offer.consult is None:
        out.append(ConsultRefused(event.agent_id, "no-line-2"))
        return state
    if not event.complete:
        out.append(StopRinging(offer.consult))  # line 2 hangs up; ConsultEnded follows
        return state
    if not offer.consult_answered:
        out.append(ConsultRefused(event.agent_id, "line-2-not-answered"))
        return state
    out.append(CompleteConsult(offer.offer_id, offer.call_id, offer.consult))
    consulted = state.offers.get(offer.consult)
    if consulted is not None:  # the consulted agent now has the caller
        state = _put_offer(state, replace(consulted, consult_of=None))
    state = _drop_offer(state, offer)
    return _wrap_up(state, state.agents[agent.id], offer.queue, event.at, out, offer.call_id)


def _wrap_up(
    state: RouterState,
    agent: Agent,
    queue_id: str,
    at: float,
    out: list[Command],
    call_id: str = "",
) -> RouterState:
    """The agent is done with their part of a call: the queue's wrap-up, if it has one
    (held open while the queue requires a disposition and none is given)."""
    queue = state.queues.get(queue_id)
    if queue is not None and call_id:
        due = queue.disposition_required
        state = _update_agent(
            state, agent, last_call=call_id, last_queue=queue.id, disposition_due=due
        )
        agent = state.agents[agent.id]
        if due and queue.wrap_up <= 0:
            return _set_status(
                state, agent, Status.WRAP_UP, None, at, SYSTEM, out, wrap_up_until=at
            )
    if queue is not None and queue.wrap_up > 0:
        return _set_status(
            state, agent, Status.WRAP_UP, None, at, SYSTEM, out, wrap_up_until=at + queue.wrap_up
        )
    return _after_interaction(state, agent, at, out)


def _dispose(state: RouterState, event: DispositionChosen, out: list[Command]) -> RouterState:
    """A transaction code for the agent's last call; a wrap-up held for it may end."""
    agent = state.agents.get(event.agent_id)
    if agent is None or agent.last_call is None:
        out.append(DispositionRefused(event.agent_id, "no-call"))
        return state
    queue = state.queues.get(agent.last_queue or "")
    if queue is None or event.code not in queue.dispositions:
        out.append(DispositionRefused(event.agent_id, "unknown-code"))
        return state
    out.append(DispositionSet(agent.last_call, agent.id, event.code, event.at))
    state = _update_agent(state, agent, disposition_due=False)
    agent = state.agents[agent.id]
    if (
        agent.status is Status.WRAP_UP
        and agent.wrap_up_until is not None
        and event.at >= agent.wrap_up_until
    ):
        return _after_interaction(state, agent, event.at, out)
    return state


def _conference(state: RouterState, event: ConferenceRequested, out: list[Command]) -> RouterState:
    agent = state.agents.get(event.agent_id)
    offer = state.offers.get(agent.offer_id or "") if agent is not None else None
    if offer is None or offer.consult is None or not offer.consult_answered:
        out.append(ConsultRefused(event.agent_id, "line-2-not-answered"))
        return state
    room = f"vcc-{offer.offer_id}"
    out.append(JoinConference(room, offer.call_id, offer.offer_id, offer.consult))
    consulted = state.offers.get(offer.consult)
    if consulted is not None:
        state = _put_offer(state, replace(consulted, consult_of=None, conference=room))
    return _put_offer(
        state, replace(offer, consult=None, consult_answered=False, on_hold=False, conference=room)
    )


def _conference_left(state: RouterState, call_id: str, out: list[Command]) -> RouterState:
    """Someone left a three-way call: with one party left alone, end their side too;
    with nobody left, the interaction is over."""
    offers = [o for o in state.offers.values() if o.call_id == call_id and o.conference]
    caller_there = not any(o.caller_gone for o in offers) and bool(offers)
    left = len(offers) + caller_there
    if left == 1 and caller_there:
        out.append(HangUpCaller(call_id))
        out.append(InteractionEnded(call_id, "answered", state.now))
    elif left == 1:
        out.append(StopRinging(offers[0].offer_id))  # hangs up that agent's leg
    elif left == 0:
        out.append(InteractionEnded(call_id, "answered", state.now))
    return state


def _hold(state: RouterState, event: HoldRequested, out: list[Command]) -> RouterState:
    agent = state.agents.get(event.agent_id)
    offer = state.offers.get(agent.offer_id or "") if agent is not None else None
    if offer is None or not offer.answered or offer.direct:
        out.append(HoldRefused(event.agent_id, "not-on-a-call"))
        return state
    if offer.on_hold == event.hold:
        return state  # already so: nothing to do
    out.append(HoldCall(offer.offer_id, offer.call_id, event.hold))
    return _put_offer(state, replace(offer, on_hold=event.hold, held=True))


def _transfer(state: RouterState, event: TransferRequested, out: list[Command]) -> RouterState:
    """Blind transfer: the caller goes on to the target, the agent to wrap-up."""
    agent = state.agents.get(event.agent_id)
    offer = state.offers.get(agent.offer_id or "") if agent is not None else None
    target = state.agents.get(event.to_agent or "")
    problem = (
        "one-target" if [event.to_queue, event.to_agent, event.dial].count(None) != 2
        else "not-on-this-call" if offer is None or offer.call_id != event.call_id
        or not offer.answered or offer.direct
        else "unknown-queue" if event.to_queue is not None and event.to_queue not in state.queues
        else "unknown-agent" if event.to_agent is not None and target is None
        else _direct_target_problem(target, event.agent_id)
    )  # fmt: skip
    if problem is not None or offer is None or agent is None:
        out.append(TransferRefused(event.call_id, event.agent_id, problem or "not-on-this-call"))
        return state
    queue = state.queues.get(offer.queue)
    state = _drop_offer(state, offer)
    out.append(InteractionEnded(event.call_id, "transferred", event.at))
    state = _wrap_up(state, state.agents[agent.id], offer.queue, event.at, out, event.call_id)
    if event.to_queue is not None:
        out.append(SendToQueue(event.call_id, event.channel, event.to_queue, event.keep_wait))
    elif target is not None:
        # The caller hears music while the target agent's phone rings, agent first as
        # ever; the target returns to their own status after the call.
        out.append(HoldCaller(event.call_id, event.channel))
        transfer = Offer(
            f"{state.id_prefix}-{state.next_seq}", target.id, event.call_id, offer.queue,
            event.at, transferred_channel=event.channel,
        )  # fmt: skip
        state = replace(state, next_seq=state.next_seq + 1)
        state = _keep_for(state, target, transfer)
        ring = queue.ring_timeout if queue is not None else 20.0
        out.append(
            RingAgent(transfer.offer_id, target.id, target.endpoint, event.call_id,
                      event.channel, ring)
        )  # fmt: skip
    elif event.dial is not None:
        out.append(SendToNumber(event.call_id, event.channel, event.dial, event.ring_timeout))
    return state


def _drop_offer(state: RouterState, offer: Offer) -> RouterState:
    offers = {k: v for k, v in state.offers.items() if k != offer.offer_id}
    state = replace(state, offers=_frozen(offers))
    agent = state.agents[offer.agent_id]
    return _update_agent(state, agent, offer_id=None)


def _offer_failed(
    state: RouterState, offer: Offer, at: float, out: list[Command], result: str
) -> RouterState:
    """The agent did not take the caller: free the agent, don't re-offer them this caller."""
    out.append(OfferEnded(offer.offer_id, "cancelled" if offer.cancelled else result, at))
    state = _drop_offer(state, offer)
    if offer.consult_of is not None:  # line 2 not taken: the consulting agent resumes
        return _after_interaction(state, state.agents[offer.agent_id], at, out)
    if offer.transferred_channel and not offer.cancelled and offer.queue in state.queues:
        # a blind transfer nobody took: back to the queue, with the time already waited
        out.append(SendToQueue(offer.call_id, offer.transferred_channel, offer.queue, True))
    if offer.direct and offer.offer_id != offer.call_id:  # an agent-to-agent callee
        return _after_interaction(state, state.agents[offer.agent_id], at, out)
    if offer.direct:  # their own call: no missed offer; the call never was
        state = _release_callee(state, offer.call_id, at, out)
        out.append(InteractionEnded(offer.call_id, "cancelled", at))
        agent = state.agents[offer.agent_id]
        if agent.requested is not None:
            return _after_interaction(state, agent, at, out)
        return state
    if not offer.cancelled:  # a caller who left the queue by its exit key may wait on
        state = replace(
            state,
            waiting=tuple(
                replace(c, tried=c.tried | {offer.agent_id}) if c.call_id == offer.call_id else c
                for c in state.waiting
            ),
        )
    agent = state.agents[offer.agent_id]
    missed = agent.missed_offers if offer.cancelled else agent.missed_offers + 1
    if agent.requested is not None:
        # what the agent asked for wins over the automatic break
        state = _update_agent(state, agent, missed_offers=0)
        return _after_interaction(state, state.agents[agent.id], at, out)
    if missed >= state.rules.max_missed_offers and agent.status.takes_queue_offers:
        return _set_status(
            state, agent, Status.BREAK, state.rules.missed_offers_code, at, SYSTEM, out,
            missed_offers=0,
        )  # fmt: skip
    return _update_agent(state, agent, missed_offers=missed)


def _call_ended(
    state: RouterState, offer: Offer, at: float, out: list[Command], *, lost: bool = False
) -> RouterState:
    if offer.direct and offer.offer_id != offer.call_id:
        return state  # the callee's leg of an agent-to-agent call: ended with the caller's
    if offer.conference is not None:  # one party left a three-way call; two go on
        state = _drop_offer(state, offer)
        state = _wrap_up(state, state.agents[offer.agent_id], offer.queue, at, out, offer.call_id)
        return _conference_left(state, offer.call_id, out)
    if offer.consult_of is not None:  # hung up line 2 before taking the caller
        state = _drop_offer(state, offer)
        return _after_interaction(state, state.agents[offer.agent_id], at, out)
    if offer.direct:
        state = _release_callee(state, offer.call_id, at, out)
        connected = offer.customer_answered_at is not None
        outcome = "lost" if lost else "answered" if connected else offer.not_reached or "cancelled"
        out.append(InteractionEnded(offer.call_id, outcome, at))
        state = _drop_offer(state, offer)
        agent = state.agents[offer.agent_id]
        if connected and offer.wrap_up > 0:
            return _set_status(
                state, agent, Status.WRAP_UP, None, at, SYSTEM, out,
                wrap_up_until=at + offer.wrap_up,
            )  # fmt: skip
        return _after_interaction(state, agent, at, out)
    if offer.on_hold or offer.held:  # the agent hung up: the caller must not be left
        out.append(HangUpCaller(offer.call_id))  # on hold (or in music after a resume)
    if offer.call_id:  # an adopted leg may not say which caller it was for
        out.append(InteractionEnded(offer.call_id, "lost" if lost else "answered", at))
    state = _drop_offer(state, offer)
    agent = state.agents[offer.agent_id]
    queue = state.queues.get(offer.queue)
    if queue is not None and offer.answered_at is not None:
        handled = at - offer.answered_at + queue.wrap_up
        recent = remember_handle_time(state.handle_times.get(queue.id, ()), handled)
        state = replace(state, handle_times=_frozen({**state.handle_times, queue.id: recent}))
    return _wrap_up(state, agent, offer.queue, at, out, offer.call_id)


def _tick(state: RouterState, now: float, out: list[Command]) -> RouterState:
    state = replace(state, now=max(state.now, now))
    for agent in list(state.agents.values()):
        if (
            agent.status is Status.WRAP_UP
            and agent.wrap_up_until is not None
            and (now >= agent.wrap_up_until)
            and not agent.disposition_due
        ):
            state = _after_interaction(state, agent, now, out)
    for offer in list(state.offers.values()):
        timeout = (
            offer.ring_timeout
            if offer.ring_timeout is not None
            else state.queues[offer.queue].ring_timeout
            if offer.queue in state.queues
            else 0
        )
        if not offer.answered and now - offer.offered_at > timeout + OFFER_GRACE:
            out.append(StopRinging(offer.offer_id))
            state = _offer_failed(state, offer, now, out, "no_answer")
    offered = {o.call_id for o in state.offers.values()}
    for caller in state.waiting:
        queue = state.queues[caller.queue]
        if (
            queue.max_wait is not None
            and now - caller.enqueued_at >= queue.max_wait
            and caller.call_id not in offered
        ):
            state = _forget_caller(state, caller.call_id)
            state = _overflow(state, caller, queue, "max-wait", out)
    state = _announce(state, now, out)
    # A caller every possible agent has let ring out starts a new round, at most once
    # per tick, so phones that fail at once cannot spin the loop. Not while it rings.
    offered = {o.call_id for o in state.offers.values()}
    new_round = {
        c.call_id
        for c in state.waiting
        if c.tried
        and c.call_id not in offered
        and not _eligible_agents(state, c, ignore_tried=False)
        and _eligible_agents(state, c, ignore_tried=True)
    }
    if not new_round:  # the same tuple: what was built from it stays valid
        return state
    return replace(
        state,
        waiting=tuple(
            replace(c, tried=frozenset()) if c.call_id in new_round else c for c in state.waiting
        ),
    )


def _announce(state: RouterState, now: float, out: list[Command]) -> RouterState:
    """Position/wait announcements and periodic messages that are due."""
    offered = {o.call_id for o in state.offers.values()}
    positions: dict[str, int] = {}
    updated: list[Caller] = []
    for caller in state.waiting:
        positions[caller.queue] = position = positions.get(caller.queue, 0) + 1
        queue = state.queues[caller.queue]
        if caller.call_id in offered or not caller.hearing_music:
            # its agent is ringing, or it is still hearing something: don't pull it away
            updated.append(caller)
            continue
        announce_due = caller.next_announce_at is not None and now >= caller.next_announce_at
        message_due = caller.next_message_at is not None and now >= caller.next_message_at
        if announce_due and message_due:  # the one waiting longer goes first
            assert caller.next_announce_at is not None
            assert caller.next_message_at is not None
            message_due = caller.next_message_at < caller.next_announce_at
            announce_due = not message_due
        if announce_due:
            improved = caller.last_announced is None or position < caller.last_announced
            if improved or not queue.announce_only_when_improved:
                wait = state.estimated_wait(queue.id, position)
                known = None if wait == float("inf") else wait
                out.append(AnnouncePosition(caller.call_id, caller.channel, position, known))
                caller = replace(caller, last_announced=position, hearing_music=False)
            caller = replace(caller, next_announce_at=_after(now, queue.announce_position_every))
        elif message_due:
            assert queue.periodic_message is not None
            out.append(PlayMessage(caller.call_id, caller.channel, queue.periodic_message))
            caller = replace(
                caller,
                next_message_at=_after(now, queue.periodic_message_every),
                hearing_music=False,
            )
        updated.append(caller)
    return replace(state, waiting=tuple(updated))


# -- routing ---------------------------------------------------------------------------
def _eligible(
    state: RouterState, agent: Agent, caller: Caller, *, ignore_tried: bool = False
) -> bool:
    queue = state.queues[caller.queue]
    return (
        agent.free_for_queue_calls
        and caller.queue in agent.queues
        and (ignore_tried or agent.id not in caller.tried)
        and qualifies(agent.skills, queue.required_skills)
    )


def _eligible_agents(state: RouterState, caller: Caller, *, ignore_tried: bool) -> list[Agent]:
    return [
        a for a in state.agents.values() if _eligible(state, a, caller, ignore_tried=ignore_tried)
    ]


# The last waiting list indexed by queue: most events leave ``RouterState.waiting``
# as it was (the same tuple), so the index is built once per change, not per event.
# A memo, not state: it holds the tuple it was built from and answers only for it.
_waiting_index: list[tuple[tuple[Caller, ...], Mapping[str, tuple[Caller, ...]]]] = []


def _waiting_by_queue(waiting: tuple[Caller, ...]) -> Mapping[str, tuple[Caller, ...]]:
    if _waiting_index and _waiting_index[0][0] is waiting:
        return _waiting_index[0][1]
    index: dict[str, list[Caller]] = {}
    for caller in waiting:  # already in serving order
        index.setdefault(caller.queue, []).append(caller)
    built = {queue_id: tuple(callers) for queue_id, callers in index.items()}
    _waiting_index[:] = [(waiting, built)]
    return built


def _route(state: RouterState, out: list[Command]) -> tuple[RouterState, list[Command]]:
    """Offer waiting callers to free agents until no more offers can be made.

    Built for 1,000 callers and 500 agents per event: callers are indexed by queue, and
    each free agent looks only at the head of the queues they serve.
    """
    if not state.waiting:
        return state, out
    free = [a for a in state.agents.values() if a.free_for_queue_calls]
    index = _waiting_by_queue(state.waiting)
    unavailable = {o.call_id for o in state.offers.values()}  # being offered already

    def queue_callers(queue_id: str) -> Iterator[Caller]:
        """The queue's callers nobody is offered, in serving order (lazily: the heads
        are what matter)."""
        return (c for c in index.get(queue_id, ()) if c.call_id not in unavailable)

    # Each pass offers what it can; a later pass may serve a caller passed over for an
    # agent who was kept for another queue and has been taken since.
    while free:
        # Queues with a caller nobody is offered: often none (all being rung already).
        pending = {q for q in index if next(queue_callers(q), None) is not None}
        if not pending:
            return state, out
        # Each free agent's best rank among the queues that have a caller for them: the
        # agent is kept for those queues rather than rung for one they rank lower.
        pools: dict[str, list[Agent]] = {}
        for agent in free:
            ranks = {
                queue_id: rank
                for queue_id, rank in agent.queues.items()
                if queue_id in pending
                and qualifies(agent.skills, state.queues[queue_id].required_skills)
                and any(agent.id not in c.tried for c in queue_callers(queue_id))
            }
            if ranks:
                best = min(ranks.values())
                for queue_id, rank in ranks.items():
                    if rank == best:
                        pools.setdefault(queue_id, []).append(agent)
        if not pools:
            return state, out
        pooled = {a.id for agents in pools.values() for a in agents}
        taken: set[str] = set()
        kept: set[str] = set()  # better-ranked agents callers were passed over for
        for caller in heapq.merge(*(queue_callers(q) for q in pools), key=lambda c: c.order):
            if caller.call_id in unavailable:  # offered earlier in this pass
                continue
            candidates = [
                a for a in pools[caller.queue] if a.id not in taken and a.id not in caller.tried
            ]
            if not candidates:
                continue
            top = min(a.queues[caller.queue] for a in candidates)
            pooled_here = {a.id for a in pools[caller.queue]}
            keepers = {
                a.id
                for a in free
                if a.id not in taken
                and a.id not in pooled_here
                and a.id not in caller.tried
                and a.queues.get(caller.queue, top) < top
                and qualifies(a.skills, state.queues[caller.queue].required_skills)
            }
            if keepers:
                kept |= keepers
                continue  # a better-ranked agent is kept for a caller who may go elsewhere
            state, chosen = _offer(
                state, caller, [a for a in candidates if a.queues[caller.queue] == top], out
            )
            taken.add(chosen)
            unavailable.add(caller.call_id)
            if taken == pooled or chosen in kept:
                # Callers passed over for ``chosen`` come first again: a new pass.
                break
        if not taken:
            return state, out
        free = [a for a in free if a.id not in taken]
    return state, out


def _offer(
    state: RouterState, caller: Caller, candidates: list[Agent], out: list[Command]
) -> tuple[RouterState, str]:
    queue = state.queues[caller.queue]
    chosen_id = pick(
        queue.strategy,
        [
            Candidate(
                a.id, a.idle_since, a.calls_answered, skill_score(a.skills, queue.required_skills)
            )
            for a in candidates
        ],
        state.last_agent.get(queue.id),
    )
    agent = state.agents[chosen_id]
    offer = Offer(
        f"{state.id_prefix}-{state.next_seq}", agent.id, caller.call_id, queue.id, state.now
    )
    state = replace(
        state,
        offers=_frozen({**state.offers, offer.offer_id: offer}),
        last_agent=_frozen({**state.last_agent, queue.id: agent.id}),
        next_seq=state.next_seq + 1,
    )
    state = _update_agent(state, agent, offer_id=offer.offer_id)
    out.append(
        RingAgent(
            offer.offer_id,
            agent.id,
            agent.endpoint,
            caller.call_id,
            caller.channel,
            queue.ring_timeout,
        )
    )
    return state, agent.id


# -- reservations ----------------------------------------------------------------------
_T = TypeVar("_T")


def _evolve(value: _T, **changes: object) -> _T:
    """``dataclasses.replace`` without running ``__init__`` again (none of the router's
    values checks anything there): a few times faster. Reservations are lifted and put
    back on every event, and a taken one is handled while the PBX rings the agent, so
    the controller should take as little CPU from the PBX as it can."""
    new = object.__new__(type(value))
    new.__dict__.update(value.__dict__)
    new.__dict__.update(changes)
    return new


def _lift_reservations(state: RouterState) -> tuple[RouterState, dict[str, Offer]]:
    """Take the reservations out of ``state`` (queue → its reservation): while an event
    is applied, a reserved agent is as free as any other. :func:`_reserve` puts back
    those that still stand."""
    lifted = {queue: state.offers[offer_id] for queue, offer_id in state.reservations.items()}
    ids = set(state.reservations.values())
    agents = dict(state.agents)
    for offer in lifted.values():
        agents[offer.agent_id] = _evolve(agents[offer.agent_id], offer_id=None)
    state = _evolve(
        state,
        offers=_frozen({k: v for k, v in state.offers.items() if k not in ids}),
        agents=_frozen(agents),
        reservations=_frozen({}),
    )
    return state, lifted


def _may_take(agent: Agent, queue: QueueConfig) -> bool:
    """May the agent ring for a new caller of ``queue`` (nobody has tried them yet)?"""
    return (
        agent.free_for_queue_calls
        and queue.id in agent.queues
        and qualifies(agent.skills, queue.required_skills)
    )


def _take(
    state: RouterState, event: ReservationTaken, lifted: Mapping[str, Offer], out: list[Command]
) -> RouterState:
    """A caller took a reservation, and the PBX is ringing the agent: from here on a
    normal ringing offer, the caller a waiting caller (with music, from the PBX).

    The reservation may have been withdrawn while the caller took it (the PBX cannot
    compare-and-swap for us). The offer still stands if the agent may take the caller;
    if not, the agent's leg is hung up: the caller falls back into the wait loop and
    arrives again as a plain ``CallerArrived``.
    """
    if (
        event.offer_id in state.offers
        or state.caller(event.call_id) is not None
        or state.offer_for_call(event.call_id) is not None
    ):
        return state  # already known (a resync repeats what we saw)
    held = lifted.get(event.queue)
    mine = held is not None and held.offer_id == event.offer_id
    agent = state.agents.get(held.agent_id if held is not None and mine else event.agent_id)
    queue = state.queues.get(event.queue)
    if agent is None or queue is None or not _may_take(agent, queue):
        out.append(StopRinging(event.offer_id))
        return state
    # One new state, not one per change: this runs while the PBX rings the agent, and
    # the controller should take as little CPU from it as it can.
    now = max(state.now, event.enqueued_at)
    caller = Caller(
        event.call_id,
        event.channel,
        queue.id,
        event.enqueued_at,
        event.priority,
        seq=state.next_seq,
        next_announce_at=_after(now, queue.announce_position_every),
        next_message_at=_after(now, queue.periodic_message_every),
    )
    out.append(InteractionStarted(caller.call_id, queue.id, caller.priority, caller.enqueued_at))
    offer = Offer(event.offer_id, agent.id, caller.call_id, queue.id, now, fast=True)
    state = _evolve(
        state,
        now=now,
        next_seq=state.next_seq + 1,
        waiting=tuple(sorted((*state.waiting, caller), key=lambda c: c.order)),
        offers=_frozen({**state.offers, offer.offer_id: offer}),
        last_agent=_frozen({**state.last_agent, queue.id: agent.id}),
        agents=_frozen({**state.agents, agent.id: _evolve(agent, offer_id=offer.offer_id)}),
    )
    ring = RingAgent(
        offer.offer_id,
        agent.id,
        agent.endpoint,
        caller.call_id,
        caller.channel,
        queue.ring_timeout,
    )
    out.append(ReservationUsed(ring))
    return state


def _home_queue(agent: Agent, queues: Mapping[str, QueueConfig]) -> str | None:
    """The queue the agent ranks best among those whose skills they have (ties: the
    smaller id): the one they are reserved for when free."""
    home = min(
        (
            (rank, queue_id)
            for queue_id, rank in agent.queues.items()
            if qualifies(agent.skills, queues[queue_id].required_skills)
        ),
        default=None,
    )
    return None if home is None else home[1]


def _wanted_reservations(state: RouterState) -> dict[str, str]:
    """queue → the agent to keep for its next caller.

    Each free agent is kept for one queue, the one they rank best among those whose
    skills they have (ties: the smaller queue id), and only while no caller waiting
    there could take them, so no waiting caller is ever overtaken. Per queue, the
    agent a new caller would ring: the best-ranked, then the queue's strategy.
    """
    homes: dict[str, list[Agent]] = {}
    known = state.homes
    for agent in state.agents.values():
        if agent.offer_id is not None or not agent.status.takes_queue_offers:
            continue  # not free (the cheaper test first: with 500 agents, every event)
        if agent.busy_elsewhere:
            continue
        home = known[agent.id] if agent.id in known else _home_queue(agent, state.queues)
        if home is not None:
            homes.setdefault(home, []).append(agent)
    if not homes:
        return {}
    offered = {o.call_id for o in state.offers.values()}
    index = _waiting_by_queue(state.waiting)
    tried: dict[str, list[frozenset[str]]] = {}  # per queue: its unoffered callers' tried
    for queue_id in homes:
        for caller in index.get(queue_id, ()):
            if caller.call_id not in offered:
                tried.setdefault(queue_id, []).append(caller.tried)
    wanted: dict[str, str] = {}
    for queue_id, agents in homes.items():
        waiting = tried.get(queue_id)
        if waiting:
            agents = [a for a in agents if all(a.id in t for t in waiting)]
            if not agents:
                continue
        top = min(a.queues[queue_id] for a in agents)
        queue = state.queues[queue_id]
        by_skill = queue.strategy is Strategy.BEST_SKILL
        wanted[queue_id] = pick(
            queue.strategy,
            [
                Candidate(
                    a.id,
                    a.idle_since,
                    a.calls_answered,
                    skill_score(a.skills, queue.required_skills) if by_skill else 0,
                )
                for a in agents
                if a.queues[queue_id] == top
            ],
            state.last_agent.get(queue_id),
        )
    return wanted


def _reserve(
    state: RouterState, lifted: Mapping[str, Offer], out: list[Command], *, refresh: bool
) -> RouterState:
    """Put back the reservations that still stand, withdraw the others, make new ones.

    Withdrawals go first among the event's commands, so a reservation is gone from
    the PBX before its agent is rung for someone else. ``refresh`` (after a resync)
    sends every reservation again and clears every other queue's, whatever the PBX
    held (it may have restarted, or kept one from a previous controller).
    """
    wanted = _wanted_reservations(state) if state.reserve_agents else {}
    queues = set(state.queues) if refresh else {*lifted, *wanted}
    if not queues or (
        not wanted and not refresh and all(o.offer_id in state.offers for o in lifted.values())
    ):
        return state  # nothing to put back (the reservations were taken), none to make
    offers = dict(state.offers)
    agents = dict(state.agents)
    reservations: dict[str, str] = {}
    releases: list[Command] = []
    next_seq = state.next_seq
    for queue_id in sorted(queues):
        old = lifted.get(queue_id)
        if old is not None and old.offer_id in offers:
            old = None  # a caller took it: the PBX cleared it itself
        agent_id = wanted.get(queue_id)
        if old is not None and old.agent_id == agent_id:
            offer, send = old, refresh
        else:
            if old is not None:
                releases.append(ReleaseReservation(queue_id, old.offer_id))
            elif refresh and agent_id is None:
                releases.append(ReleaseReservation(queue_id, ""))
            if agent_id is None:
                continue
            offer = Offer(
                f"{state.id_prefix}-{next_seq}", agent_id, "", queue_id, state.now, reserved=True
            )
            next_seq += 1
            send = True
        agent = agents[offer.agent_id]
        offers[offer.offer_id] = offer
        agents[agent.id] = _evolve(agent, offer_id=offer.offer_id)
        reservations[queue_id] = offer.offer_id
        if send:
            timeout = state.queues[queue_id].ring_timeout
            out.append(ReserveAgent(queue_id, offer.offer_id, agent.id, agent.endpoint, timeout))
    out[:0] = releases
    return _evolve(
        state,
        offers=_frozen(offers),
        agents=_frozen(agents),
        reservations=_frozen(reservations),
        next_seq=next_seq,
    )
