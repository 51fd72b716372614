"""The pure router, one behaviour per test: events in, state and commands out."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

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

SUPPORT = "support"
SALES = "sales"
IDLE, RINGING, ON_CALL, AWAY = (
    AgentActivity.IDLE,
    AgentActivity.RINGING,
    AgentActivity.ON_CALL,
    AgentActivity.AWAY,
)


def agent(
    agent_id: str,
    *,
    queues: Iterable[str] = (SUPPORT,),
    activity: AgentActivity = IDLE,
    idle_since: float = 0.0,
) -> Agent:
    return Agent(agent_id, f"PJSIP/{agent_id}", frozenset(queues), activity, idle_since)


def arrived(call_id: str, at: float = 100.0, queue: str = SUPPORT) -> CallerArrived:
    return CallerArrived(call_id, f"PJSIP/2001-{call_id}", queue, at)


def router(*agents: Agent, ring_timeout: float = 12.0) -> RouterState:
    return RouterState.create(agents, ring_timeout=ring_timeout)


def run(state: RouterState, *events: Event) -> tuple[RouterState, list[Command]]:
    """Apply ``events`` in order; return the final state and the last event's commands."""
    commands: list[Command] = []
    for event in events:
        state, commands = handle(state, event)
    return state, commands


def rings(commands: list[Command]) -> list[tuple[str, str]]:
    """(agent, caller) of every RingAgent, in order."""
    return [(c.agent_id, c.call_id) for c in commands if isinstance(c, RingAgent)]


# -- offering -------------------------------------------------------------------------
def test_a_caller_and_an_idle_agent_ring_the_agents_endpoint_with_the_ring_timeout() -> None:
    state, commands = handle(router(agent("1001"), ring_timeout=12.0), arrived("c1"))

    assert commands == [
        RingAgent(
            offer_id="vcc-1",
            agent_id="1001",
            endpoint="PJSIP/1001",
            call_id="c1",
            caller_channel="PJSIP/2001-c1",
            timeout=12.0,
        )
    ]
    assert state.agents["1001"].activity is RINGING
    assert state.offer_for_call("c1") == state.offers["vcc-1"]
    assert not state.offers["vcc-1"].answered
    # Still waiting (with music) until the agent answers.
    assert [c.call_id for c in state.waiting] == ["c1"]


def test_an_agent_becoming_idle_is_offered_the_caller_already_waiting() -> None:
    state, commands = run(router(agent("1001", activity=AWAY)), arrived("c1"))
    assert commands == []

    state, commands = handle(state, AgentActivityChanged("1001", IDLE, at=150.0))

    assert rings(commands) == [("1001", "c1")]
    assert state.agents["1001"].activity is RINGING


@pytest.mark.parametrize(
    ("idle_since", "chosen"),
    [
        ({"a": 50.0, "b": 10.0, "c": 30.0}, "b"),
        ({"a": 10.0, "b": 50.0, "c": 30.0}, "a"),
        ({"a": 20.0, "b": 20.0, "c": 20.0}, "a"),  # a tie goes to the lowest id, stably
    ],
)
def test_the_longest_idle_agent_is_offered_first(idle_since: dict[str, float], chosen: str) -> None:
    agents = [agent(a, idle_since=t) for a, t in idle_since.items()]

    _, commands = handle(router(*agents), arrived("c1"))

    assert rings(commands) == [(chosen, "c1")]


def test_callers_are_offered_in_the_order_they_were_enqueued_not_the_order_reported() -> None:
    state, _ = run(router(agent("1001", activity=AWAY)), arrived("late", at=200.0))
    state, _ = handle(state, arrived("early", at=100.0))  # e.g. found again after a resync

    _, commands = handle(state, AgentActivityChanged("1001", IDLE, at=300.0))

    assert rings(commands) == [("1001", "early")]


