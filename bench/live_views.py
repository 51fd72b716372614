"""What the consoles' live views cost the engine, next to the decision they follow.

Every event the router takes and every command it makes is shown to the API's
observer, which finds the agents it touched, builds their views and publishes only
those that changed (vcc.api.endpoints.change_messages). That runs on the engine's
loop, so it must stay small beside the routing decision itself. Measured side by
side in one run on a busy center (500 agents on calls, 1,000 callers waiting):

- ``decision``: routing.handle for the event;
- ``views``: the observer for the event, each command it made, and the next tick
  (where the queues' views go out if anything moved in them).

Prints p50/p99 of each and their ratio, writes ``bench/results/live_views.txt``.
Run: ``.venv/bin/python -m bench.live_views``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any, cast

from bench.common import at_least, percentile, write_results
from bench.routing import QUEUES, busy_center
from vcc.api.endpoints import LiveViews
from vcc.core import routing
from vcc.core.agents import Status, StatusRequest
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver


class _NoPbx:
    supports_reservations = True

    def subscribe(self, sink: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=at_least(1, int), default=500)
    parser.add_argument("--callers", type=at_least(1, int), default=1000)
    parser.add_argument("--samples", type=at_least(1, int), default=300)
    args = parser.parse_args()

    state = busy_center(args.agents, args.callers, seed=1)
    busy = [o for o in state.offers.values() if o.answered]
    now = state.now + 1
    cases: dict[str, Callable[[int], routing.Event]] = {
        "call ends": lambda i: routing.CallEnded(busy[i % len(busy)].offer_id, now),
        "caller arrives": lambda i: routing.CallerArrived(
            f"new{i}", f"PJSIP/8{i}-0", QUEUES[i % 5], now
        ),
        "status change": lambda i: routing.StatusRequested(
            busy[i % len(busy)].agent_id, StatusRequest(Status.BREAK), now, "bench"
        ),
        "hold": lambda i: routing.HoldRequested(busy[i % len(busy)].agent_id, True, now),
    }
    engine = Engine(cast(PbxDriver, _NoPbx()), state)  # only its views are used here
    lines = [
        f"live views: {len(state.agents)} agents on calls, {len(state.waiting)} waiting, "
        f"{args.samples} samples per event (ms)",
        f"{'event':<16}{'decision p50':>14}{'p99':>9}{'views p50':>12}{'p99':>9}"
        f"{'views/decision p50':>20}",
    ]
    results: dict[str, Any] = {}
    ticks: list[float] = []
    for name, make in cases.items():
        decisions, views = [], []
        for i in range(args.samples):
            event = make(i)
            engine.state = state
            live = LiveViews(engine)
            started = time.perf_counter()
            after, commands = routing.handle(state, event)
            decided = time.perf_counter()
            engine.state = after
            for item in (event, *commands):
                for _ in live.messages(item):
                    pass
            viewed = time.perf_counter()
            for _ in live.messages(routing.Tick(now)):  # the queues, once per tick
                pass
            ticks.append((time.perf_counter() - viewed) * 1000)
            decisions.append((decided - started) * 1000)
            views.append((viewed - decided) * 1000)
        d50, d99 = percentile(decisions, 50), percentile(decisions, 99)
        v50, v99 = percentile(views, 50), percentile(views, 99)
        results[name] = {"decision_ms": {"p50": d50, "p99": d99},
                         "views_ms": {"p50": v50, "p99": v99}, "ratio_p50": v50 / d50}  # fmt: skip
        lines.append(f"{name:<16}{d50:>13.3f}{d99:>9.3f}{v50:>12.3f}{v99:>9.3f}{v50 / d50:>19.2f}x")
    t50, t99 = percentile(ticks, 50), percentile(ticks, 99)
    results["queue views per tick"] = {"p50": t50, "p99": t99}
    lines.append(f"queue views, once per tick (0.5 s) when anything moved: p50 {t50:.3f}, "
                 f"p99 {t99:.3f}")  # fmt: skip
    text = "\n".join(lines)
    write_results("live_views", text + "\n", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
