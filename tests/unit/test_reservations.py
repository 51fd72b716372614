"""Reservations: a free agent is kept for a queue's next caller, so the PBX can ring
them the moment that caller arrives, without asking the controller first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from panoramisk.message import Message

from vcc.core.agents import ALLOWED, Status, StatusRequest
from vcc.core.queues import QueueConfig, Strategy, qualifies
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    CallEnded,
    CallerArrived,
    CallerLeft,
    Command,
    Event,
    InteractionEnded,
    InteractionStarted,
    OfferEnded,
    OfferFailed,
    ReleaseReservation,
    ReservationTaken,
    ReservationUsed,
    ReserveAgent,
    Resynced,
    RingAgent,
    RouterState,
    StatusChanged,
    StatusRequested,
    StopRinging,
    Tick,
    handle,
)
from vcc.errors import InvalidInput
from vcc.pbx import ami_events
from vcc.pbx.ami_events import Lenient
from vcc.pbx.asterisk import reservation_value, reservation_variable
from vcc.pbx.events import (
    CallerEnqueued,
    CallerTookReservation,
    DialStarted,
    Reservation,
    ReservedDialFailed,
)

SUPPORT, SALES = "support", "sales"


def agent(
    agent_id: str,
    queues: Mapping[str, int] | None = None,
    *,
    skills: Mapping[str, int] | None = None,
    status: Status = Status.AVAILABLE,
    idle_since: float = 0.0,
    calls_answered: int = 0,
) -> Agent:
    return Agent(
        agent_id,
        f"PJSIP/{agent_id}",
        dict(queues or {SUPPORT: 1}),
        dict(skills or {}),
        status=status,
        idle_since=idle_since,
        calls_answered=calls_answered,
    )


def router(*agents: Agent, queues: tuple[QueueConfig, ...] = ()) -> RouterState:
    configs = {q: QueueConfig(q, ring_timeout=12.0) for q in (SUPPORT, SALES)}
    configs.update({q.id: q for q in queues})
    return RouterState.create(agents, configs.values(), reserve_agents=True)


def run(state: RouterState, *events: Event) -> tuple[RouterState, list[Command]]:
    """Apply ``events`` in order; the final state and the last event's commands."""
    commands: list[Command] = []
    for event in events:
        state, commands = handle(state, event)
    return state, commands


def started(state: RouterState) -> RouterState:
    """The router after its first event: free agents reserved."""
    return run(state, Tick(100.0))[0]


def reserved(state: RouterState) -> dict[str, str]:
    """queue → the agent reserved for it."""
    return {q: state.offers[o].agent_id for q, o in state.reservations.items()}


def reservation(state: RouterState, queue: str = SUPPORT) -> str:
    return state.reservations[queue]


def taken(
    state: RouterState,
    call_id: str = "c1",
    *,
    queue: str = SUPPORT,
    offer_id: str | None = None,
    agent_id: str = "",
    at: float = 101.0,
) -> ReservationTaken:
    """A caller takes ``queue``'s reservation (by default the one ``state`` holds)."""
    offer = offer_id or reservation(state, queue)
    return ReservationTaken(
        queue, offer, call_id, f"PJSIP/2001-{call_id}", at - 0.5, 0, at, agent_id
    )


def kinds(commands: list[Command]) -> list[str]:
    return [type(c).__name__ for c in commands]


# -- reserving -------------------------------------------------------------------------
def test_a_free_agent_is_reserved_when_nobody_waits() -> None:
    state, commands = run(router(agent("a")), Tick(100.0))

    offer_id = reservation(state)
    assert commands == [ReserveAgent(SUPPORT, offer_id, "a", "PJSIP/a", 12.0)]
    offer = state.offers[offer_id]
    assert offer.reserved
    assert offer.call_id == ""
    assert state.agents["a"].offer_id == offer_id  # nobody else rings a reserved agent
    assert state.agents["a"].status is Status.AVAILABLE