def test_two_callers_and_two_agents_are_paired_oldest_caller_with_longest_idle_agent() -> None:
    state = router(
        agent("1001", activity=AWAY, idle_since=5.0), agent("1002", activity=AWAY, idle_since=1.0)
    )
    state, _ = run(state, arrived("c1", at=100.0), arrived("c2", at=101.0))
    state, _ = handle(state, AgentActivityChanged("1001", IDLE, at=50.0))
    state, commands = handle(state, AgentActivityChanged("1002", IDLE, at=60.0))

    # 1001 took c1 as soon as they were idle; 1002 then takes the next caller.
    assert rings(commands) == [("1002", "c2")]
    assert {o.agent_id: o.call_id for o in state.offers.values()} == {"1001": "c1", "1002": "c2"}


def test_a_second_report_of_the_same_caller_is_ignored() -> None:
    state, _ = run(router(agent("1001"), agent("1002")), arrived("c1"))

    again, commands = handle(state, arrived("c1", at=999.0))

    assert commands == []
    assert again == state


def test_a_caller_already_connected_reported_again_is_not_queued_again() -> None:
    state, _ = run(router(agent("1001"), agent("1002")), arrived("c1"), AgentAnswered("vcc-1"))

    state, commands = handle(state, arrived("c1"))

    assert commands == []
    assert state.waiting == ()


def test_offer_ids_count_up_under_the_routers_prefix() -> None:
    state = RouterState.create([agent("1001"), agent("1002")], id_prefix="t7")

    state, first = handle(state, arrived("c1"))
    state, second = handle(state, arrived("c2"))

    assert [c.offer_id for c in first + second if isinstance(c, RingAgent)] == ["t7-1", "t7-2"]
    assert set(state.offers) == {"t7-1", "t7-2"}


# -- who is not offered ---------------------------------------------------------------
def test_agents_of_another_queue_are_not_offered_the_caller() -> None:
    state, commands = handle(
        router(agent("1001", queues=[SALES]), agent("1002", queues=[SUPPORT])),
        arrived("c1", queue=SALES),
    )
    assert rings(commands) == [("1001", "c1")]

    state, commands = handle(state, arrived("c2", queue="billing"))

    assert commands == []
    assert state.caller("c2") is not None


def test_away_agents_are_not_offered_a_caller() -> None:
    state, commands = handle(router(agent("1001", activity=AWAY)), arrived("c1"))

    assert commands == []
    assert state.agents["1001"].activity is AWAY
    assert state.caller("c1") is not None


def test_an_agent_already_ringing_is_not_offered_a_second_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = handle(state, arrived("c2"))

    assert commands == []
    assert [o.call_id for o in state.offers.values()] == ["c1"]


def test_activity_changes_of_unknown_agents_are_ignored() -> None:
    state, _ = run(router(agent("1001", activity=AWAY)), arrived("c1"))

    after, commands = handle(state, AgentActivityChanged("9999", IDLE, at=1.0))

    assert commands == []
    assert after == state


# -- when an offer fails --------------------------------------------------------------
def test_a_failed_offer_moves_the_caller_to_the_next_agent() -> None:
    state, _ = run(
        router(agent("1001", idle_since=1.0), agent("1002", idle_since=2.0)), arrived("c1")
    )

    state, commands = handle(state, OfferFailed("vcc-1", "no-answer", at=120.0))

    assert rings(commands) == [("1002", "c1")]
    assert state.agents["1001"].activity is IDLE
    assert "vcc-1" not in state.offers


def test_an_agent_who_failed_an_offer_is_not_offered_the_same_caller_until_a_tick() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state, commands = handle(state, OfferFailed("vcc-1", "no-answer", at=120.0))
    assert commands == []

    # Other events are no new round: the agent is idle, the caller waits, nobody rings.
    state, commands = handle(state, arrived("c2", queue=SALES))
    assert commands == []
    assert state.agents["1001"].activity is IDLE

    state, commands = handle(state, Tick(now=121.0))

    assert rings(commands) == [("1001", "c1")]
    assert commands[0] == RingAgent("vcc-2", "1001", "PJSIP/1001", "c1", "PJSIP/2001-c1", 12.0)


def test_an_agent_who_failed_a_caller_is_still_offered_the_next_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1", at=100.0), arrived("c2", at=101.0))

    state, commands = handle(state, OfferFailed("vcc-1", "busy", at=120.0))

    assert rings(commands) == [("1001", "c2")]


