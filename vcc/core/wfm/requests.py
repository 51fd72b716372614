"""Requests agents make: schedule changes, time off (full day, part of a day, or
intervals), IEX-style absences; balances per time-off activity. The rules are the
NICE CXone / IEX agent app's (../shared/seeds): a part day is 1 to 8 hours and only
on a day with a published schedule; interval requests hold consecutive intervals of
one kind; an absence is at most 28 days ahead; approved time off is cancelled only
for the future, and a balance never goes below zero unless the policy allows it."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from vcc.errors import Conflict, InvalidInput

DAY_HOURS = 8.0  # a day off without a published schedule takes this many hours
PARTIAL_HOURS = (1.0, 8.0)  # a part day off: at least, at most
ABSENCE_DAYS_AHEAD = 28
MAX_FULL_DAYS = 60  # one full-day request covers at most this many days
INTERVAL = timedelta(minutes=30)
MAX_COMMENT = 500


class RequestKind(enum.StrEnum):
    CHANGE = "change"  # an activity added to one's schedule
    FULL_DAY = "full_day"
    PARTIAL_DAY = "partial_day"
    INTERVALS = "intervals"  # self-service time off in planned intervals
    ABSENCE = "absence"  # IEX: date, exception code, start, end

    @property
    def is_time_off(self) -> bool:
        return self is not RequestKind.CHANGE


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Balance:
    """Hours of one time-off activity: ``earned`` (set by the supervisor), ``used``
    (approved, already past), ``planned`` (approved, still to come)."""

    code: str
    earned: float
    used: float = 0.0
    planned: float = 0.0

    @property
    def remaining(self) -> float:
        return self.earned - self.used - self.planned


def balance_of(
    code: str, earned: float, approved: Sequence[tuple[datetime, float]], now: datetime
) -> Balance:
    """The balance from the approved requests' (start, hours): past ones used."""
    used = sum(hours for start, hours in approved if start < now)
    planned = sum(hours for start, hours in approved if start >= now)
    return Balance(code, earned, round(used, 4), round(planned, 4))


def check_balance(balance: Balance, hours: float, *, allow_negative: bool) -> None:
    if not allow_negative and hours > balance.remaining + 1e-9:
        raise Conflict(
            f"{hours:g} h of {balance.code} asked, {max(balance.remaining, 0):g} h left",
            hint="ask for less, or ask your supervisor about your balance",
        )


def check_comment(comment: str) -> str:
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"a comment has at most {MAX_COMMENT} characters")
    return comment


# -- time off ---------------------------------------------------------------------------
def full_day_hours(first: date, last: date, scheduled: Mapping[date, float]) -> float:
    """What whole days off take: each day's scheduled working hours where a schedule
    is published, else a standard day."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return sum(scheduled.get(day, DAY_HOURS) for day in days)


def check_full_day(first: date, last: date, today: date) -> None:
    if last < first:
        raise InvalidInput("the end date is before the start date")
    if first < today:
        raise InvalidInput("time off starts today or later")
    if (last - first).days + 1 > MAX_FULL_DAYS:
        raise InvalidInput(f"one request covers at most {MAX_FULL_DAYS} days")


def check_partial_day(start: datetime, end: datetime, published: bool, now: datetime) -> float:
    """A part day off: its hours, if allowed."""
    if end <= start:
        raise InvalidInput("the end time is after the start time")
    if (end - timedelta(microseconds=1)).date() != start.date():
        raise InvalidInput("a part day off starts and ends on the same day")
    if not published:
        raise Conflict(
            f"{start.date()} has no published schedule",
            hint="ask for a whole day off instead",
        )
    if start < now:
        raise InvalidInput("time off starts in the future")
    hours = (end - start).total_seconds() / 3600
    low, high = PARTIAL_HOURS
    if not low <= hours <= high:
        raise InvalidInput(f"a part day off is {low:g} to {high:g} hours (this is {hours:g})")
    return hours


@dataclass(frozen=True)
class IntervalOption:
    """An interval of an agent's planned work they may take off: ``auto`` approved
    (enough colleagues planned then) or needing a supervisor's approval."""

    start: datetime
    end: datetime
    auto: bool


def interval_options(
    work: Sequence[tuple[datetime, datetime]],
    staffed: Mapping[datetime, int],
    needed: Mapping[datetime, int],
    now: datetime,
) -> list[IntervalOption]:
    """The intervals of the agent's ``work`` still to come; ``staffed``: agents planned
    to work in each interval (this one included), ``needed``: the forecast's need."""
    options = []
    for start, end in work:
        at = start
        while at + INTERVAL <= end:
            if at >= now:
                spare = staffed.get(at, 0) - 1 - needed.get(at, 0)
                options.append(IntervalOption(at, at + INTERVAL, auto=spare >= 0))
            at += INTERVAL
    return options


def check_intervals(
    options: Sequence[IntervalOption], chosen: Sequence[datetime]
) -> IntervalOption:
    """The request the chosen interval starts make: one span, auto or not."""
    if not chosen:
        raise InvalidInput("choose at least one interval")
    by_start = {o.start: o for o in options}
    picked = []
    for start in sorted(set(chosen)):
        if start not in by_start:
            raise InvalidInput(f"{start:%Y-%m-%d %H:%M} is no interval you can take off")
        picked.append(by_start[start])
    for first, second in itertools.pairwise(picked):
        if second.start != first.end:
            raise InvalidInput("one request holds consecutive intervals only")
        if second.auto != first.auto:
            raise InvalidInput(
                "one request holds intervals of one kind",
                hint="auto-approved and to-be-approved intervals go in separate requests",
            )
    return IntervalOption(picked[0].start, picked[-1].end, picked[0].auto)


def check_cancel(status: RequestStatus, start: datetime, now: datetime) -> None:
    """Pending requests may be withdrawn; approved time off only if it is still to come."""
    if status is RequestStatus.PENDING:
        return
    if status is not RequestStatus.APPROVED:
        raise Conflict(f"a {status.value} request cannot be cancelled")
    if start <= now:
        raise Conflict("time off that has begun cannot be cancelled", hint="only future time off")


# -- schedule changes and absences ------------------------------------------------------
def check_change(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise InvalidInput("the end is after the start")
    if end - start > timedelta(hours=16):
        raise InvalidInput("one activity lasts at most 16 hours")
    if start < now:
        raise InvalidInput("a change is for the future")


def check_absence(start: datetime, end: datetime, today: date) -> None:
    """IEX: one day, part or whole, from today up to 28 days ahead."""
    if end <= start:
        raise InvalidInput("the end time is after the start time")
    if start.date() != (end - timedelta(microseconds=1)).date():
        raise InvalidInput("an absence request is for one day")
    if start.date() < today:
        raise InvalidInput("an absence is today or later")
    last = today + timedelta(days=ABSENCE_DAYS_AHEAD)
    if start.date() > last:
        raise InvalidInput(
            f"an absence is requested at most {ABSENCE_DAYS_AHEAD} days ahead",
            hint=f"the last day you can ask for now is {last}",
        )


def decide(status: RequestStatus) -> None:
    if status is not RequestStatus.PENDING:
        raise Conflict(f"this request is {status.value} already")
