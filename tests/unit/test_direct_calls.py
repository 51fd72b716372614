"""Agent-first calls an agent asks for (click-to-dial) in the pure router, and the
outbound policy that guards which numbers they may call."""

from __future__ import annotations

import pytest

from vcc import validate
from vcc.core.agents import RequestProblem, Status, StatusRequest
from vcc.core.outbound import NotAllowed, OutboundPolicy
from vcc.core.queues import OverflowToMessage, OverflowToQueue, QueueConfig
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    CallAgentFirst,
    CallEnded,
    CallerArrived,
    CallerLeft,
    CallerPressedKey,
    Command,
    CompleteConsult,
    ConferenceRequested,
    ConsultAnswered,
    ConsultEnded,
    ConsultFinishRequested,
    ConsultRefused,
    ConsultRequested,
    CustomerAnswered,
    CustomerNotReached,
    DialRefused,
    DialRequested,
    DispositionChosen,
    DispositionRefused,
    DispositionSet,
    Event,
    HangUpCaller,
    HoldCall,
    HoldCaller,
    InteractionEnded,
    InteractionStarted,
    JoinConference,
    MoveCaller,
    OfferFailed,
    RingAgent,
    RouterState,
    SendCallerAway,
    SendToNumber,
    SendToQueue,
    StartConsult,
    StatusChanged,
    StatusRefused,
    StatusRequested,
    StopRinging,
    Tick,
    TransferRefused,
    TransferRequested,
    handle,
)
from vcc.errors import ConfigError, InvalidInput


def router(status: Status = Status.AVAILABLE) -> RouterState:
    return RouterState.create(
        [Agent("a1", "PJSIP/1001", {"support": 0}, status=status)], [QueueConfig("support")]
    )


def dial(call_id: str = "out-1", at: float = 10.0, wrap_up: float = 0.0) -> DialRequested:
    return DialRequested(call_id, "a1", "0201234567", "PJSIP/0201234567@trunk", at, 20.0, 45.0,
                         wrap_up)  # fmt: skip


def run(state: RouterState, *events: Event) -> tuple[RouterState, list[Command]]:
    out: list[Command] = []
    for event in events:
        state, commands = handle(state, event)
        out += commands
    return state, out


def test_the_agents_phone_is_rung_first_with_the_number_to_dial_after() -> None:
    state, out = run(router(), dial())

    assert (
        CallAgentFirst(
            "out-1", "out-1", "a1", "PJSIP/1001", "0201234567", "PJSIP/0201234567@trunk", 20.0, 45.0
        )
        in out
    )
    assert InteractionStarted("out-1", None, 0, 10.0, number="0201234567") in out
    assert state.agents["a1"].offer_id == "out-1"


def test_an_agent_on_their_own_call_gets_no_queue_call() -> None:
    state, out = run(router(), dial(), CallerArrived("c1", "PJSIP/2001-1", "support", 11.0))

    assert not [c for c in out if isinstance(c, RingAgent)]
    assert state.waiting[0].call_id == "c1"


@pytest.mark.parametrize(
    ("status", "problem"),
    [(Status.BREAK, "status-break"), (Status.WRAP_UP, "status-wrap_up"),
     (Status.LOGGED_OUT, "status-logged_out")],
)  # fmt: skip
def test_agents_who_cannot_call_now_are_refused(status: Status, problem: str) -> None:
    state, out = run(router(status), dial())

    assert out == [DialRefused("out-1", "a1", problem)]
    assert state.agents["a1"].offer_id is None


def test_a_second_call_while_on_one_is_refused() -> None:
    _, out = run(router(), dial("out-1"), dial("out-2"))

    assert DialRefused("out-2", "a1", "on-a-call") in out


def test_connected_call_ends_answered_then_wrap_up_from_the_policy() -> None:
    state, out = run(
        router(), dial(wrap_up=30.0), AgentAnswered("out-1", 11.0),
        CustomerAnswered("out-1", 14.0), CallEnded("out-1", 74.0),
    )  # fmt: skip

    assert InteractionEnded("out-1", "answered", 74.0) in out
    assert state.agents["a1"].status is Status.WRAP_UP
    assert state.agents["a1"].wrap_up_until == 104.0