def test_a_reservation_is_made_once_and_then_left_alone() -> None:
    state = started(router(agent("a")))

    state2, commands = run(state, Tick(101.0), Tick(102.0))

    assert commands == []
    assert state2.reservations == state.reservations


def test_one_agent_per_queue_chosen_by_the_queue_strategy() -> None:
    agents = (
        agent("a", idle_since=30.0, calls_answered=1),
        agent("b", idle_since=10.0, calls_answered=9),
        agent("c", idle_since=20.0, calls_answered=0),
    )
    longest_idle = started(router(*agents))
    by_calls = QueueConfig(SUPPORT, ring_timeout=12.0, strategy=Strategy.FEWEST_CALLS)
    fewest_calls = started(router(*agents, queues=(by_calls,)))

    assert reserved(longest_idle) == {SUPPORT: "b"}
    assert reserved(fewest_calls) == {SUPPORT: "c"}


def test_an_agent_is_reserved_for_the_queue_they_rank_best_ties_by_queue_id() -> None:
    state = started(
        router(
            agent("a", {SUPPORT: 2, SALES: 1}, idle_since=1.0),
            agent("b", {SUPPORT: 1, SALES: 1}, idle_since=2.0),
        )
    )

    # a ranks sales best; b ranks both the same: the smaller id, sales
    assert reserved(state) == {SALES: "a"}
    assert state.agents["b"].offer_id is None


def test_only_the_best_ranked_free_agents_of_a_queue_are_reserved() -> None:
    state = started(router(agent("first", idle_since=5.0), agent("backup", {SUPPORT: 2})))

    assert reserved(state) == {SUPPORT: "first"}


def test_an_agent_without_the_queue_skills_is_not_reserved_for_it() -> None:
    queues = (QueueConfig(SUPPORT, required_skills={"dutch": 3}),)
    state = started(router(agent("a", skills={"dutch": 1}), queues=queues))

    assert reserved(state) == {}


def test_agents_who_take_no_queue_calls_are_not_reserved() -> None:
    state = started(
        router(
            agent("off", status=Status.WORKING_OFFLINE),
            agent("pause", status=Status.BREAK),
            agent("gone", status=Status.LOGGED_OUT),
        )
    )

    assert reserved(state) == {}


def test_nothing_is_reserved_unless_the_router_is_told_to() -> None:
    state = RouterState.create([agent("a")], [QueueConfig(SUPPORT)])

    state, commands = run(state, Tick(100.0))

    assert commands == []
    assert state.offers == {}


# -- no reservation while an eligible caller waits ----------------------------------------
def test_an_agent_freed_while_a_caller_waits_rings_for_them_instead() -> None:
    state = started(router(agent("a", status=Status.BREAK)))
    state, _ = run(state, CallerArrived("c1", "PJSIP/2001-c1", SUPPORT, 100.5))

    state, commands = run(state, ask("a", Status.AVAILABLE, at=101.0))

    assert kinds(commands) == ["StatusChanged", "RingAgent"]
    assert reserved(state) == {}


def test_a_caller_the_reserved_agent_can_take_gets_them_and_the_reservation_goes() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)

    # the caller read the PBX's reservation just before it was set (a race)
    state, commands = run(state, CallerArrived("c1", "PJSIP/2001-c1", SUPPORT, 100.5))

    assert commands[0] == ReleaseReservation(SUPPORT, offer_id)  # before anyone rings
    ring = next(c for c in commands if isinstance(c, RingAgent))
    assert (ring.agent_id, ring.call_id) == ("a", "c1")
    assert reserved(state) == {}


def test_a_waiting_caller_of_a_queue_keeps_other_agents_reservations_alone() -> None:
    # a serves only support; b only sales: a sales caller does not touch a's reservation
    state = started(router(agent("a"), agent("b", {SALES: 1})))
    support_offer = reservation(state, SUPPORT)

    state, commands = run(state, CallerArrived("c1", "PJSIP/2001-c1", SALES, 100.5))

    assert ReleaseReservation(SUPPORT, support_offer) not in commands
    assert reserved(state) == {SUPPORT: "a"}


