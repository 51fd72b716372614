"""What the digital desk costs per event, next to the call router's decision.

The desk (vcc.core.channels) runs on the engine's loop beside the call router: each
chat, email or voicemail that arrives, is accepted or ends, and every tick (offers
time out), is one pass of its rules over the live agents. Measured side by side in
one run on a busy center: 500 Available agents in 5 queues, each holding up to 3
chats and 2 emails (about 2,000 pieces of work in hand), 300 more waiting;

- ``decision``: routing.handle for a caller arriving in the same center;
- ``desk``: channels.handle for the event named.

Prints p50/p99 of each and their ratio, writes ``bench/results/desk.txt``.
Run: ``.venv/bin/python -m bench.desk``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from types import MappingProxyType

from bench.common import at_least, percentile, write_results
from bench.routing import QUEUES, center
from vcc.core import channels, routing
from vcc.core.channels import Capacity, Channel, Desk, DeskEvent


def loaded_desk(state: routing.RouterState, waiting: int) -> Desk:
    """Every agent given as much work as the desk offers them, then ``waiting`` more."""
    desk = Desk(Capacity(MappingProxyType({Channel.CHAT: 3, Channel.EMAIL: 2,
                                           Channel.VOICEMAIL: 1})))  # fmt: skip
    agents, queues = state.agents, state.queues
    n, now = 0, 1_000.0
    while True:  # arrive and accept until an arrival is no longer offered
        channel = Channel.CHAT if n % 3 else Channel.EMAIL
        desk, out = channels.handle(
            desk, agents, queues, channels.WorkArrived(f"w{n}", channel, QUEUES[n % 5], now)
        )
        offers = [c for c in out if isinstance(c, channels.OfferWork)]
        for offer in offers:
            desk, _ = channels.handle(
                desk, agents, queues, channels.WorkAccepted(offer.work_id, offer.agent_id, now)
            )
        n += 1
        if not offers:
            break
    for extra in range(waiting):
        desk, _ = channels.handle(desk, agents, queues, channels.WorkArrived(
            f"x{extra}", Channel.CHAT, QUEUES[extra % 5], now))  # fmt: skip
    return desk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=at_least(1, int), default=500)
    parser.add_argument("--waiting", type=at_least(1, int), default=300)
    parser.add_argument("--samples", type=at_least(1, int), default=200)
    args = parser.parse_args()

    state = center(args.agents, seed=1)
    desk = loaded_desk(state, args.waiting)
    held = sum(1 for w in desk.work.values() if w.accepted)
    accepted = [w for w in desk.work.values() if w.accepted]
    now = 1_001.0
    cases: dict[str, Callable[[int], DeskEvent]] = {
        "work arrives": lambda i: channels.WorkArrived(f"new{i}", Channel.CHAT, QUEUES[i % 5], now),
        "work ends": lambda i: channels.WorkEnded(accepted[i % len(accepted)].id, now),
        "tick": lambda i: channels.DeskTick(now + i),
    }
    lines = [
        f"digital desk: {len(state.agents)} agents, {held} chats and emails in hand, "
        f"{len(desk.work) - held} waiting; {args.samples} samples per event (ms)",
        f"{'event':<14}{'decision p50':>14}{'p99':>9}{'desk p50':>11}{'p99':>9}"
        f"{'desk/decision p50':>19}",
    ]
    results: dict[str, object] = {"agents": len(state.agents), "held": held,
                                  "waiting": len(desk.work) - held}  # fmt: skip
    for name, make in cases.items():
        decisions, desks = [], []
        for i in range(args.samples):
            arrival = routing.CallerArrived(f"c{i}", f"PJSIP/9{i}-0", QUEUES[i % 5], now)
            started = time.perf_counter()
            routing.handle(state, arrival)
            decided = time.perf_counter()
            channels.handle(desk, state.agents, state.queues, make(i))
            desks.append((time.perf_counter() - decided) * 1000)
            decisions.append((decided - started) * 1000)
        d50, d99 = percentile(decisions, 50), percentile(decisions, 99)
        k50, k99 = percentile(desks, 50), percentile(desks, 99)
        results[name] = {"decision_ms": {"p50": d50, "p99": d99},
                         "desk_ms": {"p50": k50, "p99": k99}, "ratio_p50": k50 / d50}  # fmt: skip
        lines.append(f"{name:<14}{d50:>13.3f}{d99:>9.3f}{k50:>11.3f}{k99:>9.3f}{k50 / d50:>18.2f}x")
    text = "\n".join(lines)
    write_results("desk", text + "\n", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