@pytest.mark.parametrize("reason", ["busy", "no_answer", "unreachable"])
def test_a_customer_not_reached_ends_with_why_and_no_wrap_up(reason: str) -> None:
    state, out = run(
        router(), dial(wrap_up=30.0), AgentAnswered("out-1", 11.0),
        CustomerNotReached("out-1", reason, 15.0), CallEnded("out-1", 18.0),
    )  # fmt: skip

    assert InteractionEnded("out-1", reason, 18.0) in out
    assert state.agents["a1"].status is Status.AVAILABLE
    assert state.agents["a1"].offer_id is None


def test_the_agent_not_answering_their_own_call_is_no_missed_offer() -> None:
    state, out = run(router(), dial(), OfferFailed("out-1", "no-answer", 30.0))

    assert InteractionEnded("out-1", "cancelled", 30.0) in out
    assert state.agents["a1"].missed_offers == 0
    assert state.agents["a1"].offer_id is None


def test_working_offline_agent_returns_to_working_offline() -> None:
    state, out = run(
        router(Status.WORKING_OFFLINE), dial(), AgentAnswered("out-1", 11.0),
        CustomerAnswered("out-1", 12.0), CallEnded("out-1", 20.0),
    )  # fmt: skip

    statuses = [c.status for c in out if isinstance(c, StatusChanged)]
    assert statuses == [Status.BUSY, Status.WORKING_OFFLINE]
    assert state.agents["a1"].status is Status.WORKING_OFFLINE


@pytest.mark.parametrize(
    "typed", ["12&3", "1,2", "1/2", "(12)", "12;3", "12\n", "１２３", "٣٣٣", "9" * 21, "+", ""]
)
def test_only_plain_numbers_pass(typed: str) -> None:
    with pytest.raises(InvalidInput):
        validate.phone_number(typed)


def test_spaces_and_dashes_between_digits_are_dropped() -> None:
    assert validate.phone_number(" +31 20-123 4567 ") == "+31201234567"


def test_the_outbound_policy_allows_only_its_patterns() -> None:
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-7][0-9]{8}"])

    assert policy.check("020 123 4567") == "0201234567"
    assert policy.dial_string("0201234567") == "PJSIP/0201234567@trunk"
    with pytest.raises(NotAllowed):
        policy.check("0900123456")  # premium rate
    with pytest.raises(NotAllowed):
        OutboundPolicy.create("PJSIP/{number}", []).check("0201234567")  # none allowed


@pytest.mark.parametrize(
    "dial", ["PJSIP/trunk", "PJSIP/{number}&PJSIP/9", "PJSIP/{number},1", "{number}",
             "PJSIP/{number}{number}", "PJSIP/{x}{number}"],
)  # fmt: skip
def test_a_trunk_dial_string_that_could_do_more_is_a_config_error(dial: str) -> None:
    with pytest.raises(ConfigError):
        OutboundPolicy.create(dial, [r"[0-9]+"])


def test_a_broken_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="regular expression"):
        OutboundPolicy.create("PJSIP/{number}", ["(unclosed"])


# -- blind transfer ------------------------------------------------------------------------
def on_call(target_status: Status = Status.AVAILABLE) -> RouterState:
    """a1 (support, 30 s wrap-up) is connected to caller c1; a2 serves sales."""
    state = RouterState.create(
        [
            Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE),
            Agent("a2", "PJSIP/1002", {"sales": 0}, status=target_status),
        ],
        [QueueConfig("support", wrap_up=30.0, ring_timeout=5.0), QueueConfig("sales")],
    )
    state, out = run(state, CallerArrived("c1", "PJSIP/2001-1", "support", 1.0))
    (ring,) = [c for c in out if isinstance(c, RingAgent)]
    state, _ = run(state, AgentAnswered(ring.offer_id, 2.0))
    return state


def transfer(**target: object) -> TransferRequested:
    return TransferRequested("c1", "a1", "PJSIP/2001-1", 10.0, **target)  # type: ignore[arg-type]


