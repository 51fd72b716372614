"""Agent statuses and the rules for moving between them (the 8x8 "Status medewerker")."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from vcc.core import agents as agents_module
from vcc.core.agents import (
    AGENT_REQUESTABLE,
    ALLOWED,
    RequestProblem,
    Status,
    StatusRequest,
    StatusRules,
    check_request,
)

AVAILABLE, BUSY, WRAP_UP, OFFLINE, BREAK, LOGGED_OUT = (
    Status.AVAILABLE,
    Status.BUSY,
    Status.WRAP_UP,
    Status.WORKING_OFFLINE,
    Status.BREAK,
    Status.LOGGED_OUT,
)
ALL = tuple(Status)

RULES = StatusRules(
    codes=MappingProxyType(
        {BREAK: frozenset({"lunch", "meeting"}), OFFLINE: frozenset({"admin", "training"})}
    ),
    reason_required=frozenset({BREAK}),
)


# -- what each status receives ----------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "queue_offers", "direct_calls"),
    [
        (AVAILABLE, True, True),
        (BUSY, False, False),
        (WRAP_UP, False, False),
        (OFFLINE, False, True),
        (BREAK, False, False),
        (LOGGED_OUT, False, False),
    ],
)
def test_only_available_takes_queue_offers_and_offline_still_takes_direct_calls(
    status: Status, queue_offers: bool, direct_calls: bool
) -> None:
    assert status.takes_queue_offers is queue_offers
    assert status.takes_direct_calls is direct_calls


def test_the_status_values_are_the_stable_names_the_api_uses() -> None:
    assert [s.value for s in Status] == [
        "available",
        "busy",
        "wrap_up",
        "working_offline",
        "break",
        "logged_out",
    ]


# -- the state machine ------------------------------------------------------------------
def test_agents_can_ask_for_every_status_but_busy_and_wrap_up() -> None:
    assert frozenset({AVAILABLE, OFFLINE, BREAK, LOGGED_OUT}) == AGENT_REQUESTABLE


def test_every_status_has_its_moves_listed() -> None:
    assert set(ALLOWED) == set(ALL)
    assert all(status not in ALLOWED[status] for status in ALL)  # staying is not a move


@pytest.mark.parametrize("status", ALL)
def test_wrap_up_is_entered_only_from_busy(status: Status) -> None:
    assert (WRAP_UP in ALLOWED[status]) is (status is BUSY)


@pytest.mark.parametrize("status", ALL)
def test_busy_is_entered_only_from_a_status_that_receives_calls(status: Status) -> None:
    assert (BUSY in ALLOWED[status]) is (status in (AVAILABLE, OFFLINE))


@pytest.mark.parametrize("status", [BUSY, WRAP_UP])
def test_the_system_statuses_can_be_left_for_every_status_an_agent_asks_for(
    status: Status,
) -> None:
    assert ALLOWED[status] >= AGENT_REQUESTABLE


def test_a_logged_out_agent_logs_in_as_available_offline_or_on_break() -> None:
    assert ALLOWED[LOGGED_OUT] == frozenset({AVAILABLE, OFFLINE, BREAK})


def test_an_agent_on_break_goes_back_to_work_or_logs_out_but_takes_no_call() -> None:
    assert ALLOWED[BREAK] == frozenset({AVAILABLE, OFFLINE, LOGGED_OUT})


# -- check_request ----------------------------------------------------------------------
@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("wanted", [BUSY, WRAP_UP])
def test_busy_and_wrap_up_are_not_requestable_from_any_status(
    current: Status, wanted: Status
) -> None:
    problem = check_request(StatusRules(), current, StatusRequest(wanted))

    assert problem is RequestProblem.NOT_REQUESTABLE


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("wanted", [s for s in ALL if s in AGENT_REQUESTABLE])
def test_a_requestable_status_without_required_reason_is_accepted_from_any_status(
    current: Status, wanted: Status
) -> None:
    # With the table as it is, every requestable status is one move (or none) away:
    # a request made while busy is kept and applied when the interaction ends.
    assert check_request(StatusRules(), current, StatusRequest(wanted)) is None


def test_a_move_outside_the_table_is_refused_as_not_allowed_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No requestable status is out of reach in today's table, so check the refusal
    # against a stricter one: from break only back to available.
    strict = MappingProxyType({**ALLOWED, BREAK: frozenset({AVAILABLE})})
    monkeypatch.setattr(agents_module, "ALLOWED", strict)

    assert check_request(RULES, BREAK, StatusRequest(LOGGED_OUT)) is (
        RequestProblem.NOT_ALLOWED_NOW
    )
    assert check_request(RULES, BREAK, StatusRequest(AVAILABLE)) is None
    assert check_request(RULES, BREAK, StatusRequest(BREAK, "lunch")) is None  # staying


def test_not_requestable_is_reported_before_not_allowed() -> None:
    assert BUSY not in ALLOWED[BREAK]

    assert check_request(RULES, BREAK, StatusRequest(BUSY)) is RequestProblem.NOT_REQUESTABLE


@pytest.mark.parametrize("current", [AVAILABLE, BUSY, LOGGED_OUT, BREAK])
def test_a_status_that_requires_a_reason_is_refused_without_one(current: Status) -> None:
    problem = check_request(RULES, current, StatusRequest(BREAK))

    assert problem is RequestProblem.REASON_REQUIRED


def test_a_status_with_codes_but_no_reason_required_may_be_asked_without_one() -> None:
    assert check_request(RULES, AVAILABLE, StatusRequest(OFFLINE)) is None


@pytest.mark.parametrize(
    ("wanted", "reason"),
    [
        (BREAK, "admin"),  # a code of another status
        (BREAK, "golf"),  # no code at all
        (BREAK, "Lunch"),  # codes are exact
        (AVAILABLE, "lunch"),  # a status without codes takes no reason
    ],
)
def test_an_unknown_reason_code_is_refused(wanted: Status, reason: str) -> None:
    problem = check_request(RULES, LOGGED_OUT, StatusRequest(wanted, reason))

    assert problem is RequestProblem.UNKNOWN_REASON


@pytest.mark.parametrize(
    ("wanted", "reason"), [(BREAK, "lunch"), (BREAK, "meeting"), (OFFLINE, "training")]
)
def test_a_known_reason_code_is_accepted(wanted: Status, reason: str) -> None:
    assert check_request(RULES, AVAILABLE, StatusRequest(wanted, reason)) is None


def test_asking_for_the_status_one_is_in_is_not_a_move_and_is_accepted() -> None:
    assert check_request(RULES, BREAK, StatusRequest(BREAK, "meeting")) is None


def test_the_problems_are_the_apis_stable_error_codes() -> None:
    assert {p.value for p in RequestProblem} == {
        "status-not-requestable",
        "status-transition-not-allowed",
        "reason-code-required",
        "unknown-reason-code",
        "disposition-required",
    }


# -- rules ------------------------------------------------------------------------------
def test_rules_default_to_an_automatic_break_after_three_missed_offers() -> None:
    rules = StatusRules()

    assert rules.max_missed_offers == 3
    assert rules.missed_offers_code == "missed-offers"
    assert rules.reason_required == frozenset()


@pytest.mark.parametrize("max_missed", [0, -1])
def test_rules_need_at_least_one_missed_offer_before_a_break(max_missed: int) -> None:
    with pytest.raises(ValueError, match="max_missed_offers"):
        StatusRules(max_missed_offers=max_missed)
