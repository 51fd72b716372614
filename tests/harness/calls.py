"""What the call-control tests share: the outbound policy, a record keeper, agents,
and a caller connected to an agent through the support queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.harness.pbx import QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from vcc.calls import CallControl
from vcc.core import routing
from vcc.core.agents import Status
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent
from vcc.engine import Engine

CUSTOMER = "2002"  # the outside world, reached through the trunk
POLICY = OutboundPolicy.create("PJSIP/{number}", [r"20[0-9]{2}"], ring_timeout=3.0)
WRAP_UP = 30.0
QUEUES = [
    QueueConfig(QUEUE.queue, ring_timeout=3.0, wrap_up=WRAP_UP),
    QueueConfig(SALES.queue, ring_timeout=3.0),
]


class RecordsKept:
    """Where the router's records go in these tests: a list to read the outcome from."""

    def __init__(self) -> None:
        self.records: list[object] = []

    def submit(self, record: object, at: float) -> None:
        self.records.append(record)

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def drain(self, timeout: float = 5.0) -> None:
        return None

    def outcome(self, call_id: str) -> str | None:
        ended = [
            r.outcome
            for r in self.records
            if isinstance(r, routing.InteractionEnded) and r.call_id == call_id
        ]
        return ended[-1] if ended else None


async def outcome(records: RecordsKept, call_id: str) -> str:
    return str(await eventually(lambda: records.outcome(call_id), what=f"{call_id} ended"))


def unoccupied(engine: Engine, ext: str) -> bool:
    """No call or ring for the agent (a fast-path reservation is no call)."""
    offer = engine.state.offers.get(engine.state.agents[ext].offer_id or "")
    return offer is None or offer.reserved


def agent(ext: str, queue: str, status: Status = Status.AVAILABLE) -> Agent:
    return Agent(ext, f"PJSIP/{ext}", {queue: 0}, status=status)


@asynccontextmanager
async def connected(
    pbx: PbxHarness, *agents: Agent, fast_path: bool = True
) -> AsyncIterator[tuple[Engine, CallControl]]:
    """2001 called support and agent 1001 took the call: both hear each other. On the
    fast path (as ``vcc serve`` runs) the caller's own Dial rang the agent; without
    it, the controller's Originate did, and the agent's leg bridged the caller."""
    async with pbx.controller(agents, queues=QUEUES, fast_path=fast_path) as engine:
        await pbx.phones["2001"].dial(QUEUE.extension)
        await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        yield engine, CallControl(engine, POLICY)


async def caller_hangs_up(pbx: PbxHarness, *others: str) -> None:
    await pbx.phones["2001"].hangup()
    for ext in ("2001", *others):
        await pbx.phones[ext].wait_for("CALL_CLOSED")


async def nothing_left(pbx: PbxHarness) -> None:
    async def empty() -> bool:
        return not (await pbx.monitor.driver.snapshot()).channels

    await eventually(empty, what="no channel left on the PBX")


async def line_2_answered(engine: Engine, calls: CallControl, **target: str) -> None:
    """Agent 1001 consults ``target`` (``to_agent=``, ``to_queue=``, ``to_number=``) and
    line 2 answers: the caller holds with music, the two agents talk."""
    await calls.consult("1001", **target)

    def answered() -> bool:
        offer = engine.state.offers.get(engine.state.agents["1001"].offer_id or "")
        return offer is not None and offer.consult_answered

    await eventually(answered, what="line 2 answered")
