"""Erlang C staffing: how many agents an interval needs to answer its forecast calls
within the target (e.g. 80 % in 20 s), from the stored interaction history."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MAX_AGENTS = 10_000


def erlang_c(traffic: float, agents: int) -> float:
    """The probability a call waits, with ``traffic`` Erlangs offered to ``agents``."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    # Erlang B by its stable recurrence, then C from B.
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b / (1 - (traffic / agents) * (1 - b))


def service_level(traffic: float, agents: int, handle: float, target: float) -> float:
    """The share of calls answered within ``target`` seconds."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = erlang_c(traffic, agents)
    return 1 - waits * math.exp(-(agents - traffic) * target / handle)


def agents_needed(
    calls: float,
    interval: float,
    handle: float,
    *,
    level: float = 0.8,
    target: float = 20.0,
    max_occupancy: float = 0.9,
) -> int:
    """The fewest agents answering ``level`` of ``calls`` (per ``interval`` seconds,
    ``handle`` seconds each) within ``target`` s, none busier than ``max_occupancy``."""
    if calls <= 0 or handle <= 0:
        return 0
    traffic = calls * handle / interval
    agents = max(1, math.ceil(traffic / max_occupancy))
    while service_level(traffic, agents, handle, target) < level:
        agents += 1
        if agents > MAX_AGENTS:
            raise ValueError("more than 10,000 agents: check the forecast's input")
    return agents


@dataclass(frozen=True)
class IntervalForecast:
    start: datetime
    calls: float  # expected in the interval
    handle: float  # average handle time, seconds
    agents: int  # needed


def forecast(
    history: Iterable[tuple[datetime, float]],
    day: date,
    *,
    interval: timedelta = timedelta(minutes=30),
    weeks: int = 4,
    default_handle: float = 180.0,
    level: float = 0.8,
    target: float = 20.0,
) -> list[IntervalForecast]:
    """Each interval of ``day``: the average calls of the same weekday and interval in
    the ``weeks`` before (``history``: each call's arrival and handle seconds), their
    average handle time, and the agents Erlang C asks for."""
    first = day - timedelta(weeks=weeks)
    per_slot: dict[int, list[float]] = {}
    for arrived, handled in history:
        when = arrived.date()
        if not first <= when < day or when.weekday() != day.weekday():
            continue
        slot = int((arrived - datetime.combine(when, datetime.min.time())) / interval)
        per_slot.setdefault(slot, []).append(handled)
    out = []
    slots = int(timedelta(days=1) / interval)
    start = datetime.combine(day, datetime.min.time())
    for slot in range(slots):
        handles = per_slot.get(slot, [])
        calls = len(handles) / weeks
        handle = sum(handles) / len(handles) if handles else default_handle
        agents = agents_needed(calls, interval.total_seconds(), handle, level=level, target=target)
        out.append(IntervalForecast(start + slot * interval, calls, handle, agents))
    return out