def test_once_every_agent_has_tried_the_caller_the_next_tick_starts_a_new_round() -> None:
    state = router(agent("1001", idle_since=1.0), agent("1002", activity=AWAY))
    state, _ = run(state, arrived("c1"), OfferFailed("vcc-1", "no-answer", at=120.0))

    state, commands = handle(state, AgentActivityChanged("1002", IDLE, at=121.0))
    assert rings(commands) == [("1002", "c1")]
    state, commands = handle(state, OfferFailed("vcc-2", "no-answer", at=130.0))
    assert commands == []  # both tried: wait for the next tick

    _, commands = handle(state, Tick(now=131.0))

    assert rings(commands) == [("1001", "c1")]


def test_an_agent_who_rejects_the_call_keeps_their_place_in_the_idle_order() -> None:
    state = router(agent("1001", idle_since=1.0), agent("1002", idle_since=2.0))
    state, _ = run(state, arrived("c1"))

    state, _ = handle(state, CallEnded("vcc-1", at=130.0))  # hung up without answering

    assert state.agents["1001"].activity is IDLE
    assert state.agents["1001"].idle_since == 1.0
    assert state.caller("c1") is not None
    assert "1001" in state.caller("c1").tried  # type: ignore[union-attr]


def test_a_failure_reported_after_the_agent_answered_is_ignored() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), AgentAnswered("vcc-1"))

    after, commands = handle(state, OfferFailed("vcc-1", "no-answer", at=130.0))

    assert commands == []
    assert after == state


def test_an_offer_without_news_past_ring_timeout_and_grace_is_stopped_and_moved_on() -> None:
    state = router(agent("1001", idle_since=1.0), agent("1002", idle_since=2.0), ring_timeout=12.0)
    state, _ = run(state, Tick(now=100.0), arrived("c1"))
    deadline = 100.0 + 12.0 + OFFER_GRACE

    state, commands = handle(state, Tick(now=deadline))
    assert commands == []

    state, commands = handle(state, Tick(now=deadline + 0.5))

    assert commands[0] == StopRinging("vcc-1")
    assert rings(commands[1:]) == [("1002", "c1")]
    assert state.agents["1001"].activity is IDLE
    assert "1001" in state.caller("c1").tried  # type: ignore[union-attr]


def test_an_answered_offer_never_times_out() -> None:
    state, _ = run(router(agent("1001")), Tick(now=100.0), arrived("c1"), AgentAnswered("vcc-1"))

    state, commands = handle(state, Tick(now=100.0 + 3600.0))

    assert commands == []
    assert state.offers["vcc-1"].answered
    assert state.agents["1001"].activity is ON_CALL


# -- answering, hanging up ------------------------------------------------------------
def test_an_answer_puts_the_agent_on_call_and_takes_the_caller_out_of_the_queue() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = handle(state, AgentAnswered("vcc-1"))

    assert commands == []
    assert state.agents["1001"].activity is ON_CALL
    assert state.offers["vcc-1"].answered
    assert state.waiting == ()


def test_a_second_answer_for_the_same_offer_changes_nothing() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), AgentAnswered("vcc-1"))

    after, commands = handle(state, AgentAnswered("vcc-1"))

    assert commands == []
    assert after == state


def test_the_end_of_a_call_makes_the_agent_idle_since_the_end_time() -> None:
    state, _ = run(router(agent("1001", idle_since=1.0)), arrived("c1"), AgentAnswered("vcc-1"))

    state, commands = handle(state, CallEnded("vcc-1", at=345.0))

    assert commands == []
    assert state.agents["1001"].activity is IDLE
    assert state.agents["1001"].idle_since == 345.0
    assert state.offers == {}


def test_an_agent_whose_call_ended_takes_the_next_waiting_caller() -> None:
    state, _ = run(
        router(agent("1001")), arrived("c1"), arrived("c2", at=101.0), AgentAnswered("vcc-1")
    )

    _, commands = handle(state, CallEnded("vcc-1", at=200.0))

    assert rings(commands) == [("1001", "c2")]


def test_the_agent_who_ended_a_call_last_is_offered_last() -> None:
    state = router(agent("1001", idle_since=1.0), agent("1002", idle_since=2.0))
    state, _ = run(state, arrived("c1"), AgentAnswered("vcc-1"), CallEnded("vcc-1", at=500.0))

    _, commands = handle(state, arrived("c2", at=501.0))

    assert rings(commands) == [("1002", "c2")]


