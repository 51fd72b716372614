"""Estimated waiting time: what a caller is told while waiting in a queue.

EWT = (callers ahead + 1) × average handle time ÷ agents working the queue. The
average comes from the queue's recent handle times (answer → end, plus wrap-up);
until there are any, the admin's default applies.
"""

from __future__ import annotations

from collections.abc import Sequence

RECENT_HANDLE_TIMES = 20  # how many recent calls the average is taken over


def average_handle_time(recent: Sequence[float], default: float) -> float:
    return sum(recent) / len(recent) if recent else default


def estimate_wait(position: int, average_handle: float, working_agents: int) -> float:
    """Seconds until the caller at ``position`` (1 = next) can expect an agent.

    With agents all busy, one frees up every ``average_handle / working_agents`` s on
    average, and the caller needs ``position`` of them. With no one working the queue
    there is no estimate: returns ``inf``.
    """
    if position < 1:
        raise ValueError("position starts at 1")
    if working_agents < 1:
        return float("inf")
    return position * average_handle / working_agents


def remember_handle_time(recent: tuple[float, ...], seconds: float) -> tuple[float, ...]:
    return (*recent, seconds)[-RECENT_HANDLE_TIMES:]
