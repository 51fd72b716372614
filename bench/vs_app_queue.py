"""vcc against Asterisk's own app_queue: caller enters a queue → agent's phone rings.

One Asterisk, the same baresip phones, interleaved in one run: phone 2001 dials either
vcc's queue 7000 or 7999, which runs ``Queue(baseline)``: app_queue with the same agent
phone as its only member. On vcc's queue the agent is reserved before the caller comes
(the fast path): the dialplan takes the reservation and dials PJSIP/1001 itself, and
vcc hears of it from that Dial's ``DialBegin``; with ``--no-fast-path``, the old path:
``VccEnqueue`` UserEvent → vcc engine → AMI Originate of PJSIP/1001 → ``vcc-connect``
bridges the caller. Both queues start with ``Progress()``: music as early media, the
caller answered only when the agent is.

Legs are timed on Asterisk's own clock (each event's ``Timestamp``) from the caller's
arrival on the queue's number (the caller's ``Newchannel``), the one point both share:
each system's own "caller joined" event comes at a different point of its work
(app_queue's ``QueueCallerJoin`` before it picks a member, vcc's ``DialBegin`` once it
has dialled one), so those are shown but not compared. Legs end at the agent leg's
``Newchannel``, its ``Newstate Ringing`` and the caller's ``BridgeEnter``.

The ACD issue's target: caller enters the queue → agent's phone rings, p50, vcc at
most app_queue's (ratio ≤ 1.0). Run as root from the repository:
``.venv/bin/python -m bench.vs_app_queue --calls 100``
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import call_arguments, ping, run_bounded, summary, write_results
from tests.harness.pbx import QUEUE, Monitor, PbxHarness
from tests.harness.until import eventually
from vcc.config import PbxPorts, load_settings
from vcc.core.agents import Status
from vcc.engine import Engine
from vcc.localpbx.instance import LocalAsterisk
from vcc.pbx.ami_events import Lenient
from vcc.pbx.asterisk import AsteriskDriver, reservation_variable
from vcc.pbx.events import (
    CallerEnqueued,
    CallerTookReservation,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelState,
    ChannelStateChanged,
    PbxEvent,
)

# Not the tests' (25xxx), ring_latency's (35xxx) or the CLI tests' (45xxx) ports.
INSTANCE = "bench-aq"
BENCH_PORTS = PbxPorts(sip=55060, ami=55038, rtp_start=56000, rtp_end=56499)
PHONE_PORT_BASE = 55100
CALLER, AGENT = "2001", "1001"
BASELINE_QUEUE, BASELINE_EXTENSION = "baseline", "7999"
PATHS = ("vcc", "app_queue")
LEGS = ("arrival→agent leg", "arrival→ringing", "arrival→bridged")
TARGET_LEG = "arrival→ringing"
# Where the time goes (host clock, which is Asterisk's clock on this one machine).
PARTS = ("arrival→joined", "arrival→vcc has it", "agent leg→ringing")
PING_BURST = 100  # before and after the calls, on vcc's own AMI connection
PROGRESS_EVERY = 25
RESULTS = Path(__file__).resolve().parent / "results"

# app_queue at its quickest for one agent: no announcements, no wrap-up, no delay
# before the member is called; ring timeout as vcc's (the harness's 10 s).
QUEUES_CONF = f"""\
; app_queue baseline for bench/vs_app_queue.py: one member, the agent phone vcc rings.
[general]
persistentmembers = no
autofill = yes

[{BASELINE_QUEUE}]
strategy = leastrecent
timeout = 10
retry = 1
wrapuptime = 0
memberdelay = 0
ringinuse = no
joinempty = yes
leavewhenempty = no
announce-frequency = 0
periodic-announce-frequency = 0
announce-holdtime = no
announce-position = no
musicclass = default
member => PJSIP/{AGENT}
"""

# Included at the end of extensions.conf; (+) adds to vcc-queues, which callers reach.
# Progress() first, as vcc-enqueue does: music as early media on both paths.
EXTENSIONS_EXTRA = f"""\
; app_queue baseline for bench/vs_app_queue.py
[vcc-queues](+)
exten => {BASELINE_EXTENSION},1,Progress()
 same => n,Queue({BASELINE_QUEUE})
 same => n,Hangup()
"""


@dataclass(frozen=True)
class CallerJoinedQueue(PbxEvent):
    """app_queue's ``QueueCallerJoin``: bench-only, vcc itself reads no app_queue event."""

    queue: str
    channel: str
    uniqueid: str