def test_a_caller_of_another_queue_who_needs_the_reserved_agent_gets_them() -> None:
    state = started(router(agent("a", {SUPPORT: 1, SALES: 2})))
    offer_id = reservation(state, SUPPORT)

    state, commands = run(state, CallerArrived("c1", "PJSIP/2001-c1", SALES, 100.5))

    assert commands[0] == ReleaseReservation(SUPPORT, offer_id)
    assert any(isinstance(c, RingAgent) and c.agent_id == "a" for c in commands)
    assert reserved(state) == {}


def test_an_agent_the_only_waiting_caller_let_ring_out_may_be_reserved_for_newcomers() -> None:
    state = started(router(agent("a")))
    state, _ = run(state, CallerArrived("c1", "PJSIP/2001-c1", SUPPORT, 100.5))
    ringing = state.agents["a"].offer_id
    assert ringing is not None

    state, _ = run(state, OfferFailed(ringing, "no-answer", 102.0))

    # c1 cannot take a (until the next round); a newcomer could, as by the normal rules
    assert reserved(state) == {SUPPORT: "a"}


# -- withdrawing --------------------------------------------------------------------------
def ask(agent_id: str, status: Status, *, at: float = 101.0) -> StatusRequested:
    return StatusRequested(agent_id, StatusRequest(status), at, agent_id)


def test_a_reserved_agent_going_on_break_is_released_at_once() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)

    state, commands = run(state, ask("a", Status.BREAK))

    assert commands == [
        ReleaseReservation(SUPPORT, offer_id),
        StatusChanged("a", Status.BREAK, None, 101.0, "a"),
    ]
    assert state.agents["a"].offer_id is None
    assert state.agents["a"].requested is None  # applied now, not after a "call"
    assert offer_id not in state.offers
    assert state.reservations == {}


def test_when_the_reserved_agent_goes_the_next_free_one_is_reserved() -> None:
    state = started(router(agent("a", idle_since=1.0), agent("b", idle_since=2.0)))
    old = reservation(state)

    state, commands = run(state, ask("a", Status.LOGGED_OUT))

    new = reservation(state)
    assert new != old
    assert commands == [
        ReleaseReservation(SUPPORT, old),
        StatusChanged("a", Status.LOGGED_OUT, None, 101.0, "a"),
        ReserveAgent(SUPPORT, new, "b", "PJSIP/b", 12.0),
    ]


def test_a_free_agent_the_strategy_prefers_takes_the_reservation_over() -> None:
    queues = (QueueConfig(SUPPORT, strategy=Strategy.FEWEST_CALLS),)
    state = started(
        router(agent("a", calls_answered=5), agent("b", calls_answered=1, status=Status.BREAK),
               queues=queues)
    )  # fmt: skip
    old = reservation(state)

    state, commands = run(state, ask("b", Status.AVAILABLE))

    assert kinds(commands) == ["ReleaseReservation", "StatusChanged", "ReserveAgent"]
    assert reserved(state) == {SUPPORT: "b"}
    assert commands[0] == ReleaseReservation(SUPPORT, old)


def test_events_for_a_reservation_as_if_it_were_a_call_are_ignored() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)

    for event in (
        AgentAnswered(offer_id, 101.0),
        OfferFailed(offer_id, "no-answer", 101.0),
        CallEnded(offer_id, 101.0),
    ):
        after, commands = run(state, event)
        assert commands == []
        assert after.reservations == state.reservations
        assert after.agents["a"].status is Status.AVAILABLE


def test_a_reservation_never_times_out_like_a_ringing_offer() -> None:
    state = started(router(agent("a")))

    later, commands = run(state, Tick(100.0 + 3600))

    assert commands == []
    assert later.reservations == state.reservations


def test_a_resync_sends_every_reservation_again_and_clears_the_other_queues() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)

    state, commands = run(state, Resynced(()))

    assert commands == [
        ReleaseReservation(SALES, ""),
        ReserveAgent(SUPPORT, offer_id, "a", "PJSIP/a", 12.0),
    ]
    assert reservation(state) == offer_id


