"""Schedules: per agent per day, activities (work, breaks, training, time off) with
start and end in the contact center's local time; a day is published or not."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from vcc.errors import InvalidInput

MAX_NOTE = 500


class ActivityKind(enum.StrEnum):
    WORK = "work"  # taking interactions: Available, Busy or Wrap-up expected
    OFFLINE = "offline"  # training, meetings: logged in, Working offline expected
    BREAK = "break"  # breaks and lunch: Break expected
    TIME_OFF = "time_off"  # vacation, sick leave…: logged out expected, balances kept


@dataclass(frozen=True)
class Activity:
    code: str
    name: str
    kind: ActivityKind


DEFAULT_ACTIVITIES = (
    Activity("work", "Werk", ActivityKind.WORK),
    Activity("break", "Pauze", ActivityKind.BREAK),
    Activity("lunch", "Lunch", ActivityKind.BREAK),
    Activity("training", "Training", ActivityKind.OFFLINE),
    Activity("meeting", "Overleg", ActivityKind.OFFLINE),
    Activity("vacation", "Vakantie", ActivityKind.TIME_OFF),
    Activity("personal", "Persoonlijk verlof", ActivityKind.TIME_OFF),
    Activity("sick", "Ziek", ActivityKind.TIME_OFF),
)


@dataclass(frozen=True)
class Block:
    """One activity in a schedule, [start, end) in local time."""

    code: str
    start: datetime
    end: datetime
    note: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("an activity ends after it starts")
        if len(self.note) > MAX_NOTE:
            raise InvalidInput(f"an activity note has at most {MAX_NOTE} characters")

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def place(blocks: Iterable[Block], new: Block) -> list[Block]:
    """``blocks`` with ``new`` laid over them: what it overlaps is cut away (a block
    it splits keeps both ends), so a day never has two activities at once."""
    out: list[Block] = []
    for block in blocks:
        if not block.overlaps(new.start, new.end):
            out.append(block)
            continue
        if block.start < new.start:
            out.append(replace(block, end=new.start))
        if new.end < block.end:
            out.append(replace(block, start=new.end))
    out.append(new)
    return sorted(out, key=lambda b: b.start)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time())
    return start, start + timedelta(days=1)


def check_day(day: date, blocks: Sequence[Block]) -> None:
    """A published day's activities: within the day (a night shift may run to 06:00
    the next morning), none overlapping."""
    start, end = day_bounds(day)
    ordered = sorted(blocks, key=lambda b: b.start)
    for block in ordered:
        if block.start < start or block.end > end + timedelta(hours=6):
            raise InvalidInput(f"an activity of {day} must start on that day")
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise InvalidInput(
                f"activities overlap at {second.start:%H:%M}", hint="one activity at a time"
            )


def working_hours(blocks: Iterable[Block], kind_of: dict[str, ActivityKind]) -> float:
    """The hours of ``blocks`` an agent works (what a day off takes from a balance)."""
    return sum(
        b.hours for b in blocks if kind_of.get(b.code) in (ActivityKind.WORK, ActivityKind.OFFLINE)
    )
