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
from typing import NoReturn

from vcc.core import routing
from vcc.core.outbound import NotAllowed, OutboundPolicy
from vcc.core.queues import RecordingPolicy
from vcc.engine import Engine
from vcc.errors import Conflict, InvalidInput, NotFound, RecordingNotAllowed
from vcc.recording import RecordingStarted

AGENT_RING_TIMEOUT = 20.0  # the agent's own phone, before the customer's is dialled

# The router's answers that refuse what was asked (each says why in ``problem``).
_REFUSED = (
    routing.DialRefused,
    routing.HoldRefused,
    routing.ConsultRefused,
    routing.TransferRefused,
    routing.DispositionRefused,
)

# Why the router refused an agent's call or transfer → what the agent reads.
_REFUSALS = {
    "on-a-call": "is already on a call or being rung",
    "duplicate-call": "already has this call",
    "status-break": "is on Break: change status first",
    "status-wrap_up": "is in Wrap-up: end it first",
    "status-logged_out": "is logged out",
    "status-busy": "is busy",
    "not-on-this-call": "has no connected caller for that",
    "unknown-queue": "cannot transfer to a queue that does not exist",
    "unknown-agent": "cannot transfer to an agent who does not exist",
    "same-agent": "cannot transfer a call to themselves",
    "target-busy": "cannot do that: the other agent is busy",
    "target-wrap_up": "cannot do that: the other agent is in Wrap-up",
    "target-break": "cannot do that: the other agent is on Break",
    "target-logged_out": "cannot do that: the other agent is logged out",
    "target-available": "cannot do that: the other agent is being rung",
    "target-working_offline": "cannot do that: the other agent is being rung",
    "one-target": "must name exactly one transfer target",
    "unknown-target": "cannot call an agent who does not exist",
    "consulting": "is already on line 2",
    "no-call": "has no call to give a disposition to",
    "nobody-free": "cannot consult that queue now: none of its agents is free",
    "no-line-2": "has no line 2",
    "line-2-not-answered": "cannot do that yet: line 2 has not answered",
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
        problem = await self._ask(
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
        if problem is not None:
            _refuse_call(agent_id, problem, "try again when Available or Working offline")
        return call_id

    async def call_agent(self, agent_id: str, other_agent_id: str) -> str:
        """An agent-to-agent call, agent first: the caller's phone rings, then the other
        agent's, who may be Available or Working offline. Returns the call's id."""
        other = self.engine.state.agents.get(other_agent_id)
        if other is None:
            raise NotFound(f"agent {other_agent_id!r} does not exist")
        call_id = f"agent-{uuid.uuid4().hex[:16]}"
        problem = await self._ask(
            routing.DialRequested(
                call_id=call_id,
                agent_id=agent_id,
                number=other_agent_id,
                dial=other.endpoint,
                at=self.clock(),
                ring_timeout=self.agent_ring_timeout,
                customer_timeout=self.agent_ring_timeout,
                to_agent=other_agent_id,
            )
        )
        if problem is not None:
            _refuse_call(agent_id, problem, "try again when both are free")
        return call_id

    async def hangup(self, agent_id: str) -> None:
        """End the agent's call (or stop their phone ringing): the caller is let go."""
        agent = self.engine.state.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist")
        offer = self.engine.state.offers.get(agent.offer_id or "")
        if offer is None or offer.reserved:
            _refuse(agent_id, "not-on-this-call", "there is no call to end")
        await self.engine.hang_up_agent(offer.offer_id)

    async def hold(self, agent_id: str) -> None:
        """The agent's connected caller hears music, the agent silence, until resumed."""
        await self._hold(agent_id, hold=True)

    async def resume(self, agent_id: str) -> None:
        """Take the caller on hold back: the two talk again."""
        await self._hold(agent_id, hold=False)

    async def _hold(self, agent_id: str, *, hold: bool) -> None:
        if await self._ask(routing.HoldRequested(agent_id, hold, self.clock())) is not None:
            _refuse(agent_id, "not-on-this-call", "hold works during a connected queue call")

    async def consult(
        self,
        agent_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        to_number: str | None = None,
    ) -> None:
        """Line 2: the caller holds with music while the agent calls another agent
        (Available or Working offline), a queue's next free agent, or a number."""
        if [to_agent, to_queue, to_number].count(None) != 2:
            raise InvalidInput("name exactly one of to_agent, to_queue, to_number")
        dial = None
        if to_number is not None:
            if self.outbound is None:
                raise NotAllowed("consulting a number needs the outbound policy set up")
            dial = self.outbound.dial_string(self.outbound.check(to_number))
        problem = await self._ask(
            routing.ConsultRequested(
                agent_id, self.clock(), to_agent=to_agent, dial=dial, to_queue=to_queue,
                ring_timeout=self.outbound.ring_timeout if dial and self.outbound
                else self.agent_ring_timeout,
            )
        )  # fmt: skip
        if problem is not None:
            _refuse(agent_id, problem, "consult from a connected queue call")

    async def complete_transfer(self, agent_id: str) -> None:
        """Hand the caller to line 2's party and leave the call (to wrap-up)."""
        await self._finish_consult(agent_id, complete=True)

    async def cancel_transfer(self, agent_id: str) -> None:
        """Hang up line 2 and talk to the caller again."""
        await self._finish_consult(agent_id, complete=False)

    async def conference(self, agent_id: str) -> None:
        """Join lines: the caller, the agent and line 2's party all talk together;
        anyone may leave, the other two stay connected."""
        problem = await self._ask(routing.ConferenceRequested(agent_id, self.clock()))
        if problem is not None:
            _refuse(agent_id, problem, "join lines once line 2 has answered")

    async def _ask(self, event: routing.Event) -> str | None:
        """Hand ``event`` to the engine's loop; the router's reason, if it refused it."""
        for command in await self.engine.ask(event):
            if isinstance(command, _REFUSED):
                return command.problem
        return None

    async def start_recording(self, agent_id: str) -> RecordingStarted:
        """Record the agent's connected queue call from now on, where its queue allows
        it (``on_demand``; ``always`` records by itself). The record names the file.
        Raises RecordingNotAllowed (the queue never records), Conflict or NotFound."""
        offer = self._connected(agent_id)
        queue = self.engine.state.queues.get(offer.queue)
        if queue is None or queue.recording is RecordingPolicy.NEVER:
            raise RecordingNotAllowed(
                f"calls of queue {offer.queue or '(none)'} are never recorded",
                hint='an admin may set recording = "on_demand" for the queue',
            )
        recorder = self.engine.recorder
        if recorder is not None and recorder.recording(offer.offer_id):
            raise Conflict(f"agent {agent_id}'s call is already being recorded")
        if offer.on_hold or offer.consult is not None or offer.conference is not None:
            _refuse(agent_id, "not-on-this-call", "take the caller off hold (and end line 2)")
        return await self.engine.start_recording(offer.offer_id)

    async def pause_recording(self, agent_id: str) -> None:
        """Record silence instead of the call (say, while the caller gives card details)."""
        await self._pause_recording(agent_id, paused=True)

    async def resume_recording(self, agent_id: str) -> None:
        """Record the call again after a pause."""
        await self._pause_recording(agent_id, paused=False)

    async def _pause_recording(self, agent_id: str, *, paused: bool) -> None:
        offer = self._connected(agent_id)
        recorder = self.engine.recorder
        if recorder is None or not recorder.recording(offer.offer_id):
            raise Conflict(
                f"agent {agent_id}'s call is not being recorded", hint="start the recording first"
            )
        await self.engine.pause_recording(offer.offer_id, paused)

    def _connected(self, agent_id: str) -> routing.Offer:
        """The agent's answered queue call (Conflict if none, NotFound: no such agent)."""
        agent = self.engine.state.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist")
        offer = self.engine.state.offers.get(agent.offer_id or "")
        if offer is None or not offer.answered or not offer.call_id or offer.direct:
            _refuse(agent_id, "not-on-this-call", "recording is for a connected queue call")
        return offer

    def _keeps_wait(self, queue_id: str | None) -> bool:
        queue = self.engine.state.queues.get(queue_id or "")
        return queue.transfer_keeps_wait if queue is not None else True

    async def _finish_consult(self, agent_id: str, *, complete: bool) -> None:
        problem = await self._ask(routing.ConsultFinishRequested(agent_id, complete, self.clock()))
        if problem is not None:
            _refuse(agent_id, problem, "wait until line 2 is answered, or cancel it")

    async def set_disposition(self, agent_id: str, code: str) -> None:
        """The transaction code for the agent's last call; where the queue requires
        one, the agent's wrap-up ends only once it is given."""
        problem = await self._ask(routing.DispositionChosen(agent_id, code, self.clock()))
        if problem is None:
            return
        if problem == "unknown-code":
            agent = self.engine.state.agents.get(agent_id)
            queue = self.engine.state.queues.get(agent.last_queue or "") if agent else None
            codes = ", ".join(queue.dispositions) if queue else ""
            raise InvalidInput(
                f"{code!r} is not a disposition code of this call's queue",
                hint=f"pick one of: {codes}" if codes else "this queue has no codes",
            )
        _refuse(agent_id, problem, "a code is given to the call just handled")

    async def transfer(
        self,
        agent_id: str,
        *,
        to_queue: str | None = None,
        to_agent: str | None = None,
        to_number: str | None = None,
        keep_wait: bool | None = None,
    ) -> None:
        """Blind transfer of the agent's connected caller to one target; the agent goes
        to wrap-up. ``keep_wait``: a caller sent to a queue keeps their waiting time
        (None: as that queue's ``transfer_keeps_wait`` says)."""
        if [to_queue, to_agent, to_number].count(None) != 2:
            raise InvalidInput("name exactly one of to_queue, to_agent, to_number")
        dial = None
        if to_number is not None:
            if self.outbound is None:
                raise NotAllowed("transfers to numbers need the outbound policy set up")
            dial = self.outbound.dial_string(self.outbound.check(to_number))
        agent = self.engine.state.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist")
        offer = self.engine.state.offers.get(agent.offer_id or "")
        channel = self.engine.channel_names.get(offer.call_id) if offer is not None else None
        if offer is None or channel is None:
            _refuse(agent_id, "not-on-this-call", "transfer during a connected call")
        problem = await self._ask(
            routing.TransferRequested(
                call_id=offer.call_id,
                agent_id=agent_id,
                channel=channel,
                at=self.clock(),
                to_queue=to_queue,
                keep_wait=self._keeps_wait(to_queue) if keep_wait is None else keep_wait,
                to_agent=to_agent,
                dial=dial,
                ring_timeout=self.outbound.ring_timeout if self.outbound else 45.0,
            )
        )
        if problem is not None:
            _refuse(agent_id, problem, "pick another target")


def _refuse_call(agent_id: str, problem: str, hint: str) -> NoReturn:
    """A call the agent asked for was refused: the agent not existing is NotFound."""
    if problem == "unknown-agent":
        raise NotFound(f"agent {agent_id!r} does not exist")
    _refuse(agent_id, problem, hint)


def _refuse(agent_id: str, problem: str, hint: str) -> NoReturn:
    raise Conflict(f"agent {agent_id} {_REFUSALS.get(problem, problem)}", hint=hint)
