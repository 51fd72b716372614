"""Typed PBX events and commands: what crosses the edge between a PBX adapter and vcc.

Adapters turn wire messages (AMI, ESL) into these frozen dataclasses at once;
nothing above ``vcc.pbx`` sees a library type or a raw header.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ChannelState(enum.Enum):
    DOWN = "Down"
    RESERVED = "Rsrvd"
    OFF_HOOK = "OffHook"
    DIALING = "Dialing"
    RING = "Ring"  # the channel is calling out (caller side)
    RINGING = "Ringing"  # the far end is ringing
    UP = "Up"
    BUSY = "Busy"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str) -> ChannelState:
        for state in cls:
            if state.value.lower() == text.strip().lower():
                return state
        return cls.UNKNOWN


@dataclass(frozen=True)
class PbxEvent:
    """Base of all events. ``at`` is the PBX's own clock (epoch seconds) when it says."""

    at: float


@dataclass(frozen=True)
class PbxReady(PbxEvent):
    """The PBX is fully booted and the adapter is logged in."""


@dataclass(frozen=True)
class PbxDisconnected(PbxEvent):
    reason: str


@dataclass(frozen=True)
class ChannelInfo:
    channel: str
    uniqueid: str
    state: ChannelState
    context: str
    exten: str
    application: str
    bridge_id: str
    variables: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class PbxSnapshot:
    channels: tuple[ChannelInfo, ...]
    bridges: dict[str, tuple[str, ...]]  # bridge id → uniqueids of its channels

    def channel(self, uniqueid: str) -> ChannelInfo | None:
        return next((c for c in self.channels if c.uniqueid == uniqueid), None)


@dataclass(frozen=True)
class PbxResynced(PbxEvent):
    """Sent after every (re)connect: the PBX's state as it is, since events were missed."""

    snapshot: PbxSnapshot


@dataclass(frozen=True)
class CallerEnqueued(PbxEvent):
    """The dialplan put a caller into a queue's wait loop."""

    queue: str
    channel: str
    uniqueid: str
    enqueued_at: float
    priority: int = 0


@dataclass(frozen=True)
class CallerTookReservation(CallerEnqueued):
    """The dialplan put a caller into a queue, found an agent reserved for it and
    dialled the agent itself (``endpoint``): the caller's ``DialBegin``, read with the
    channel variables manager.conf adds to it. ``leg_channel``/``leg_uniqueid``: the
    agent's leg that Dial made (its unique id is the PBX's, not the offer id).

    A :class:`CallerEnqueued` too: the caller did enter the queue.
    """

    offer_id: str = ""
    endpoint: str = ""
    leg_channel: str = ""
    leg_uniqueid: str = ""


@dataclass(frozen=True)
class DialStarted(PbxEvent):
    """A channel's Dial rings another channel (``DialBegin``), other than a queue
    caller's Dial of a reserved agent (:class:`CallerTookReservation`)."""

    caller_channel: str
    caller_uniqueid: str
    channel: str
    uniqueid: str


@dataclass(frozen=True)
class DialEnded(PbxEvent):
    """A channel's Dial stopped ringing another (``DialEnd``): ``status`` is Dial's
    DIALSTATUS for it — ANSWER when it picked up, else BUSY, NOANSWER, CHANUNAVAIL …"""

    caller_channel: str
    caller_uniqueid: str
    channel: str
    uniqueid: str
    status: str


@dataclass(frozen=True)
class ConsultLineEnded(PbxEvent):
    """An agent's line 2 (their Dial in vcc-consult) is over; they wait in silence."""

    channel: str
    uniqueid: str
    status: str


@dataclass(frozen=True)
class ReservedDialFailed(PbxEvent):
    """The reserved agent did not answer; the caller goes on waiting (``status`` is
    Dial's DIALSTATUS: NOANSWER, BUSY, CHANUNAVAIL, CONGESTION …)."""

    caller_uniqueid: str
    offer_id: str
    status: str
    # The reservation as the caller took it: vcc's only news of that when the Dial
    # made no agent leg (a phone that is gone) and so there was no DialBegin.
    taken: CallerTookReservation | None = None


@dataclass(frozen=True)
class CallerPressed(PbxEvent):
    """A caller in the wait loop pressed a DTMF key."""

    uniqueid: str
    key: str


@dataclass(frozen=True)
class VoicemailLeft(PbxEvent):
    """A caller sent to voicemail hung up: ``name`` is the file vcc named (it may be
    missing or empty: they hung up before the tone)."""

    uniqueid: str
    name: str
    queue: str
    caller: str


@dataclass(frozen=True)
class PromptDone(PbxEvent):
    """An agent recording a custom prompt by phone chose: '1' keep, '2' (never sent:
    the dialplan records again), anything else or 'hangup': discard."""

    prompt_id: str
    choice: str


@dataclass(frozen=True)
class CallerHearsMusic(PbxEvent):
    """A waiting caller is (back) in the wait loop: free to hear an announcement."""

    uniqueid: str


@dataclass(frozen=True)
class ChannelCreated(PbxEvent):
    channel: str
    uniqueid: str
    caller_id: str
    exten: str
    context: str


@dataclass(frozen=True)
class ChannelStateChanged(PbxEvent):
    channel: str
    uniqueid: str
    state: ChannelState


@dataclass(frozen=True)
class ChannelHungUp(PbxEvent):
    channel: str
    uniqueid: str
    cause: int
    cause_text: str


@dataclass(frozen=True)
class OriginateFinished(PbxEvent):
    """The outcome of an originate: answered, or why not."""

    channel_id: str
    answered: bool
    reason: OriginateFailure | None


class OriginateFailure(enum.Enum):
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    UNREACHABLE = "unreachable"  # not registered, congestion, no such endpoint
    HUNG_UP = "hung-up"


@dataclass(frozen=True)
class ChannelEnteredBridge(PbxEvent):
    bridge_id: str
    channel: str
    uniqueid: str


@dataclass(frozen=True)
class ChannelLeftBridge(PbxEvent):
    bridge_id: str
    channel: str
    uniqueid: str


@dataclass(frozen=True)
class HoldMusicStarted(PbxEvent):
    channel: str
    uniqueid: str
    moh_class: str = ""  # the class Asterisk plays (its MusicOnHoldStart says)


@dataclass(frozen=True)
class HoldMusicStopped(PbxEvent):
    channel: str
    uniqueid: str


@dataclass(frozen=True)
class ContactChanged(PbxEvent):
    """A phone registered, unregistered or changed reachability."""

    endpoint: str
    reachable: bool


@dataclass(frozen=True)
class OriginateRequest:
    """Ring ``endpoint`` and, once answered, run the PBX's ``context`` with ``variables``.

    ``channel_id`` is chosen by vcc: the new channel carries it as its unique id, which
    is how a retry after a lost connection can tell the call was already placed.
    """

    channel_id: str
    endpoint: str
    context: str
    timeout: float
    variables: dict[str, str] = field(default_factory=dict)
    caller_id: str = ""


@dataclass(frozen=True)
class Reservation:
    """Keep ``endpoint`` for the next caller of ``queue``: the PBX rings it at once when
    that caller arrives, for ``ring_timeout`` seconds, as offer ``offer_id``."""

    queue: str
    offer_id: str
    endpoint: str
    ring_timeout: float


@dataclass(frozen=True)
class PbxStatus:
    version: str
    uptime_seconds: float
    registered: tuple[str, ...]  # endpoints with a registered contact
