"""One explicit table from the AMI events vcc uses to typed events. No catch-all."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from vcc.pbx.events import (
    CallerEnqueued,
    CallerHearsMusic,
    CallerPressed,
    CallerTookReservation,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelLeftBridge,
    ChannelState,
    ChannelStateChanged,
    ConsultLineEnded,
    ContactChanged,
    DialEnded,
    DialStarted,
    HoldMusicStarted,
    HoldMusicStopped,
    OriginateFailure,
    OriginateFinished,
    PbxEvent,
    PbxReady,
    PromptDone,
    ReservedDialFailed,
    VoicemailLeft,
)


class Lenient(Mapping[str, str]):
    """An AMI message read the forgiving way: '' for a missing header, the first of
    repeated ones (panoramisk gives a list when a header repeats)."""

    def __init__(self, message: Any) -> None:
        self._message = message

    def __getitem__(self, key: str) -> str:
        value = self._message.get(key, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._message)

    def __len__(self) -> int:
        return len(self._message)

    def variables(self, header: str) -> dict[str, str]:
        """The ``NAME=value`` lines of a repeated header (``ChanVariable``: the channel
        variables manager.conf's ``channelvars`` adds to a channel's events)."""
        value = self._message.get(header, "")
        lines = value if isinstance(value, list) else [value]
        return dict(str(line).partition("=")[::2] for line in lines if "=" in str(line))


Headers = Lenient

ORIGINATE_ACTION_PREFIX = "vcc-originate/"

# OriginateResponse "Reason" (Asterisk's AST_CONTROL_* numbers) → why the phone didn't answer.
_ORIGINATE_REASONS = {
    "0": OriginateFailure.UNREACHABLE,
    "1": OriginateFailure.HUNG_UP,
    "3": OriginateFailure.NO_ANSWER,
    "5": OriginateFailure.BUSY,
    "8": OriginateFailure.UNREACHABLE,
}


def _at(m: Headers) -> float:
    try:
        return float(m["Timestamp"])
    except (KeyError, ValueError):
        return time.time()


def _user_event(m: Headers) -> PbxEvent | None:
    """vcc's own UserEvents from dialplan/extensions.conf; others are not ours."""
    if m["UserEvent"] == "VccEnqueue":
        return _enqueued(m)
    if m["UserEvent"] == "VccKey":
        return CallerPressed(_at(m), m["CallerUniqueid"], m["Key"])
    if m["UserEvent"] == "VccPrompt":
        return PromptDone(_at(m), m["PromptId"], m.get("Choice", ""))
    if m["UserEvent"] == "VccMusic":
        return CallerHearsMusic(_at(m), m["CallerUniqueid"])
    if m["UserEvent"] == "VccReservedFailed":
        return _reserved_dial_failed(m)
    if m["UserEvent"] == "VccConsultEnded":
        return ConsultLineEnded(_at(m), m["Channel"], m["Uniqueid"], m["DialStatus"])
    if m["UserEvent"] == "VccVoicemail":
        return VoicemailLeft(_at(m), m["CallerUniqueid"], m["Name"], m["Queue"], m["Caller"])
    if m["UserEvent"] == "VccDialFailed":  # the channel's own Dial: no callee leg
        return DialEnded(_at(m), m["Channel"], m["Uniqueid"], "", "", m["DialStatus"])
    return None


def _enqueued(m: Headers) -> CallerEnqueued:
    try:
        enqueued_at = float(m["Enqueued"])
    except ValueError:
        enqueued_at = _at(m)
    # not "Priority": every channel event already has that header (the dialplan's)
    priority = int(m["CallerPriority"]) if m["CallerPriority"].isdecimal() else 0
    return CallerEnqueued(
        _at(m), m["Queue"], m["CallerChannel"], m["CallerUniqueid"], enqueued_at, priority
    )


def _reserved_dial_failed(m: Headers) -> ReservedDialFailed:
    e = _enqueued(m)
    taken = CallerTookReservation(
        e.at, e.queue, e.channel, e.uniqueid, e.enqueued_at, e.priority,
        offer_id=m["Offer"], endpoint=m["AgentEndpoint"],
    )  # fmt: skip
    return ReservedDialFailed(e.at, e.uniqueid, m["Offer"], m["DialStatus"], taken)


