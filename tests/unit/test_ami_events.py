"""AMI messages become typed events at the edge: one table, forgiving about headers."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest
from panoramisk.message import Message

from vcc.pbx import ami_events
from vcc.pbx.ami_events import Lenient
from vcc.pbx.events import (
    CallerEnqueued,
    ChannelCreated,
    ChannelEnteredBridge,
    ChannelHungUp,
    ChannelLeftBridge,
    ChannelState,
    ChannelStateChanged,
    ContactChanged,
    HoldMusicStarted,
    HoldMusicStopped,
    OriginateFailure,
    OriginateFinished,
    PbxEvent,
    PbxReady,
)

AT = "1700000000.250000"
T = 1700000000.25


def parse(headers: Mapping[str, str], *, as_message: bool) -> PbxEvent | None:
    """Through ``Lenient`` over a plain dict, or over panoramisk's own Message."""
    message = Message(dict(headers)) if as_message else dict(headers)
    return ami_events.parse(headers["Event"], Lenient(message))


both = pytest.mark.parametrize("as_message", [False, True], ids=["dict", "panoramisk"])


@both
def test_vcc_enqueue_user_event_is_a_caller_enqueued(as_message: bool) -> None:
    headers = {
        "Event": "UserEvent",
        "Privilege": "user,all",
        "Channel": "PJSIP/2001-00000003",
        "Uniqueid": "1700000000.7",
        "UserEvent": "VccEnqueue",
        "Queue": "support",
        "CallerChannel": "PJSIP/2001-00000003",
        "CallerUniqueid": "1700000000.7",
        "Enqueued": "1699999999.5",
        "Timestamp": AT,
    }

    assert parse(headers, as_message=as_message) == CallerEnqueued(
        T, "support", "PJSIP/2001-00000003", "1700000000.7", 1699999999.5
    )


@both
def test_an_enqueue_without_a_readable_enqueued_time_uses_the_event_time(as_message: bool) -> None:
    headers = {"Event": "UserEvent", "UserEvent": "VccEnqueue", "Queue": "support",
               "CallerChannel": "PJSIP/2001-1", "CallerUniqueid": "1.1", "Enqueued": "",
               "Timestamp": AT}  # fmt: skip

    event = parse(headers, as_message=as_message)

    assert isinstance(event, CallerEnqueued)
    assert event.enqueued_at == T


@both
def test_a_user_event_with_another_name_is_not_ours(as_message: bool) -> None:
    headers = {"Event": "UserEvent", "UserEvent": "SomethingElse", "Queue": "support"}

    assert parse(headers, as_message=as_message) is None


@both
def test_newchannel_is_a_channel_created(as_message: bool) -> None:
    headers = {
        "Event": "Newchannel",
        "Channel": "PJSIP/1001-00000004",
        "ChannelState": "0",
        "ChannelStateDesc": "Down",
        "CallerIDNum": "1001",
        "CallerIDName": "<unknown>",
        "Context": "vcc-connect",
        "Exten": "s",
        "Priority": "1",
        "Uniqueid": "vcc-1",
        "Linkedid": "vcc-1",
        "Timestamp": AT,
    }

    assert parse(headers, as_message=as_message) == ChannelCreated(
        T, "PJSIP/1001-00000004", "vcc-1", "1001", "s", "vcc-connect"
    )


@both
@pytest.mark.parametrize(
    ("desc", "state"),
    [
        ("Ringing", ChannelState.RINGING),
        ("Ring", ChannelState.RING),
        ("Up", ChannelState.UP),
        ("Busy", ChannelState.BUSY),
        ("Rsrvd", ChannelState.RESERVED),
        ("up", ChannelState.UP),
        ("Pre-ring", ChannelState.UNKNOWN),
        ("", ChannelState.UNKNOWN),
    ],
)
def test_newstate_is_a_channel_state_change(
    as_message: bool, desc: str, state: ChannelState
) -> None:
    headers = {"Event": "Newstate", "Channel": "PJSIP/1001-4", "Uniqueid": "vcc-1",
               "ChannelState": "6", "ChannelStateDesc": desc, "Timestamp": AT}  # fmt: skip

    assert parse(headers, as_message=as_message) == ChannelStateChanged(
        T, "PJSIP/1001-4", "vcc-1", state
    )


