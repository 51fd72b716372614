"""Queue configuration, skills, and the strategies that pick one agent among several."""

from __future__ import annotations

from typing import Any

import pytest

from vcc.core.queues import (
    Candidate,
    OverflowToMessage,
    OverflowToQueue,
    QueueConfig,
    Strategy,
    pick,
    qualifies,
    skill_score,
)
from vcc.errors import InvalidInput


# -- configuration ----------------------------------------------------------------------
def test_a_queue_defaults_to_longest_idle_with_open_doors_and_no_limits() -> None:
    queue = QueueConfig("support")

    assert queue.strategy is Strategy.LONGEST_IDLE
    assert queue.ring_timeout > 0
    assert queue.wrap_up == 0
    assert (queue.max_wait, queue.max_length, queue.overflow) == (None, None, None)
    assert queue.join_when_empty
    assert not queue.leave_when_empty
    assert dict(queue.required_skills) == {}


def test_a_fully_configured_queue_is_accepted() -> None:
    queue = QueueConfig(
        "support",
        strategy=Strategy.BEST_SKILL,
        ring_timeout=20.0,
        wrap_up=30.0,
        max_wait=300.0,
        max_length=10,
        overflow=OverflowToQueue("sales"),
        join_when_empty=False,
        leave_when_empty=True,
        required_skills={"nl": 2},
    )

    assert queue.overflow == OverflowToQueue("sales")


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"ring_timeout": 0.0}, "ring_timeout"),
        ({"ring_timeout": -5.0}, "ring_timeout"),
        ({"max_wait": 0.0}, "max_wait"),
        ({"max_wait": -1.0}, "max_wait"),
        ({"max_length": 0}, "max_length"),
        ({"max_length": -3}, "max_length"),
        ({"overflow": OverflowToQueue("support")}, "itself"),
        ({"wrap_up": -10.0}, "wrap_up"),
    ],
    ids=[
        "ring-timeout-zero",
        "ring-timeout-negative",
        "max-wait-zero",
        "max-wait-negative",
        "max-length-zero",
        "max-length-negative",
        "overflow-into-itself",
        "wrap-up-negative",
    ],
)
def test_a_queue_with_a_bad_value_is_refused(changes: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        QueueConfig("support", **changes)


@pytest.mark.parametrize("queue_id", ["Support", "2nd-line", "support desk", ""])
def test_a_queue_id_must_be_a_slug(queue_id: str) -> None:
    with pytest.raises(InvalidInput, match="queue id"):
        QueueConfig(queue_id)


@pytest.mark.parametrize("sound", ["closed.wav", "/etc/passwd", "closed;Hangup", ""])
def test_an_overflow_message_must_be_a_sound_name(sound: str) -> None:
    with pytest.raises(InvalidInput, match="overflow message"):
        OverflowToMessage(sound)


def test_a_queue_may_overflow_into_another_queue_or_to_a_message() -> None:
    assert QueueConfig("support", overflow=OverflowToQueue("sales")).overflow is not None
    assert QueueConfig("support", overflow=OverflowToMessage("custom/closed")).overflow is not None


def test_the_strategy_values_are_the_stable_names_the_config_uses() -> None:
    assert {s.value for s in Strategy} == {
        "longest_idle",
        "round_robin",
        "fewest_calls",
        "best_skill",
    }


# -- skills -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("skills", "required", "expected"),
    [
        ({}, {}, True),  # a queue without skills takes anyone
        ({"nl": 1}, {}, True),
        ({}, {"nl": 1}, False),  # a missing skill is level 0
        ({"nl": 1}, {"nl": 2}, False),  # below the level
        ({"nl": 2}, {"nl": 2}, True),  # at the level
        ({"nl": 5}, {"nl": 2}, True),  # above it
        ({"nl": 3}, {"nl": 2, "en": 1}, False),  # every skill is needed
        ({"nl": 3, "en": 1}, {"nl": 2, "en": 1}, True),
        ({"fr": 9}, {"nl": 1}, False),  # other skills don't make up for it
        ({}, {"nl": 0}, True),  # level 0 asks nothing
    ],
)
def test_an_agent_qualifies_with_every_required_skill_at_its_level(
    skills: dict[str, int], required: dict[str, int], expected: bool
) -> None:
    assert qualifies(skills, required) is expected


