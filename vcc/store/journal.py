"""The router's records, written to the database in order, off the routing loop.

The engine hands every record over with :meth:`StoreJournal.submit`, which never
waits; one writer task saves them, so a slow disk never delays a ring. A record the
database refuses (say, an offer for an interaction a crashed controller never
recorded) is logged and skipped: the calls matter more than their history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.agents import Status
from vcc.core.routing import (
    CallAgentFirst,
    DispositionSet,
    InteractionEnded,
    InteractionStarted,
    OfferAdopted,
    OfferEnded,
    Record,
    RingAgent,
    StatusChanged,
)
from vcc.errors import VccError
from vcc.recording import (
    RecordingPaused,
    RecordingRecord,
    RecordingResumed,
    RecordingStarted,
    RecordingStopped,
)
from vcc.store import recordings, repository
from vcc.store.models import AgentStatusChange, InteractionKind

log = logging.getLogger(__name__)

QUEUE_LIMIT = 100_000  # records waiting to be written before new ones are dropped (logged)


@dataclass(frozen=True)
class _Offered:
    ring: RingAgent | CallAgentFirst  # an agent's phone rung for the interaction
    at: float


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class StoreJournal:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.queue: asyncio.Queue[Record | RecordingRecord | _Offered] = asyncio.Queue(QUEUE_LIMIT)
        self.written = 0
        self.refused = 0

    def submit(
        self, record: Record | RecordingRecord | RingAgent | CallAgentFirst, at: float
    ) -> None:
        item = _Offered(record, at) if isinstance(record, RingAgent | CallAgentFirst) else record
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.refused += 1
            log.error("journal full: %s not recorded", type(record).__name__)

    async def run(self) -> None:
        """Write records forever, in the order they came (cancel to stop)."""
        while True:
            item = await self.queue.get()
            try:
                async with self.sessions() as session:
                    await _write(session, item)
                    await session.commit()
                self.written += 1
            except VccError as exc:
                self.refused += 1
                log.warning("not recorded: %s (%s)", item, exc.message)
            except Exception:  # a bug or the database itself: log it, go on with the next
                self.refused += 1
                log.exception("not recorded: %s", item)
            finally:
                self.queue.task_done()

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until everything submitted so far is written (or ``timeout`` passes)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.queue.join()


async def _write(session: AsyncSession, item: Record | RecordingRecord | _Offered) -> None:
    match item:
        case StatusChanged():
            await repository.record_status_change(
                session, item.agent_id, item.status, item.reason, _time(item.at), item.by
            )
        case InteractionStarted():
            await repository.start_interaction(
                session,
                kind=InteractionKind.CALL,
                enqueued_at=_time(item.enqueued_at),
                queue_id=item.queue,
                pbx_call_id=item.call_id,
                caller=item.number,  # the number an agent called, for their own calls
                priority=item.priority,
                id=item.call_id,
            )
        case _Offered():
            await repository.record_offer(
                session, item.ring.call_id, item.ring.agent_id, _time(item.at),
                id=item.ring.offer_id,
            )  # fmt: skip
        case OfferEnded():
            await repository.finish_offer(session, item.offer_id, item.result, _time(item.at))
        case InteractionEnded():
            await repository.finish_interaction(session, item.call_id, _time(item.at), item.outcome)
        case OfferAdopted():
            await repository.adopt_offer(
                session, item.call_id, item.agent_id, _time(item.at),
                id=item.offer_id, queue_id=item.queue,
            )  # fmt: skip
        case DispositionSet():
            await repository.set_disposition(session, item.call_id, item.code)
        case RecordingStarted():
            await recordings.start_recording(
                session, item.call_id, item.agent_id, item.path, _time(item.at)
            )
        case RecordingPaused():
            await recordings.pause_recording(session, item.path, _time(item.at))
        case RecordingResumed():
            await recordings.resume_recording(session, item.path, _time(item.at))
        case RecordingStopped():
            await recordings.stop_recording(session, item.path, _time(item.at))


async def last_statuses(session: AsyncSession) -> Mapping[str, tuple[Status, str | None]]:
    """Each agent's latest recorded status and reason: where a restarted controller
    picks up, rather than at the tenant file's starting status."""
    latest = (
        select(AgentStatusChange.agent_id, func.max(AgentStatusChange.id).label("id"))
        .group_by(AgentStatusChange.agent_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            AgentStatusChange.agent_id, AgentStatusChange.status, AgentStatusChange.reason_code
        ).join(latest, AgentStatusChange.id == latest.c.id)
    )
    return {agent_id: (Status(status), reason) for agent_id, status, reason in rows}