@both
def test_hangup_is_a_channel_hung_up_with_its_cause(as_message: bool) -> None:
    headers = {"Event": "Hangup", "Channel": "PJSIP/2001-3", "Uniqueid": "1700000000.7",
               "Cause": "16", "Cause-txt": "Normal Clearing", "Timestamp": AT}  # fmt: skip

    assert parse(headers, as_message=as_message) == ChannelHungUp(
        T, "PJSIP/2001-3", "1700000000.7", 16, "Normal Clearing"
    )


@both
def test_a_hangup_without_a_numeric_cause_has_cause_zero(as_message: bool) -> None:
    headers = {"Event": "Hangup", "Channel": "PJSIP/2001-3", "Uniqueid": "u", "Timestamp": AT}

    assert parse(headers, as_message=as_message) == ChannelHungUp(T, "PJSIP/2001-3", "u", 0, "")


def originate_response(
    response: str, reason: str, action_id: str = "vcc-originate/vcc-7"
) -> dict[str, str]:
    return {
        "Event": "OriginateResponse",
        "ActionID": action_id,
        "Response": response,
        "Channel": "PJSIP/1001",
        "Context": "vcc-connect",
        "Exten": "s",
        "Reason": reason,
        "Uniqueid": "<null>",
        "CallerIDNum": "<unknown>",
        "Timestamp": AT,
    }  # fmt: skip


@both
def test_a_successful_originate_response_is_an_answered_originate(as_message: bool) -> None:
    event = parse(originate_response("Success", "4"), as_message=as_message)

    assert event == OriginateFinished(T, "vcc-7", answered=True, reason=None)


@both
@pytest.mark.parametrize(
    ("reason", "failure"),
    [
        ("0", OriginateFailure.UNREACHABLE),  # no such endpoint / not registered
        ("1", OriginateFailure.HUNG_UP),
        ("3", OriginateFailure.NO_ANSWER),
        ("5", OriginateFailure.BUSY),
        ("8", OriginateFailure.UNREACHABLE),  # congestion
        ("", OriginateFailure.UNREACHABLE),
        ("42", OriginateFailure.UNREACHABLE),
    ],
)
def test_a_failed_originate_response_says_why(
    as_message: bool, reason: str, failure: OriginateFailure
) -> None:
    event = parse(originate_response("Failure", reason), as_message=as_message)

    assert event == OriginateFinished(T, "vcc-7", answered=False, reason=failure)


@both
def test_an_originate_response_to_someone_elses_action_is_not_ours(as_message: bool) -> None:
    headers = originate_response("Success", "4", action_id="action/1234/1/5")

    assert parse(headers, as_message=as_message) is None


@both
@pytest.mark.parametrize(
    ("name", "kind"),
    [("BridgeEnter", ChannelEnteredBridge), ("BridgeLeave", ChannelLeftBridge)],
)
def test_bridge_enter_and_leave_name_the_bridge_and_channel(
    as_message: bool, name: str, kind: type[ChannelEnteredBridge | ChannelLeftBridge]
) -> None:
    headers = {"Event": name, "BridgeUniqueid": "b-1", "BridgeType": "basic",
               "Channel": "PJSIP/2001-3", "Uniqueid": "1700000000.7", "Timestamp": AT}  # fmt: skip

    assert parse(headers, as_message=as_message) == kind(T, "b-1", "PJSIP/2001-3", "1700000000.7")


