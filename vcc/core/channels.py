"""Chats, emails and voicemails through the same agents as calls: the digital desk.

Pure, like vcc.core.routing, and beside it: the same agents (status, queues, skills,
idle time) decide who is offered a digital interaction, and what an agent holds here
decides whether the call router may offer them a call (``busy_elsewhere``, fed back
as routing.OtherWorkChanged). The rules:

1. Each channel has a per-agent capacity (e.g. up to 3 chats, 2 emails, 1 voicemail),
   which an admin may set otherwise for one agent; an offer counts against it from
   the moment it is made.
2. An agent is offered digital work only while Available, not ringing or on a call,
   serving the queue with its skills, under the channel's capacity, and not having
   declined (or let time out) this very interaction. An agent the call router only
   keeps for a queue's next caller (a reservation, its fast path) is free here: told
   that the agent is busy elsewhere, the router lets the reservation go. An offer
   still open when its agent leaves Available goes back to wait (the desk hears of
   every status change).
3. Waiting work is served by channel priority (the admin's order), then arrival;
   among the agents who may take it, the least loaded in that channel, then the
   queue's strategy picks, as for calls.
4. While an agent has any digital work, they get no call, unless the admin allows
   calls alongside (``calls_with_other_work``).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from vcc.core.queues import Candidate, QueueConfig, pick, qualifies, skill_score
from vcc.core.routing import Agent


class Channel(enum.StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class Capacity:
    limits: Mapping[Channel, int] = field(
        default_factory=lambda: MappingProxyType(
            {Channel.CHAT: 3, Channel.EMAIL: 2, Channel.VOICEMAIL: 1}
        )
    )
    calls_with_other_work: bool = False
    order: tuple[Channel, ...] = (Channel.VOICEMAIL, Channel.CHAT, Channel.EMAIL)
    offer_timeout: float = 30.0  # an offer not accepted in time goes to someone else
    # Agents whose admin set their own limits (a senior takes more chats, a trainee
    # none): agent id → channel → limit; the other channels keep ``limits``.
    per_agent: Mapping[str, Mapping[Channel, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        every = [*self.limits.values(), *(n for o in self.per_agent.values() for n in o.values())]
        if any(n < 0 or n > 50 for n in every):
            raise ValueError("a channel's capacity is 0 to 50")
        if set(self.order) != set(Channel):
            raise ValueError("the channel order names every channel once")

    def limit(self, agent_id: str, channel: Channel) -> int:
        """How many of ``channel`` the agent may hold at once."""
        own = self.per_agent.get(agent_id)
        if own is not None and channel in own:
            return own[channel]
        return self.limits.get(channel, 0)


@dataclass(frozen=True)
class Work:
    id: str
    channel: Channel
    queue: str
    arrived_at: float
    agent_id: str | None = None  # offered to, or accepted by
    offered_at: float | None = None
    accepted: bool = False
    declined_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Desk:
    capacity: Capacity = field(default_factory=Capacity)
    work: Mapping[str, Work] = field(default_factory=lambda: MappingProxyType({}))
    busy: frozenset[str] = frozenset()  # agents the call router is told are busy here
    last_agent: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def load(self, agent_id: str) -> dict[Channel, int]:
        return self.loads().get(agent_id, dict.fromkeys(Channel, 0))

    def loads(self) -> dict[str, dict[Channel, int]]:
        """What each agent who holds anything holds, per channel (one pass)."""
        counts: dict[str, dict[Channel, int]] = {}
        for w in self.work.values():
            if w.agent_id is not None:
                counts.setdefault(w.agent_id, dict.fromkeys(Channel, 0))[w.channel] += 1
        return counts


# -- events and commands ------------------------------------------------------------------
@dataclass(frozen=True)
class WorkArrived:
    work_id: str
    channel: Channel
    queue: str
    at: float


@dataclass(frozen=True)
class WorkAccepted:
    work_id: str
    agent_id: str
    at: float


@dataclass(frozen=True)
class WorkDeclined:
    work_id: str
    agent_id: str
    at: float


@dataclass(frozen=True)
class WorkEnded:
    work_id: str
    at: float


@dataclass(frozen=True)
class DeskTick:
    now: float


DeskEvent = WorkArrived | WorkAccepted | WorkDeclined | WorkEnded | DeskTick


@dataclass(frozen=True)
class OfferWork:
    work_id: str
    agent_id: str
    channel: Channel


@dataclass(frozen=True)
class WithdrawWork:
    """An offer not taken in time (or declined): it is someone else's to take now."""

    work_id: str
    agent_id: str


@dataclass(frozen=True)
class BusyElsewhere:
    """Tell the call router (routing.OtherWorkChanged)."""

    agent_id: str
    busy: bool


@dataclass(frozen=True)
class WorkRefused:
    work_id: str
    reason: str


DeskCommand = OfferWork | WithdrawWork | BusyElsewhere | WorkRefused