class QueueWatchingDriver(AsteriskDriver):
    """vcc's AMI driver, which also types app_queue's ``QueueCallerJoin`` (the AMI user
    reads the 'agent' class it comes in)."""

    def dispatch(self, message: Any) -> None:
        headers = Lenient(message)
        if headers["Event"] != "QueueCallerJoin":
            super().dispatch(message)
            return
        try:
            at = float(headers["Timestamp"])
        except ValueError:  # no event clock: this sample could not be timed
            at = float("nan")
        self._sink(CallerJoinedQueue(at, headers["Queue"], headers["Channel"], headers["Uniqueid"]))


@dataclass
class Run:
    legs: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: {path: {leg: [] for leg in LEGS} for path in PATHS}
    )
    cycles: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PATHS})
    ring_fallbacks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PATHS, 0))
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PATHS, 0))
    parts: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: {path: {part: [] for part in PARTS} for path in PATHS}
    )
    pings: list[float] = field(default_factory=list)  # ms
    fast_path: bool = True  # vcc reserves the agent before the caller comes
    fast_calls: int = 0  # vcc calls that took the reservation (the rest: VccEnqueue)
    failure: str = ""


def harness() -> PbxHarness:
    """The tests' harness on this benchmark's instance and ports, plus the baseline."""
    settings = load_settings().with_changes(instance=INSTANCE, ports=BENCH_PORTS)
    pbx = PbxHarness(settings, phone_port_base=PHONE_PORT_BASE)
    base = pbx.asterisk
    pbx.asterisk = LocalAsterisk(
        base.settings,
        base.runtime,
        base.spec,
        extra_config={"queues.conf": QUEUES_CONF, "extensions_extra.conf": EXTENSIONS_EXTRA},
    )
    return pbx


async def watch_queues(pbx: PbxHarness) -> None:
    """Swap the harness's monitor for one whose driver also sees QueueCallerJoin."""
    await pbx.monitor.driver.close()
    pbx.monitor = Monitor(QueueWatchingDriver(pbx.asterisk.ami_settings()))
    await pbx.monitor.driver.start()


def note_arrivals(engine: Engine) -> dict[str, float]:
    """When vcc's own driver hands each caller's VccEnqueue to the engine (host clock).

    Done through the driver's ``subscribe``: same order, same queue, one ``time.time()``
    more per event."""
    arrived: dict[str, float] = {}

    def sink(event: PbxEvent) -> None:
        if isinstance(event, CallerEnqueued):
            arrived[event.uniqueid] = time.time()
        engine.submit(event)

    engine.driver.subscribe(sink)
    return arrived


async def one_call(
    pbx: PbxHarness, engine: Engine, arrived: dict[str, float], path: str, run: Run
) -> None:
    """Place one call by ``path``, read its legs, hang up once bridged, wait until idle."""
    caller, agent, monitor = pbx.phones[CALLER], pbx.phones[AGENT], pbx.monitor
    started = time.monotonic()
    for phone in (caller, agent):
        phone.clear()
    monitor.events.clear()  # memory stays flat over any number of calls

    entered: CallerEnqueued | CallerJoinedQueue
    if path == "vcc":
        if run.fast_path:  # the steady state: the free agent's reservation is on the PBX
            await eventually(
                lambda: monitor.driver.get_global(reservation_variable(QUEUE.queue)),
                what="the agent reserved on the PBX",
            )
        await caller.dial(QUEUE.extension)
        entered = await monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        run.fast_calls += isinstance(entered, CallerTookReservation)
    else:
        await caller.dial(BASELINE_EXTENSION)
        entered = await monitor.wait_for(CallerJoinedQueue, queue=BASELINE_QUEUE)
    bridged = await monitor.wait_for(ChannelEnteredBridge, uniqueid=entered.uniqueid)
    arrival = next(
        e for e in monitor.of(ChannelCreated) if e.channel.startswith(f"PJSIP/{CALLER}-")
    )
    legs = await eventually(
        lambda: [e for e in monitor.of(ChannelCreated) if e.channel.startswith(f"PJSIP/{AGENT}-")],
        what=f"the agent leg PJSIP/{AGENT}-… created",
    )
    leg = legs[0]
    # Same channel, so Up comes after any Ringing on the monitor's connection.
    await monitor.wait_for(ChannelStateChanged, uniqueid=leg.uniqueid, state=ChannelState.UP)
    changes = monitor.of(ChannelStateChanged, uniqueid=leg.uniqueid)
    ringing = [c for c in changes if c.state is ChannelState.RINGING]
    if not ringing:
        run.ring_fallbacks[path] += 1
        ringing = changes
    for name, end in (
        ("arrival→agent leg", leg.at),
        ("arrival→ringing", ringing[0].at),
        ("arrival→bridged", bridged.at),
    ):
        run.legs[path][name].append((end - arrival.at) * 1000)
    run.parts[path]["arrival→joined"].append((entered.at - arrival.at) * 1000)
    run.parts[path]["agent leg→ringing"].append((ringing[0].at - leg.at) * 1000)
    has_it = arrived.pop(entered.uniqueid, None)  # None on app_queue's calls
    if has_it is not None:
        run.parts[path]["arrival→vcc has it"].append((has_it - arrival.at) * 1000)

    def agent_is(status: Status, *, free: bool) -> bool:
        """In ``status``, and free (no offer, or just a reservation) or not."""
        agent_state = engine.state.agents[AGENT]
        offer = engine.state.offers.get(agent_state.offer_id or "")
        return agent_state.status is status and (offer is None or offer.reserved) == free

    if path == "vcc":  # let vcc see its own call answered before it ends
        await eventually(lambda: agent_is(Status.BUSY, free=False), what="agent on call in vcc")
    await caller.hangup()
    await caller.wait_for("CALL_CLOSED")
    await agent.wait_for("CALL_CLOSED")

    async def no_channels() -> bool:
        return not (await monitor.driver.snapshot()).channels

    await eventually(no_channels, what="no channels left on the PBX")
    await eventually(lambda: agent_is(Status.AVAILABLE, free=True), what="agent idle in vcc")
    run.cycles[path].append((time.monotonic() - started) * 1000)


