"""The demo tenant: two agents, one caller phone, one queue. Used by ``vcc demo`` and
``vcc pbx start`` until queues and agents come from the database."""

from __future__ import annotations

from vcc.core.agents import Status
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent
from vcc.localpbx.spec import Endpoint, EndpointRole, PbxSpec, QueueNumber

DEMO_QUEUE = QueueNumber("7000", "support")
DEMO_AGENTS = ("1001", "1002")
DEMO_CALLER = "2001"

DEMO_SPEC = PbxSpec(
    endpoints=(
        *(Endpoint(ext, EndpointRole.AGENT) for ext in DEMO_AGENTS),
        Endpoint(DEMO_CALLER, EndpointRole.CALLER),
    ),
    queues=(DEMO_QUEUE,),
)


def demo_agents() -> list[Agent]:
    """The demo agents start Available, so the first call rings at once."""
    return [
        Agent(ext, f"PJSIP/{ext}", {DEMO_QUEUE.queue: 0}, status=Status.AVAILABLE)
        for ext in DEMO_AGENTS
    ]


def demo_queues(ring_timeout: float) -> list[QueueConfig]:
    return [QueueConfig(DEMO_QUEUE.queue, ring_timeout=ring_timeout)]
