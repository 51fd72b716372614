"""Call control for agents' consoles: the service layer the REST API exposes.

Each operation is checked here (numbers against :mod:`vcc.validate` and the admin's
outbound policy) and then handed to the engine's one loop as an event, so the
router stays the only place that decides; refusals come back as errors that say
what to do next.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from vcc.core import routing
from vcc.core.outbound import NotAllowed, OutboundPolicy
from vcc.engine import Engine
from vcc.errors import Conflict, NotFound

AGENT_RING_TIMEOUT = 20.0  # the agent's own phone, before the customer's is dialled

# Why the router refused an agent's call → what the agent reads.
_REFUSALS = {
    "on-a-call": "is already on a call or being rung",
    "duplicate-call": "already has this call",
    "status-break": "is on Break: change status first",
    "status-wrap_up": "is in Wrap-up: end it first",
    "status-logged_out": "is logged out",
    "status-busy": "is busy",
}


class CallControl:
    def __init__(
        self,
        engine: Engine,
        outbound: OutboundPolicy | None,
        *,
        agent_ring_timeout: float = AGENT_RING_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.outbound = outbound
        self.agent_ring_timeout = agent_ring_timeout
        self.clock = clock

    async def click_to_dial(self, agent_id: str, number: str) -> str:
        """Ring the agent's desk phone; once they answer, dial ``number`` for them.

        Returns the call's id. Raises InvalidInput (not a phone number), NotAllowed
        (the outbound policy forbids it), NotFound (no such agent) or Conflict (the
        agent cannot call now)."""
        if self.outbound is None:
            raise NotAllowed(
                "outbound calls are not set up",
                hint="an admin adds an [outbound] section to the tenant file",
            )
        checked = self.outbound.check(number)
        call_id = f"out-{uuid.uuid4().hex[:16]}"
        commands = await self.engine.ask(
            routing.DialRequested(
                call_id=call_id,
                agent_id=agent_id,
                number=checked,
                dial=self.outbound.dial_string(checked),
                at=self.clock(),
                ring_timeout=self.agent_ring_timeout,
                customer_timeout=self.outbound.ring_timeout,
                wrap_up=self.outbound.wrap_up,
            )
        )
        refused = next((c for c in commands if isinstance(c, routing.DialRefused)), None)
        if refused is None:
            return call_id
        if refused.problem == "unknown-agent":
            raise NotFound(f"agent {agent_id!r} does not exist")
        raise Conflict(
            f"agent {agent_id} {_REFUSALS.get(refused.problem, refused.problem)}",
            hint="try again when the agent is Available or Working offline",
        )
