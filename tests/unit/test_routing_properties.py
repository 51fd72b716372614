"""Random event sequences through the router; its invariants are checked after every step."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from vcc.core.routing import (
    OFFER_GRACE,
    Agent,
    AgentActivity,
    AgentActivityChanged,
    AgentAnswered,
    CallEnded,
    CallerArrived,
    CallerLeft,
    Command,
    Event,
    OfferFailed,
    RingAgent,
    RouterState,
    StopRinging,
    Tick,
    handle,
)

QUEUES = ("sales", "support")
AGENT_QUEUES = {
    "a1": frozenset({"sales"}),
    "a2": frozenset({"sales", "support"}),
    "a3": frozenset({"support"}),
}
KINDS = ("arrive", "leave", "answer", "fail", "end", "tick", "activity")

# One step: what happens, and two small numbers that pick who or what it happens to.
Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 7), st.integers(0, 7)), max_size=40
)
initial_agents = st.tuples(
    *(
        st.tuples(st.sampled_from([AgentActivity.IDLE, AgentActivity.AWAY]), st.integers(0, 5))
        for _ in AGENT_QUEUES
    )
)
RUNS = settings(max_examples=200, deadline=None)


@dataclass
class Run:
    """Turns abstract steps into router events against the current state, and checks it."""

    state: RouterState
    activity_changes_during_offers: bool
    now: float = 1000.0
    calls: int = 0
    known_calls: list[str] = field(default_factory=list)
    offer_ids: list[str] = field(default_factory=list)  # every offer ever made, in order

    def event(self, step: Step) -> Event | None:
        kind, a, b = step
        self.now += 1.0
        live = sorted(self.state.offers)
        match kind:
            case "arrive":
                self.calls += 1
                call_id = f"c{self.calls}"
                self.known_calls.append(call_id)
                # Reported late sometimes (a resync finds callers that arrived earlier).
                return CallerArrived(call_id, f"PJSIP/2001-{call_id}", QUEUES[a % 2], self.now - b)
            case "leave":
                if not self.known_calls:
                    return CallerLeft("never-arrived")
                return CallerLeft(self.known_calls[a % len(self.known_calls)])
            case "answer" | "fail" | "end":
                offer_id = self._offer(live, a, b)
                if kind == "answer":
                    return AgentAnswered(offer_id)
                if kind == "fail":
                    return OfferFailed(offer_id, "no-answer", self.now)
                return CallEnded(offer_id, self.now)
            case "tick":
                return Tick(self.now)
            case _:
                agent_id = sorted(AGENT_QUEUES)[a % len(AGENT_QUEUES)]
                busy = any(o.agent_id == agent_id for o in self.state.offers.values())
                if busy and not self.activity_changes_during_offers:
                    return None
                activity = AgentActivity.IDLE if b % 2 == 0 else AgentActivity.AWAY
                return AgentActivityChanged(agent_id, activity, self.now)

    def _offer(self, live: list[str], a: int, b: int) -> str:
        """Mostly a live offer; sometimes an old one, or one that never existed."""
        if b == 7 or not self.offer_ids:
            return "never-offered"
        if b >= 5 or not live:
            return self.offer_ids[a % len(self.offer_ids)]
        return live[a % len(live)]

    def apply(self, event: Event) -> None:
        before = self.state
        self.state, commands = handle(before, event)
        self.check(before, event, commands)

    def check(self, before: RouterState, event: Event, commands: list[Command]) -> None:
        state = self.state
        by_agent = Counter(o.agent_id for o in state.offers.values())
        # An agent is never in two offers at once.
        assert all(n == 1 for n in by_agent.values()), (event, state.offers)
        for offer in state.offers.values():
            activity = state.agents[offer.agent_id].activity
            # Every offer's agent is RINGING (not answered yet) or ON_CALL (answered).
            expected = AgentActivity.ON_CALL if offer.answered else AgentActivity.RINGING
            assert activity is expected, (event, offer, activity)
        for agent in state.agents.values():
            mine = [o for o in state.offers.values() if o.agent_id == agent.id]
            if agent.activity is AgentActivity.RINGING:
                # A RINGING agent has exactly one unanswered offer.
                assert len(mine) == 1, (event, agent, mine)
                assert not mine[0].answered, (event, agent, mine)
            if agent.activity is AgentActivity.ON_CALL:
                assert len(mine) == 1, (event, agent, mine)
                assert mine[0].answered, (event, agent, mine)
        for caller in state.waiting:
            if state.offer_for_call(caller.call_id) is None:
                # Never left unrouted while an IDLE agent of its queue has not tried it.
                takers = [a.id for a in _could_take(state, caller.queue, caller.tried)]
                assert not takers, (event, caller, takers)
        assert len({c.call_id for c in state.waiting}) == len(state.waiting)
        if isinstance(event, Tick):
            # No unanswered offer outlives its ring timeout plus grace past a tick.
            limit = state.ring_timeout + OFFER_GRACE
            late = [o for o in state.offers.values() if event.now - o.offered_at > limit]
            assert all(o.answered for o in late), (event, late)

        for command in commands:
            if isinstance(command, StopRinging):
                stopped = before.offers.get(command.offer_id)
                assert stopped is not None, (event, command)
                assert not stopped.answered, (event, command)
                continue
            # Offer ids are unique, and each RingAgent is recorded as a live offer.
            assert command.offer_id not in self.offer_ids, (event, command)
            self.offer_ids.append(command.offer_id)
            assert state.offers[command.offer_id].agent_id == command.agent_id
            self._check_fifo(command)

    def _check_fifo(self, ring: RingAgent) -> None:
        """No earlier caller this agent could take is left waiting unoffered."""
        state = self.state
        offered = state.caller(ring.call_id)
        assert offered is not None, ring
        assert ring.agent_id in {a.id for a in state.agents.values() if offered.queue in a.queues}
        assert ring.agent_id not in offered.tried
        for earlier in state.waiting:
            if (
                earlier.queue == offered.queue
                and earlier.enqueued_at < offered.enqueued_at
                and ring.agent_id not in earlier.tried
            ):
                assert state.offer_for_call(earlier.call_id) is not None, (ring, earlier)


def _could_take(state: RouterState, queue: str, tried: frozenset[str]) -> list[Agent]:
    return [
        a
        for a in state.agents.values()
        if a.activity is AgentActivity.IDLE and queue in a.queues and a.id not in tried
    ]


def _start(agents: tuple[tuple[AgentActivity, int], ...]) -> RouterState:
    return RouterState.create(
        Agent(agent_id, f"PJSIP/{agent_id}", queues, activity, float(idle_since))
        for (agent_id, queues), (activity, idle_since) in zip(
            AGENT_QUEUES.items(), agents, strict=True
        )
    )


def _drive(
    agents: tuple[tuple[AgentActivity, int], ...], plan: list[Step], *, anytime: bool
) -> None:
    run = Run(_start(agents), activity_changes_during_offers=anytime)
    for step in plan:
        event = run.event(step)
        if event is not None:
            run.apply(event)


@RUNS
@given(initial_agents, steps)
def test_invariants_hold_when_agents_change_activity_between_offers(
    agents: tuple[tuple[AgentActivity, int], ...], plan: list[Step]
) -> None:
    _drive(agents, plan, anytime=False)


@RUNS
@given(initial_agents, steps)
def test_invariants_hold_when_agents_change_activity_at_any_time(
    agents: tuple[tuple[AgentActivity, int], ...], plan: list[Step]
) -> None:
    # An agent clicks "available" or "away" whenever they like: while their phone
    # rings and during a call too. The router must not double-book them.
    _drive(agents, plan, anytime=True)
