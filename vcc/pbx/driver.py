"""The interface every PBX adapter implements. Nothing above ``vcc.pbx`` knows which PBX it is."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from vcc.pbx.events import OriginateRequest, PbxEvent, PbxSnapshot, PbxStatus, Reservation


class PbxDriver(Protocol):
    """Commands to a PBX, and a queue of typed events from it.

    Every method is bounded by a timeout and raises a :class:`vcc.errors.PbxError`
    (never a library exception). ``events`` receives a ``PbxResynced`` after every
    (re)connect, so a consumer can rebuild what it missed.
    """

    events: asyncio.Queue[PbxEvent]
    # Can the PBX keep an agent reserved for a queue's next caller and ring them itself
    # (``reserve``)? Then vcc decides before the caller arrives.
    supports_reservations: bool

    def subscribe(self, sink: Callable[[PbxEvent], None]) -> None:
        """Send events to ``sink`` (which must not block) instead of ``events``."""

    async def start(self) -> None:
        """Connect and wait until the PBX is fully booted; keep reconnecting after."""

    async def close(self) -> None: ...

    async def wait_ready(self, timeout: float) -> None: ...

    async def originate(self, request: OriginateRequest) -> None:
        """Start ringing; the outcome arrives later as events. Never rings twice."""

    async def hangup(self, channel: str) -> None: ...

    async def reserve(self, reservation: Reservation) -> None:
        """Keep an agent for the queue's next caller (replacing what the queue held)."""

    async def release(self, queue: str, offer_id: str) -> None:
        """Withdraw the queue's reservation ``offer_id`` ('': whichever it holds)."""

    async def redirect(
        self, channel: str, context: str, *, extra: tuple[str, str] | None = None
    ) -> None:
        """Send a channel to ``context``, extension ``s``, priority 1; with ``extra``
        (channel, context), a second one at the same moment (both legs of one call,
        so neither is hung up when the other leaves)."""

    async def set_variable(self, channel: str, name: str, value: str) -> None: ...

    async def get_variable(self, channel: str, name: str) -> str | None: ...

    async def mute_recording(self, channel: str, muted: bool) -> None:
        """Record silence (``muted``) or the call again, both directions, on the channel
        the PBX records (vcc.recording)."""

    async def snapshot(self) -> PbxSnapshot: ...

    async def status(self) -> PbxStatus:
        """Version, uptime and registered endpoints, for 'vcc pbx status'."""

    async def ping(self) -> float:
        """One round trip to the PBX, in seconds."""
