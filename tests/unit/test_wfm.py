"""Workforce management's rules (vcc.core.wfm), edges included: the NICE/IEX app's
limits, balances, intervals, swaps, Erlang C and adherence."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from vcc.core.agents import Status
from vcc.core.wfm.adherence import adherence, overall
from vcc.core.wfm.erlang import agents_needed, erlang_c, forecast, service_level
from vcc.core.wfm.requests import (
    Balance,
    RequestStatus,
    balance_of,
    check_absence,
    check_balance,
    check_cancel,
    check_change,
    check_full_day,
    check_intervals,
    check_partial_day,
    full_day_hours,
    interval_options,
)
from vcc.core.wfm.schedule import ActivityKind, Block, check_day, place, working_hours
from vcc.core.wfm.swaps import SwapStatus, check_accept, check_offer, swapped
from vcc.errors import Conflict, InvalidInput

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 0)
KINDS = {"work": ActivityKind.WORK, "break": ActivityKind.BREAK,
         "training": ActivityKind.OFFLINE, "vacation": ActivityKind.TIME_OFF}  # fmt: skip


def at(day: int, hour: float) -> datetime:
    return datetime(2026, 12, day) + timedelta(hours=hour)


# -- schedules --------------------------------------------------------------------------
def test_placing_an_activity_cuts_what_it_overlaps_and_keeps_both_ends() -> None:
    day = [Block("work", at(2, 9), at(2, 17))]
    lunch = Block("break", at(2, 12), at(2, 12.5))
    assert place(day, lunch) == [
        Block("work", at(2, 9), at(2, 12)), lunch, Block("work", at(2, 12.5), at(2, 17)),
    ]  # fmt: skip
    assert working_hours(place(day, lunch), KINDS) == 7.5


def test_a_day_refuses_overlaps_and_backwards_activities() -> None:
    with pytest.raises(InvalidInput, match="overlap"):
        check_day(date(2026, 12, 2), [Block("work", at(2, 9), at(2, 12)),
                                      Block("break", at(2, 11), at(2, 13))])  # fmt: skip
    with pytest.raises(InvalidInput, match="ends after"):
        Block("work", at(2, 9), at(2, 9))


# -- time off -------------------------------------------------------------------------
@pytest.mark.parametrize("hours", [0.5, 0.99, 8.01, 9.0])
def test_a_part_day_off_outside_1_to_8_hours_is_refused(hours: float) -> None:
    with pytest.raises(InvalidInput, match="1 to 8 hours"):
        check_partial_day(at(2, 9), at(2, 9 + hours), published=True, now=NOW)


@pytest.mark.parametrize("hours", [1.0, 4.5, 8.0])
def test_a_part_day_off_of_1_to_8_hours_is_allowed(hours: float) -> None:
    assert check_partial_day(at(2, 9), at(2, 9 + hours), published=True, now=NOW) == hours


def test_a_part_day_off_needs_a_published_schedule_that_day() -> None:
    with pytest.raises(Conflict, match="no published schedule"):
        check_partial_day(at(2, 9), at(2, 12), published=False, now=NOW)


def test_a_part_day_off_is_one_day_and_in_the_future() -> None:
    with pytest.raises(InvalidInput, match="same day"):
        check_partial_day(at(2, 20), at(3, 2), published=True, now=NOW)
    with pytest.raises(InvalidInput, match="future"):
        check_partial_day(at(1, 7), at(1, 9), published=True, now=NOW)


def test_whole_days_off_take_the_scheduled_hours_else_a_standard_day() -> None:
    scheduled = {date(2026, 12, 2): 7.5}
    assert full_day_hours(date(2026, 12, 2), date(2026, 12, 3), scheduled) == 15.5
    with pytest.raises(InvalidInput, match="before the start"):
        check_full_day(date(2026, 12, 3), date(2026, 12, 2), TODAY)
    with pytest.raises(InvalidInput, match="today or later"):
        check_full_day(date(2026, 11, 30), date(2026, 12, 2), TODAY)


def test_a_balance_is_earned_minus_used_minus_planned_and_never_goes_negative() -> None:
    approved = [(at(1, 6), 8.0), (at(10, 9), 4.0)]  # one past, one to come
    balance = balance_of("vacation", 20.0, approved, NOW)
    assert (balance.used, balance.planned, balance.remaining) == (8.0, 4.0, 8.0)
    check_balance(balance, 8.0, allow_negative=False)
    with pytest.raises(Conflict, match="8 h left"):
        check_balance(balance, 8.5, allow_negative=False)
    check_balance(balance, 8.5, allow_negative=True)  # where the policy allows it
    check_balance(Balance("sick", 0.0), 0.0, allow_negative=False)


def test_interval_options_are_auto_approved_only_with_enough_colleagues_planned() -> None:
    work = [(at(2, 9), at(2, 10.5))]
    staffed = {at(2, 9): 4, at(2, 9.5): 3, at(2, 10): 2}
    needed = {at(2, 9): 2, at(2, 9.5): 2, at(2, 10): 2}
    options = interval_options(work, staffed, needed, NOW)
    assert [(o.start.hour, o.start.minute, o.auto) for o in options] == [
        (9, 0, True), (9, 30, True), (10, 0, False),
    ]  # fmt: skip
    span = check_intervals(options, [at(2, 9.5), at(2, 9)])
    assert (span.start, span.end, span.auto) == (at(2, 9), at(2, 10), True)
    with pytest.raises(InvalidInput, match="one kind"):
        check_intervals(options, [at(2, 9.5), at(2, 10)])
    with pytest.raises(InvalidInput, match="consecutive"):
        check_intervals(options, [at(2, 9), at(2, 10)])
    with pytest.raises(InvalidInput, match="no interval"):
        check_intervals(options, [at(2, 11)])
    with pytest.raises(InvalidInput, match="at least one"):
        check_intervals(options, [])
    # Intervals already begun are not offered.
    assert interval_options(work, staffed, needed, at(2, 9.25))[0].start == at(2, 9.5)


def test_approved_time_off_is_cancelled_only_for_the_future() -> None:
    check_cancel(RequestStatus.APPROVED, at(2, 9), NOW)
    check_cancel(RequestStatus.PENDING, at(1, 7), NOW)  # a pending one: any time
    with pytest.raises(Conflict, match="has begun"):
        check_cancel(RequestStatus.APPROVED, at(1, 7), NOW)
    with pytest.raises(Conflict, match="declined"):
        check_cancel(RequestStatus.DECLINED, at(2, 9), NOW)


def test_an_absence_is_at_most_28_days_ahead_and_one_day() -> None:
    check_absence(datetime.combine(TODAY + timedelta(days=28), datetime.min.time()),
                  datetime.combine(TODAY + timedelta(days=28), datetime.min.time())
                  + timedelta(hours=4), TODAY)  # fmt: skip
    far = datetime.combine(TODAY + timedelta(days=29), datetime.min.time())
    with pytest.raises(InvalidInput, match="28 days"):
        check_absence(far, far + timedelta(hours=4), TODAY)
    with pytest.raises(InvalidInput, match="one day"):
        check_absence(at(2, 20), at(3, 4), TODAY)
    with pytest.raises(InvalidInput, match="today or later"):
        check_absence(at(0 + 1, -20), at(1, -16), TODAY)


def test_a_change_is_for_the_future_and_ends_after_it_starts() -> None:
    check_change(at(2, 9), at(2, 10), NOW)
    with pytest.raises(InvalidInput):
        check_change(at(2, 10), at(2, 9), NOW)
    with pytest.raises(InvalidInput, match="future"):
        check_change(at(1, 6), at(1, 9), NOW)


# -- swaps ------------------------------------------------------------------------------
def test_swaps_expire_and_cannot_be_taken_twice_or_by_the_offerer() -> None:
    shift = [Block("work", at(3, 9), at(3, 17))]
    check_offer(date(2026, 12, 3), shift, at(2, 12), NOW)
    with pytest.raises(InvalidInput, match="before the shift"):
        check_offer(date(2026, 12, 3), shift, at(3, 10), NOW)
    with pytest.raises(InvalidInput, match="no published shift"):
        check_offer(date(2026, 12, 3), [], at(2, 12), NOW)
    check_accept(SwapStatus.OPEN, at(2, 12), "1001", "1002", NOW)
    with pytest.raises(Conflict, match="expired"):
        check_accept(SwapStatus.OPEN, at(2, 12), "1001", "1002", at(2, 12))
    with pytest.raises(Conflict, match="accepted"):
        check_accept(SwapStatus.ACCEPTED, at(2, 12), "1001", "1002", NOW)
    with pytest.raises(InvalidInput, match="own offer"):
        check_accept(SwapStatus.OPEN, at(2, 12), "1001", "1001", NOW)
    theirs = [Block("work", at(3, 13), at(3, 21))]
    assert swapped(shift, theirs) == (theirs, shift)


# -- Erlang C ---------------------------------------------------------------------------
def erlang_c_by_definition(traffic: float, agents: int) -> float:
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


@pytest.mark.parametrize(("traffic", "agents"), [(10.0, 11), (10.0, 12), (2.5, 4), (30.0, 35)])
def test_erlang_c_matches_its_definition(traffic: float, agents: int) -> None:
    assert erlang_c(traffic, agents) == pytest.approx(erlang_c_by_definition(traffic, agents))


def test_agents_needed_is_the_fewest_reaching_the_service_level() -> None:
    # 100 calls in half an hour of 3 minutes each: 10 Erlangs.
    needed = agents_needed(100, 1800, 180, level=0.8, target=20)
    assert service_level(10.0, needed, 180, 20) >= 0.8
    assert service_level(10.0, needed - 1, 180, 20) < 0.8
    assert needed == 14
    assert agents_needed(0, 1800, 180) == 0


def test_the_forecast_averages_the_same_weekday_and_interval_of_past_weeks() -> None:
    day = date(2026, 12, 7)  # a Monday
    history = [(datetime(2026, 11, 30, 9, 10), 200.0), (datetime(2026, 11, 23, 9, 20), 160.0),
               (datetime(2026, 11, 24, 9, 10), 999.0)]  # a Tuesday: not counted  # fmt: skip
    nine = forecast(history, day, weeks=2)[18]  # 09:00–09:30
    assert (nine.start, nine.calls, nine.handle) == (datetime(2026, 12, 7, 9), 1.0, 180.0)
    assert nine.agents >= 1
    assert forecast(history, day, weeks=2)[0].agents == 0


# -- adherence --------------------------------------------------------------------------
def test_adherence_compares_the_live_status_with_the_scheduled_activity() -> None:
    blocks = [Block("work", at(2, 9), at(2, 10)), Block("break", at(2, 10), at(2, 10.25))]
    changes = [(at(2, 9), Status.AVAILABLE), (at(2, 9) + timedelta(minutes=50), Status.BREAK),
               (at(2, 10.25), Status.AVAILABLE)]  # fmt: skip
    intervals = adherence(blocks, KINDS, changes, at(2, 9), at(2, 10.5))
    by_start = {(i.start.hour, i.start.minute): i for i in intervals}
    assert by_start[(9, 0)].percent == 100
    assert by_start[(9, 45)].adherent_seconds == 5 * 60  # went on break 10 minutes early
    assert by_start[(10, 0)].percent == 100  # on break as planned
    assert by_start[(10, 15)].percent is None  # nothing scheduled
    assert by_start[(10, 15)].actual is Status.AVAILABLE
    assert overall(intervals) == pytest.approx(100 * (75 - 10) / 75)