def _dial_begin(m: Headers) -> PbxEvent:
    """A Dial starts. A queue caller's (VCC_QUEUE) Dial of an agent leg that inherited
    an offer id (VCC_OFFER) is the dialplan taking a reservation: vcc hears of it only
    now, once the agent's phone is being called, not before, as a UserEvent would."""
    caller, leg = m.variables("ChanVariable"), m.variables("DestChanVariable")
    queue, offer_id = caller.get("VCC_QUEUE", ""), leg.get("VCC_OFFER", "")
    if not (queue and offer_id):
        return DialStarted(_at(m), m["Channel"], m["Uniqueid"], m["DestChannel"], m["DestUniqueid"])
    try:
        enqueued_at = float(caller.get("VCC_ENQUEUED", ""))
    except ValueError:
        enqueued_at = _at(m)
    priority = caller.get("VCC_PRIORITY", "")
    tech = m["DestChannel"].partition("/")[0]  # DialString is the resource alone: 1001
    return CallerTookReservation(
        _at(m), queue, m["Channel"], m["Uniqueid"], enqueued_at,
        int(priority) if priority.isdecimal() else 0,
        offer_id=offer_id, endpoint=f"{tech}/{m['DialString']}",
        leg_channel=m["DestChannel"], leg_uniqueid=m["DestUniqueid"],
    )  # fmt: skip


def _originate(m: Headers) -> PbxEvent | None:
    action_id = m["ActionID"]
    if not action_id.startswith(ORIGINATE_ACTION_PREFIX):
        return None
    answered = m["Response"] == "Success"
    reason = None if answered else _ORIGINATE_REASONS.get(m["Reason"], OriginateFailure.UNREACHABLE)
    return OriginateFinished(
        _at(m), action_id.removeprefix(ORIGINATE_ACTION_PREFIX), answered, reason
    )


def _hangup(m: Headers) -> PbxEvent:
    try:
        cause = int(m["Cause"])
    except ValueError:
        cause = 0
    return ChannelHungUp(_at(m), m["Channel"], m["Uniqueid"], cause, m["Cause-txt"])


def _contact(m: Headers) -> PbxEvent:
    # Created/Updated/NonQualified/Reachable: a phone is there; Removed/Unreachable: not.
    reachable = m["ContactStatus"] not in ("Removed", "Unreachable", "Unknown")
    return ContactChanged(_at(m), m["EndpointName"], reachable)


PARSERS: dict[str, Callable[[Headers], PbxEvent | None]] = {
    "FullyBooted": lambda m: PbxReady(_at(m)),
    "UserEvent": _user_event,
    "Newchannel": lambda m: ChannelCreated(
        _at(m), m["Channel"], m["Uniqueid"], m["CallerIDNum"], m["Exten"], m["Context"]
    ),
    "Newstate": lambda m: ChannelStateChanged(
        _at(m), m["Channel"], m["Uniqueid"], ChannelState.parse(m["ChannelStateDesc"])
    ),
    "Hangup": _hangup,
    "OriginateResponse": _originate,
    "BridgeEnter": lambda m: ChannelEnteredBridge(
        _at(m), m["BridgeUniqueid"], m["Channel"], m["Uniqueid"]
    ),
    "BridgeLeave": lambda m: ChannelLeftBridge(
        _at(m), m["BridgeUniqueid"], m["Channel"], m["Uniqueid"]
    ),
    "MusicOnHoldStart": lambda m: HoldMusicStarted(_at(m), m["Channel"], m["Uniqueid"], m["Class"]),
    "MusicOnHoldStop": lambda m: HoldMusicStopped(_at(m), m["Channel"], m["Uniqueid"]),
    "ContactStatus": _contact,
    "DialBegin": _dial_begin,
    "DialEnd": lambda m: DialEnded(
        _at(m), m["Channel"], m["Uniqueid"], m["DestChannel"], m["DestUniqueid"], m["DialStatus"]
    ),
}


def parse(name: str, message: Headers) -> PbxEvent | None:
    parser = PARSERS.get(name)
    return parser(message) if parser is not None else None