def handle(
    desk: Desk, agents: Mapping[str, Agent], queues: Mapping[str, QueueConfig], event: DeskEvent,
    reserved: Collection[str] = frozenset(),
) -> tuple[Desk, list[DeskCommand]]:  # fmt: skip
    """Apply ``event``. ``reserved``: the call router's reservations (offer ids), which
    leave their agents free for digital work."""
    out: list[DeskCommand] = []
    work = dict(desk.work)
    match event:
        case WorkArrived():
            if event.queue not in queues:
                out.append(WorkRefused(event.work_id, "unknown-queue"))
            elif event.work_id in work:
                out.append(WorkRefused(event.work_id, "duplicate"))
            else:
                work[event.work_id] = Work(event.work_id, event.channel, event.queue, event.at)
        case WorkAccepted():
            item = work.get(event.work_id)
            if item is None or item.agent_id != event.agent_id or item.accepted:
                out.append(WorkRefused(event.work_id, "not-offered-to-you"))
            else:
                work[item.id] = replace(item, accepted=True)
        case WorkDeclined():
            item = work.get(event.work_id)
            if item is not None and item.agent_id == event.agent_id and not item.accepted:
                work[item.id] = _back(item)
        case WorkEnded():
            work.pop(event.work_id, None)
        case DeskTick():
            for item in list(work.values()):
                if item.agent_id is None or item.accepted:
                    continue
                holder = agents.get(item.agent_id)
                if holder is None or not holder.status.takes_queue_offers:
                    # Gone on break or logged out with it ringing: someone else's now,
                    # and theirs again once back (no decline is noted).
                    out.append(WithdrawWork(item.id, item.agent_id))
                    work[item.id] = replace(item, agent_id=None, offered_at=None)
                elif item.offered_at is not None and (
                    event.now - item.offered_at >= desk.capacity.offer_timeout
                ):
                    out.append(WithdrawWork(item.id, item.agent_id))
                    work[item.id] = _back(item)
    desk = replace(desk, work=MappingProxyType(work))
    now = event.now if isinstance(event, DeskTick) else event.at
    desk = _route(desk, agents, queues, now, reserved, out)
    return _tell_router(desk, out), out


def _back(item: Work) -> Work:
    assert item.agent_id is not None
    return replace(
        item, agent_id=None, offered_at=None, declined_by=item.declined_by | {item.agent_id}
    )


def _route(
    desk: Desk, agents: Mapping[str, Agent], queues: Mapping[str, QueueConfig], now: float,
    reserved: Collection[str], out: list[DeskCommand],
) -> Desk:  # fmt: skip
    waiting = sorted(
        (w for w in desk.work.values() if w.agent_id is None),
        key=lambda w: (desk.capacity.order.index(w.channel), w.arrived_at, w.id),
    )
    if not waiting:
        return desk
    work = dict(desk.work)
    loads = desk.loads()
    last = dict(desk.last_agent)
    # Who may take work of a queue and channel at all, found once per pass: a busy
    # center has hundreds waiting for the same few pools (each only shrinks here).
    pools: dict[tuple[str, Channel], list[Agent]] = {}
    for item in waiting:
        queue = queues[item.queue]
        key = (item.queue, item.channel)
        if key not in pools:
            needed = queue.required_skills
            pools[key] = [
                a for a in agents.values()
                if a.status.takes_queue_offers and item.queue in a.queues
                and (a.offer_id is None or a.offer_id in reserved)
                and qualifies(a.skills, needed)
            ]  # fmt: skip
        pool = pools[key] = [
            a for a in pools[key]
            if _held(loads, a.id, item.channel) < desk.capacity.limit(a.id, item.channel)
        ]  # fmt: skip
        candidates = [
            Candidate(a.id, a.idle_since, a.calls_answered,
                      skill_score(a.skills, queue.required_skills))
            for a in pool if a.id not in item.declined_by
        ]  # fmt: skip
        if not candidates:
            continue
        # The least loaded in this channel first (spreading chats), then the strategy.
        fewest = min(_held(loads, c.agent_id, item.channel) for c in candidates)
        candidates = [c for c in candidates if _held(loads, c.agent_id, item.channel) == fewest]
        chosen = pick(queue.strategy, candidates, last.get(item.queue))
        work[item.id] = replace(item, agent_id=chosen, offered_at=now)
        loads.setdefault(chosen, dict.fromkeys(Channel, 0))[item.channel] += 1
        last[item.queue] = chosen
        out.append(OfferWork(item.id, chosen, item.channel))
    return replace(desk, work=MappingProxyType(work), last_agent=MappingProxyType(last))


def _held(loads: Mapping[str, Mapping[Channel, int]], agent_id: str, channel: Channel) -> int:
    held = loads.get(agent_id)
    return 0 if held is None else held[channel]


def _tell_router(desk: Desk, out: list[DeskCommand]) -> Desk:
    if desk.capacity.calls_with_other_work:
        return desk
    busy = frozenset(w.agent_id for w in desk.work.values() if w.agent_id is not None)
    for agent_id in sorted(busy - desk.busy):
        out.append(BusyElsewhere(agent_id, True))
    for agent_id in sorted(desk.busy - busy):
        out.append(BusyElsewhere(agent_id, False))
    return replace(desk, busy=busy)
