"""How good is the estimated wait a caller is told? Measured against the waits that
really happen, in a simulated busy hour run through the real router."""

from __future__ import annotations

import heapq
import random
import statistics

from vcc.core.agents import Status
from vcc.core.ewt import estimate_wait
from vcc.core.queues import QueueConfig
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    CallEnded,
    CallerArrived,
    Event,
    RingAgent,
    RouterState,
    handle,
)

AGENTS = 8
MEAN_HANDLE = 120.0  # seconds
ARRIVALS_PER_HOUR = 220  # ~92% of what 8 agents can take: callers do wait


def simulate(seed: int, calls: int) -> list[tuple[float, float]]:
    """(estimate told at arrival, actual wait) for each caller who had to wait."""
    rng = random.Random(seed)
    agents = [
        Agent(f"a{i}", f"PJSIP/{100 + i}", {"support": 0}, status=Status.AVAILABLE)
        for i in range(AGENTS)
    ]
    state = RouterState.create(agents, [QueueConfig("support", default_handle_time=MEAN_HANDLE)])
    pending: list[tuple[float, int, Event]] = []
    told: dict[str, float] = {}
    arrived_at: dict[str, float] = {}
    pairs: list[tuple[float, float]] = []
    seq = 0
    now = 0.0
    for n in range(calls):
        now += rng.expovariate(ARRIVALS_PER_HOUR / 3600)
        heapq.heappush(
            pending, (now, seq := seq + 1, CallerArrived(f"c{n}", f"ch{n}", "support", now))
        )
    while pending:
        at, _, event = heapq.heappop(pending)
        state, commands = handle(state, event)
        if isinstance(event, CallerArrived):
            arrived_at[event.call_id] = at
            position = state.position(event.call_id)
            if position is not None and state.offer_for_call(event.call_id) is None:
                # no agent free: the caller waits and is told how long
                told[event.call_id] = state.estimated_wait("support", position)
        for command in commands:
            if isinstance(command, RingAgent):  # the agent answers at once …
                if command.call_id in told:
                    pairs.append((told[command.call_id], at - arrived_at[command.call_id]))
                state, _ = handle(state, AgentAnswered(command.offer_id, at))
                handle_time = rng.expovariate(1 / MEAN_HANDLE)  # … and talks this long
                heapq.heappush(
                    pending,
                    (
                        at + handle_time,
                        seq := seq + 1,
                        CallEnded(command.offer_id, at + handle_time),
                    ),
                )
    return pairs


def test_estimates_track_actual_waits() -> None:
    pairs = simulate(seed=7, calls=3000)
    estimates = [e for e, _ in pairs]
    actual = [a for _, a in pairs]
    assert len(pairs) > 500, "the simulated hour must make callers wait"
    mean_wait = statistics.fmean(actual)
    mean_error = statistics.fmean(abs(e - a) for e, a in pairs)
    bias = statistics.fmean(e - a for e, a in pairs)
    correlation = statistics.correlation(estimates, actual)
    print(
        f"EWT accuracy over {len(pairs)} waits: mean wait {mean_wait:.0f} s, "
        f"mean absolute error {mean_error:.0f} s ({mean_error / mean_wait:.0%}), "
        f"bias {bias:+.0f} s, correlation {correlation:.2f}"
    )
    # An estimate a caller can trust: on average right, and closer than the mean wait
    # itself would be (the error of telling everyone the average).
    naive_error = statistics.fmean(abs(mean_wait - a) for a in actual)
    assert abs(bias) < 0.25 * mean_wait
    assert mean_error < 0.8 * naive_error
    assert correlation > 0.6


def test_no_estimate_without_anyone_working() -> None:
    assert estimate_wait(3, MEAN_HANDLE, 0) == float("inf")
    assert estimate_wait(3, MEAN_HANDLE, 2) == 180.0