def test_an_agent_who_went_away_during_a_call_stays_away_after_it() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), AgentAnswered("vcc-1"))
    state, _ = handle(state, AgentActivityChanged("1001", AWAY, at=150.0))

    state, commands = handle(state, CallEnded("vcc-1", at=200.0))

    assert commands == []
    assert state.agents["1001"].activity is AWAY
    assert state.offers == {}


def test_an_agent_who_goes_away_while_ringing_and_answers_is_still_away_after_the_call() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))
    state, _ = handle(state, AgentActivityChanged("1001", AWAY, at=110.0))
    state, _ = handle(state, AgentAnswered("vcc-1"))

    state, _ = handle(state, CallEnded("vcc-1", at=200.0))

    assert state.agents["1001"].activity is AWAY


def test_an_agent_marked_idle_while_ringing_is_not_offered_a_second_caller() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = handle(state, AgentActivityChanged("1001", IDLE, at=110.0))
    state, more = handle(state, arrived("c2", at=111.0))

    assert rings(commands + more) == []
    assert [o.call_id for o in state.offers.values() if o.agent_id == "1001"] == ["c1"]


def test_an_agent_marked_idle_during_a_call_is_not_offered_a_caller_until_it_ends() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), AgentAnswered("vcc-1"))

    state, commands = handle(state, AgentActivityChanged("1001", IDLE, at=150.0))
    state, more = handle(state, arrived("c2", at=151.0))

    assert rings(commands + more) == []
    assert state.agents["1001"].activity is ON_CALL


# -- the caller goes away ---------------------------------------------------------------
def test_a_caller_who_leaves_while_the_agent_rings_stops_the_ringing() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"))

    state, commands = handle(state, CallerLeft("c1"))

    assert commands == [StopRinging("vcc-1")]
    assert state.waiting == ()


def test_the_agent_is_idle_again_once_the_stopped_ringing_ends() -> None:
    state, _ = run(router(agent("1001", idle_since=1.0)), arrived("c1"), CallerLeft("c1"))

    state, commands = handle(state, CallEnded("vcc-1", at=130.0))

    assert commands == []
    assert state.offers == {}
    assert state.agents["1001"].activity is IDLE
    assert state.agents["1001"].idle_since == 1.0  # no call was taken: keeps their place


def test_a_caller_who_leaves_while_waiting_is_forgotten_without_commands() -> None:
    state, _ = run(router(agent("1001", activity=AWAY)), arrived("c1"))

    state, commands = handle(state, CallerLeft("c1"))

    assert commands == []
    assert state.waiting == ()


def test_a_caller_who_hangs_up_during_the_call_stops_nothing() -> None:
    state, _ = run(router(agent("1001")), arrived("c1"), AgentAnswered("vcc-1"))

    state, commands = handle(state, CallerLeft("c1"))

    assert commands == []
    assert state.agents["1001"].activity is ON_CALL  # until the agent's leg ends too


# -- unknown ids ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    [
        AgentAnswered("vcc-99"),
        OfferFailed("vcc-99", "busy", at=1.0),
        CallEnded("vcc-99", at=1.0),
        CallerLeft("nobody"),
    ],
    ids=["answered", "failed", "ended", "caller-left"],
)
def test_events_about_unknown_offers_or_callers_are_ignored(event: Event) -> None:
    state, _ = run(router(agent("1001"), agent("1002")), arrived("c1"))

    after, commands = handle(state, event)

    assert commands == []
    assert after == state


def test_events_about_an_offer_that_already_ended_are_ignored() -> None:
    state, _ = run(
        router(agent("1001")),
        arrived("c1"),
        AgentAnswered("vcc-1"),
        CallEnded("vcc-1", at=200.0),
        arrived("c2", at=201.0),
    )

    for late in (
        AgentAnswered("vcc-1"),
        CallEnded("vcc-1", at=300.0),
        OfferFailed("vcc-1", "x", 300.0),
    ):
        after, commands = handle(state, late)
        assert commands == []
        assert after == state