@pytest.mark.parametrize(
    ("skills", "required", "score"),
    [
        ({}, {}, 0),
        ({"nl": 3}, {}, 0),
        ({"nl": 3}, {"nl": 1}, 3),
        ({"nl": 3, "en": 2}, {"nl": 1, "en": 1}, 5),
        ({"nl": 3, "fr": 9}, {"nl": 1}, 3),  # only the queue's skills count
        ({"en": 2}, {"nl": 1, "en": 1}, 2),
    ],
)
def test_the_skill_score_sums_the_agents_levels_in_the_queues_skills(
    skills: dict[str, int], required: dict[str, int], score: int
) -> None:
    assert skill_score(skills, required) == score


# -- picking an agent -------------------------------------------------------------------
def cand(agent_id: str, idle: float = 0.0, calls: int = 0, score: int = 0) -> Candidate:
    return Candidate(agent_id, idle_since=idle, calls_answered=calls, skill_score=score)


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        ([cand("a", 50.0), cand("b", 10.0), cand("c", 30.0)], "b"),
        ([cand("a", 10.0), cand("b", 50.0)], "a"),
        ([cand("c", 20.0), cand("a", 20.0), cand("b", 20.0)], "a"),  # tie: smallest id
    ],
)
def test_longest_idle_picks_the_agent_free_the_longest(
    candidates: list[Candidate], chosen: str
) -> None:
    assert pick(Strategy.LONGEST_IDLE, candidates, last_agent=None) == chosen


@pytest.mark.parametrize(
    ("last_agent", "chosen"),
    [
        (None, "a"),  # nobody rang yet: start at the first
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),  # after the last, back to the first
        ("bb", "c"),  # the last agent need not be a candidate now
        ("z", "a"),
    ],
)
def test_round_robin_picks_the_next_agent_after_the_one_who_rang_last(
    last_agent: str | None, chosen: str
) -> None:
    candidates = [cand("c", 1.0), cand("a", 3.0), cand("b", 2.0)]

    assert pick(Strategy.ROUND_ROBIN, candidates, last_agent) == chosen


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        ([cand("a", calls=5), cand("b", calls=2), cand("c", calls=9)], "b"),
        ([cand("a", 9.0, calls=2), cand("b", 1.0, calls=2), cand("c", calls=3)], "b"),
        ([cand("b", 1.0, calls=2), cand("a", 1.0, calls=2)], "a"),
    ],
)
def test_fewest_calls_picks_the_agent_who_answered_fewest_then_the_longest_idle(
    candidates: list[Candidate], chosen: str
) -> None:
    assert pick(Strategy.FEWEST_CALLS, candidates, last_agent=None) == chosen


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        ([cand("a", score=2), cand("b", score=5), cand("c", score=3)], "b"),
        ([cand("a", 9.0, score=5), cand("b", 1.0, score=5), cand("c", score=4)], "b"),
        ([cand("b", 1.0, score=5), cand("a", 1.0, score=5)], "a"),
    ],
)
def test_best_skill_picks_the_highest_skill_score_then_the_longest_idle(
    candidates: list[Candidate], chosen: str
) -> None:
    assert pick(Strategy.BEST_SKILL, candidates, last_agent=None) == chosen


@pytest.mark.parametrize("strategy", list(Strategy))
def test_a_single_candidate_is_always_picked(strategy: Strategy) -> None:
    assert pick(strategy, [cand("only", 5.0, 3, 1)], last_agent="other") == "only"
