"""Ring latency through vcc's real path, beside the AMI round trip of the same run.

Caller phone 2001 dials queue 7000, where vcc has reserved agent phone 1001 (baresip,
auto-answer) beforehand: the dialplan takes the reservation and dials the agent itself,
no round trip to vcc (the fast path); vcc hears of it from that Dial's ``DialBegin``.
With ``--no-fast-path``: the dialplan's UserEvent → vcc engine → AMI Originate of the
agent → ``vcc-connect`` bridges the caller. Legs are timed on Asterisk's own clock
(each event's ``Timestamp``) from the caller's arrival (its ``Newchannel``), so the
polling that waits for them adds nothing; the AMI ``Ping`` is timed by vcc's driver,
interleaved with the calls (a burst before, one between calls, a burst after).

Run as root from the repository: ``.venv/bin/python -m bench.ring_latency --calls 200``
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.common import call_arguments, ping, run_bounded, summary, write_results
from tests.harness.pbx import QUEUE, PbxHarness
from tests.harness.until import eventually
from vcc.config import PbxPorts, load_settings
from vcc.core.agents import Status
from vcc.engine import Engine
from vcc.pbx.asterisk import reservation_variable
from vcc.pbx.events import (
    CallerEnqueued,
    CallerTookReservation,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelState,
    ChannelStateChanged,
)

# Not the tests' ports or instance, so the benchmark can run while the tests do.
BENCH_PORTS = PbxPorts(sip=35060, ami=35038, rtp_start=36000, rtp_end=36499)
PHONE_PORT_BASE = 35100
CALLER, AGENT = "2001", "1001"
PING_BURST = 100  # before and after the calls: ≥ 200 pings however few calls
PROGRESS_EVERY = 25
# "agent leg": the agent's channel is created (by Dial on the fast path, else Originate)
LEGS = ("arrival→agent leg", "agent leg→ringing", "agent leg→bridged", "arrival→bridged")


@dataclass
class Run:
    legs: dict[str, list[float]] = field(default_factory=lambda: {leg: [] for leg in LEGS})
    pings: list[float] = field(default_factory=list)  # ms
    cycles: list[float] = field(default_factory=list)  # ms, wall clock: dial → all idle again
    ring_fallbacks: int = 0  # calls with no Ringing state: the first state change was used
    calls: int = 0
    fast_path: bool = True  # vcc reserves the agent before the caller comes
    fast_calls: int = 0  # calls that took the reservation (the rest: VccEnqueue)
    failure: str = ""


async def one_call(pbx: PbxHarness, engine: Engine, run: Run) -> None:
    """Place one call, read its legs from the monitor, hang up, wait until all is idle."""
    caller, agent, monitor = pbx.phones[CALLER], pbx.phones[AGENT], pbx.monitor
    started = time.monotonic()
    for phone in (caller, agent):
        phone.clear()
    monitor.events.clear()  # memory stays flat over any number of calls

    if run.fast_path:  # the steady state: the free agent's reservation is on the PBX
        await eventually(
            lambda: monitor.driver.get_global(reservation_variable(QUEUE.queue)),
            what="the agent reserved on the PBX",
        )
    await caller.dial(QUEUE.extension)
    enqueued = await monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
    run.fast_calls += isinstance(enqueued, CallerTookReservation)
    bridged = await monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
    arrival = next(e for e in monitor.of(ChannelCreated) if e.uniqueid == enqueued.uniqueid)
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
        run.ring_fallbacks += 1
        ringing = changes
    for name, start, end in (
        ("arrival→agent leg", arrival.at, leg.at),
        ("agent leg→ringing", leg.at, ringing[0].at),
        ("agent leg→bridged", leg.at, bridged.at),
        ("arrival→bridged", arrival.at, bridged.at),
    ):
        run.legs[name].append((end - start) * 1000)

    def agent_is(status: Status, *, free: bool) -> bool:
        """In ``status``, and free (no offer, or just a reservation) or not."""
        agent_state = engine.state.agents[AGENT]
        offer = engine.state.offers.get(agent_state.offer_id or "")
        return agent_state.status is status and (offer is None or offer.reserved) == free

    await eventually(lambda: agent_is(Status.BUSY, free=False), what="agent on call in vcc")
    await caller.hangup()
    await caller.wait_for("CALL_CLOSED")
    await agent.wait_for("CALL_CLOSED")
    await eventually(lambda: agent_is(Status.AVAILABLE, free=True), what="agent idle in vcc")
    run.cycles.append((time.monotonic() - started) * 1000)


async def measure(pbx: PbxHarness, calls: int, run: Run) -> None:
    started = time.monotonic()
    async with pbx.controller([AGENT], fast_path=run.fast_path) as engine:
        await ping(engine, run.pings, PING_BURST)
        for n in range(1, calls + 1):
            await one_call(pbx, engine, run)
            run.calls = n
            await ping(engine, run.pings, 1)
            if n % PROGRESS_EVERY == 0 or n == calls:
                print(f"{n}/{calls} calls, {time.monotonic() - started:.1f} s", flush=True)
        await ping(engine, run.pings, PING_BURST)


def report(run: Run, requested: int, wall: float, version: str) -> tuple[str, dict[str, object]]:
    date = datetime.now(UTC).isoformat(timespec="seconds")
    stats = {name: summary(v) for name, v in run.legs.items() if v}
    ping = summary(run.pings) if run.pings else None
    lines = [
        f"vcc ring latency, {date}",
        f"Asterisk {version}, {os.cpu_count()} cores, {run.calls}/{requested} calls, "
        f"wall {wall:.1f} s" + ("" if run.calls == requested else f", INCOMPLETE: {run.failure}"),
        f"path: phone {CALLER} dials {QUEUE.extension} → "
        + (
            f"agent reserved beforehand → Dial PJSIP/{AGENT} → DialBegin tells vcc "
            f"(baresip auto-answer); fast path: {run.fast_calls}/{run.calls} calls took the "
            "reservation"
            if run.fast_path
            else f"UserEvent → vcc engine → AMI Originate PJSIP/{AGENT} (baresip auto-answer) "
            "→ Bridge"
        ),
        "legs on Asterisk's event clock; ping timed by vcc's AMI driver (same connection "
        "that originates)",
        "",
        f"{'ms':<20}{'n':>5}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}"
        f"{'p50/ping':>10}{'p99/ping':>10}",
    ]
    for name, s in [*stats.items(), *([("AMI ping", ping)] if ping else [])]:
        row = f"{name:<20}{s['n']:>5}" + "".join(
            f"{s[k]:>8.2f}" for k in ("p50", "p90", "p99", "max")
        )
        if ping and s is not ping:
            row += f"{s['p50'] / ping['p50']:>9.1f}×{s['p99'] / ping['p99']:>9.1f}×"
        lines.append(row)
    if ping and "arrival→agent leg" in stats:
        p50 = stats["arrival→agent leg"]["p50"]
        ratio = p50 / ping["p50"]
        lines += [
            "",
            f"arrival→agent leg p50 = {ratio:.1f} × AMI ping p50 ({p50:.2f} ms vs "
            f"{ping['p50']:.2f} ms)",
        ]
    if run.cycles:
        # Wall clock, with the harness's 20 ms polling: it also sees stalls before the
        # caller's channel exists (SIP, SDP), which no Asterisk event can time.
        cycle, slow = summary(run.cycles), [i for i, ms in enumerate(run.cycles, 1) if ms > 1000]
        lines += [
            "",
            f"whole call, dial → hung up → agent idle (wall clock): p50 {cycle['p50']:.0f} ms, "
            f"p99 {cycle['p99']:.0f} ms, max {cycle['max']:.0f} ms; over 1 s: "
            + (", ".join(f"#{i}" for i in slow) or "none"),
        ]
    if run.ring_fallbacks:
        lines.append(
            f"agent leg→ringing: no Ringing state in {run.ring_fallbacks} calls; "
            "the agent leg's first state change was used instead"
        )
    data: dict[str, object] = {
        "date": date,
        "asterisk": version,
        "cores": os.cpu_count(),
        "calls_requested": requested,
        "calls_done": run.calls,
        "failure": run.failure,
        "fast_path": run.fast_path,
        "fast_path_calls": run.fast_calls,
        "wall_seconds": round(wall, 2),
        "ring_fallbacks": run.ring_fallbacks,
        "summary_ms": {**stats, "AMI ping": ping},
        "samples_ms": run.legs,
        "ping_ms": run.pings,
        "call_cycle_ms": run.cycles,
    }
    return "\n".join(lines) + "\n", data


async def main_async(calls: int, deadline: float, *, fast_path: bool = True) -> int:
    settings = load_settings().with_changes(instance="bench", ports=BENCH_PORTS)
    pbx = PbxHarness(settings, phone_port_base=PHONE_PORT_BASE)
    run, started = Run(fast_path=fast_path), time.monotonic()
    run.failure = await run_bounded(pbx, lambda: measure(pbx, calls, run), deadline)
    text, data = report(
        run, calls, time.monotonic() - started, pbx.asterisk.runtime.asterisk_version
    )
    write_results("ring_latency", text, data)
    return 0 if run.calls == calls else 1


def main(argv: list[str] | None = None) -> int:
    parser = call_arguments(
        "python -m bench.ring_latency",
        __doc__,
        calls=200,
        calls_help="calls (default 200)",
        deadline=1200.0,
    )
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.calls, args.deadline, fast_path=not args.no_fast_path))


if __name__ == "__main__":
    sys.exit(main())
