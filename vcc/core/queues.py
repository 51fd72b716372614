"""Queues as the admin configures them, skills, and the strategies that pick an agent.

Pure values and functions; the router uses them to choose among the agents who may
take a caller.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from vcc import validate


class Strategy(enum.Enum):
    LONGEST_IDLE = "longest_idle"  # the default: the agent idle longest rings first
    ROUND_ROBIN = "round_robin"  # in turn, starting after the agent who rang last
    FEWEST_CALLS = "fewest_calls"  # the agent who answered fewest calls
    BEST_SKILL = "best_skill"  # the highest levels in the queue's skills


class RecordingPolicy(enum.Enum):
    """Whether a queue's calls are recorded (vcc.recording does it)."""

    ALWAYS = "always"  # from the moment the agent and the caller are bridged
    ON_DEMAND = "on_demand"  # when the agent asks (CallControl.start_recording)
    NEVER = "never"  # and an agent's request is refused


@dataclass(frozen=True)
class OverflowToQueue:
    queue: str


@dataclass(frozen=True)
class OverflowToMessage:
    """Play a message to the caller, then hang up."""

    sound: str

    def __post_init__(self) -> None:
        validate.sound(self.sound, what="overflow message")


@dataclass(frozen=True)
class OverflowToVoicemail:
    """The caller leaves a message; it waits in the same queue as a voicemail
    (vcc.core.channels), for the next agent free for it."""


Overflow = OverflowToQueue | OverflowToMessage | OverflowToVoicemail


@dataclass(frozen=True)
class QueueConfig:
    id: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout: float = 15.0
    wrap_up: float = 0.0  # seconds of wrap-up after each call; 0: back to available at once
    max_wait: float | None = None  # then the caller overflows
    max_length: int | None = None  # callers waiting at most; more overflow at once
    overflow: Overflow | None = None  # None: the caller hears the "closed" message
    join_when_empty: bool = True  # may callers join while no agent is logged in?
    leave_when_empty: bool = False  # do waiting callers leave when the last agent logs out?
    required_skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # What callers hear while waiting, played by the PBX when the router says so.
    announce_position_every: float | None = None  # position and estimated wait
    announce_only_when_improved: bool = False  # skip when the position did not improve
    periodic_message: str | None = None  # a sound (e.g. a custom recording)
    periodic_message_every: float | None = None
    default_handle_time: float = 180.0  # for the wait estimate until calls are measured
    # Transaction (disposition) codes agents pick for this queue's calls, and whether
    # the agent's wrap-up waits for one.
    dispositions: tuple[str, ...] = ()
    disposition_required: bool = False
    # A caller transferred into this queue keeps the time they already waited (their
    # place among the others), or starts waiting anew.
    transfer_keeps_wait: bool = True
    moh_class: str = "default"  # what waiting callers hear (played by the PBX)
    # A waiting caller who presses this key leaves the queue for ``exit_to``.
    exit_key: str | None = None
    exit_to: Overflow | None = None
    recording: RecordingPolicy = RecordingPolicy.NEVER
    # Service level: the share of calls answered within this many seconds.
    service_level_target: float = 20.0

    def __post_init__(self) -> None:
        if self.ring_timeout <= 0:
            raise ValueError("ring_timeout must be positive")
        if self.wrap_up < 0:
            raise ValueError("wrap_up must not be negative")
        if self.max_wait is not None and self.max_wait <= 0:
            raise ValueError("max_wait must be positive")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be at least 1")
        if not 1 <= self.service_level_target <= 3600:
            raise ValueError("service_level_target must be 1 to 3600 seconds")
        if self.default_handle_time <= 0:  # else callers would be promised no wait at all
            raise ValueError("default_handle_time must be positive")
        if isinstance(self.overflow, OverflowToQueue) and self.overflow.queue == self.id:
            raise ValueError("a queue cannot overflow into itself")
        for every in (self.announce_position_every, self.periodic_message_every):
            if every is not None and every < 5:
                raise ValueError("announcements can repeat every 5 s at the most")
        if (self.periodic_message is None) != (self.periodic_message_every is None):
            raise ValueError("a periodic message needs both a sound and an interval")
        validate.slug(self.id, what="queue id")
        for code in self.dispositions:
            validate.slug(code, what="disposition code")
        validate.slug(self.moh_class, what="music on hold class")
        if self.exit_key is not None:
            validate.dtmf(self.exit_key, what="exit key")
        if (self.exit_key is None) != (self.exit_to is None):
            raise ValueError("an exit key needs a place to exit to, and the other way round")
        if isinstance(self.exit_to, OverflowToQueue) and self.exit_to.queue == self.id:
            raise ValueError("a queue's exit key cannot lead into the same queue")
        if self.disposition_required and not self.dispositions:
            raise ValueError("a required disposition needs disposition codes to pick from")
        if self.periodic_message is not None:
            validate.sound(self.periodic_message, what="periodic message")


def qualifies(skills: Mapping[str, int], required: Mapping[str, int]) -> bool:
    """Has the agent every skill the queue requires, at least at the required level?"""
    return all(skills.get(skill, 0) >= level for skill, level in required.items())


def skill_score(skills: Mapping[str, int], required: Mapping[str, int]) -> int:
    """How well an agent matches a queue: the sum of their levels in its skills."""
    return sum(skills.get(skill, 0) for skill in required)


@dataclass(frozen=True)
class Candidate:
    """What a strategy needs to know of an agent who may take the caller."""

    agent_id: str
    idle_since: float
    calls_answered: int
    skill_score: int


def pick(strategy: Strategy, candidates: Sequence[Candidate], last_agent: str | None) -> str:
    """The agent to ring, among ``candidates`` (non-empty). Ties go to the longest idle,
    then to the smallest id, so every choice is deterministic."""
    assert candidates, "pick() needs at least one candidate"
    if strategy is Strategy.ROUND_ROBIN:
        ids = sorted(c.agent_id for c in candidates)
        after = [a for a in ids if last_agent is not None and a > last_agent]
        return (after or ids)[0]
    if strategy is Strategy.FEWEST_CALLS:
        return min(candidates, key=lambda c: (c.calls_answered, c.idle_since, c.agent_id)).agent_id
    if strategy is Strategy.BEST_SKILL:
        return min(candidates, key=lambda c: (-c.skill_score, c.idle_since, c.agent_id)).agent_id
    return min(candidates, key=lambda c: (c.idle_since, c.agent_id)).agent_id
