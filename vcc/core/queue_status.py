"""A queue as a supervisor watches it (the 8x8 console's Status tab): callers waiting,
the longest wait, its agents by status, and the service level — the share of calls
answered within the queue's target, over the last hour. Pure: the engine feeds
:class:`ServiceLevels` with its records and the clock.

Service level = answered within target ÷ (answered + abandoned), where a caller who
hung up within ``SHORT_ABANDON`` seconds is not counted (they barely waited: the usual
contact-center convention). No calls yet: no service level (None), not 100 %.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from vcc.core.agents import Status
from vcc.core.routing import RouterState

WINDOW = 3600.0  # seconds of calls the service level is taken over
SHORT_ABANDON = 5.0
MAX_TRACKED = 100_000  # waiting callers remembered (a guard against a leak, not a limit)


@dataclass(frozen=True)
class ServiceLevel:
    answered: int
    answered_in_target: int
    abandoned: int  # after SHORT_ABANDON
    target: float

    @property
    def percent(self) -> float | None:
        counted = self.answered + self.abandoned
        return None if counted == 0 else 100.0 * self.answered_in_target / counted


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    waiting: int
    longest_wait: float  # seconds; 0 with nobody waiting
    agents: Mapping[Status, int]  # the queue's agents by status
    service_level: ServiceLevel


class ServiceLevels:
    """Each queue's answered and abandoned calls of the last ``window`` seconds."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._waiting: dict[str, tuple[str, float]] = {}  # call → queue, enqueued at
        self._ended: dict[str, deque[tuple[float, float, bool]]] = {}  # (at, wait, answered)

    def started(self, call_id: str, queue: str, enqueued_at: float) -> None:
        if len(self._waiting) >= MAX_TRACKED:
            self._waiting.pop(next(iter(self._waiting)))
        self._waiting[call_id] = (queue, enqueued_at)

    def answered(self, call_id: str, at: float) -> None:
        self._end(call_id, at, answered=True)

    def abandoned(self, call_id: str, at: float) -> None:
        self._end(call_id, at, answered=False)

    def forget(self, call_id: str) -> None:
        """The call left the queue otherwise (overflow, exit key): not counted."""
        self._waiting.pop(call_id, None)

    def _end(self, call_id: str, at: float, *, answered: bool) -> None:
        started = self._waiting.pop(call_id, None)
        if started is None:
            return
        queue, enqueued_at = started
        wait = max(0.0, at - enqueued_at)
        if not answered and wait < SHORT_ABANDON:
            return
        self._ended.setdefault(queue, deque()).append((at, wait, answered))

    def of(self, queue: str, target: float, now: float) -> ServiceLevel:
        ended = self._ended.get(queue, deque())
        while ended and ended[0][0] < now - self.window:
            ended.popleft()
        answered = [wait for _, wait, ok in ended if ok]
        return ServiceLevel(
            answered=len(answered),
            answered_in_target=sum(1 for wait in answered if wait <= target),
            abandoned=sum(1 for _, _, ok in ended if not ok),
            target=target,
        )


def queue_status(state: RouterState, queue_id: str, levels: ServiceLevels) -> QueueStatus:
    """The queue now (KeyError: no such queue)."""
    queue = state.queues[queue_id]
    waiting = [c for c in state.waiting if c.queue == queue_id]
    agents: dict[Status, int] = {}
    for agent in state.agents.values():
        if queue_id in agent.queues:
            agents[agent.status] = agents.get(agent.status, 0) + 1
    return QueueStatus(
        queue=queue_id,
        waiting=len(waiting),
        longest_wait=max((state.now - c.enqueued_at for c in waiting), default=0.0),
        agents=agents,
        service_level=levels.of(queue_id, queue.service_level_target, state.now),
    )


def queue_statuses(state: RouterState, levels: ServiceLevels) -> dict[str, QueueStatus]:
    """Every queue now, in one pass over the callers and agents (not one per queue)."""
    waiting: dict[str, list[float]] = {q: [] for q in state.queues}
    for caller in state.waiting:
        if caller.queue in waiting:
            waiting[caller.queue].append(caller.enqueued_at)
    # Counted by the status's value: hashing a str is C, an Enum's __hash__ is Python.
    counted: dict[str, dict[str, int]] = {q: {} for q in state.queues}
    for agent in state.agents.values():
        status = agent.status.value
        for queue_id in agent.queues:
            if queue_id in counted:
                counts = counted[queue_id]
                counts[status] = counts.get(status, 0) + 1
    agents = {q: {Status(v): n for v, n in counts.items()} for q, counts in counted.items()}
    return {
        queue_id: QueueStatus(
            queue=queue_id,
            waiting=len(waiting[queue_id]),
            longest_wait=max((state.now - at for at in waiting[queue_id]), default=0.0),
            agents=agents[queue_id],
            service_level=levels.of(queue_id, queue.service_level_target, state.now),
        )
        for queue_id, queue in state.queues.items()
    }