# -- taken --------------------------------------------------------------------------------
def test_a_taken_reservation_is_a_ringing_offer_for_that_caller() -> None:
    state = started(router(agent("a", idle_since=1.0), agent("b", idle_since=2.0)))
    offer_id = reservation(state)

    state, commands = run(state, taken(state))

    offer = state.offers[offer_id]
    assert (offer.agent_id, offer.call_id, offer.queue) == ("a", "c1", SUPPORT)
    assert not offer.reserved
    assert offer.fast
    assert not offer.answered
    assert state.caller("c1") is not None  # a waiting caller, as one with a ringing offer
    next_offer = reservation(state)
    assert commands == [
        InteractionStarted("c1", SUPPORT, 0, 100.5),
        ReservationUsed(RingAgent(offer_id, "a", "PJSIP/a", "c1", "PJSIP/2001-c1", 12.0)),
        ReserveAgent(SUPPORT, next_offer, "b", "PJSIP/b", 12.0),  # for the next caller
    ]


def test_a_taken_reservation_answered_and_ended_is_a_normal_call() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)
    state, _ = run(state, taken(state))

    state, commands = run(state, AgentAnswered(offer_id, 102.0))
    assert commands == [
        OfferEnded(offer_id, "answered", 102.0),
        StatusChanged("a", Status.BUSY, None, 102.0, "system"),
    ]
    assert state.caller("c1") is None
    state, commands = run(state, CallEnded(offer_id, 150.0))

    assert InteractionEnded("c1", "answered", 150.0) in commands
    assert reserved(state) == {SUPPORT: "a"}  # free again, and nobody waits
    assert state.agents["a"].calls_answered == 1


def test_a_caller_leaving_while_the_reserved_agent_rings_needs_no_stop_ringing() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)
    state, _ = run(state, taken(state))

    state, commands = run(state, CallerLeft("c1"))

    # the PBX's Dial hangs the agent's leg up with the caller: no StopRinging
    assert commands == [InteractionEnded("c1", "abandoned", 101.0)]
    assert state.offers[offer_id].cancelled
    state, commands = run(state, OfferFailed(offer_id, "no-answer", 101.1))
    assert commands[0] == OfferEnded(offer_id, "cancelled", 101.1)
    assert state.agents["a"].missed_offers == 0
    assert reserved(state) == {SUPPORT: "a"}


def test_a_taken_reservation_is_not_made_twice_by_a_repeated_event() -> None:
    state = started(router(agent("a"), agent("b")))
    event = taken(state)
    state, _ = run(state, event)

    again, commands = run(state, event)

    assert commands == []
    assert again == state


# -- a failed fast offer --------------------------------------------------------------------
def test_a_reserved_agent_who_does_not_answer_leaves_the_caller_waiting_with_them_tried() -> None:
    state = started(router(agent("a", idle_since=1.0), agent("b", idle_since=2.0)))
    offer_id = reservation(state)
    state, _ = run(state, taken(state))
    b_reserved = reservation(state)

    state, commands = run(state, OfferFailed(offer_id, "no-answer", 113.0))

    caller = state.caller("c1")
    assert caller is not None
    assert caller.tried == {"a"}
    assert state.agents["a"].missed_offers == 1
    # the normal ring-next flow: b (released from the reservation first) rings for c1
    assert commands[0] == ReleaseReservation(SUPPORT, b_reserved)
    assert OfferEnded(offer_id, "no_answer", 113.0) in commands
    ring = next(c for c in commands if isinstance(c, RingAgent))
    assert (ring.agent_id, ring.call_id, ring.caller_channel) == ("b", "c1", "PJSIP/2001-c1")


