"""The digital desk as a service: vcc.core.channels' rules over the engine's live
agents and queues, each interaction on record as calls are (table ``interaction``).

Offers, withdrawals and ends go to the agent's console over the API's WebSocket
("work" messages, to that agent only); what keeps calls away from an agent goes to
the call router as routing.OtherWorkChanged. The desk is re-routed whenever the
router moves (an agent becomes free, say) and at the engine's ticks (offers time out).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core import channels, routing
from vcc.core.channels import Channel, Desk, DeskCommand, DeskEvent
from vcc.engine import Engine
from vcc.errors import InvalidInput, NotFound, VccError
from vcc.store.models import Interaction, InteractionKind, InteractionOutcome

log = logging.getLogger(__name__)

KINDS = {
    Channel.CHAT: InteractionKind.CHAT,
    Channel.EMAIL: InteractionKind.EMAIL,
    Channel.VOICEMAIL: InteractionKind.VOICEMAIL,
}


class NotYours(VccError):
    code = "not-your-work"
    http_status = 409


@dataclass(frozen=True)
class Details:
    """What the desk's rules do not need but people do: who and what it is."""

    title: str  # the customer's name, the email's subject, the caller's number
    from_: str  # the customer's address or number
    customer_id: int | None


@dataclass(frozen=True)
class Item:
    """What the consoles show of one piece of work: the core's Work and its Details."""

    id: str
    channel: Channel
    queue: str
    title: str  # the customer's name, the email's subject, the caller's number
    from_: str  # the customer's address or number
    customer_id: int | None
    arrived_at: float
    agent_id: str | None = None
    accepted: bool = False

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel.value, "queue": self.queue,
                "title": self.title, "from": self.from_, "customer_id": self.customer_id,
                "arrived_at": datetime.fromtimestamp(self.arrived_at, UTC).isoformat(),
                "agent_id": self.agent_id, "accepted": self.accepted}  # fmt: skip


