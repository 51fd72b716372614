"""Random traffic through the router; its invariants are checked after every step.

Several queues (strategies, skills, wrap-up, overflow, open/closed when empty), a few
agents with different queues, priorities and skills, and random arrivals, leaves,
answers, failures, call ends, status requests (valid or not) and ticks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from vcc.core.agents import ALLOWED, Status, StatusRequest, StatusRules, check_request
from vcc.core.queues import OverflowToMessage, OverflowToQueue, QueueConfig, Strategy, qualifies
from vcc.core.routing import (
    OFFER_GRACE,
    Agent,
    AgentAnswered,
    CallEnded,
    CallerArrived,
    CallerLeft,
    Command,
    Event,
    MoveCaller,
    OfferFailed,
    OtherWorkChanged,
    RingAgent,
    RouterState,
    SendCallerAway,
    StatusChanged,
    StatusRefused,
    StatusRequested,
    StopRinging,
    Tick,
    handle,
)

QUEUE_IDS = ("sales", "support", "vip")
AGENT_IDS = ("a1", "a2", "a3", "a4")
# What agents ask for: mostly statuses they may ask for, with mostly fitting reasons.
ASKED = (
    Status.AVAILABLE,
    Status.AVAILABLE,
    Status.BREAK,
    Status.BREAK,
    Status.WORKING_OFFLINE,
    Status.LOGGED_OUT,
    Status.BUSY,
    Status.WRAP_UP,
)
REASONS: dict[Status, tuple[str | None, ...]] = {
    Status.BREAK: ("lunch", "lunch", "lunch", None, "bogus"),
    Status.WORKING_OFFLINE: (None, "admin", "admin", "lunch"),
}
NO_REASON: tuple[str | None, ...] = (None, None, None, "admin")
INITIAL = (
    Status.AVAILABLE,
    Status.AVAILABLE,
    Status.LOGGED_OUT,
    Status.BREAK,
    Status.WORKING_OFFLINE,
)
RUNS = settings(max_examples=200, deadline=None)

# One step: what happens, and three small numbers that pick who, what and how much.
Step = tuple[str, int, int, int]


def steps(kinds: tuple[str, ...]) -> st.SearchStrategy[list[Step]]:
    small = st.integers(0, 7)
    return st.lists(
        st.tuples(st.sampled_from(kinds), small, small, small), min_size=20, max_size=60
    )


EVERYTHING = ("arrive", "leave", "answer", "fail", "end", "request", "tick", "elsewhere")
# More callers and answers than status changes: a busy morning.
RUSH_HOUR = ("arrive", "arrive", "arrive", "answer", "answer", "fail", "end", "end", "tick")


@st.composite
def routers(draw: st.DrawFn) -> RouterState:
    strategies = st.sampled_from(list(Strategy))
    wrap_ups = st.sampled_from([0.0, 4.0])
    queues = [
        QueueConfig(
            "sales",
            strategy=draw(strategies),
            ring_timeout=10.0,
            wrap_up=draw(wrap_ups),
            max_wait=draw(st.sampled_from([None, 30.0])),
            overflow=OverflowToQueue("support"),
        ),
        QueueConfig(
            "support",
            strategy=draw(strategies),
            ring_timeout=8.0,
            wrap_up=draw(wrap_ups),
            max_length=draw(st.sampled_from([None, 3])),
            overflow=OverflowToMessage("support-full"),
            required_skills={"nl": 1},
        ),
        QueueConfig(
            "vip",
            strategy=draw(strategies),
            ring_timeout=12.0,
            max_wait=draw(st.sampled_from([None, 20.0])),
            overflow=OverflowToQueue("sales"),
            join_when_empty=False,
            leave_when_empty=draw(st.booleans()),
            required_skills={"en": 2},
        ),
    ]
    agents = [
        Agent(
            agent_id,
            f"PJSIP/{agent_id}",
            draw(st.dictionaries(st.sampled_from(QUEUE_IDS), st.integers(1, 3), min_size=1)),
            {"nl": draw(st.integers(0, 2)), "en": draw(st.integers(0, 3))},
            status=draw(st.sampled_from(INITIAL)),
            idle_since=float(draw(st.integers(0, 5))),
        )
        for agent_id in AGENT_IDS
    ]
    rules = StatusRules(
        codes={Status.BREAK: frozenset({"lunch"}), Status.WORKING_OFFLINE: frozenset({"admin"})},
        reason_required=frozenset({Status.BREAK}),
        max_missed_offers=draw(st.integers(1, 3)),
    )
    return RouterState.create(agents, queues, rules=rules)


def could_take(state: RouterState, agent: Agent, call_id: str) -> bool:
    """Whether ``agent`` serves the caller's queue, has its skills and has not tried it."""
    caller = state.caller(call_id)
    assert caller is not None
    return (
        caller.queue in agent.queues
        and qualifies(agent.skills, state.queues[caller.queue].required_skills)
        and agent.id not in caller.tried
    )