def test_the_caller_falling_back_into_the_queue_is_the_same_waiting_caller() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)
    state, _ = run(state, taken(state))
    state, _ = run(state, OfferFailed(offer_id, "busy", 103.0))

    # the dialplan's VccEnqueue after the failed Dial
    state, commands = run(state, CallerArrived("c1", "PJSIP/2001-c1", SUPPORT, 100.5))

    assert commands == []  # not a second interaction
    caller = state.caller("c1")
    assert caller is not None
    assert caller.tried == {"a"}
    assert [c.call_id for c in state.waiting] == ["c1"]


def test_the_caller_of_a_failed_fast_offer_waits_in_order_with_the_others() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)
    state, _ = run(state, taken(state, "first"))
    state, _ = run(state, CallerArrived("second", "PJSIP/2002-x", SUPPORT, 102.0))

    state, commands = run(state, OfferFailed(offer_id, "no-answer", 113.0))

    # first is still ahead; a, whom first let ring out, rings for second (as ever)
    assert [c.call_id for c in state.waiting] == ["first", "second"]
    ring = next(c for c in commands if isinstance(c, RingAgent))
    assert (ring.agent_id, ring.call_id) == ("a", "second")


def test_a_leg_hangup_and_the_dial_failure_both_reported_count_once() -> None:
    state = started(router(agent("a")))
    offer_id = reservation(state)
    state, _ = run(state, taken(state))

    state, _ = run(state, OfferFailed(offer_id, "no-answer", 113.0))
    state, commands = run(state, CallEnded(offer_id, 113.001))

    assert commands == []
    assert state.agents["a"].missed_offers == 1


# -- taken after it was withdrawn ---------------------------------------------------------
def test_a_withdrawn_reservation_taken_anyway_stands_if_the_agent_is_still_free() -> None:
    state = started(router(agent("a")))
    old = reservation(state)
    state, _ = run(state, ask("a", Status.BREAK), ask("a", Status.AVAILABLE, at=101.5))
    new = reservation(state)
    assert new != old

    # a caller took the old one while vcc was clearing it
    state, commands = run(state, taken(state, offer_id=old, agent_id="a", at=102.0))

    assert commands[0] == ReleaseReservation(SUPPORT, new)
    assert InteractionStarted("c1", SUPPORT, 0, 101.5) in commands
    offer = state.offers[old]
    assert (offer.agent_id, offer.call_id, offer.fast) == ("a", "c1", True)
    assert state.agents["a"].offer_id == old
    assert reserved(state) == {}


def test_a_withdrawn_reservation_taken_anyway_is_hung_up_if_the_agent_is_not_free() -> None:
    state = started(router(agent("a")))
    old = reservation(state)
    state, _ = run(state, ask("a", Status.BREAK))

    state, commands = run(state, taken(state, offer_id=old, agent_id="a", at=102.0))

    assert commands == [StopRinging(old)]  # the caller falls back into the queue
    assert state.caller("c1") is None
    assert old not in state.offers
    assert state.agents["a"].status is Status.BREAK
    # ... and arrives as a plain waiting caller
    state, commands = run(state, CallerArrived("c1", "PJSIP/2001-c1", SUPPORT, 101.5))
    assert commands == [InteractionStarted("c1", SUPPORT, 0, 101.5)]
    assert state.caller("c1") is not None


def test_a_reservation_taken_while_its_agent_rings_for_another_caller_is_hung_up() -> None:
    state = started(router(agent("a", {SUPPORT: 1, SALES: 2})))
    old = reservation(state)
    state, _ = run(state, CallerArrived("s1", "PJSIP/2002-s1", SALES, 100.5))
    ringing = state.agents["a"].offer_id

    state, commands = run(state, taken(state, "c1", offer_id=old, agent_id="a", at=100.6))

    assert commands == [StopRinging(old)]
    assert state.agents["a"].offer_id == ringing
    assert state.caller("c1") is None


def test_a_reservation_for_an_unknown_agent_or_queue_is_hung_up() -> None:
    state = started(router(agent("a")))

    _, unknown_agent = run(state, taken(state, offer_id="old-1", agent_id="nobody"))
    _, unknown_queue = run(state, taken(state, queue="gone", offer_id="old-2", agent_id="a"))

    assert unknown_agent == [StopRinging("old-1")]
    assert unknown_queue == [StopRinging("old-2")]