@dataclass
class DeskService:
    engine: Engine
    sessions: async_sessionmaker[AsyncSession]
    publish: Callable[[dict[str, Any]], None]
    capacity: channels.Capacity = field(default_factory=channels.Capacity)
    details: dict[str, Details] = field(default_factory=dict)  # of the work on the desk
    # Told of each desk command once applied (the chat service says "accepted" to the
    # customer, say); a listener's failure is logged, never stops the desk.
    listeners: list[Callable[[DeskCommand | DeskEvent], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.desk = Desk(self.capacity)
        self.engine.observers.append(self._router_moved)

    # -- what services tell the desk ---------------------------------------------------
    async def arrive(
        self, channel: Channel, queue: str, *, title: str, from_: str,
        customer_id: int | None = None, work_id: str | None = None,
    ) -> Item:  # fmt: skip
        """New work waits in ``queue``; on record at once (InvalidInput: no such queue)."""
        if queue not in self.engine.state.queues:
            raise InvalidInput(f"there is no queue {queue[:40]!r}", hint="GET /api/v1/queues")
        now, work_id = self.engine.clock(), work_id or str(uuid.uuid4())
        async with self.sessions() as session:
            session.add(Interaction(
                id=work_id, kind=KINDS[channel], queue_id=queue, caller=from_[:128],
                enqueued_at=_utc(now),
            ))  # fmt: skip
            await session.commit()
        self.details[work_id] = Details(title, from_, customer_id)
        self._handle(channels.WorkArrived(work_id, channel, queue, now))
        return self._item(work_id)

    async def accept(self, work_id: str, agent_id: str) -> Item:
        item = self._item(work_id)
        now = self.engine.clock()
        refused = self._handle(channels.WorkAccepted(work_id, agent_id, now))
        if refused:
            raise NotYours(f"{item.channel.value} {work_id} is not offered to you",
                           hint="it may have gone to someone else")  # fmt: skip
        async with self.sessions() as session:
            row = await session.get(Interaction, work_id)
            if row is not None:
                row.agent_id, row.answered_at = agent_id, _utc(now)
                row.offered_at = row.offered_at or _utc(now)
                await session.commit()
        return item

    def decline(self, work_id: str, agent_id: str) -> None:
        item = self._item(work_id)
        if item.agent_id != agent_id or item.accepted:
            raise NotYours(f"{item.channel.value} {work_id} is not offered to you")
        self._handle(channels.WorkDeclined(work_id, agent_id, self.engine.clock()))

    async def end(self, work_id: str, outcome: InteractionOutcome | None = None) -> Item:
        """The work is done (or the customer left): it frees the agent's capacity."""
        item = self._item(work_id)
        now = self.engine.clock()
        self._handle(channels.WorkEnded(work_id, now))
        self.details.pop(work_id, None)
        if outcome is None:
            accepted = item.accepted
            outcome = InteractionOutcome.ANSWERED if accepted else InteractionOutcome.ABANDONED
        async with self.sessions() as session:
            row = await session.get(Interaction, work_id)
            if row is not None and row.ended_at is None:
                row.ended_at, row.outcome = _utc(now), outcome
                await session.commit()
        return item

    def owned_by(self, work_id: str, agent_id: str) -> Item:
        """The work ``agent_id`` accepted (NotYours otherwise)."""
        item = self._item(work_id)
        if item.agent_id != agent_id or not item.accepted:
            raise NotYours(f"{item.channel.value} {work_id} is not one you accepted")
        return item

    async def held_by(self, work_id: str, agent_id: str | None) -> bool:
        """Is (or was) ``work_id`` offered to or handled by ``agent_id``? (NotFound:
        there is no such chat, email or voicemail.)"""
        item = self.get(work_id)
        if item is not None and agent_id is not None and item.agent_id == agent_id:
            return True
        async with self.sessions() as session:
            row = await session.get(Interaction, work_id[:64])
        if row is None or row.kind is InteractionKind.CALL:
            raise NotFound(f"no chat, email or voicemail {work_id[:40]!r}")
        return agent_id is not None and row.agent_id == agent_id

    def get(self, work_id: str) -> Item | None:
        """The open chat, email or voicemail ``work_id``, as the consoles see it."""
        work = self.desk.work.get(work_id)
        if work is None:
            return None
        details = self.details.get(work_id, Details("", "", None))
        return Item(work.id, work.channel, work.queue, details.title, details.from_,
                    details.customer_id, work.arrived_at, work.agent_id, work.accepted)  # fmt: skip

    @property
    def items(self) -> dict[str, Item]:
        """Everything open on the desk (built on demand: for listings, not per event)."""
        return {work_id: item for work_id in self.desk.work if (item := self.get(work_id))}

    def of(self, agent_id: str) -> list[Item]:
        mine = [w.id for w in self.desk.work.values() if w.agent_id == agent_id]
        return sorted((i for w in mine if (i := self.get(w))), key=lambda i: i.arrived_at)

    def loads(self) -> dict[str, dict[str, int]]:
        """Per agent, what they hold in each channel (the Status tab)."""
        held = self.desk.loads()
        none = dict.fromkeys(Channel, 0)
        return {a: {c.value: n for c, n in held.get(a, none).items()}
                for a in self.engine.state.agents}  # fmt: skip

    def waiting(self) -> dict[str, dict[str, int]]:
        """Per queue, the work no agent holds yet, per channel."""
        counts: dict[str, dict[str, int]] = {}
        for work in self.desk.work.values():
            if work.agent_id is None:
                per = counts.setdefault(work.queue, dict.fromkeys((c.value for c in Channel), 0))
                per[work.channel.value] += 1
        return counts

    async def restore(self) -> None:
        """After a restart: the work still open on record waits to be offered again
        (no agent holds anything yet: who is logged in is known only from now on)."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Interaction).where(
                    Interaction.kind != InteractionKind.CALL, Interaction.ended_at.is_(None)
                ).order_by(Interaction.enqueued_at)
            )  # fmt: skip
            open_work = list(rows)
        channel_of = {kind: channel for channel, kind in KINDS.items()}
        for row in open_work:
            if row.queue_id is None or row.queue_id not in self.engine.state.queues:
                continue
            if row.id in self.desk.work:
                continue
            queue, at, channel = row.queue_id, row.enqueued_at.timestamp(), channel_of[row.kind]
            self.details[row.id] = Details(row.caller or "", row.caller or "", None)
            self._handle(channels.WorkArrived(row.id, channel, queue, at))

    # -- the rules, applied ----------------------------------------------------------------
    def _item(self, work_id: str) -> Item:
        item = self.get(work_id)
        if item is None:
            raise NotFound(f"no open chat, email or voicemail {work_id[:40]!r}")
        return item

    def _router_moved(self, item: routing.Event | routing.Command) -> None:
        if isinstance(item, routing.Tick) and self.desk.work:
            self._handle(channels.DeskTick(item.now))
        elif isinstance(item, routing.StatusChanged | routing.OfferEnded) and self.desk.work:
            self._handle(channels.DeskTick(self.engine.state.now))

    def _handle(self, event: DeskEvent) -> bool:
        """Apply ``event``; carry out its commands. True if the desk refused it."""
        before = self.desk.loads()
        ending = self.get(event.work_id) if isinstance(event, channels.WorkEnded) else None
        state = self.engine.state
        self.desk, commands = channels.handle(
            self.desk, state.agents, state.queues, event, frozenset(state.reservations.values())
        )
        refused = False
        for command in commands:
            match command:
                case channels.OfferWork(work_id=work_id, agent_id=agent_id):
                    self._tell(agent_id, "offered", work_id)
                case channels.WithdrawWork(work_id=work_id, agent_id=agent_id):
                    self._tell(agent_id, "withdrawn", work_id)
                case channels.BusyElsewhere(agent_id=agent_id, busy=busy):
                    # Before anything already waiting: no caller queued meanwhile
                    # may ring an agent who has just been offered a chat.
                    self.engine.submit_first(
                        routing.OtherWorkChanged(agent_id, busy, self.engine.clock())
                    )
                case channels.WorkRefused():
                    refused = True
        match event:
            case channels.WorkAccepted(work_id=work_id, agent_id=agent_id) if not refused:
                self._tell(agent_id, "accepted", work_id)
            case channels.WorkDeclined(work_id=work_id, agent_id=agent_id):
                self._tell(agent_id, "withdrawn", work_id)
            case channels.WorkEnded() if ending is not None and ending.agent_id is not None:
                self._publish_work(ending.agent_id, "ended", ending)
        for listener in self.listeners:
            for told in [event, *commands]:
                try:
                    listener(told)
                except Exception:
                    log.exception("a desk listener failed on %s", type(told).__name__)
        after = self.desk.loads()
        for agent_id in sorted(before.keys() | after.keys()):
            if after.get(agent_id) != before.get(agent_id):
                load = after.get(agent_id, dict.fromkeys(Channel, 0))
                counts = {c.value: n for c, n in load.items()}
                self.publish({"type": "desk", "agent_id": agent_id, "load": counts})
        return refused

    def _tell(self, agent_id: str, what: str, work_id: str) -> None:
        item = self.get(work_id)
        if item is not None:
            self._publish_work(agent_id, what, item)

    def _publish_work(self, agent_id: str, what: str, item: Item) -> None:
        self.publish({"type": "work", "event": what, "agents": [agent_id], "work": item.view()})


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)