def test_to_a_queue_the_caller_is_sent_there_and_the_agent_wraps_up() -> None:
    state, out = run(on_call(), transfer(to_queue="sales", keep_wait=False))

    assert SendToQueue("c1", "PJSIP/2001-1", "sales", False) in out
    assert InteractionEnded("c1", "transferred", 10.0) in out
    assert state.agents["a1"].status is Status.WRAP_UP
    assert state.agents["a1"].offer_id is None


def test_to_an_agent_working_offline_the_caller_holds_while_they_ring() -> None:
    state, out = run(on_call(Status.WORKING_OFFLINE), transfer(to_agent="a2"))

    assert HoldCaller("c1", "PJSIP/2001-1") in out
    (ring,) = [c for c in out if isinstance(c, RingAgent)]
    assert (ring.agent_id, ring.caller_channel) == ("a2", "PJSIP/2001-1")
    state, out = run(state, OfferFailed(ring.offer_id, "no-answer", 16.0))
    assert SendToQueue("c1", "PJSIP/2001-1", "support", True) in out  # back, place kept


@pytest.mark.parametrize(
    ("target", "problem"),
    [({"to_agent": "a2"}, "target-break"), ({"to_queue": "nope"}, "unknown-queue"),
     ({"to_agent": "a1"}, "same-agent"), ({}, "one-target"),
     ({"to_queue": "sales", "to_agent": "a2"}, "one-target")],
)  # fmt: skip
def test_transfers_that_cannot_be_are_refused_and_the_call_goes_on(
    target: dict[str, object], problem: str
) -> None:
    state, out = run(on_call(Status.BREAK), transfer(**target))

    assert out == [TransferRefused("c1", "a1", problem)]
    assert state.agents["a1"].status is Status.BUSY


def test_a_number_is_dialled_for_the_caller() -> None:
    _, out = run(on_call(), transfer(dial="PJSIP/2002", ring_timeout=30.0))

    assert SendToNumber("c1", "PJSIP/2001-1", "PJSIP/2002", 30.0) in out


# -- agent-to-agent ------------------------------------------------------------------------
def two_agents(callee_status: Status) -> RouterState:
    return RouterState.create(
        [
            Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE),
            Agent("a2", "PJSIP/1002", {"support": 0}, status=callee_status),
        ],
        [QueueConfig("support")],
    )


def call_a2(at: float = 10.0) -> DialRequested:
    return DialRequested("ag-1", "a1", "a2", "PJSIP/1002", at, 20.0, 20.0, to_agent="a2")


def test_the_other_agent_is_kept_for_the_call_and_busy_once_they_answer() -> None:
    state, _ = run(two_agents(Status.WORKING_OFFLINE), call_a2())
    assert state.agents["a2"].offer_id == "ag-1-to"  # no queue call rings them meanwhile

    state, out = run(state, AgentAnswered("ag-1", 11.0), CustomerAnswered("ag-1", 13.0))
    assert state.agents["a2"].status is Status.BUSY

    state, out = run(state, CallEnded("ag-1", 30.0))
    assert InteractionEnded("ag-1", "answered", 30.0) in out
    assert state.agents["a1"].status is Status.AVAILABLE
    assert state.agents["a2"].status is Status.WORKING_OFFLINE
    assert state.agents["a2"].offer_id is None


def test_the_other_agent_not_answering_is_no_missed_offer() -> None:
    state, out = run(
        two_agents(Status.AVAILABLE), call_a2(), AgentAnswered("ag-1", 11.0),
        CustomerNotReached("ag-1", "no_answer", 31.0), CallEnded("ag-1", 31.5),
    )  # fmt: skip

    assert InteractionEnded("ag-1", "no_answer", 31.5) in out
    assert state.agents["a2"].missed_offers == 0
    assert state.agents["a2"].offer_id is None


@pytest.mark.parametrize("status", [Status.BREAK, Status.WRAP_UP, Status.BUSY, Status.LOGGED_OUT])
def test_agents_who_may_not_be_called_are_refused(status: Status) -> None:
    state, out = run(two_agents(status), call_a2())

    assert out == [DialRefused("ag-1", "a1", f"target-{status.value}")]
    assert state.agents["a1"].offer_id is None


