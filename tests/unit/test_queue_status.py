"""A queue's status: waiting callers, the longest wait, its agents by status and the
service level over the last hour (short abandons not counted; no calls: none)."""

from __future__ import annotations

import pytest

from vcc.core.agents import Status
from vcc.core.queue_status import ServiceLevels, queue_status
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, CallerArrived, RouterState, Tick, handle


def test_service_level_counts_answers_in_target_against_answers_and_real_abandons() -> None:
    levels = ServiceLevels(window=3600.0)
    assert levels.of("q", 20.0, 0.0).percent is None  # no calls: no service level
    for n, (wait, answered) in enumerate(
        [(5, True), (19, True), (25, True), (40, False), (3, False)]
    ):
        levels.started(f"c{n}", "q", 100.0)
        (levels.answered if answered else levels.abandoned)(f"c{n}", 100.0 + wait)
    levels.started("gone", "q", 100.0)
    levels.forget("gone")  # overflowed: not counted
    level = levels.of("q", 20.0, 200.0)
    assert (level.answered, level.answered_in_target, level.abandoned) == (3, 2, 1)
    assert level.percent == pytest.approx(50.0)
    assert levels.of("q", 30.0, 200.0).percent == pytest.approx(75.0)
    assert levels.of("q", 20.0, 100.0 + 3600.0 + 41.0).percent is None  # an hour later
    assert levels.of("other", 20.0, 200.0).answered == 0


def test_status_shows_the_queues_callers_and_agents_now() -> None:
    agents = [
        Agent("1001", "PJSIP/1001", {"support": 0}, status=Status.BREAK),
        Agent("1002", "PJSIP/1002", {"support": 0, "sales": 0}, status=Status.WORKING_OFFLINE),
        Agent("1003", "PJSIP/1003", {"sales": 0}, status=Status.AVAILABLE),
    ]
    state = RouterState.create(agents, [QueueConfig("support"), QueueConfig("sales")])
    state, _ = handle(state, CallerArrived("c1", "PJSIP/2001-1", "support", 10.0))
    state, _ = handle(state, CallerArrived("c2", "PJSIP/2002-1", "support", 25.0))
    state, _ = handle(state, Tick(70.0))
    status = queue_status(state, "support", ServiceLevels())
    assert (status.waiting, status.longest_wait) == (2, 60.0)
    assert status.agents == {Status.BREAK: 1, Status.WORKING_OFFLINE: 1}
    assert status.service_level.percent is None
    assert queue_status(state, "sales", ServiceLevels()).waiting == 0