def key(state: RouterState, agent: Agent, call_id: str) -> tuple[int, int, float, int]:
    """How an agent ranks a caller: their priority for the queue, then the caller's order."""
    caller = state.caller(call_id)
    assert caller is not None
    return (agent.queues[caller.queue], -caller.priority, caller.enqueued_at, caller.seq)


@dataclass
class Run:
    """Turns abstract steps into router events against the current state, and checks it."""

    state: RouterState
    now: float = 1000.0
    calls: int = 0
    known_calls: list[str] = field(default_factory=list)
    offer_ids: list[str] = field(default_factory=list)  # every offer ever made, in order
    statuses: dict[str, Status] = field(default_factory=dict)  # as the commands told

    def __post_init__(self) -> None:
        self.statuses = {a.id: a.status for a in self.state.agents.values()}

    def event(self, step: Step) -> Event:
        kind, a, b, c = step
        self.now += 1.0
        match kind:
            case "arrive":
                self.calls += 1
                call_id = f"c{self.calls}"
                self.known_calls.append(call_id)
                queue = "nowhere" if a == 7 else QUEUE_IDS[a % len(QUEUE_IDS)]
                # Reported late sometimes (a resync finds callers that arrived earlier).
                at = self.now - (c if c < 4 else 0)
                return CallerArrived(call_id, f"PJSIP/2001-{call_id}", queue, at, b % 3)
            case "leave":
                if not self.known_calls or a == 7:
                    return CallerLeft("never-arrived")
                return CallerLeft(self.known_calls[(a + b) % len(self.known_calls)])
            case "answer":
                return AgentAnswered(self._offer(a, b, answered=False), self.now)
            case "fail":
                return OfferFailed(self._offer(a, b, answered=False), "no-answer", self.now)
            case "end":
                return CallEnded(self._offer(a, b, answered=c < 6), self.now)
            case "elsewhere":  # a chat starts or ends (vcc.core.channels)
                return OtherWorkChanged(AGENT_IDS[a % len(AGENT_IDS)], b % 2 == 0, self.now)
            case "request":
                status = ASKED[b]
                reasons = REASONS.get(status, NO_REASON)
                request = StatusRequest(status, reasons[c % len(reasons)])
                agent_id = AGENT_IDS[a % len(AGENT_IDS)]
                return StatusRequested(agent_id, request, self.now, "sup" if c > 5 else agent_id)
            case _:
                self.now += 3.0 * c
                return Tick(self.now)

    def _offer(self, a: int, b: int, *, answered: bool) -> str:
        """Mostly a live offer, answered or not as asked if there is one; sometimes an
        old one, or one that never existed."""
        live = sorted(self.state.offers)
        preferred = [o for o in live if self.state.offers[o].answered is answered]
        live = preferred or live
        if b == 7 or not self.offer_ids:
            return "never-offered"
        if b == 6 or not live:
            return self.offer_ids[a % len(self.offer_ids)]
        return live[a % len(live)]

    def apply(self, event: Event) -> None:
        before = self.state
        self.state, commands = handle(before, event)
        self.check(before, event, commands)

    # -- the invariants ------------------------------------------------------------------
    def check(self, before: RouterState, event: Event, commands: list[Command]) -> None:
        self.check_offers(event)
        self.check_statuses(before, event, commands)
        self.check_waiting(event)
        moved: dict[str, str | None] = {}  # where each caller sent on ended up
        for command in commands:
            match command:
                case RingAgent():
                    self.check_ring(event, command)
                case StopRinging():
                    stopped = before.offers.get(command.offer_id)
                    assert stopped is not None, (event, command)
                    assert not stopped.answered, (event, command)
                case StatusRefused():
                    self.check_refusal(before, event, command)
                case MoveCaller():
                    moved[command.call_id] = command.queue
                case SendCallerAway():
                    moved[command.call_id] = None
        for call_id, queue in moved.items():
            # Moved: waiting in the new queue (maybe ringing there already); sent away: gone.
            caller = self.state.caller(call_id)
            assert (caller.queue if caller else None) == queue, (event, call_id, caller)
        if isinstance(event, OfferFailed | CallEnded):
            self.check_ring_out(before, event)
        self.check_liveness(event)
        if isinstance(event, Tick):
            self.check_timers(event)

    def check_offers(self, event: Event) -> None:
        state = self.state
        for offer in state.offers.values():
            agent = state.agents[offer.agent_id]
            # An agent is never in two offers: each offer's agent points back to it.
            assert agent.offer_id == offer.offer_id, (event, offer, agent)
            if offer.answered:
                assert agent.status is Status.BUSY, (event, offer, agent)
            else:
                # Only Available agents have offers ringing.
                assert agent.status is Status.AVAILABLE, (event, offer, agent)
            # A caller waits while (and only while) an offer for them may still connect.
            still_waiting = state.caller(offer.call_id) is not None
            assert still_waiting is not (offer.answered or offer.cancelled), (event, offer)
        for agent in state.agents.values():
            if agent.offer_id is not None:
                assert state.offers[agent.offer_id].agent_id == agent.id, (event, agent)
            if agent.status is Status.BUSY:
                # Busy only with an answered offer.
                assert agent.offer_id is not None, (event, agent)
                assert state.offers[agent.offer_id].answered, (event, agent)
            assert agent.missed_offers < state.rules.max_missed_offers, (event, agent)
        offered = [o.call_id for o in state.offers.values()]
        assert len(offered) == len(set(offered)), (event, state.offers)

    def check_statuses(self, before: RouterState, event: Event, commands: list[Command]) -> None:
        state = self.state
        at = event.now if isinstance(event, Tick) else getattr(event, "at", None)
        changed: dict[str, list[StatusChanged]] = defaultdict(list)
        for change in (c for c in commands if isinstance(c, StatusChanged)):
            previous = self.statuses[change.agent_id]
            # Along ALLOWED only (a new reason in the same status is fine).
            assert change.status is previous or change.status in ALLOWED[previous], (
                event,
                previous,
                change,
            )
            assert change.at == at, (event, change)
            asked_now = (
                isinstance(event, StatusRequested)
                and change.agent_id == event.agent_id
                and before.agents[event.agent_id].offer_id is None
            )
            if asked_now:
                # Applied at once: recorded as asked by whoever asked.
                assert isinstance(event, StatusRequested)
                assert change.by == event.by, (event, change)
            self.statuses[change.agent_id] = change.status
            changed[change.agent_id].append(change)
        for agent in state.agents.values():
            was = before.agents[agent.id]
            # Every real change is announced; the timer restarts on a change only.
            assert agent.status is self.statuses[agent.id], (event, agent)
            if agent.id in changed:
                last = changed[agent.id][-1]
                assert (agent.status, agent.reason) == (last.status, last.reason), (event, agent)
                assert agent.status_since == last.at, (event, agent)
            else:
                assert (agent.status, agent.reason) == (was.status, was.reason), (event, agent)
                assert agent.status_since == was.status_since, (event, agent)

    def check_refusal(self, before: RouterState, event: Event, refused: StatusRefused) -> None:
        assert isinstance(event, StatusRequested), (event, refused)
        current = before.agents[refused.agent_id].status
        assert refused.problem is check_request(before.rules, current, refused.request)
        # A refusal changes nothing.
        assert self.state.agents == before.agents, event
        assert self.state.waiting == before.waiting, event
        assert self.state.offers == before.offers, event

    def check_waiting(self, event: Event) -> None:
        waiting = self.state.waiting
        assert len({c.call_id for c in waiting}) == len(waiting), (event, waiting)
        assert list(waiting) == sorted(waiting, key=lambda c: c.order), (event, waiting)
        assert all(c.queue in self.state.queues for c in waiting), (event, waiting)

    def check_ring(self, event: Event, ring: RingAgent) -> None:
        state = self.state
        # Offer ids are unique, and each RingAgent is recorded as a live offer.
        assert ring.offer_id not in self.offer_ids, (event, ring)
        self.offer_ids.append(ring.offer_id)
        offer = state.offers[ring.offer_id]
        assert (offer.agent_id, offer.call_id) == (ring.agent_id, ring.call_id), (event, ring)
        agent = state.agents[ring.agent_id]
        assert could_take(state, agent, ring.call_id), (event, ring)
        assert not agent.busy_elsewhere, (event, ring)  # no call while on a chat
        assert ring.timeout == state.queues[offer.queue].ring_timeout, (event, ring)
        # FIFO and priorities: no unoffered caller this agent could take ranks better.
        mine = key(state, agent, ring.call_id)
        for other in self._unoffered():
            if could_take(state, agent, other):
                assert key(state, agent, other) > mine, (event, ring, other)

    def check_ring_out(self, before: RouterState, event: OfferFailed | CallEnded) -> None:
        """An agent who let a caller ring out is not offered that caller again (until a
        tick starts a new round)."""
        offer = before.offers.get(event.offer_id)
        if offer is None or offer.answered:
            return
        caller = self.state.caller(offer.call_id)
        if caller is not None:
            assert offer.agent_id in caller.tried, (event, caller)
            again = self.state.offer_for_call(caller.call_id)
            assert again is None or again.agent_id != offer.agent_id, (event, again)

    def check_liveness(self, event: Event) -> None:
        """No unoffered caller is left while a free agent could take them, unless that
        agent is kept for a queue they rank higher which has a caller for them."""
        state = self.state
        unoffered = self._unoffered()
        for agent in state.agents.values():
            if not agent.free_for_queue_calls:
                continue
            takes = [c for c in unoffered if could_take(state, agent, c)]
            for call_id in takes:
                rank = key(state, agent, call_id)[0]
                held = any(key(state, agent, other)[0] < rank for other in takes)
                assert held, (event, agent, call_id)

    def check_timers(self, tick: Tick) -> None:
        state = self.state
        for offer in state.offers.values():
            if not offer.answered:
                limit = state.queues[offer.queue].ring_timeout + OFFER_GRACE
                assert tick.now - offer.offered_at <= limit, (tick, offer)
        for agent in state.agents.values():
            if agent.status is Status.WRAP_UP:
                assert agent.wrap_up_until is not None, (tick, agent)
                assert agent.wrap_up_until > tick.now, (tick, agent)
        for call_id in self._unoffered():
            caller = state.caller(call_id)
            assert caller is not None
            max_wait = state.queues[caller.queue].max_wait
            assert max_wait is None or tick.now - caller.enqueued_at < max_wait, (tick, caller)

    def _unoffered(self) -> list[str]:
        offered = {o.call_id for o in self.state.offers.values()}
        return [c.call_id for c in self.state.waiting if c.call_id not in offered]


def drive(state: RouterState, plan: list[Step]) -> None:
    run = Run(state)
    for step in plan:
        run.apply(run.event(step))


@RUNS
@given(routers(), steps(EVERYTHING))
def test_invariants_hold_over_random_traffic_and_status_requests(
    state: RouterState, plan: list[Step]
) -> None:
    drive(state, plan)


@RUNS
@given(routers(), steps(RUSH_HOUR))
def test_invariants_hold_over_a_rush_of_callers(state: RouterState, plan: list[Step]) -> None:
    drive(state, plan)