# -- line 2: consult, complete, cancel, conference ------------------------------------------
def consulting(answered: bool = True) -> tuple[RouterState, str]:
    state = on_call()
    offer_id = state.agents["a1"].offer_id or ""
    state, out = run(state, ConsultRequested("a1", 11.0, to_agent="a2"))
    assert StartConsult(offer_id, "c1", f"{offer_id}-c", "PJSIP/1002", 20.0) in out
    if answered:
        state, _ = run(state, ConsultAnswered(offer_id, 12.0))
    return state, offer_id


def test_line_2_holds_the_caller_and_keeps_the_consulted_agent() -> None:
    state, offer_id = consulting()

    assert state.offers[offer_id].on_hold
    assert state.agents["a2"].status is Status.BUSY
    assert state.agents["a2"].offer_id == f"{offer_id}-c"


def test_complete_gives_the_caller_to_line_2_and_the_agent_wraps_up() -> None:
    state, offer_id = consulting()
    state, out = run(state, ConsultFinishRequested("a1", True, 20.0))

    assert CompleteConsult(offer_id, "c1", f"{offer_id}-c") in out
    assert state.agents["a1"].status is Status.WRAP_UP
    state, out = run(state, CallEnded(f"{offer_id}-c", 40.0))  # a2's call with c1 ends
    assert InteractionEnded("c1", "answered", 40.0) in out


def test_line_2_ending_brings_the_agent_back_and_frees_the_other() -> None:
    state, offer_id = consulting()
    state, out = run(state, ConsultFinishRequested("a1", False, 20.0))
    assert StopRinging(f"{offer_id}-c") in out

    state, out = run(state, CallEnded(f"{offer_id}-c", 20.5), ConsultEnded(offer_id, 20.6))
    assert HoldCall(offer_id, "c1", False) in out
    assert not state.offers[offer_id].on_hold
    assert state.agents["a2"].offer_id is None
    assert not [c for c in out if isinstance(c, InteractionEnded)]


def test_complete_before_line_2_answers_is_refused() -> None:
    state, _ = consulting(answered=False)
    _, out = run(state, ConsultFinishRequested("a1", True, 20.0))

    assert out == [ConsultRefused("a1", "line-2-not-answered")]


def test_a_conference_ends_with_the_last_party_alone_hung_up() -> None:
    state, offer_id = consulting()
    state, out = run(state, ConferenceRequested("a1", 13.0))
    assert JoinConference(f"vcc-{offer_id}", "c1", offer_id, f"{offer_id}-c") in out

    state, out = run(state, CallEnded(offer_id, 20.0))  # a1 leaves: c1 and a2 go on
    assert state.agents["a1"].status is Status.WRAP_UP
    assert not [c for c in out if isinstance(c, HangUpCaller | InteractionEnded)]

    state, out = run(state, CallerLeft("c1"))  # now a2 would be alone
    assert StopRinging(f"{offer_id}-c") in out
    state, out = run(state, CallEnded(f"{offer_id}-c", 25.0))
    assert [c for c in out if isinstance(c, InteractionEnded)] == [
        InteractionEnded("c1", "answered", 25.0)
    ]


# -- dispositions (transaction codes) --------------------------------------------------------
def after_call(required: bool, wrap_up: float = 30.0) -> RouterState:
    """a1 handled c1 of a queue with codes sale/no-sale; the call ended at 50 s."""
    state = RouterState.create(
        [Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)],
        [QueueConfig("support", wrap_up=wrap_up, dispositions=("sale", "no-sale"),
                     disposition_required=required)],
    )  # fmt: skip
    state, out = run(state, CallerArrived("c1", "PJSIP/2001-1", "support", 1.0))
    (ring,) = [c for c in out if isinstance(c, RingAgent)]
    state, _ = run(state, AgentAnswered(ring.offer_id, 2.0), CallEnded(ring.offer_id, 50.0))
    return state