# -- invariants over random traffic ---------------------------------------------------------
AGENT_IDS = ("a1", "a2", "a3")
KINDS = ("arrive", "take", "answer", "fail", "end", "leave", "request", "tick", "resync")
ASKED = (Status.AVAILABLE, Status.AVAILABLE, Status.BREAK, Status.WORKING_OFFLINE)


@st.composite
def routers(draw: st.DrawFn) -> RouterState:
    strategies = st.sampled_from(list(Strategy))
    queues = [
        QueueConfig(SUPPORT, strategy=draw(strategies), ring_timeout=8.0),
        QueueConfig(SALES, strategy=draw(strategies), ring_timeout=10.0,
                    required_skills={"en": 2}, wrap_up=draw(st.sampled_from([0.0, 3.0]))),
    ]  # fmt: skip
    agents = [
        Agent(
            agent_id,
            f"PJSIP/{agent_id}",
            draw(st.dictionaries(st.sampled_from([SUPPORT, SALES]), st.integers(1, 2), min_size=1)),
            {"en": draw(st.integers(0, 3))},
            status=draw(st.sampled_from([Status.AVAILABLE, Status.AVAILABLE, Status.BREAK])),
            idle_since=float(draw(st.integers(0, 5))),
        )
        for agent_id in AGENT_IDS
    ]
    return RouterState.create(agents, queues, reserve_agents=True)


