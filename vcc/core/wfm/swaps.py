"""Shift swaps: an agent offers a day's shift; colleagues accept ("Planning ruilen")
or decline ("Geen belangstelling") before it expires; an accepted swap exchanges the
two agents' activities of that day at once."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from vcc.core.wfm.schedule import Block
from vcc.errors import Conflict, InvalidInput


class SwapStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


def check_offer(day: date, shift: Sequence[Block], expires_at: datetime, now: datetime) -> None:
    if not shift:
        raise InvalidInput(f"you have no published shift on {day} to offer")
    starts = min(b.start for b in shift)
    if starts <= now:
        raise InvalidInput("only a shift still to come can be offered")
    if not now < expires_at <= starts:
        raise InvalidInput("an offer expires after now and before the shift starts")


def check_accept(
    status: SwapStatus, expires_at: datetime, offerer: str, acceptor: str, now: datetime
) -> None:
    if acceptor == offerer:
        raise InvalidInput("you cannot take your own offer")
    if status is not SwapStatus.OPEN:
        raise Conflict(f"this offer is {status.value}")
    if now >= expires_at:
        raise Conflict("this offer has expired")


def swapped(
    offered: Sequence[Block], acceptors: Sequence[Block]
) -> tuple[list[Block], list[Block]]:
    """(the offerer's day, the acceptor's day) after the swap: the shifts change hands."""
    return [replace(b) for b in acceptors], [replace(b) for b in offered]
