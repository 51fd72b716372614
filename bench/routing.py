"""The routing decision in the pure core, at contact-center scale.

500 agents, 1,000 waiting callers in 5 queues with skills and agent priorities, all
agents busy (that is when callers wait). Timed, each on its own copy of that state:

- ``call ends``: an agent's call ends, so the router picks the caller that agent
  takes next (the decision that matters) and rings the agent;
- ``caller arrives``: a caller joins a queue while nobody is free;
- ``tick``: the half-second tick (timers, overflow, announcements);
- ``status change``: an agent asks for Break while on a call (applies later).

The router reserves free agents for the next caller of their queue, as ``vcc serve``
does. And a quiet center: the same 500 agents all free, nobody waiting, so each queue
has an agent reserved; timed there:

- ``quiet: taken``: a caller takes a queue's reservation (the PBX rings the agent);
- ``quiet: break``: a reserved agent goes on Break (released, the next one reserved);
- ``quiet: tick``: the tick, with every reservation lifted and put back.

Prints p50/p99 per event beside the target (p99 ≤ 2 ms) and writes
``bench/results/routing.txt``. Run: ``.venv/bin/python -m bench.routing``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.common import at_least, percentile, write_results
from vcc.core.agents import Status, StatusRequest
from vcc.core.queues import QueueConfig, Strategy
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    CallEnded,
    CallerArrived,
    Event,
    ReservationTaken,
    RingAgent,
    RouterState,
    StatusRequested,
    Tick,
    handle,
)

TARGET_P99_MS = 2.0
QUEUES = ("support", "sales", "billing", "tech", "vip")
SKILLS = ("dutch", "english", "french")


def center(agents: int, seed: int) -> RouterState:
    """``agents`` free agents in 5 queues with skills and agent priorities, nobody waiting
    (so free agents are reserved for the next caller)."""
    rng = random.Random(seed)
    queues = [
        QueueConfig(
            q, strategy=list(Strategy)[i % len(Strategy)], required_skills={SKILLS[i % 3]: 2}
        )
        for i, q in enumerate(QUEUES)
    ]
    agent_list = [
        Agent(
            f"a{n:04d}",
            f"PJSIP/{1000 + n}",
            {q: rng.randrange(3) for q in rng.sample(QUEUES, 2)},
            {s: rng.randrange(1, 6) for s in SKILLS},
            status=Status.AVAILABLE,
            idle_since=float(n),
        )
        for n in range(agents)
    ]
    state = RouterState.create(agent_list, queues, id_prefix="bench", reserve_agents=True)
    return handle(state, Tick(1_000.0))[0]


def busy_center(agents: int, callers: int, seed: int) -> RouterState:
    """A state with every agent on a call and ``callers`` waiting, built through handle()."""
    rng = random.Random(seed)
    state = center(agents, seed)
    now = 1_000.0
    # One caller per agent first: every agent that qualifies for something gets a call.
    for n in range(agents + callers):
        now += 0.01
        queue = QUEUES[n % len(QUEUES)]
        state, commands = handle(
            state, CallerArrived(f"c{n}", f"PJSIP/9{n}-0", queue, now, priority=rng.randrange(3))
        )
        for command in commands:
            if isinstance(command, RingAgent):
                state, _ = handle(state, AgentAnswered(command.offer_id, now))
    return state


def timed(state: RouterState, events: list[Event]) -> list[float]:
    """Milliseconds for each event, each applied to the same starting state."""
    samples = []
    for event in events:
        started = time.perf_counter()
        handle(state, event)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=at_least(1, int), default=500)
    parser.add_argument("--callers", type=at_least(1, int), default=1000)
    parser.add_argument("--samples", type=at_least(1, int), default=300)
    args = parser.parse_args()

    started = time.monotonic()
    state = busy_center(args.agents, args.callers, seed=1)
    waiting, offers = len(state.waiting), len(state.offers)
    busy = [o for o in state.offers.values() if o.answered]
    now = state.now + 1
    cases: dict[str, Callable[[int], Event]] = {
        "call ends": lambda i: CallEnded(busy[i % len(busy)].offer_id, now),
        "caller arrives": lambda i: CallerArrived(f"new{i}", f"PJSIP/8{i}-0", QUEUES[i % 5], now),
        "tick": lambda i: Tick(now + i * 0.001),
        "status change": lambda i: StatusRequested(
            busy[i % len(busy)].agent_id, StatusRequest(Status.BREAK), now, "bench"
        ),
    }
    quiet = center(args.agents, seed=1)
    reserved = sorted(quiet.reservations.items())

    def taken(i: int) -> Event:
        queue, offer_id = reserved[i % len(reserved)]
        return ReservationTaken(queue, offer_id, f"q{i}", f"PJSIP/8{i}-0", now, 0, now)

    def reserved_goes_on_break(i: int) -> Event:
        agent_id = quiet.offers[reserved[i % len(reserved)][1]].agent_id
        return StatusRequested(agent_id, StatusRequest(Status.BREAK), now, "bench")

    quiet_cases: dict[str, Callable[[int], Event]] = {
        "quiet: taken": taken,
        "quiet: break": reserved_goes_on_break,
        "quiet: tick": lambda i: Tick(now + i * 0.001),
    }
    results: dict[str, dict[str, float]] = {}
    for name, make in [*cases.items(), *quiet_cases.items()]:
        base = quiet if name.startswith("quiet") else state
        samples = timed(base, [make(i) for i in range(args.samples)])
        results[name] = {
            "p50_ms": percentile(samples, 50),
            "p99_ms": percentile(samples, 99),
            "max_ms": max(samples),
        }

    lines = [
        f"vcc core routing, {datetime.now(UTC).isoformat(timespec='seconds')}, "
        f"{os.cpu_count()} cores, {time.monotonic() - started:.1f} s",
        f"{args.agents} agents ({offers} on calls), {waiting} callers waiting in "
        f"{len(QUEUES)} queues; {args.samples} samples per event; reservations on "
        f"(quiet: {args.agents} agents free, {len(reserved)} reserved)",
        "",
        f"{'event':16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f"  p99 ÷ target ({TARGET_P99_MS} ms)",
    ]
    for name, r in results.items():
        lines.append(
            f"{name:16} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['max_ms']:8.3f}"
            f"  {r['p99_ms'] / TARGET_P99_MS:.2f}×"
        )
    report = "\n".join(lines)
    write_results("routing", report + "\n", results)
    slow = [n for n, r in results.items() if r["p99_ms"] > TARGET_P99_MS]
    if slow:
        print(f"over target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
