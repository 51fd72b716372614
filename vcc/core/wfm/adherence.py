"""Schedule adherence: per interval, how much of the time the agent's live status
matched the scheduled activity (work → Available/Busy/Wrap-up, training or meeting →
Working offline, a break → Break, time off → logged out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from vcc.core.agents import Status
from vcc.core.wfm.schedule import ActivityKind, Block

EXPECTED: Mapping[ActivityKind, frozenset[Status]] = {
    ActivityKind.WORK: frozenset({Status.AVAILABLE, Status.BUSY, Status.WRAP_UP}),
    ActivityKind.OFFLINE: frozenset({Status.WORKING_OFFLINE, Status.BUSY, Status.WRAP_UP}),
    ActivityKind.BREAK: frozenset({Status.BREAK}),
    ActivityKind.TIME_OFF: frozenset({Status.LOGGED_OUT}),
}


@dataclass(frozen=True)
class IntervalAdherence:
    start: datetime
    end: datetime
    scheduled: str | None  # the activity code (the one covering most of the interval)
    actual: Status | None  # the status held longest in the interval
    scheduled_seconds: float  # time with an activity scheduled
    adherent_seconds: float  # of which the status matched

    @property
    def percent(self) -> float | None:
        if not self.scheduled_seconds:
            return None
        return 100 * self.adherent_seconds / self.scheduled_seconds


def adherence(
    blocks: Sequence[Block],
    kind_of: Mapping[str, ActivityKind],
    changes: Iterable[tuple[datetime, Status]],
    start: datetime,
    end: datetime,
    *,
    interval: timedelta = timedelta(minutes=15),
    initial: Status = Status.LOGGED_OUT,
) -> list[IntervalAdherence]:
    """``changes``: the agent's status changes in time order (``initial`` before the
    first); time after ``end`` is not counted."""
    spans = _status_spans(changes, start, end, initial)
    out = []
    at = start
    while at < end:
        stop = min(at + interval, end)
        scheduled = adherent = 0.0
        by_code: dict[str, float] = {}
        by_status: dict[Status, float] = {}
        for block in blocks:
            lo, hi = max(block.start, at), min(block.end, stop)
            if hi <= lo:
                continue
            seconds = (hi - lo).total_seconds()
            scheduled += seconds
            by_code[block.code] = by_code.get(block.code, 0) + seconds
            wanted = EXPECTED.get(kind_of.get(block.code, ActivityKind.WORK), frozenset())
            for s_lo, s_hi, status in spans:
                overlap = (min(hi, s_hi) - max(lo, s_lo)).total_seconds()
                if overlap > 0 and status in wanted:
                    adherent += overlap
        for s_lo, s_hi, status in spans:
            overlap = (min(stop, s_hi) - max(at, s_lo)).total_seconds()
            if overlap > 0:
                by_status[status] = by_status.get(status, 0) + overlap
        out.append(
            IntervalAdherence(
                at, stop,
                max(by_code, key=by_code.__getitem__) if by_code else None,
                max(by_status, key=by_status.__getitem__) if by_status else None,
                scheduled, adherent,
            )
        )  # fmt: skip
        at = stop
    return out


def overall(intervals: Iterable[IntervalAdherence]) -> float | None:
    scheduled = sum(i.scheduled_seconds for i in intervals)
    adherent = sum(i.adherent_seconds for i in intervals)
    return None if not scheduled else 100 * adherent / scheduled


def _status_spans(
    changes: Iterable[tuple[datetime, Status]], start: datetime, end: datetime, initial: Status
) -> list[tuple[datetime, datetime, Status]]:
    spans = []
    current, since = initial, start
    for at, status in sorted(changes, key=lambda c: c[0]):
        if at <= start:
            current = status
            continue
        if at >= end:
            break
        spans.append((since, at, current))
        current, since = status, at
    spans.append((since, end, current))
    return [s for s in spans if s[1] > s[0]]