@dataclass
class Traffic:
    state: RouterState
    now: float = 1000.0
    calls: int = 0
    offer_ids: list[str] = field(default_factory=list)
    statuses: dict[str, Status] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.statuses = {a.id: a.status for a in self.state.agents.values()}

    def event(self, kind: str, a: int, b: int) -> Event:
        self.now += 1.0
        state = self.state
        match kind:
            case "arrive" | "take":
                self.calls += 1
                call_id, queue = f"c{self.calls}", (SUPPORT, SALES)[a % 2]
                offer_id = state.reservations.get(queue)
                if kind == "arrive" or (offer_id is None and not self.offer_ids):
                    return CallerArrived(call_id, f"PJSIP/2001-{call_id}", queue, self.now, b % 2)
                agent_id = AGENT_IDS[b % len(AGENT_IDS)]
                if offer_id is None or b % 4 == 3:  # a stale one
                    offer_id = self.offer_ids[a % len(self.offer_ids)]
                return ReservationTaken(
                    queue, offer_id, call_id, f"PJSIP/2001-{call_id}", self.now, b % 2, self.now,
                    agent_id,
                )  # fmt: skip
            case "answer" | "fail" | "end":
                offer_id = self._offer(a)
                if kind == "answer":
                    return AgentAnswered(offer_id, self.now)
                if kind == "fail":
                    return OfferFailed(offer_id, "no-answer", self.now)
                return CallEnded(offer_id, self.now)
            case "leave":
                return CallerLeft(f"c{1 + a % max(1, self.calls)}")
            case "request":
                return StatusRequested(
                    AGENT_IDS[a % len(AGENT_IDS)], StatusRequest(ASKED[b % len(ASKED)]),
                    self.now, "sup",
                )  # fmt: skip
            case "resync":
                return Resynced(())
            case _:
                self.now += 3.0 * b
                return Tick(self.now)

    def _offer(self, a: int) -> str:
        live = sorted(self.state.offers)
        return live[a % len(live)] if live else "never"

    def apply(self, event: Event) -> None:
        before = self.state
        self.state, commands = handle(before, event)
        for command in commands:
            if isinstance(command, ReserveAgent | RingAgent):
                self.offer_ids.append(command.offer_id)
        self.check(before, event, commands)

    def check(self, before: RouterState, event: Event, commands: list[Command]) -> None:
        state = self.state
        # An agent is in at most one offer (ringing, connected, or a reservation).
        for offer in state.offers.values():
            assert state.agents[offer.agent_id].offer_id == offer.offer_id, (event, offer)
        for a in state.agents.values():
            if a.offer_id is not None:
                assert state.offers[a.offer_id].agent_id == a.id, (event, a)
        # Reservations: one per queue, for Available agents serving it with its skills.
        reserved_agents = [state.offers[o].agent_id for o in state.reservations.values()]
        assert len(reserved_agents) == len(set(reserved_agents)), (event, state.reservations)
        for queue_id, offer_id in state.reservations.items():
            offer = state.offers[offer_id]
            assert offer.reserved, event
            assert (offer.call_id, offer.queue) == ("", queue_id), event
            holder = state.agents[offer.agent_id]
            assert holder.status is Status.AVAILABLE, (event, holder)
            assert qualifies(holder.skills, state.queues[queue_id].required_skills)
            # ... made only when no waiting caller of the queue could take the agent
            offered = {o.call_id for o in state.offers.values()}
            for caller in state.waiting:
                if caller.queue == queue_id and caller.call_id not in offered:
                    assert holder.id in caller.tried, (event, holder, caller)
        assert {o.offer_id for o in state.offers.values() if o.reserved} == set(
            state.reservations.values()
        ), event
        # Every free agent who could take a new caller of some queue is reserved, unless
        # that queue already has someone.
        for a in state.agents.values():
            if a.free_for_queue_calls:
                homes = [
                    q for q in a.queues if qualifies(a.skills, state.queues[q].required_skills)
                ]
                offered = {o.call_id for o in state.offers.values()}
                blocked = any(
                    c.queue in homes and c.call_id not in offered and a.id not in c.tried
                    for c in state.waiting
                )
                if homes and not blocked:
                    home = min(homes, key=lambda q: (a.queues[q], q))
                    assert home in state.reservations, (event, a, state.reservations)
        # Statuses move along ALLOWED only; ringing offers only at Available agents.
        for change in (c for c in commands if isinstance(c, StatusChanged)):
            previous = self.statuses[change.agent_id]
            assert change.status is previous or change.status in ALLOWED[previous], event
            self.statuses[change.agent_id] = change.status
        for offer in state.offers.values():
            if not offer.answered:
                assert state.agents[offer.agent_id].status is Status.AVAILABLE, (event, offer)
        # Commands about reservations match the state.
        for command in commands:
            if isinstance(command, ReserveAgent):
                assert state.reservations.get(command.queue) == command.offer_id, event
            if isinstance(command, ReleaseReservation) and command.offer_id:
                assert before.reservations.get(command.queue) == command.offer_id, event
                assert state.reservations.get(command.queue) != command.offer_id, event


@settings(max_examples=300, deadline=None)
@given(
    routers(),
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 7), st.integers(0, 7)),
        min_size=10,
        max_size=60,
    ),
)
def test_reservation_invariants_hold_over_random_traffic(
    state: RouterState, plan: list[tuple[str, int, int]]
) -> None:
    traffic = Traffic(state)
    for kind, a, b in plan:
        traffic.apply(traffic.event(kind, a, b))


# -- the PBX edge: what the dialplan sends, what vcc writes -----------------------------------
def parse_ami(headers: dict[str, str]) -> object:
    return ami_events.parse(headers["Event"], Lenient(headers))


def dial_begin(caller_vars: str, leg_vars: str) -> object:
    """A DialBegin as Asterisk writes it, through panoramisk (repeated headers: lists)."""
    wire = (
        "Event: DialBegin\r\nChannel: PJSIP/2001-00000003\r\nUniqueid: 1700000000.7\r\n"
        + caller_vars
        + "DestChannel: PJSIP/1001-00000004\r\nDestUniqueid: 1700000000.8\r\n"
        + leg_vars
        + "DialString: 1001\r\nTimestamp: 1700000000.250000"
    )
    message = Message.from_line(wire)
    assert message is not None
    return ami_events.parse("DialBegin", Lenient(message))