def test_a_required_disposition_holds_wrap_up_until_it_is_given() -> None:
    state, out = run(after_call(required=True), Tick(100.0))
    assert state.agents["a1"].status is Status.WRAP_UP  # the 30 s are long over

    state, out = run(state, StatusRequested("a1", StatusRequest(Status.AVAILABLE), 101.0, "a1"))
    assert [c.problem for c in out if isinstance(c, StatusRefused)] == [
        RequestProblem.DISPOSITION_REQUIRED
    ]

    state, out = run(state, DispositionChosen("a1", "sale", 102.0))
    assert DispositionSet("c1", "a1", "sale", 102.0) in out
    assert state.agents["a1"].status is Status.AVAILABLE


def test_required_without_wrap_up_time_still_waits_for_the_code() -> None:
    state = after_call(required=True, wrap_up=0.0)
    assert state.agents["a1"].status is Status.WRAP_UP

    state, _ = run(state, DispositionChosen("a1", "no-sale", 51.0))
    assert state.agents["a1"].status is Status.AVAILABLE


def test_an_optional_disposition_can_be_given_after_wrap_up_ended() -> None:
    state, _ = run(after_call(required=False), Tick(100.0))
    assert state.agents["a1"].status is Status.AVAILABLE

    _, out = run(state, DispositionChosen("a1", "sale", 101.0))
    assert DispositionSet("c1", "a1", "sale", 101.0) in out


def test_unknown_codes_and_agents_without_a_call_are_refused() -> None:
    _, out = run(after_call(required=True), DispositionChosen("a1", "nope", 60.0))
    assert out == [DispositionRefused("a1", "unknown-code")]

    _, out = run(router(), DispositionChosen("a1", "sale", 60.0))
    assert out == [DispositionRefused("a1", "no-call")]


def test_a_required_disposition_needs_codes() -> None:
    with pytest.raises(ValueError, match="codes"):
        QueueConfig("support", disposition_required=True)


def test_line_2_to_a_queue_calls_its_next_free_agent_or_is_refused() -> None:
    state = on_call()
    offer_id = state.agents["a1"].offer_id or ""
    _, out = run(state, ConsultRequested("a1", 11.0, to_queue="sales"))
    assert StartConsult(offer_id, "c1", f"{offer_id}-c", "PJSIP/1002", 20.0) in out

    _, out = run(on_call(Status.BREAK), ConsultRequested("a1", 11.0, to_queue="sales"))
    assert out == [ConsultRefused("a1", "nobody-free")]


# -- a queue's exit key (the ACD, here beside the other caller actions) --------------------
def waiting_in(queue: QueueConfig) -> RouterState:
    state = RouterState.create(
        [Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.BREAK)],
        [queue, QueueConfig("sales")],
    )
    state, _ = run(state, CallerArrived("c1", "PJSIP/2001-1", "support", 1.0))
    return state


def test_the_exit_key_moves_a_waiting_caller_and_other_keys_do_nothing() -> None:
    state = waiting_in(QueueConfig("support", exit_key="0", exit_to=OverflowToQueue("sales")))

    state, out = run(state, CallerPressedKey("c1", "5", 2.0))
    assert out == [] and state.waiting[0].queue == "support"  # noqa: PT018
    state, out = run(state, CallerPressedKey("c1", "0", 3.0))
    assert MoveCaller("c1", "PJSIP/2001-1", "sales", "exit-key", restart_music=True) in out
    assert state.waiting[0].queue == "sales"


def test_the_exit_key_to_a_message_ends_the_interaction_as_exited() -> None:
    queue = QueueConfig("support", exit_key="#", exit_to=OverflowToMessage("custom/bye"))
    state, out = run(waiting_in(queue), CallerPressedKey("c1", "#", 2.0))

    assert SendCallerAway("c1", "PJSIP/2001-1", "custom/bye", "exit-key") in out
    assert InteractionEnded("c1", "exited", 2.0) in out
    assert not state.waiting


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"exit_key": "0"}, "place to exit to"), ({"exit_key": "A", "exit_to": OverflowToQueue("x")},
     "exit key"), ({"exit_key": "0", "exit_to": OverflowToQueue("support")}, "same queue")],
)  # fmt: skip
def test_exit_key_settings_are_checked(settings: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, InvalidInput), match=message):
        QueueConfig("support", **settings)  # type: ignore[arg-type]
