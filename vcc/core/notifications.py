"""Supervisor notifications (the 8x8 console's Meldingen): who a message goes to, and
what a message may say. Pure: the store keeps them, the API shows them.

A message goes to one agent, a team — the agents who serve a queue — or everyone.
Each recipient has their own copy of its state: unread, read, deleted.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from vcc import validate
from vcc.errors import InvalidInput

MAX_BODY = 1000  # characters: a notice, not a mail
MAX_TITLE = 120


class AudienceKind(enum.StrEnum):
    AGENT = "agent"
    TEAM = "team"  # the agents of a queue
    EVERYONE = "everyone"


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    target: str | None = None  # the agent or queue id; None for everyone

    def __post_init__(self) -> None:
        if (self.kind is AudienceKind.EVERYONE) != (self.target is None):
            raise InvalidInput(
                f"a notification to {self.kind.value} "
                + ("names no one" if self.kind is AudienceKind.EVERYONE else "names its target"),
                hint="send to an agent (agent id), a team (queue id) or everyone",
            )
        if self.kind is AudienceKind.AGENT and self.target is not None:
            validate.login(self.target, what="agent id")
        if self.kind is AudienceKind.TEAM and self.target is not None:
            validate.slug(self.target, what="team (queue id)")

    def recipients(
        self, agents: Iterable[str], queues_of: Mapping[str, Collection[str]]
    ) -> list[str]:
        """The agents it reaches, of ``agents`` (``queues_of``: agent → their queues)."""
        match self.kind:
            case AudienceKind.EVERYONE:
                return sorted(agents)
            case AudienceKind.AGENT:
                return [a for a in agents if a == self.target]
            case AudienceKind.TEAM:
                return sorted(a for a in agents if (self.target or "") in queues_of.get(a, ()))


def text(value: str, *, what: str, limit: int, lines: bool) -> str:
    """A title or body as typed: trimmed, 1 to ``limit`` characters, no control
    characters (line breaks allowed in a body), nothing invisible or bidi overrides."""
    value = value.strip()
    if not value or len(value) > limit:
        raise InvalidInput(f"{what} must be 1 to {limit} characters")
    for char in value:
        if char == "\n" and lines:
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            raise InvalidInput(
                f"{what} contains a control or invisible character (U+{ord(char):04X})",
                hint="write plain text" + (" (line breaks are fine)" if lines else ""),
            )
    return value
