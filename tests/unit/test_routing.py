"""The pure router, one behaviour per test: events in, state and commands out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import pytest

from vcc.core.agents import SYSTEM, RequestProblem, Status, StatusRequest, StatusRules
from vcc.core.queues import OverflowToMessage, OverflowToQueue, QueueConfig, Strategy
from vcc.core.routing import (
    OFFER_GRACE,
    Agent,
    AgentAnswered,
    CallEnded,
    Caller,
    CallerArrived,
    CallerLeft,
    Command,
    Event,
    HangUpCaller,
    HoldRequested,
    MoveCaller,
    OfferFailed,
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

SUPPORT = "support"
SALES = "sales"
AVAILABLE, BUSY, WRAP_UP, OFFLINE, BREAK, LOGGED_OUT = (
    Status.AVAILABLE,
    Status.BUSY,
    Status.WRAP_UP,
    Status.WORKING_OFFLINE,
    Status.BREAK,
    Status.LOGGED_OUT,
)
RULES = StatusRules(
    codes={BREAK: frozenset({"lunch", "meeting"}), OFFLINE: frozenset({"admin"})},
    reason_required=frozenset({BREAK}),
)


def agent(
    agent_id: str,
    *,
    queues: Mapping[str, int] | None = None,
    skills: Mapping[str, int] | None = None,
    status: Status = AVAILABLE,
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


def router(
    *agents: Agent, queues: Iterable[QueueConfig] = (), rules: StatusRules = RULES
) -> RouterState:
    """``queues`` replaces the default queue of the same id (support and sales, 12 s)."""
    configs = {q: QueueConfig(q, ring_timeout=12.0) for q in (SUPPORT, SALES)}
    configs.update({q.id: q for q in queues})
    return RouterState.create(agents, configs.values(), rules=rules)


def channel(call_id: str) -> str:
    return f"PJSIP/2001-{call_id}"


def arrived(
    call_id: str, at: float = 100.0, queue: str = SUPPORT, priority: int = 0
) -> CallerArrived:
    return CallerArrived(call_id, channel(call_id), queue, at, priority)


def ask(
    agent_id: str,
    status: Status,
    reason: str | None = None,
    *,
    at: float = 150.0,
    by: str | None = None,
) -> StatusRequested:
    return StatusRequested(agent_id, StatusRequest(status, reason), at, by or agent_id)


# What the router tells the PBX and the agents' consoles to do; records kept only for
# the store (InteractionStarted…) are left out, so each test sees the acts it is about.
ACTS = (RingAgent, StopRinging, StatusChanged, StatusRefused, MoveCaller, SendCallerAway)


def step(state: RouterState, event: Event) -> tuple[RouterState, list[Command]]:
    """``handle`` one event; return the new state and the acts among its commands."""
    state, commands = handle(state, event)
    return state, [c for c in commands if isinstance(c, ACTS)]


def run(state: RouterState, *events: Event) -> tuple[RouterState, list[Command]]:
    """Apply ``events`` in order; return the final state and all their acts, in order."""
    commands: list[Command] = []
    for event in events:
        state, more = step(state, event)
        commands += more
    return state, commands


def offer_of(state: RouterState, agent_id: str) -> str:
    """The id of the offer ringing (or connected) at the agent."""
    offer_id = state.agents[agent_id].offer_id
    assert offer_id is not None, f"{agent_id} has no offer"
    return offer_id


def answer(state: RouterState, agent_id: str, at: float = 110.0) -> RouterState:
    state, _ = step(state, AgentAnswered(offer_of(state, agent_id), at))
    return state


def ring_out(
    state: RouterState, agent_id: str, at: float = 115.0
) -> tuple[RouterState, list[Command]]:
    return step(state, OfferFailed(offer_of(state, agent_id), "no-answer", at))


def end_call(
    state: RouterState, agent_id: str, at: float = 200.0
) -> tuple[RouterState, list[Command]]:
    return step(state, CallEnded(offer_of(state, agent_id), at))


def rings(commands: list[Command]) -> list[tuple[str, str]]:
    """(agent, caller) of every RingAgent, in order."""
    return [(c.agent_id, c.call_id) for c in commands if isinstance(c, RingAgent)]


def changes(commands: list[Command]) -> list[StatusChanged]:
    return [c for c in commands if isinstance(c, StatusChanged)]


def waiting(state: RouterState, queue: str | None = None) -> list[str]:
    return [c.call_id for c in state.waiting if queue is None or c.queue == queue]


# -- who is offered a queue caller ---------------------------------------------------------
def test_a_caller_rings_an_available_agents_endpoint_with_the_queues_ring_timeout() -> None:
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, ring_timeout=17.0)])

    state, commands = step(state, arrived("c1"))

    assert commands == [
        RingAgent(
            offer_id="vcc-2",
            agent_id="1001",
            endpoint="PJSIP/1001",
            call_id="c1",
            caller_channel=channel("c1"),
            timeout=17.0,
        )
    ]
    assert state.agents["1001"].offer_id == "vcc-2"
    assert state.agents["1001"].status is AVAILABLE  # busy only once answered
    assert waiting(state) == ["c1"]  # with music, until the agent answers


@pytest.mark.parametrize("status", [BUSY, WRAP_UP, BREAK, LOGGED_OUT, OFFLINE])
def test_only_available_agents_are_rung_for_queue_callers(status: Status) -> None:
    state = router(agent("1001", status=status))

    state, commands = run(state, arrived("c1"), Tick(500.0), arrived("c2", at=501.0))

    assert rings(commands) == []
    assert waiting(state) == ["c1", "c2"]
    assert state.agents["1001"].status is status


def test_an_agent_on_a_call_is_not_rung_for_the_next_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")

    state, commands = run(state, arrived("c2", at=120.0), Tick(130.0))

    assert rings(commands) == []
    assert state.agents["1001"].status is BUSY


def test_an_agent_already_ringing_is_not_rung_for_a_second_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = step(state, arrived("c2", at=101.0))

    assert commands == []
    assert [o.call_id for o in state.offers.values()] == ["c1"]


def test_an_agent_becoming_available_is_rung_for_the_caller_already_waiting() -> None:
    state, _ = run(router(agent("1001", status=LOGGED_OUT)), arrived("c1"))

    state, commands = step(state, ask("1001", AVAILABLE, at=150.0))

    assert commands[0] == StatusChanged("1001", AVAILABLE, None, 150.0, "1001")
    assert rings(commands) == [("1001", "c1")]


def test_agents_of_another_queue_are_not_rung() -> None:
    state = router(agent("1001", queues={SALES: 1}))

    state, commands = step(state, arrived("c1", queue=SUPPORT))

    assert commands == []
    assert waiting(state) == ["c1"]


# -- asking for a status -----------------------------------------------------------------
def test_a_status_change_is_recorded_with_its_reason_time_and_who_asked() -> None:
    state = router(agent("1001"))

    state, commands = step(state, ask("1001", BREAK, "lunch", at=150.0, by="sup7"))

    assert commands == [StatusChanged("1001", BREAK, "lunch", 150.0, "sup7")]
    assert (state.agents["1001"].status, state.agents["1001"].reason) == (BREAK, "lunch")
    assert state.agents["1001"].status_since == 150.0


@pytest.mark.parametrize(
    ("current", "wanted", "problem"),
    [
        (AVAILABLE, StatusRequest(BUSY), RequestProblem.NOT_REQUESTABLE),
        (AVAILABLE, StatusRequest(WRAP_UP), RequestProblem.NOT_REQUESTABLE),
        (BREAK, StatusRequest(BUSY), RequestProblem.NOT_REQUESTABLE),
        (LOGGED_OUT, StatusRequest(WRAP_UP), RequestProblem.NOT_REQUESTABLE),
        (AVAILABLE, StatusRequest(BREAK), RequestProblem.REASON_REQUIRED),
        (AVAILABLE, StatusRequest(BREAK, "golf"), RequestProblem.UNKNOWN_REASON),
        (LOGGED_OUT, StatusRequest(OFFLINE, "lunch"), RequestProblem.UNKNOWN_REASON),
        (OFFLINE, StatusRequest(AVAILABLE, "admin"), RequestProblem.UNKNOWN_REASON),
    ],
    ids=[
        "busy",
        "wrap-up",
        "break-to-busy",
        "logged-out-to-wrap-up",
        "break-without-reason",
        "break-unknown-code",
        "offline-with-a-break-code",
        "available-with-a-code",
    ],
)
def test_a_refused_request_is_answered_with_the_problem_and_changes_nothing(
    current: Status, wanted: StatusRequest, problem: RequestProblem
) -> None:
    before, _ = run(router(agent("1001", status=current)), Tick(100.0))

    after, commands = step(before, StatusRequested("1001", wanted, 100.0, "1001"))

    assert commands == [StatusRefused("1001", wanted, problem)]
    assert after == before


def test_a_refused_request_during_a_call_leaves_the_earlier_request_in_place() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")
    state, _ = step(state, ask("1001", BREAK, "lunch"))

    state, commands = step(state, ask("1001", BREAK, "golf"))

    assert commands == [
        StatusRefused("1001", StatusRequest(BREAK, "golf"), RequestProblem.UNKNOWN_REASON)
    ]
    assert state.agents["1001"].requested == StatusRequest(BREAK, "lunch")


def test_requests_for_unknown_agents_are_ignored() -> None:
    before, _ = run(router(agent("1001")), Tick(100.0))

    after, commands = step(before, ask("9999", AVAILABLE, at=100.0))

    assert commands == []
    assert after == before


def test_asking_for_the_status_one_is_in_records_nothing_and_keeps_the_timer() -> None:
    state, _ = run(router(agent("1001", status=LOGGED_OUT)), ask("1001", OFFLINE, at=100.0))

    state, commands = step(state, ask("1001", OFFLINE, at=300.0))

    assert commands == []
    assert state.agents["1001"].status_since == 100.0


def test_a_new_reason_in_the_same_status_is_a_change_and_restarts_the_timer() -> None:
    state, _ = run(router(agent("1001")), ask("1001", BREAK, "lunch", at=100.0))

    state, commands = step(state, ask("1001", BREAK, "meeting", at=300.0))

    assert commands == [StatusChanged("1001", BREAK, "meeting", 300.0, "1001")]
    assert state.agents["1001"].status_since == 300.0


def test_the_status_timer_restarts_at_every_change() -> None:
    state = router(agent("1001", status=LOGGED_OUT))
    since: list[float] = []
    for at, status, reason in [
        (10.0, AVAILABLE, None),
        (20.0, BREAK, "lunch"),
        (30.0, OFFLINE, "admin"),
        (40.0, LOGGED_OUT, None),
    ]:
        state, _ = step(state, ask("1001", status, reason, at=at))
        since.append(state.agents["1001"].status_since)

    assert since == [10.0, 20.0, 30.0, 40.0]


def test_the_status_timer_runs_on_through_an_offer_that_rings_out() -> None:
    state, _ = run(router(agent("1001", status=LOGGED_OUT)), ask("1001", AVAILABLE, at=50.0))
    state, _ = step(state, arrived("c1"))

    state, commands = ring_out(state, "1001")

    assert changes(commands) == []
    assert state.agents["1001"].status is AVAILABLE
    assert state.agents["1001"].status_since == 50.0


def test_becoming_available_makes_the_agent_idle_since_then() -> None:
    state = router(agent("1001", status=BREAK, idle_since=3.0))

    state, _ = step(state, ask("1001", AVAILABLE, at=77.0))

    assert state.agents["1001"].idle_since == 77.0


# -- an interaction: busy, wrap-up, and what was asked for meanwhile -----------------------
def test_answering_makes_the_agent_busy_by_the_system_and_takes_the_caller_out() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = step(state, AgentAnswered(offer_of(state, "1001"), 110.0))

    assert commands == [StatusChanged("1001", BUSY, None, 110.0, SYSTEM)]
    assert state.agents["1001"].status is BUSY
    assert state.agents["1001"].calls_answered == 1
    assert state.offers[offer_of(state, "1001")].answered
    assert waiting(state) == []


def test_the_end_of_a_call_without_wrap_up_makes_the_agent_available_at_once() -> None:
    state, _ = run(router(agent("1001", idle_since=1.0)), arrived("c1"))
    state = answer(state, "1001")

    state, commands = end_call(state, "1001", at=345.0)

    assert commands == [StatusChanged("1001", AVAILABLE, None, 345.0, SYSTEM)]
    assert state.agents["1001"].idle_since == 345.0
    assert state.agents["1001"].offer_id is None
    assert dict(state.offers) == {}


def test_the_end_of_a_call_with_wrap_up_starts_the_queues_wrap_up_timer() -> None:
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, wrap_up=30.0)])
    state, _ = run(state, arrived("c1"))
    state = answer(state, "1001")

    state, commands = end_call(state, "1001", at=200.0)

    assert commands == [StatusChanged("1001", WRAP_UP, None, 200.0, SYSTEM)]
    assert state.agents["1001"].wrap_up_until == 230.0


def test_the_wrap_up_timer_makes_the_agent_available_on_the_tick_it_runs_out() -> None:
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, ring_timeout=12.0, wrap_up=30.0)])
    state, _ = run(state, arrived("c1"))
    state = answer(state, "1001")
    state, _ = end_call(state, "1001", at=200.0)
    state, _ = step(state, arrived("c2", at=201.0))

    state, early = step(state, Tick(229.9))
    assert early == []
    state, commands = step(state, Tick(230.0))

    assert commands == [
        StatusChanged("1001", AVAILABLE, None, 230.0, SYSTEM),
        RingAgent(offer_of(state, "1001"), "1001", "PJSIP/1001", "c2", channel("c2"), 12.0),
    ]
    assert state.agents["1001"].wrap_up_until is None
    assert state.agents["1001"].idle_since == 230.0


def test_wrap_up_follows_the_queue_of_the_call_not_the_agents_other_queues() -> None:
    state = router(
        agent("1001", queues={SUPPORT: 1, SALES: 1}),
        queues=[QueueConfig(SUPPORT, wrap_up=30.0), QueueConfig(SALES, wrap_up=0.0)],
    )
    state, _ = run(state, arrived("x1", queue=SALES))
    state = answer(state, "1001")

    state, commands = end_call(state, "1001", at=200.0)

    assert changes(commands) == [StatusChanged("1001", AVAILABLE, None, 200.0, SYSTEM)]


@pytest.mark.parametrize(
    ("status", "reason"), [(AVAILABLE, None), (BREAK, "lunch"), (LOGGED_OUT, None)]
)
def test_the_agent_ends_wrap_up_by_asking_for_a_status_which_applies_at_once(
    status: Status, reason: str | None
) -> None:
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, wrap_up=30.0)])
    state, _ = run(state, arrived("c1"))
    state = answer(state, "1001")
    state, _ = end_call(state, "1001", at=200.0)

    state, commands = step(state, ask("1001", status, reason, at=205.0))

    assert commands == [StatusChanged("1001", status, reason, 205.0, "1001")]
    assert state.agents["1001"].wrap_up_until is None
    state, later = step(state, Tick(230.0))  # the timer is gone with the wrap-up
    assert later == []
    assert state.agents["1001"].status is status


def test_a_status_asked_for_during_a_call_waits_until_the_call_ends() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")

    state, commands = step(state, ask("1001", BREAK, "lunch", at=150.0))

    assert commands == []
    assert state.agents["1001"].status is BUSY
    assert state.agents["1001"].requested == StatusRequest(BREAK, "lunch")


def test_a_status_asked_for_during_a_call_applies_when_it_ends_without_wrap_up() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), arrived("c2", at=101.0))
    state = answer(state, "1001")
    state, _ = step(state, ask("1001", BREAK, "lunch", at=150.0))

    state, commands = end_call(state, "1001", at=200.0)

    assert [(c.status, c.reason, c.at) for c in changes(commands)] == [(BREAK, "lunch", 200.0)]
    assert rings(commands) == []  # c2 keeps waiting: the agent is on break
    assert state.agents["1001"].requested is None


def test_a_status_asked_for_during_a_call_applies_after_the_queues_wrap_up() -> None:
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, wrap_up=30.0)])
    state, _ = run(state, arrived("c1"))
    state = answer(state, "1001")
    state, _ = step(state, ask("1001", OFFLINE, "admin", at=150.0))

    state, ended = end_call(state, "1001", at=200.0)
    state, ticked = step(state, Tick(230.0))

    assert [c.status for c in changes(ended)] == [WRAP_UP]
    assert [(c.status, c.reason, c.at) for c in changes(ticked)] == [(OFFLINE, "admin", 230.0)]
    assert state.agents["1001"].requested is None


def test_the_last_status_asked_for_during_a_call_is_the_one_that_applies() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")
    state, _ = run(state, ask("1001", BREAK, "lunch"), ask("1001", LOGGED_OUT, at=160.0))

    state, commands = end_call(state, "1001")

    assert [c.status for c in changes(commands)] == [LOGGED_OUT]


def test_a_status_asked_for_while_ringing_waits_for_the_answer_and_the_call() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state, asked = step(state, ask("1001", BREAK, "lunch", at=105.0))
    state = answer(state, "1001")
    assert asked == []
    assert state.agents["1001"].status is BUSY

    state, commands = end_call(state, "1001", at=200.0)

    assert [(c.status, c.reason) for c in changes(commands)] == [(BREAK, "lunch")]


def test_a_status_asked_for_while_ringing_applies_when_the_offer_rings_out() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state, _ = step(state, ask("1001", BREAK, "lunch", at=105.0))

    state, commands = ring_out(state, "1001", at=112.0)

    assert [(c.status, c.reason, c.at) for c in changes(commands)] == [(BREAK, "lunch", 112.0)]
    assert rings(commands) == []
    assert state.agents["1001"].requested is None


@pytest.mark.parametrize("ending", ["rings-out", "call-ends", "wrap-up-ends"])
def test_a_status_asked_for_during_an_interaction_is_recorded_as_asked_by_the_requester(
    ending: str,
) -> None:
    # A supervisor puts the agent on break while the phone rings; the change applies
    # later, but it is still the supervisor's: SYSTEM means "not asked for" (agents.py).
    wrap_up = 30.0 if ending == "wrap-up-ends" else 0.0
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, wrap_up=wrap_up)])
    state, _ = run(state, arrived("c1"), ask("1001", BREAK, "lunch", at=105.0, by="sup7"))
    if ending == "rings-out":
        state, commands = ring_out(state, "1001", at=112.0)
    else:
        state = answer(state, "1001")
        state, commands = end_call(state, "1001", at=200.0)
        if ending == "wrap-up-ends":
            state, commands = step(state, Tick(230.0))

    assert [(c.status, c.by) for c in changes(commands) if c.status is BREAK] == [(BREAK, "sup7")]


# -- missed offers and the automatic break ------------------------------------------------
def test_missed_offers_in_a_row_put_the_agent_on_break_with_the_system_code() -> None:
    state = router(agent("1001"), rules=StatusRules(max_missed_offers=3))
    state, _ = run(state, *(arrived(f"c{n}", at=100.0 + n) for n in range(1, 5)))
    state, _ = ring_out(state, "1001", at=110.0)
    state, _ = ring_out(state, "1001", at=120.0)
    assert state.agents["1001"].missed_offers == 2

    state, commands = ring_out(state, "1001", at=130.0)

    assert commands == [StatusChanged("1001", BREAK, "missed-offers", 130.0, SYSTEM)]
    assert state.agents["1001"].missed_offers == 0
    assert waiting(state) == ["c1", "c2", "c3", "c4"]


def test_fewer_missed_offers_than_the_limit_keep_the_agent_available() -> None:
    state = router(agent("1001"), rules=StatusRules(max_missed_offers=3))
    state, _ = run(state, arrived("c1"), arrived("c2", at=101.0), arrived("c3", at=102.0))
    state, _ = ring_out(state, "1001", at=110.0)

    state, commands = ring_out(state, "1001", at=120.0)

    assert changes(commands) == []
    assert rings(commands) == [("1001", "c3")]
    assert state.agents["1001"].missed_offers == 2


def test_the_missed_offers_code_and_limit_come_from_the_rules() -> None:
    rules = StatusRules(max_missed_offers=1, missed_offers_code="no-show")
    state, _ = run(router(agent("1001"), rules=rules), arrived("c1"))

    state, commands = ring_out(state, "1001", at=110.0)

    assert commands == [StatusChanged("1001", BREAK, "no-show", 110.0, SYSTEM)]


def test_a_rejected_offer_counts_as_missed() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), arrived("c2", at=101.0))

    state, commands = step(state, CallEnded(offer_of(state, "1001"), 105.0))

    assert state.agents["1001"].missed_offers == 1
    assert rings(commands) == [("1001", "c2")]


def test_an_answer_resets_the_missed_offers_count() -> None:
    state = router(agent("1001"), rules=StatusRules(max_missed_offers=3))
    state, _ = run(state, *(arrived(f"c{n}", at=100.0 + n) for n in range(1, 6)))
    state, _ = ring_out(state, "1001", at=110.0)
    state, _ = ring_out(state, "1001", at=111.0)
    state = answer(state, "1001", at=112.0)
    assert state.agents["1001"].missed_offers == 0
    state, _ = end_call(state, "1001", at=120.0)
    state, _ = ring_out(state, "1001", at=130.0)

    state, commands = ring_out(state, "1001", at=140.0)

    assert changes(commands) == []
    assert state.agents["1001"].status is AVAILABLE
    assert state.agents["1001"].missed_offers == 2


def test_an_offer_stopped_because_the_caller_left_is_not_a_missed_offer() -> None:
    state = router(agent("1001"), rules=StatusRules(max_missed_offers=1))
    state, _ = run(state, arrived("c1"), arrived("c2", at=101.0))
    ringing = offer_of(state, "1001")
    state, _ = step(state, CallerLeft("c1"))

    state, commands = step(state, OfferFailed(ringing, "no-answer", 110.0))

    assert changes(commands) == []
    assert state.agents["1001"].missed_offers == 0
    assert rings(commands) == [("1001", "c2")]


def test_a_log_out_asked_for_while_ringing_wins_over_the_automatic_break() -> None:
    # The agent asked to leave; a break instead would keep them logged in (and their
    # queues staffed) against their request.
    state = router(agent("1001"), rules=StatusRules(max_missed_offers=1))
    state, _ = run(state, arrived("c1"), ask("1001", LOGGED_OUT, at=105.0))

    state, commands = ring_out(state, "1001", at=110.0)

    assert [c.status for c in changes(commands)] == [LOGGED_OUT]
    assert state.agents["1001"].status is LOGGED_OUT


# -- order of callers ----------------------------------------------------------------------
def test_a_caller_of_higher_priority_is_served_first() -> None:
    state = router(agent("1001", status=LOGGED_OUT))
    state, _ = run(state, arrived("normal", at=100.0), arrived("vip", at=200.0, priority=5))

    _, commands = step(state, ask("1001", AVAILABLE, at=300.0))

    assert rings(commands) == [("1001", "vip")]


def test_callers_of_the_same_priority_are_served_in_arrival_order_not_report_order() -> None:
    state = router(agent("1001", status=LOGGED_OUT))
    state, _ = run(state, arrived("late", at=200.0), arrived("early", at=100.0))

    _, commands = step(state, ask("1001", AVAILABLE, at=300.0))

    assert rings(commands) == [("1001", "early")]


def test_callers_arriving_at_the_same_time_are_served_in_the_order_reported() -> None:
    state = router(agent("1001", status=LOGGED_OUT))
    state, _ = run(state, arrived("told-first", at=100.0), arrived("told-second", at=100.0))

    _, commands = step(state, ask("1001", AVAILABLE, at=300.0))

    assert rings(commands) == [("1001", "told-first")]


def test_the_oldest_caller_across_queues_goes_first_to_an_agent_of_both() -> None:
    state = router(agent("1001", queues={SUPPORT: 1, SALES: 1}, status=LOGGED_OUT))
    state, _ = run(state, arrived("s1", at=200.0), arrived("x1", at=100.0, queue=SALES))

    _, commands = step(state, ask("1001", AVAILABLE, at=300.0))

    assert rings(commands) == [("1001", "x1")]


def test_the_position_of_a_waiting_caller_counts_within_their_queue() -> None:
    state = router(agent("1001", status=BREAK))
    state, _ = run(
        state,
        arrived("s1", at=100.0),
        arrived("x1", at=101.0, queue=SALES),
        arrived("s2", at=102.0),
        arrived("s3", at=103.0, priority=1),
    )

    assert [state.position(c) for c in ("s3", "s1", "s2", "x1", "gone")] == [1, 2, 3, 1, None]


def test_a_caller_being_offered_keeps_their_position() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), arrived("c2", at=101.0))

    assert (state.position("c1"), state.position("c2")) == (1, 2)


# -- skills --------------------------------------------------------------------------------
def test_only_agents_with_the_queues_skills_at_their_levels_are_rung() -> None:
    state = router(
        agent("a", skills={"nl": 1}, idle_since=1.0),  # level too low
        agent("b", skills={"en": 5}, idle_since=2.0),  # other skill
        agent("c", skills={"nl": 2, "en": 1}, idle_since=3.0),
        queues=[QueueConfig(SUPPORT, required_skills={"nl": 2})],
    )

    _, commands = step(state, arrived("c1"))

    assert rings(commands) == [("c", "c1")]


def test_a_caller_waits_when_no_agent_has_the_skills() -> None:
    state = router(
        agent("a", skills={"nl": 1}), queues=[QueueConfig(SUPPORT, required_skills={"nl": 2})]
    )

    state, commands = run(state, arrived("c1"), Tick(500.0))

    assert commands == []
    assert waiting(state) == ["c1"]


# -- agent priorities per queue (tiers) ----------------------------------------------------
def test_the_agent_with_the_best_priority_for_the_queue_rings_first() -> None:
    state = router(
        agent("a", queues={SUPPORT: 2}, idle_since=1.0),  # idle longer, but second tier
        agent("b", queues={SUPPORT: 1}, idle_since=50.0),
    )

    _, commands = step(state, arrived("c1"))

    assert rings(commands) == [("b", "c1")]


def test_the_next_tier_rings_when_the_first_is_taken() -> None:
    state = router(agent("a", queues={SUPPORT: 2}), agent("b", queues={SUPPORT: 1}))
    state, _ = run(state, arrived("c1"))

    _, commands = step(state, arrived("c2", at=101.0))

    assert rings(commands) == [("a", "c2")]


def test_the_next_tier_rings_when_the_first_lets_the_caller_ring_out() -> None:
    state = router(agent("a", queues={SUPPORT: 2}), agent("b", queues={SUPPORT: 1}))
    state, _ = run(state, arrived("c1"))

    _, commands = ring_out(state, "b")

    assert rings(commands) == [("a", "c1")]


def test_an_agent_is_kept_for_the_queue_they_rank_higher_when_it_has_a_caller() -> None:
    state = router(agent("1001", queues={SALES: 1, SUPPORT: 2}, status=LOGGED_OUT))
    state, _ = run(state, arrived("s1", at=100.0), arrived("x1", at=200.0, queue=SALES))

    _, commands = step(state, ask("1001", AVAILABLE, at=300.0))

    assert rings(commands) == [("1001", "x1")]  # though s1 waited longer


def test_an_agent_takes_the_lower_ranked_queue_when_the_higher_has_no_caller() -> None:
    state = router(agent("1001", queues={SALES: 1, SUPPORT: 2}))

    _, commands = step(state, arrived("s1"))

    assert rings(commands) == [("1001", "s1")]


def test_an_agent_kept_for_a_caller_who_went_to_someone_else_rings_before_a_lower_tier() -> None:
    # b ranks sales first, support second; t is support's third tier. When the three
    # come out of wrap-up on one tick with a caller in each queue, a (sales only) takes
    # the sales caller: nothing is left to keep b for, so b, not t, must ring for s1.
    state = router(
        agent("a", queues={SALES: 1}),
        agent("b", queues={SALES: 1, SUPPORT: 2}),
        agent("t", queues={SUPPORT: 3}),
        queues=[QueueConfig(SUPPORT, wrap_up=10.0), QueueConfig(SALES, wrap_up=10.0)],
    )
    state, _ = run(
        state, arrived("p1", queue=SALES), arrived("p2", at=101.0, queue=SALES), arrived("p3")
    )
    for who in ("a", "b", "t"):
        state = answer(state, who)
        state, _ = end_call(state, who, at=200.0)
    state, _ = run(state, arrived("x1", at=201.0, queue=SALES), arrived("s1", at=202.0))

    _, commands = step(state, Tick(210.0))

    assert sorted(rings(commands)) == [("a", "x1"), ("b", "s1")]


def test_an_agent_is_not_kept_for_a_caller_they_let_ring_out() -> None:
    state = router(agent("1001", queues={SALES: 1, SUPPORT: 2}))
    state, _ = run(state, arrived("x1", queue=SALES), arrived("s1", at=101.0))

    _, commands = ring_out(state, "1001")

    assert rings(commands) == [("1001", "s1")]


# -- strategies ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("idle_since", "chosen"),
    [
        ({"a": 50.0, "b": 10.0, "c": 30.0}, "b"),
        ({"a": 10.0, "b": 50.0, "c": 30.0}, "a"),
        ({"a": 20.0, "b": 20.0, "c": 20.0}, "a"),  # a tie goes to the lowest id
    ],
)
def test_longest_idle_rings_the_agent_free_the_longest(
    idle_since: dict[str, float], chosen: str
) -> None:
    state = router(*(agent(a, idle_since=t) for a, t in idle_since.items()))

    _, commands = step(state, arrived("c1"))

    assert rings(commands) == [(chosen, "c1")]


def test_the_agent_who_ended_a_call_last_is_rung_last_under_longest_idle() -> None:
    state = router(agent("a", idle_since=1.0), agent("b", idle_since=2.0))
    state, _ = run(state, arrived("c1"))
    state = answer(state, "a")
    state, _ = end_call(state, "a", at=500.0)

    _, commands = step(state, arrived("c2", at=501.0))

    assert rings(commands) == [("b", "c2")]


def test_round_robin_rings_the_agents_in_turn_after_the_last_one() -> None:
    # Idle times point the other way, so longest idle would give c, b, a.
    state = router(
        agent("a", idle_since=30.0),
        agent("b", idle_since=20.0),
        agent("c", idle_since=10.0),
        queues=[QueueConfig(SUPPORT, strategy=Strategy.ROUND_ROBIN)],
    )
    order: list[str] = []
    for n in range(4):
        state, commands = step(state, arrived(f"c{n}", at=100.0 + n))
        (who, _call), *_ = rings(commands)
        order.append(who)
        state = answer(state, who, at=100.5 + n)
        state, _ = end_call(state, who, at=100.7 + n)

    assert order == ["a", "b", "c", "a"]


def test_round_robin_skips_an_agent_who_is_not_free() -> None:
    state = router(
        agent("a"),
        agent("b", status=BREAK),
        agent("c"),
        queues=[QueueConfig(SUPPORT, strategy=Strategy.ROUND_ROBIN)],
    )
    state, _ = run(state, arrived("c1"))
    state = answer(state, "a")
    state, _ = end_call(state, "a")

    _, commands = step(state, arrived("c2", at=300.0))

    assert rings(commands) == [("c", "c2")]


def test_fewest_calls_rings_the_agent_who_answered_fewest() -> None:
    state = router(
        agent("a", calls_answered=5, idle_since=1.0),
        agent("b", calls_answered=2, idle_since=9.0),
        agent("c", calls_answered=9, idle_since=2.0),
        queues=[QueueConfig(SUPPORT, strategy=Strategy.FEWEST_CALLS)],
    )

    _, commands = step(state, arrived("c1"))

    assert rings(commands) == [("b", "c1")]


def test_fewest_calls_counts_the_calls_answered_through_the_router() -> None:
    state = router(
        agent("a", idle_since=1.0),
        agent("b", idle_since=2.0),
        queues=[QueueConfig(SUPPORT, strategy=Strategy.FEWEST_CALLS)],
    )
    state, _ = run(state, arrived("c1"))
    state = answer(state, "a")
    state, _ = end_call(state, "a", at=120.0)
    state, _ = run(state, ask("b", BREAK, "lunch", at=121.0), ask("b", AVAILABLE, at=122.0))

    _, commands = step(state, arrived("c2", at=130.0))  # a idle longer, but one call

    assert rings(commands) == [("b", "c2")]


def test_best_skill_rings_the_agent_with_the_highest_levels_in_the_queues_skills() -> None:
    state = router(
        agent("a", skills={"nl": 1, "en": 1}, idle_since=1.0),
        agent("b", skills={"nl": 3, "en": 2}, idle_since=9.0),
        agent("c", skills={"nl": 2, "en": 1, "fr": 9}, idle_since=2.0),
        queues=[
            QueueConfig(SUPPORT, strategy=Strategy.BEST_SKILL, required_skills={"nl": 1, "en": 1})
        ],
    )

    _, commands = step(state, arrived("c1"))

    assert rings(commands) == [("b", "c1")]


# -- no answer -----------------------------------------------------------------------------
def test_a_caller_who_rings_out_is_offered_to_the_next_agent() -> None:
    state = router(agent("a", idle_since=1.0), agent("b", idle_since=2.0))
    state, _ = run(state, arrived("c1"))

    state, commands = ring_out(state, "a")

    assert commands == [RingAgent(offer_of(state, "b"), "b", "PJSIP/b", "c1", channel("c1"), 12.0)]
    assert state.agents["a"].offer_id is None
    assert state.caller("c1").tried == {"a"}  # type: ignore[union-attr]


def test_a_caller_is_not_offered_again_to_an_agent_who_let_it_ring_out() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state, commands = ring_out(state, "1001")
    assert commands == []

    state, commands = run(state, arrived("x1", queue=SALES), ask("1001", AVAILABLE, at=120.0))

    assert rings(commands) == []
    assert state.agents["1001"].offer_id is None


def test_an_agent_who_let_a_caller_ring_out_is_offered_the_next_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), arrived("c2", at=101.0))

    _, commands = ring_out(state, "1001")

    assert rings(commands) == [("1001", "c2")]


def test_a_tick_starts_a_new_round_once_no_untried_agent_remains() -> None:
    state = router(agent("a", idle_since=1.0), agent("b", idle_since=2.0))
    state, _ = run(state, arrived("c1"))
    state, _ = ring_out(state, "a", at=110.0)
    state, commands = ring_out(state, "b", at=120.0)
    assert commands == []  # both tried: wait for the next tick

    state, commands = step(state, Tick(121.0))

    assert rings(commands) == [("a", "c1")]
    assert state.caller("c1").tried == frozenset()  # type: ignore[union-attr]


def test_a_tick_while_the_caller_rings_an_untried_agent_starts_no_new_round() -> None:
    state = router(agent("a", idle_since=1.0), agent("b", idle_since=2.0))
    state, _ = run(state, arrived("c1"))
    state, _ = ring_out(state, "a", at=110.0)  # now b rings: the round is not over
    state, ticked = step(state, Tick(111.0))
    assert ticked == []

    state, commands = ring_out(state, "b", at=112.0)

    assert rings(commands) == []  # a already let c1 ring out in this round
    _, commands = step(state, Tick(113.0))
    assert rings(commands) == [("a", "c1")]


# -- offers without news -------------------------------------------------------------------
def test_an_offer_without_news_past_ring_timeout_and_grace_is_stopped_on_a_tick() -> None:
    state = router(agent("a", idle_since=1.0), agent("b", idle_since=2.0))
    state, _ = run(state, Tick(100.0), arrived("c1", at=100.0))
    stale = offer_of(state, "a")
    deadline = 100.0 + 12.0 + OFFER_GRACE

    state, commands = step(state, Tick(deadline))
    assert commands == []
    state, commands = step(state, Tick(deadline + 0.5))

    assert commands[0] == StopRinging(stale)
    assert rings(commands[1:]) == [("b", "c1")]
    assert stale not in state.offers
    assert state.agents["a"].missed_offers == 1


def test_an_answered_offer_never_times_out() -> None:
    state, _ = run(router(agent("1001")), Tick(100.0), arrived("c1"))
    state = answer(state, "1001")

    state, commands = step(state, Tick(100.0 + 3600.0))

    assert commands == []
    assert state.agents["1001"].status is BUSY


def test_a_failure_reported_after_the_answer_is_ignored() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")

    after, commands = step(state, OfferFailed(offer_of(state, "1001"), "no-answer", 110.0))

    assert commands == []
    assert after == state


def test_a_second_answer_for_the_same_offer_changes_nothing() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")

    after, commands = step(state, AgentAnswered(offer_of(state, "1001"), 110.0))

    assert commands == []
    assert after == state


# -- the caller goes away ------------------------------------------------------------------
def test_a_caller_who_leaves_while_the_agent_rings_stops_the_ringing() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    ringing = offer_of(state, "1001")

    state, commands = step(state, CallerLeft("c1"))

    assert commands == [StopRinging(ringing)]
    assert waiting(state) == []
    assert state.offers[ringing].cancelled
    assert state.agents["1001"].offer_id == ringing  # until the PBX says the leg is gone


def test_the_agent_is_free_again_once_the_stopped_offer_ends() -> None:
    state, _ = run(router(agent("1001", idle_since=1.0)), arrived("c1"), CallerLeft("c1"))

    state, commands = step(state, CallEnded(offer_of(state, "1001"), 105.0))

    assert commands == []
    assert dict(state.offers) == {}
    assert state.agents["1001"].offer_id is None
    assert state.agents["1001"].idle_since == 1.0  # no call was taken: keeps their place


def test_an_answer_after_the_caller_left_is_not_a_call() -> None:
    # The agent picks up just as the caller hangs up: StopRinging is already on its way,
    # nobody is there to talk to. No busy, no call counted, no wrap-up keeping them off.
    state = router(agent("1001"), queues=[QueueConfig(SUPPORT, wrap_up=30.0)])
    state, _ = run(state, arrived("c1"), CallerLeft("c1"))
    stopped = offer_of(state, "1001")

    state, commands = run(state, AgentAnswered(stopped, 105.0), CallEnded(stopped, 106.0))

    assert changes(commands) == []
    assert state.agents["1001"].status is AVAILABLE
    assert state.agents["1001"].offer_id is None
    assert (state.agents["1001"].calls_answered, state.agents["1001"].missed_offers) == (0, 0)


def test_a_stopped_offer_without_news_is_given_up_on_a_tick_without_a_miss() -> None:
    state, _ = run(router(agent("1001")), Tick(100.0), arrived("c1"), CallerLeft("c1"))
    stopped = offer_of(state, "1001")

    state, commands = step(state, Tick(100.0 + 12.0 + OFFER_GRACE + 1.0))

    assert commands == [StopRinging(stopped)]
    assert state.agents["1001"].offer_id is None
    assert state.agents["1001"].missed_offers == 0


def test_a_caller_who_leaves_while_waiting_is_forgotten_without_stopping_anything() -> None:
    state, _ = run(router(agent("1001", status=BREAK)), arrived("c1"))

    state, commands = step(state, CallerLeft("c1"))

    assert commands == []
    assert waiting(state) == []


def test_a_caller_hanging_up_mid_call_leaves_the_agent_busy_until_their_leg_ends() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state = answer(state, "1001")

    state, commands = step(state, CallerLeft("c1"))

    assert commands == []
    assert state.agents["1001"].status is BUSY


# -- overflow --------------------------------------------------------------------------------
def test_a_caller_who_waited_max_wait_moves_to_the_overflow_queue_on_a_tick() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1}, status=BREAK),
        agent("b", queues={SALES: 1}, status=BREAK),
        queues=[QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToQueue(SALES))],
    )
    state, _ = run(state, arrived("c1", at=100.0))
    state, early = step(state, Tick(159.0))
    assert early == []

    state, commands = step(state, Tick(160.0))

    assert commands == [MoveCaller("c1", channel("c1"), SALES, "max-wait", restart_music=True)]
    moved = state.caller("c1")
    assert moved is not None
    assert (moved.queue, moved.enqueued_at) == (SALES, 160.0)  # a fresh wait time
    assert state.position("c1") == 1


def test_a_caller_moved_to_another_queue_rings_its_agents_at_once() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1}, status=BREAK),
        agent("b", queues={SALES: 1}),
        queues=[QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToQueue(SALES))],
    )
    state, _ = run(state, arrived("c1", at=100.0))

    _, commands = step(state, Tick(160.0))

    assert [type(c) for c in commands] == [MoveCaller, RingAgent]
    assert rings(commands) == [("b", "c1")]


def test_a_moved_caller_waits_max_wait_again_in_the_new_queue() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1, SALES: 1}, status=BREAK),
        queues=[
            QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToQueue(SALES)),
            QueueConfig(SALES, max_wait=30.0, overflow=OverflowToMessage("sales-closed")),
        ],
    )
    state, _ = run(state, arrived("c1", at=100.0), Tick(160.0))

    state, early = step(state, Tick(189.0))
    state, commands = step(state, Tick(190.0))

    assert early == []
    assert commands == [SendCallerAway("c1", channel("c1"), "sales-closed", "max-wait")]


def test_a_caller_who_waited_max_wait_hears_the_overflow_message_then_leaves() -> None:
    state = router(
        agent("a", status=BREAK),
        queues=[QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToMessage("sorry-busy"))],
    )
    state, _ = run(state, arrived("c1", at=100.0))

    state, commands = step(state, Tick(160.0))

    assert commands == [SendCallerAway("c1", channel("c1"), "sorry-busy", "max-wait")]
    assert waiting(state) == []


def test_without_an_overflow_the_caller_hears_the_closed_message() -> None:
    state = router(agent("a", status=BREAK), queues=[QueueConfig(SUPPORT, max_wait=60.0)])
    state, _ = run(state, arrived("c1", at=100.0))

    _, commands = step(state, Tick(160.0))

    assert commands == [SendCallerAway("c1", channel("c1"), None, "max-wait")]


def test_a_caller_ringing_an_agent_does_not_overflow_at_max_wait() -> None:
    state = router(
        agent("a"),
        queues=[QueueConfig(SUPPORT, max_wait=5.0, overflow=OverflowToMessage("bye"))],
    )
    state, _ = run(state, Tick(100.0), arrived("c1", at=100.0))

    state, commands = step(state, Tick(106.0))

    assert commands == []
    assert waiting(state) == ["c1"]


def test_callers_beyond_max_length_overflow_at_arrival() -> None:
    state = router(
        agent("a", status=BREAK),
        queues=[QueueConfig(SUPPORT, max_length=2, overflow=OverflowToMessage("full"))],
    )
    state, first = run(state, arrived("c1"), arrived("c2", at=101.0))

    state, commands = step(state, arrived("c3", at=102.0))

    assert first == []
    assert commands == [SendCallerAway("c3", channel("c3"), "full", "queue-full")]
    assert waiting(state) == ["c1", "c2"]


def test_callers_beyond_max_length_move_to_the_overflow_queue() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1, SALES: 1}, status=BREAK),
        queues=[QueueConfig(SUPPORT, max_length=1, overflow=OverflowToQueue(SALES))],
    )
    state, _ = run(state, arrived("c1"))

    state, commands = step(state, arrived("c2", at=101.0))

    assert commands == [MoveCaller("c2", channel("c2"), SALES, "queue-full", restart_music=True)]
    assert (waiting(state, SUPPORT), waiting(state, SALES)) == (["c1"], ["c2"])


def test_overflow_into_a_full_queue_plays_that_queues_message() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1, SALES: 1}, status=BREAK),
        queues=[
            QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToQueue(SALES)),
            QueueConfig(SALES, max_length=1, overflow=OverflowToMessage("sales-full")),
        ],
    )
    state, _ = run(state, arrived("x1", at=90.0, queue=SALES), arrived("c1", at=100.0))

    _, commands = step(state, Tick(160.0))

    assert commands == [SendCallerAway("c1", channel("c1"), "sales-full", "max-wait")]


def test_overflow_into_a_closed_queue_plays_the_closed_message() -> None:
    state = router(
        agent("a", queues={SUPPORT: 1}, status=BREAK),
        queues=[
            QueueConfig(SUPPORT, max_wait=60.0, overflow=OverflowToQueue(SALES)),
            QueueConfig(SALES, join_when_empty=False),
        ],
    )
    state, _ = run(state, arrived("c1", at=100.0))

    _, commands = step(state, Tick(160.0))

    assert commands == [SendCallerAway("c1", channel("c1"), None, "max-wait")]


def test_with_join_when_empty_off_a_caller_overflows_when_no_agent_is_logged_in() -> None:
    state = router(
        agent("a", status=LOGGED_OUT),
        queues=[QueueConfig(SUPPORT, join_when_empty=False, overflow=OverflowToMessage("closed"))],
    )

    state, commands = step(state, arrived("c1"))

    assert commands == [SendCallerAway("c1", channel("c1"), "closed", "no-agents")]
    assert waiting(state) == []


@pytest.mark.parametrize("status", [BREAK, OFFLINE])
def test_with_join_when_empty_off_a_caller_joins_while_an_agent_is_logged_in(
    status: Status,
) -> None:
    state = router(agent("a", status=status), queues=[QueueConfig(SUPPORT, join_when_empty=False)])

    state, commands = step(state, arrived("c1"))

    assert commands == []
    assert waiting(state) == ["c1"]


def test_by_default_callers_join_a_queue_nobody_is_logged_in_to() -> None:
    state = router(agent("a", status=LOGGED_OUT))

    state, commands = step(state, arrived("c1"))

    assert commands == []
    assert waiting(state) == ["c1"]


def test_with_leave_when_empty_waiting_callers_overflow_when_the_last_agent_logs_out() -> None:
    state = router(
        agent("a", status=BREAK),
        agent("b", status=BREAK),
        queues=[
            QueueConfig(SUPPORT, leave_when_empty=True, overflow=OverflowToMessage("closed-now"))
        ],
    )
    state, _ = run(state, arrived("c1"), arrived("c2", at=101.0))
    state, first = step(state, ask("a", LOGGED_OUT, at=150.0))
    assert changes(first) == first  # b is still logged in: the callers stay

    state, commands = step(state, ask("b", LOGGED_OUT, at=160.0))

    assert commands == [
        StatusChanged("b", LOGGED_OUT, None, 160.0, "b"),
        SendCallerAway("c1", channel("c1"), "closed-now", "no-agents"),
        SendCallerAway("c2", channel("c2"), "closed-now", "no-agents"),
    ]
    assert waiting(state) == []


def test_with_leave_when_empty_a_log_out_after_the_call_sends_the_callers_on() -> None:
    state = router(
        agent("a"),
        queues=[QueueConfig(SUPPORT, leave_when_empty=True, overflow=OverflowToQueue(SALES))],
    )
    state, _ = run(state, arrived("c1"), arrived("c2", at=101.0))
    state = answer(state, "a")
    state, _ = step(state, ask("a", LOGGED_OUT, at=150.0))

    state, commands = end_call(state, "a", at=200.0)

    assert MoveCaller("c2", channel("c2"), SALES, "no-agents", restart_music=True) in commands
    assert waiting(state, SALES) == ["c2"]


def test_by_default_callers_keep_waiting_after_the_last_agent_logs_out() -> None:
    state, _ = run(router(agent("a", status=BREAK)), arrived("c1"))

    state, commands = step(state, ask("a", LOGGED_OUT, at=150.0))

    assert changes(commands) == commands
    assert waiting(state) == ["c1"]


def test_a_caller_for_an_unknown_queue_is_sent_away() -> None:
    state = router(agent("a"))

    state, commands = step(state, arrived("c1", queue="billing"))

    assert commands == [SendCallerAway("c1", channel("c1"), None, "unknown-queue")]
    assert waiting(state) == []


# -- setting up, repeated and unknown events ---------------------------------------------------
def test_the_router_refuses_agents_serving_unknown_queues() -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        RouterState.create([agent("a", queues={"billing": 1})], [QueueConfig(SUPPORT)])


def test_the_router_refuses_overflow_into_an_unknown_queue() -> None:
    with pytest.raises(ValueError, match="overflows into unknown"):
        RouterState.create(
            [agent("a")], [QueueConfig(SUPPORT, overflow=OverflowToQueue("billing"))]
        )


def test_the_router_starts_with_default_rules_and_nothing_waiting() -> None:
    state = RouterState.create([agent("a")], [QueueConfig(SUPPORT)])

    assert state.rules == StatusRules()
    assert (state.waiting, dict(state.offers)) == ((), {})


def test_offer_ids_are_unique_under_the_routers_prefix() -> None:
    state = RouterState.create([agent("a"), agent("b")], [QueueConfig(SUPPORT)], id_prefix="t7")

    state, commands = run(state, arrived("c1"), arrived("c2", at=101.0))

    ids = [c.offer_id for c in commands if isinstance(c, RingAgent)]
    assert len(set(ids)) == 2
    assert all(i.startswith("t7-") for i in ids)
    assert set(state.offers) == set(ids)


def test_a_second_report_of_a_waiting_caller_is_ignored() -> None:
    state, _ = run(router(agent("a"), agent("b")), arrived("c1"))

    after, commands = step(state, arrived("c1", at=99.0))

    assert commands == []
    assert after == state


def test_a_connected_caller_reported_again_is_not_queued_again() -> None:
    state, _ = run(router(agent("a"), agent("b")), arrived("c1"))
    state = answer(state, "a")

    state, commands = step(state, arrived("c1", at=120.0))

    assert commands == []
    assert waiting(state) == []


@pytest.mark.parametrize(
    "event",
    [
        AgentAnswered("vcc-99", 120.0),
        OfferFailed("vcc-99", "busy", 120.0),
        CallEnded("vcc-99", 120.0),
        CallerLeft("nobody"),
    ],
    ids=["answered", "failed", "ended", "caller-left"],
)
def test_events_about_unknown_offers_or_callers_are_ignored(event: Event) -> None:
    state, _ = run(router(agent("a"), agent("b")), arrived("c1"), Tick(120.0))

    after, commands = step(state, event)

    assert commands == []
    assert after == state


def test_events_about_an_offer_that_already_ended_are_ignored() -> None:
    state, _ = run(router(agent("a")), arrived("c1"))
    done = offer_of(state, "a")
    state = answer(state, "a")
    state, _ = run(state, CallEnded(done, 200.0), Tick(201.0))

    for late in (AgentAnswered(done, 202.0), CallEnded(done, 202.0), OfferFailed(done, "x", 202.0)):
        after, commands = step(state, late)
        assert commands == []
        assert after == replace(state, now=202.0)


def test_callers_passed_over_for_a_kept_agent_come_first_once_it_is_taken() -> None:
    """a4 ranks sales better than a2 and a3 but is kept for support's caller, so sales'
    callers are passed over for it; once support takes a4, they come first again: the
    latest sales caller must not jump ahead of them (found by the property tests)."""
    state = RouterState.create(
        [
            Agent("a2", "PJSIP/a2", {"sales": 3}, status=Status.AVAILABLE),
            Agent("a3", "PJSIP/a3", {"sales": 3}, status=Status.AVAILABLE, idle_since=1.0),
            Agent("a4", "PJSIP/a4", {"sales": 2, "support": 1}, status=Status.AVAILABLE),
        ],
        [QueueConfig("sales"), QueueConfig("support")],
    )
    # Everyone free at once with callers waiting (as when offers ring out together).
    waiting = tuple(
        Caller(call_id, f"PJSIP/2001-{n}", queue, float(n), seq=n)
        for n, (call_id, queue) in enumerate(
            [("s1", "sales"), ("s2", "sales"), ("t1", "support"), ("s3", "sales")], start=1
        )
    )
    state, out = handle(replace(state, waiting=waiting), Tick(6.0))

    rung = {(c.agent_id, c.call_id) for c in out if isinstance(c, RingAgent)}
    assert rung == {("a4", "t1"), ("a2", "s1"), ("a3", "s2")}  # s3 waits: it came last


@pytest.mark.parametrize("resumed", [False, True])
def test_an_agent_hanging_up_after_a_hold_hangs_up_the_caller_too(resumed: bool) -> None:
    """Once held, a caller sits in the PBX's hold context between bridges: when the
    agent leaves, vcc ends the call rather than leave them in music."""
    state, _ = step(router(agent("a1")), arrived("c1"))
    state = answer(state, "a1")
    offer_id = offer_of(state, "a1")
    state, _ = handle(state, HoldRequested("a1", True, 120.0))
    if resumed:
        state, _ = handle(state, HoldRequested("a1", False, 125.0))
    _, commands = handle(state, CallEnded(offer_id, 130.0))
    assert HangUpCaller("c1") in commands


def test_an_agent_hanging_up_a_call_never_held_leaves_the_caller_to_the_pbx() -> None:
    state, _ = step(router(agent("a1")), arrived("c1"))
    state = answer(state, "a1")
    _, commands = handle(state, CallEnded(offer_of(state, "a1"), 130.0))
    assert not any(isinstance(c, HangUpCaller) for c in commands)