async def measure(pbx: PbxHarness, calls: int, run: Run) -> None:
    started = time.monotonic()
    # vcc's engine runs throughout: app_queue's callers never reach vcc-enqueue, so it
    # has nothing to do on their calls beyond reading the events.
    async with pbx.controller([AGENT], fast_path=run.fast_path) as engine:
        arrived = note_arrivals(engine)
        await ping(engine, run.pings, PING_BURST)
        for n in range(1, calls + 1):
            for path in PATHS:
                await one_call(pbx, engine, arrived, path, run)
                run.calls[path] = n
            await ping(engine, run.pings, 1)
            if n % PROGRESS_EVERY == 0 or n == calls:
                print(f"{n}/{calls} calls per path, {time.monotonic() - started:.1f} s", flush=True)
        await ping(engine, run.pings, PING_BURST)


def ratios(stats: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """vcc ÷ app_queue per leg, at p50 and p99."""
    vcc, base = stats.get("vcc", {}), stats.get("app_queue", {})
    return {
        leg: {p: vcc[leg][p] / base[leg][p] for p in ("p50", "p99")}
        for leg in LEGS
        if leg in vcc and leg in base and base[leg]["p50"] > 0 and base[leg]["p99"] > 0
    }


def vcc_path(run: Run) -> str:
    if not run.fast_path:
        return f"UserEvent VccEnqueue → vcc engine → AMI Originate PJSIP/{AGENT} → Bridge"
    return (
        f"agent reserved beforehand → Dial PJSIP/{AGENT} → DialBegin tells vcc "
        f"(fast path: {run.fast_calls}/{run.calls['vcc']} calls took the reservation)"
    )


def report(run: Run, requested: int, wall: float, version: str) -> tuple[str, dict[str, object]]:
    date = datetime.now(UTC).isoformat(timespec="seconds")
    stats = {
        path: {leg: summary(v) for leg, v in legs.items() if v} for path, legs in run.legs.items()
    }
    ratio = ratios(stats)
    complete = all(done == requested for done in run.calls.values())
    done = ", ".join(f"{path} {run.calls[path]}/{requested}" for path in PATHS)
    lines = [
        f"vcc vs app_queue, caller enters queue → agent rings, {date}",
        f"Asterisk {version}, {os.cpu_count()} cores, calls: {done}, wall {wall:.1f} s"
        + ("" if complete else f", INCOMPLETE: {run.failure}"),
        f"vcc:       phone {CALLER} dials {QUEUE.extension} → " + vcc_path(run),
        f"app_queue: phone {CALLER} dials {BASELINE_EXTENSION} → Queue({BASELINE_QUEUE}), "
        f"one member PJSIP/{AGENT} (leastrecent, no announcements)",
        "calls interleaved one by one; same baresip agent phone (auto-answer); legs on "
        "Asterisk's event clock from the caller's arrival on the queue's number (Newchannel)",
        "",
        f"{'ms':<27}{'n':>5}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}",
    ]
    for path in PATHS:
        for leg, s in stats[path].items():
            lines.append(
                f"{path + ' ' + leg:<27}{s['n']:>5}"
                + "".join(f"{s[k]:>8.2f}" for k in ("p50", "p90", "p99", "max"))
            )
    ping_stats = summary(run.pings) if run.pings else None
    if ping_stats:
        lines.append(
            f"{'AMI ping (vcc driver)':<27}{ping_stats['n']:>5}"
            + "".join(f"{ping_stats[k]:>8.2f}" for k in ("p50", "p90", "p99", "max"))
        )
    if ratio:
        lines += ["", f"{'vcc ÷ app_queue':<27}{'p50':>8}{'p99':>8}"]
        lines += [f"{leg:<27}{r['p50']:>7.2f}×{r['p99']:>7.2f}×" for leg, r in ratio.items()]
    parts = {
        path: {part: summary(v) for part, v in path_parts.items() if v}
        for path, path_parts in run.parts.items()
    }
    if any(parts.values()):
        lines += ["", f"{'where the time goes, ms':<37}{'p50':>8}{'p90':>8}{'p99':>8}"]
        for path in PATHS:
            for part, s in parts[path].items():
                lines.append(
                    f"{path + ' ' + part:<37}"
                    + "".join(f"{s[k]:>8.2f}" for k in ("p50", "p90", "p99"))
                )
        lines.append(
            "(joined: each system's own event, app_queue's QueueCallerJoin, vcc's DialBegin "
            f"{'of the reserved agent' if run.fast_path else '(VccEnqueue)'}; vcc has it: "
            "vcc's driver hands that event to the engine, host clock)"
        )
    target = ratio.get(TARGET_LEG, {}).get("p50")
    if target is None:
        verdict = f"target ({TARGET_LEG} p50 ratio ≤ 1.0): not measured"
    else:
        met = "MET" if target <= 1.0 else "NOT MET"
        verdict = f"target ({TARGET_LEG} p50 ratio ≤ 1.0): {met}, ratio {target:.2f}"
        if not complete:
            verdict += " (incomplete run)"
    lines += ["", verdict]
    for path in PATHS:
        if run.cycles[path]:
            cycle = summary(run.cycles[path])
            lines.append(
                f"whole call, {path}, dial → hung up → all idle (wall clock, 20 ms polling): "
                f"p50 {cycle['p50']:.0f} ms, p99 {cycle['p99']:.0f} ms, max {cycle['max']:.0f} ms"
            )
        if run.ring_fallbacks[path]:
            lines.append(
                f"{path}: no Ringing state in {run.ring_fallbacks[path]} calls; "
                "the agent leg's first state change was used instead"
            )
    data: dict[str, object] = {
        "date": date,
        "asterisk": version,
        "cores": os.cpu_count(),
        "calls_requested_per_path": requested,
        "calls_done": run.calls,
        "failure": run.failure,
        "fast_path": run.fast_path,
        "fast_path_calls": run.fast_calls,
        "wall_seconds": round(wall, 2),
        "ring_fallbacks": run.ring_fallbacks,
        "summary_ms": stats,
        "breakdown_ms": parts,
        "ping_ms_summary": ping_stats,
        "ratio_vcc_over_app_queue": ratio,
        "target": {
            "leg": TARGET_LEG,
            "p50_ratio": target,
            "met": target is not None and target <= 1.0,
        },
        "samples_ms": run.legs,
        "breakdown_samples_ms": run.parts,
        "ping_ms": run.pings,
        "call_cycle_ms": run.cycles,
    }
    return "\n".join(lines) + "\n", data


async def main_async(calls: int, deadline: float, *, fast_path: bool = True) -> int:
    pbx = harness()
    run, started = Run(fast_path=fast_path), time.monotonic()

    async def work() -> None:
        await watch_queues(pbx)
        await measure(pbx, calls, run)

    run.failure = await run_bounded(pbx, work, deadline)
    text, data = report(
        run, calls, time.monotonic() - started, pbx.asterisk.runtime.asterisk_version
    )
    write_results("vs_app_queue", text, data)
    return 0 if all(done == calls for done in run.calls.values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = call_arguments(
        "python -m bench.vs_app_queue",
        __doc__,
        calls=100,
        calls_help="calls per path (default 100)",
        deadline=900.0,
    )
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.calls, args.deadline, fast_path=not args.no_fast_path))


if __name__ == "__main__":
    sys.exit(main())
