"""Agent-first routing of waiting callers: who rings next, and what happens after.

``handle(state, event) -> (state, commands)`` over frozen values. The engine feeds
it PBX and API events translated to the ones below and carries out the commands.
This is the seed of the ACD: one queue discipline (first come, first served, the
longest-idle agent first) and the ring-next-agent loop; statuses with reason codes,
skills and strategies build on it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeVar


class AgentActivity(enum.Enum):
    IDLE = "idle"  # may be offered a caller
    RINGING = "ringing"  # their phone rings with an offer
    ON_CALL = "on-call"
    AWAY = "away"  # not taking calls


@dataclass(frozen=True)
class Agent:
    id: str
    endpoint: str  # what the PBX dials, e.g. "PJSIP/1001"
    queues: frozenset[str]
    activity: AgentActivity = AgentActivity.IDLE
    idle_since: float = 0.0
    # An activity asked for while ringing or on a call: it applies when that ends.
    after_offer: AgentActivity | None = None


@dataclass(frozen=True)
class Caller:
    call_id: str  # the PBX's id of the caller's channel
    channel: str
    queue: str
    enqueued_at: float
    tried: frozenset[str] = frozenset()  # agents that did not take this caller yet


@dataclass(frozen=True)
class Offer:
    offer_id: str
    agent_id: str
    call_id: str
    offered_at: float
    answered: bool = False


# How long past the ring timeout an unanswered offer may go without news from the
# PBX before the router gives up on it (its outcome event was lost, e.g. in a
# disconnect) and hangs the agent's leg up to be sure.
OFFER_GRACE = 5.0


V = TypeVar("V")


def _frozen(d: Mapping[str, V]) -> Mapping[str, V]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class RouterState:
    agents: Mapping[str, Agent]
    ring_timeout: float = 15.0
    id_prefix: str = "vcc"
    waiting: tuple[Caller, ...] = ()
    offers: Mapping[str, Offer] = field(default_factory=lambda: MappingProxyType({}))
    next_seq: int = 1
    now: float = 0.0  # the latest Tick: the core has no clock of its own

    @classmethod
    def create(
        cls, agents: Iterable[Agent], *, ring_timeout: float = 15.0, id_prefix: str = "vcc"
    ) -> RouterState:
        return cls(
            agents=MappingProxyType({a.id: a for a in agents}),
            ring_timeout=ring_timeout,
            id_prefix=id_prefix,
        )

    def offer_for_call(self, call_id: str) -> Offer | None:
        return next((o for o in self.offers.values() if o.call_id == call_id), None)

    def caller(self, call_id: str) -> Caller | None:
        return next((c for c in self.waiting if c.call_id == call_id), None)


# -- events --------------------------------------------------------------------------
@dataclass(frozen=True)
class CallerArrived:
    call_id: str
    channel: str
    queue: str
    enqueued_at: float


@dataclass(frozen=True)
class CallerLeft:
    call_id: str


@dataclass(frozen=True)
class AgentAnswered:
    offer_id: str


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


@dataclass(frozen=True)
class AgentActivityChanged:
    agent_id: str
    activity: AgentActivity
    at: float


@dataclass(frozen=True)
class Tick:
    now: float


Event = (
    CallerArrived
    | CallerLeft
    | AgentAnswered
    | OfferFailed
    | CallEnded
    | AgentActivityChanged
    | Tick
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
class StopRinging:
    """The caller went away while the agent's phone rang: hang up the agent's leg."""

    offer_id: str


Command = RingAgent | StopRinging


def handle(state: RouterState, event: Event) -> tuple[RouterState, list[Command]]:
    """Apply one event; return the new state and what the PBX must do."""
    commands: list[Command] = []
    match event:
        case CallerArrived():
            if state.caller(event.call_id) is None and state.offer_for_call(event.call_id) is None:
                caller = Caller(event.call_id, event.channel, event.queue, event.enqueued_at)
                waiting = sorted((*state.waiting, caller), key=lambda c: c.enqueued_at)
                state = replace(state, waiting=tuple(waiting))
        case CallerLeft():
            state = replace(
                state, waiting=tuple(c for c in state.waiting if c.call_id != event.call_id)
            )
            offer = state.offer_for_call(event.call_id)
            if offer is not None and not offer.answered:
                commands.append(StopRinging(offer.offer_id))
        case AgentAnswered():
            offer = state.offers.get(event.offer_id)
            if offer is not None and not offer.answered:
                state = _set_agent(state, offer.agent_id, activity=AgentActivity.ON_CALL)
                state = replace(
                    state,
                    offers=_frozen({**state.offers, offer.offer_id: replace(offer, answered=True)}),
                    waiting=tuple(c for c in state.waiting if c.call_id != offer.call_id),
                )
        case OfferFailed():
            offer = state.offers.get(event.offer_id)
            if offer is not None and not offer.answered:
                state = _fail_offer(state, offer, event.at)
        case CallEnded():
            offer = state.offers.get(event.offer_id)
            if offer is not None and offer.answered:
                state = _end_offer(state, offer, event.at)
            elif offer is not None:
                state = _fail_offer(state, offer, event.at)
        case AgentActivityChanged():
            agent = state.agents.get(event.agent_id)
            if agent is not None and agent.activity in (
                AgentActivity.RINGING,
                AgentActivity.ON_CALL,
            ):
                # asked for during an interaction: applies when it ends
                state = _set_agent(state, agent.id, after_offer=event.activity)
            elif agent is not None:
                state = _set_agent(state, agent.id, activity=event.activity, idle_since=event.at)
        case Tick():
            state = replace(state, now=event.now)
            for offer in list(state.offers.values()):
                if not offer.answered and event.now - offer.offered_at > (
                    state.ring_timeout + OFFER_GRACE
                ):
                    commands.append(StopRinging(offer.offer_id))
                    state = _fail_offer(state, offer, event.now)
            # A caller every available agent has already refused starts a new round,
            # at most once per tick, so unreachable phones cannot spin the loop.
            state = replace(
                state,
                waiting=tuple(
                    replace(c, tried=frozenset()) if c.tried and not _candidates(state, c) else c
                    for c in state.waiting
                ),
            )
    return _route(state, commands)


def _route(state: RouterState, commands: list[Command]) -> tuple[RouterState, list[Command]]:
    """Offer each waiting caller, oldest first, to the longest-idle agent who may take them."""
    for caller in state.waiting:
        if state.offer_for_call(caller.call_id) is not None:
            continue
        candidates = _candidates(state, caller)
        if not candidates:
            continue
        agent = min(candidates, key=lambda a: (a.idle_since, a.id))
        offer = Offer(f"{state.id_prefix}-{state.next_seq}", agent.id, caller.call_id, state.now)
        state = _set_agent(state, agent.id, activity=AgentActivity.RINGING)
        state = replace(
            state,
            offers=_frozen({**state.offers, offer.offer_id: offer}),
            next_seq=state.next_seq + 1,
        )
        commands.append(
            RingAgent(
                offer.offer_id,
                agent.id,
                agent.endpoint,
                caller.call_id,
                caller.channel,
                state.ring_timeout,
            )
        )
    return state, commands


def _candidates(state: RouterState, caller: Caller) -> list[Agent]:
    return [
        a
        for a in state.agents.values()
        if a.activity is AgentActivity.IDLE
        and caller.queue in a.queues
        and a.id not in caller.tried
    ]


def _set_agent(state: RouterState, agent_id: str, **changes: object) -> RouterState:
    agent = replace(state.agents[agent_id], **changes)  # type: ignore[arg-type]
    return replace(state, agents=_frozen({**state.agents, agent_id: agent}))


def _fail_offer(state: RouterState, offer: Offer, at: float) -> RouterState:
    """The agent did not take the caller: free the agent, remember not to re-offer them."""
    state = _end_offer(state, offer, at)
    return replace(
        state,
        waiting=tuple(
            replace(c, tried=c.tried | {offer.agent_id}) if c.call_id == offer.call_id else c
            for c in state.waiting
        ),
    )


def _end_offer(state: RouterState, offer: Offer, at: float) -> RouterState:
    offers = {k: v for k, v in state.offers.items() if k != offer.offer_id}
    agent = state.agents[offer.agent_id]
    state = replace(state, offers=_frozen(offers))
    if agent.after_offer is not None and agent.after_offer is not AgentActivity.IDLE:
        return _set_agent(state, agent.id, activity=agent.after_offer, after_offer=None)
    idle_since = at if offer.answered else agent.idle_since
    return _set_agent(
        state, agent.id, activity=AgentActivity.IDLE, idle_since=idle_since, after_offer=None
    )