def test_a_queue_callers_dial_of_an_offer_is_the_reservation_taken() -> None:
    event = dial_begin(
        "ChanVariable: VCC_QUEUE=support\r\nChanVariable: VCC_ENQUEUED=1699999999.5\r\n"
        "ChanVariable: VCC_PRIORITY=5\r\nChanVariable: VCC_OFFER=ab12-7\r\n",
        "DestChanVariable: VCC_QUEUE=\r\nDestChanVariable: VCC_ENQUEUED=\r\n"
        "DestChanVariable: VCC_PRIORITY=\r\nDestChanVariable: VCC_OFFER=ab12-7\r\n",
    )

    assert event == CallerTookReservation(
        1700000000.25, "support", "PJSIP/2001-00000003", "1700000000.7", 1699999999.5, 5,
        offer_id="ab12-7", endpoint="PJSIP/1001",
        leg_channel="PJSIP/1001-00000004", leg_uniqueid="1700000000.8",
    )  # fmt: skip
    assert isinstance(event, CallerEnqueued)  # the caller did enter the queue


def test_other_dials_are_only_dials() -> None:
    no_offer = dial_begin("ChanVariable: VCC_QUEUE=support\r\n", "DestChanVariable: VCC_OFFER=\r\n")
    no_queue = dial_begin("ChanVariable: VCC_QUEUE=\r\n", "DestChanVariable: VCC_OFFER=o-1\r\n")
    no_variables = dial_begin("", "")

    dial = DialStarted(
        1700000000.25, "PJSIP/2001-00000003", "1700000000.7", "PJSIP/1001-00000004",
        "1700000000.8",
    )  # fmt: skip
    assert no_offer == no_queue == no_variables == dial


def test_a_reserved_agent_not_answering_is_typed_with_the_reservation_taken() -> None:
    failed = parse_ami({
        "Event": "UserEvent", "UserEvent": "VccReservedFailed", "Channel": "PJSIP/2001-3",
        "Queue": "support", "CallerChannel": "PJSIP/2001-3", "CallerUniqueid": "1700000000.7",
        "Enqueued": "1699999999.5", "CallerPriority": "5", "Offer": "ab12-7",
        "AgentEndpoint": "PJSIP/1003", "DialStatus": "CHANUNAVAIL",
        "Timestamp": "1700000001.000000",
    })  # fmt: skip

    taken = CallerTookReservation(
        1700000001.0, "support", "PJSIP/2001-3", "1700000000.7", 1699999999.5, 5,
        offer_id="ab12-7", endpoint="PJSIP/1003",
    )  # fmt: skip
    assert failed == ReservedDialFailed(
        1700000001.0, "1700000000.7", "ab12-7", "CHANUNAVAIL", taken
    )


def test_a_reservation_is_written_as_endpoint_offer_and_whole_seconds() -> None:
    value = reservation_value(Reservation("after-hours", "ab12-7", "PJSIP/1001", 12.4))

    assert value == "PJSIP/1001|ab12-7|12"
    assert reservation_variable("after-hours") == "VCC_NEXT_after_hours"  # no '-' in names
    assert reservation_value(Reservation("q", "o", "PJSIP/1", 0.2)).endswith("|1")


@pytest.mark.parametrize(
    ("endpoint", "offer_id"),
    [
        ("PJSIP/1001&PJSIP/trunk/0900", "ok-1"),  # a second call in the dial string
        ("PJSIP/1001,1", "ok-1"),  # Dial's argument separator
        ("PJSIP/1001", "x|PJSIP/9"),  # the value's own separator
        ("PJSIP/1001", "x)b(evil"),  # Dial option syntax
        ("Local/1@ctx", "ok-1"),
    ],
)
def test_nothing_that_could_change_the_dial_string_is_reserved(
    endpoint: str, offer_id: str
) -> None:
    with pytest.raises(InvalidInput):
        reservation_value(Reservation(SUPPORT, offer_id, endpoint, 10.0))


def test_a_queue_id_that_is_no_slug_has_no_reservation_variable() -> None:
    with pytest.raises(InvalidInput):
        reservation_variable("support}=x")