@both
@pytest.mark.parametrize(
    ("name", "kind"),
    [("MusicOnHoldStart", HoldMusicStarted), ("MusicOnHoldStop", HoldMusicStopped)],
)
def test_music_on_hold_start_and_stop(
    as_message: bool, name: str, kind: type[HoldMusicStarted | HoldMusicStopped]
) -> None:
    headers = {"Event": name, "Channel": "PJSIP/2001-3", "Uniqueid": "1700000000.7",
               "Class": "default", "Timestamp": AT}  # fmt: skip

    parsed = parse(headers, as_message=as_message)
    assert isinstance(parsed, kind)
    assert (parsed.at, parsed.channel, parsed.uniqueid) == (T, "PJSIP/2001-3", "1700000000.7")
    if isinstance(parsed, HoldMusicStarted):  # which class: each queue may have its own
        assert parsed.moh_class == "default"


@both
@pytest.mark.parametrize(
    ("status", "reachable"),
    [("Reachable", True), ("Created", True), ("Unreachable", False), ("Removed", False)],
)
def test_contact_status_says_whether_the_phone_is_reachable(
    as_message: bool, status: str, reachable: bool
) -> None:
    headers = {"Event": "ContactStatus", "URI": "sip:1001@127.0.0.1:25100", "ContactStatus": status,
               "AOR": "1001", "EndpointName": "1001", "Timestamp": AT}  # fmt: skip

    assert parse(headers, as_message=as_message) == ContactChanged(T, "1001", reachable)


@both
def test_fully_booted_is_pbx_ready(as_message: bool) -> None:
    headers = {"Event": "FullyBooted", "Status": "Fully Booted", "Timestamp": AT}

    assert parse(headers, as_message=as_message) == PbxReady(T)


@both
@pytest.mark.parametrize("name", ["VarSet", "Newexten", "PeerStatus", "DTMFBegin", ""])
def test_events_outside_the_table_are_dropped(as_message: bool, name: str) -> None:
    assert parse({"Event": name, "Channel": "PJSIP/1001-4"}, as_message=as_message) is None


@both
def test_missing_headers_read_as_empty_strings_not_key_errors(as_message: bool) -> None:
    before = time.time()

    created = parse({"Event": "Newchannel"}, as_message=as_message)
    hung_up = parse({"Event": "Hangup"}, as_message=as_message)
    enqueued = parse({"Event": "UserEvent", "UserEvent": "VccEnqueue"}, as_message=as_message)

    assert isinstance(created, ChannelCreated)
    assert (created.channel, created.uniqueid, created.caller_id) == ("", "", "")
    assert hung_up == ChannelHungUp(hung_up.at, "", "", 0, "")  # type: ignore[union-attr]
    assert isinstance(enqueued, CallerEnqueued)
    assert enqueued.queue == enqueued.uniqueid == ""
    # No (or no readable) Timestamp: the event is stamped with our own clock.
    assert before <= created.at <= time.time()


def test_a_repeated_header_from_panoramisk_reads_as_its_first_value() -> None:
    wire = (
        "Event: UserEvent\r\nUserEvent: VccEnqueue\r\nQueue: support\r\nQueue: sales\r\n"
        "CallerChannel: PJSIP/2001-3\r\nCallerUniqueid: 1.7\r\nEnqueued: 5.0\r\nTimestamp: 9.0"
    )
    message = Message.from_line(wire)
    assert message is not None
    assert message["Queue"] == ["support", "sales"]  # what panoramisk hands over

    event = ami_events.parse("UserEvent", Lenient(message))

    assert event == CallerEnqueued(9.0, "support", "PJSIP/2001-3", "1.7", 5.0)


def test_lenient_reads_headers_case_insensitively_through_panoramisk() -> None:
    headers = Lenient(Message({"Event": "Hangup", "UNIQUEID": "u-1"}))

    assert headers["Uniqueid"] == "u-1"
    assert headers["event"] == "Hangup"
    assert headers["Absent"] == ""


def test_lenient_reads_an_empty_repeated_header_as_empty() -> None:
    assert Lenient({"Variable": []})["Variable"] == ""
    assert Lenient({"Count": 3})["Count"] == "3"
