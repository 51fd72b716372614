"""Live events to many consoles: an agent's status change, published by the real engine
and API, as received by 200 WebSocket clients at once (target: p99 ≤ 100 ms), beside
the same change received by one client alone, in the same run.

Each round changes agent 1001's status through the engine's loop (as ``PUT
/agents/1001/status`` does) and times, for every client, the moment its WebSocket
delivered the ``agent`` event, from just before the change was asked for. Clients and
server share one process and event loop (a 2-core machine; a separate client process
would take a core from the server): what is measured is vcc's fan-out, the JSON once,
a queue per client and a writer per client, plus aiohttp's framing.

Run from the repository: ``.venv/bin/python -m bench.ws_fanout --clients 200 --rounds 50``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from aiohttp import ClientSession, ClientWebSocketResponse, TCPConnector, WSMsgType

from bench.common import at_least, summary, write_results
from tests.harness.api import ApiClient, StandInPbx, serving_api
from tests.harness.until import eventually
from vcc.api.app import PREFIX
from vcc.core.agents import Status, StatusRequest
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState, StatusRequested
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver

STATUSES = (Status.WORKING_OFFLINE, Status.AVAILABLE)


class Rounds:
    """When each client got each round's event; a round is done once all have it."""

    def __init__(self, clients: int, rounds: int) -> None:
        self.clients = clients
        self.got: list[dict[int, float]] = [{} for _ in range(clients)]
        self.done = [asyncio.Event() for _ in range(rounds)]

    def arrived(self, client: int, round_no: int) -> None:
        self.got[client][round_no] = time.perf_counter()
        if all(round_no in got for got in self.got):
            self.done[round_no].set()


async def listener(ws: ClientWebSocketResponse, rounds: Rounds, client: int) -> None:
    """Note when each round's agent event arrives at this client."""
    for round_no in range(len(rounds.done)):
        while True:
            message = await ws.receive()
            if message.type is not WSMsgType.TEXT:
                raise RuntimeError(f"WebSocket ended: {message}")
            data = json.loads(message.data)
            if data["type"] == "agent" and data["agent"]["id"] == "1001":
                rounds.arrived(client, round_no)
                break


async def measure(api: ApiClient, engine: Engine, clients: int, rounds: int) -> list[float]:
    """Latencies (ms) of ``rounds`` status changes to each of ``clients`` listeners."""
    # A session of its own: aiohttp's default pool holds 100 connections, and each
    # WebSocket keeps one.
    session = ClientSession(connector=TCPConnector(limit=0))
    url = api.client.make_url(f"{PREFIX}/events")
    sockets = [await session.ws_connect(url, headers=api.auth("sup")) for _ in range(clients)]
    await eventually(lambda: len(api.hub.clients) >= clients, what="every socket registered")
    timing = Rounds(clients, rounds)
    listeners = [asyncio.create_task(listener(ws, timing, n)) for n, ws in enumerate(sockets)]
    sent: list[float] = []
    try:
        for n in range(rounds):
            status = STATUSES[n % 2]
            sent.append(time.perf_counter())
            await engine.ask(
                StatusRequested("1001", StatusRequest(status), engine.clock(), "bench")
            )
            async with asyncio.timeout(10):  # everyone has it before the next round
                await timing.done[n].wait()
        await asyncio.gather(*listeners)
    finally:
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
        await session.close()
    return [(got[n] - sent[n]) * 1000 for got in timing.got for n in range(rounds)]


async def run(clients: int, rounds: int) -> dict[str, Any]:
    pbx = StandInPbx()
    agent = Agent("1001", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)
    engine = Engine(cast(PbxDriver, pbx), RouterState.create([agent], [QueueConfig("support")]))
    loop = asyncio.create_task(engine.run())
    try:
        with tempfile.TemporaryDirectory() as directory:
            async with serving_api(engine, Path(directory), None) as api:
                alone = await measure(api, engine, 1, rounds)
                many = await measure(api, engine, clients, rounds)
                dropped = api.hub.disconnected_slow
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    return {"alone": summary(alone), "many": summary(many), "dropped": dropped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=at_least(1, int), default=200)
    parser.add_argument("--rounds", type=at_least(2, int), default=50)
    args = parser.parse_args()
    clients, rounds = int(args.clients), int(args.rounds)
    result = asyncio.run(run(clients, rounds))
    alone, many = result["alone"], result["many"]
    ratio = many["p99"] / alone["p99"] if alone["p99"] else float("inf")
    met = "met" if many["p99"] <= 100 else "NOT met"
    text = (
        f"WebSocket fan-out: agent status change → received (ms), {rounds} changes\n"
        f"  1 client:    p50 {alone['p50']:.2f}  p90 {alone['p90']:.2f}  "
        f"p99 {alone['p99']:.2f}  max {alone['max']:.2f}\n"
        f"  {clients} clients: p50 {many['p50']:.2f}  p90 {many['p90']:.2f}  "
        f"p99 {many['p99']:.2f}  max {many['max']:.2f}  (n = {many['n']})\n"
        f"  p99 {clients} clients ÷ 1 client: {ratio:.1f}×; "
        f"target p99 ≤ 100 ms: {met}; clients dropped: {result['dropped']}\n"
    )
    write_results("ws_fanout", text, {"clients": clients, "rounds": rounds, **result})
    return 0 if result["dropped"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
