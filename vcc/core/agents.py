"""Agent statuses as in the 8x8 agent console, and the rules for moving between them.

Pure: values and functions, no I/O, no clock. The router (``vcc.core.routing``)
applies these rules; the API will call :func:`check_request` to refuse a bad
request before it reaches the engine.

The six statuses and what they block (seed: "Status medewerker"):

============== ================ ================================================
status         Dutch            offers it receives
============== ================ ================================================
available      Beschikbaar      queue interactions, direct calls, transfers
busy           Bezet            none (set by the system during an interaction)
wrap_up        Naverwerking     none (ends by the agent, or by the queue's timer)
working_offl.  Offline werken   only direct agent calls and transferred calls
break          Pauze            none
logged_out     Afmelden         none
============== ================ ================================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Status(enum.Enum):
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    WORKING_OFFLINE = "working_offline"
    BREAK = "break"
    LOGGED_OUT = "logged_out"

    @property
    def takes_queue_offers(self) -> bool:
        return self is Status.AVAILABLE

    @property
    def takes_direct_calls(self) -> bool:
        """Direct agent-to-agent calls and transferred calls (Call control issue)."""
        return self in (Status.AVAILABLE, Status.WORKING_OFFLINE)


# What an agent may ask for. Busy is the system's alone; wrap-up starts by itself
# when an interaction ends (the agent ends it by asking for another status).
AGENT_REQUESTABLE = frozenset(
    {Status.AVAILABLE, Status.WORKING_OFFLINE, Status.BREAK, Status.LOGGED_OUT}
)

# Every move the state machine allows, whoever makes it. Busy is entered only from
# the statuses that take offers, and left only into wrap-up or the next status.
ALLOWED: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.LOGGED_OUT: frozenset({Status.AVAILABLE, Status.WORKING_OFFLINE, Status.BREAK}),
        Status.AVAILABLE: frozenset(
            {Status.BUSY, Status.WORKING_OFFLINE, Status.BREAK, Status.LOGGED_OUT}
        ),
        Status.WORKING_OFFLINE: frozenset(
            {Status.BUSY, Status.AVAILABLE, Status.BREAK, Status.LOGGED_OUT}
        ),
        Status.BUSY: frozenset(
            {
                Status.WRAP_UP,
                Status.AVAILABLE,
                Status.WORKING_OFFLINE,
                Status.BREAK,
                Status.LOGGED_OUT,
            }
        ),
        Status.WRAP_UP: frozenset(
            {Status.AVAILABLE, Status.WORKING_OFFLINE, Status.BREAK, Status.LOGGED_OUT}
        ),
        Status.BREAK: frozenset({Status.AVAILABLE, Status.WORKING_OFFLINE, Status.LOGGED_OUT}),
    }
)

SYSTEM = "system"  # who made a change the agent did not ask for


@dataclass(frozen=True)
class StatusRules:
    """The admin's rules: reason codes per status, where one is required, auto-break."""

    codes: Mapping[Status, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    reason_required: frozenset[Status] = frozenset()
    max_missed_offers: int = 3  # unanswered offers in a row before an automatic break
    missed_offers_code: str = "missed-offers"  # the system's reason code for that break

    def __post_init__(self) -> None:
        if self.max_missed_offers < 1:
            raise ValueError("max_missed_offers must be at least 1")


@dataclass(frozen=True)
class StatusRequest:
    status: Status
    reason: str | None = None


class RequestProblem(enum.Enum):
    """Why a status request is refused; the value is the API's stable error code."""

    NOT_REQUESTABLE = "status-not-requestable"
    NOT_ALLOWED_NOW = "status-transition-not-allowed"
    REASON_REQUIRED = "reason-code-required"
    UNKNOWN_REASON = "unknown-reason-code"
    DISPOSITION_REQUIRED = "disposition-required"  # wrap-up ends once a code is picked


def check_request(
    rules: StatusRules, current: Status, request: StatusRequest
) -> RequestProblem | None:
    """``None`` if an agent in ``current`` may ask for ``request``; else why not.

    A request made while busy is allowed: it takes effect when the interaction ends.
    """
    if request.status not in AGENT_REQUESTABLE:
        return RequestProblem.NOT_REQUESTABLE
    if request.status is not current and request.status not in ALLOWED[current]:
        return RequestProblem.NOT_ALLOWED_NOW
    codes = rules.codes.get(request.status, frozenset())
    if request.reason is None:
        if request.status in rules.reason_required:
            return RequestProblem.REASON_REQUIRED
        return None
    if request.reason not in codes:
        return RequestProblem.UNKNOWN_REASON
    return None
