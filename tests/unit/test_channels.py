"""The digital desk (vcc.core.channels) with the call router: capacity per channel,
channel priority, offers that time out, and no call for an agent busy on a chat
unless the admin allows it — the router and the desk on the same agents."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from vcc.core.agents import Status
from vcc.core.channels import (
    BusyElsewhere,
    Capacity,
    Channel,
    Desk,
    DeskTick,
    OfferWork,
    WithdrawWork,
    WorkAccepted,
    WorkArrived,
    WorkDeclined,
    WorkEnded,
    WorkRefused,
    handle,
)
from vcc.core.queues import QueueConfig
from vcc.core.routing import (
    Agent,
    CallerArrived,
    OtherWorkChanged,
    ReleaseReservation,
    ReserveAgent,
    RingAgent,
    RouterState,
    Tick,
)
from vcc.core.routing import handle as route_call

QUEUES = {"support": QueueConfig("support")}


def agents(*ids: str) -> dict[str, Agent]:
    return {
        a: Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.AVAILABLE, idle_since=float(n))
        for n, a in enumerate(ids)
    }


def test_an_available_agent_gets_chats_up_to_the_capacity_then_the_next_agent() -> None:
    team = agents("1001", "1002")
    desk = Desk(Capacity(MappingProxyType({Channel.CHAT: 2, Channel.EMAIL: 1,
                                           Channel.VOICEMAIL: 1})))  # fmt: skip
    offers = []
    for n in range(4):
        desk, out = handle(desk, team, QUEUES, WorkArrived(f"c{n}", Channel.CHAT, "support", n))
        offers += [(c.work_id, c.agent_id) for c in out if isinstance(c, OfferWork)]
    # The least loaded, then the longest idle.
    assert offers == [("c0", "1001"), ("c1", "1002"), ("c2", "1001"), ("c3", "1002")]
    assert desk.load("1001")[Channel.CHAT] == 2
    desk, out = handle(desk, team, QUEUES, WorkArrived("c4", Channel.CHAT, "support", 5))
    assert not [c for c in out if isinstance(c, OfferWork)]  # everyone full: it waits
    desk, out = handle(desk, team, QUEUES, WorkEnded("c0", 6))
    assert [c for c in out if isinstance(c, OfferWork)] == [OfferWork("c4", "1001", Channel.CHAT)]


def test_a_chatting_agent_gets_no_call_unless_the_admin_allows_it() -> None:
    team = agents("1001")
    desk, out = handle(Desk(), team, QUEUES, WorkArrived("c0", Channel.CHAT, "support", 1))
    assert BusyElsewhere("1001", True) in out
    calls = RouterState.create(team.values(), [QUEUES["support"]])
    calls, _ = route_call(calls, OtherWorkChanged("1001", True, 1))
    calls, commands = route_call(calls, CallerArrived("call-1", "PJSIP/2001-1", "support", 2))
    assert not [c for c in commands if isinstance(c, RingAgent)]  # the caller waits
    desk, out = handle(desk, team, QUEUES, WorkEnded("c0", 3))
    assert BusyElsewhere("1001", False) in out
    calls, commands = route_call(calls, OtherWorkChanged("1001", False, 3))
    assert [c.agent_id for c in commands if isinstance(c, RingAgent)] == ["1001"]

    allowed = Desk(Capacity(calls_with_other_work=True))
    _, out = handle(allowed, team, QUEUES, WorkArrived("c1", Channel.CHAT, "support", 4))
    assert not [c for c in out if isinstance(c, BusyElsewhere)]


def test_an_agent_on_a_call_or_not_available_gets_no_chat() -> None:
    team = agents("1001", "1002", "1003")
    team["1001"] = replace(team["1001"], offer_id="call-offer")
    team["1002"] = replace(team["1002"], status=Status.BREAK)
    _, out = handle(Desk(), team, QUEUES, WorkArrived("c0", Channel.CHAT, "support", 1))
    assert [c for c in out if isinstance(c, OfferWork)] == [OfferWork("c0", "1003", Channel.CHAT)]


def test_an_agent_only_reserved_for_the_next_caller_gets_a_chat_and_the_router_lets_go() -> None:
    """The fast path keeps a free agent for each queue's next caller: that agent is
    free for a chat, and once told, the router releases the reservation (the PBX
    would otherwise ring her for a caller while she has the chat)."""
    team = agents("1001")
    calls = replace(RouterState.create(team.values(), [QUEUES["support"]]), reserve_agents=True)
    calls, commands = route_call(calls, Tick(1))
    assert [c.agent_id for c in commands if isinstance(c, ReserveAgent)] == ["1001"]
    reserved = frozenset(calls.reservations.values())
    _, out = handle(Desk(), calls.agents, QUEUES, WorkArrived("c0", Channel.CHAT, "support", 2))
    assert not [c for c in out if isinstance(c, OfferWork)]  # not without the reservations
    desk, out = handle(Desk(), calls.agents, QUEUES,
                       WorkArrived("c0", Channel.CHAT, "support", 2), reserved)  # fmt: skip
    assert OfferWork("c0", "1001", Channel.CHAT) in out
    assert BusyElsewhere("1001", True) in out
    calls, commands = route_call(calls, OtherWorkChanged("1001", True, 2))
    assert [c.queue for c in commands if isinstance(c, ReleaseReservation)] == ["support"]
    assert calls.reservations == {}
    assert calls.agents["1001"].offer_id is None
    calls, commands = route_call(calls, CallerArrived("call-1", "PJSIP/2001-1", "support", 3))
    assert not [c for c in commands if isinstance(c, RingAgent | ReserveAgent)]  # it waits
    # A real call (ringing, talking) still keeps the agent from chats.
    ringing = replace(calls.agents["1001"], offer_id="call-offer")
    _, out = handle(desk, {"1001": ringing}, QUEUES,
                    WorkArrived("c1", Channel.CHAT, "support", 4), reserved)  # fmt: skip
    assert not [c for c in out if isinstance(c, OfferWork)]


def test_an_agent_with_their_own_limit_takes_that_many_the_others_the_default() -> None:
    team = agents("1001", "1002")
    own = {"1002": {Channel.CHAT: 3}, "1001": {Channel.EMAIL: 0}}
    capacity = Capacity({Channel.CHAT: 1, Channel.EMAIL: 1, Channel.VOICEMAIL: 1}, per_agent=own)
    desk, offers = Desk(capacity), []
    for n in range(5):
        desk, out = handle(desk, team, QUEUES, WorkArrived(f"c{n}", Channel.CHAT, "support", n))
        offers += [c.agent_id for c in out if isinstance(c, OfferWork)]
    assert offers == ["1001", "1002", "1002", "1002"]  # c4 waits: both at their limit
    desk, out = handle(desk, team, QUEUES, WorkArrived("m0", Channel.EMAIL, "support", 6))
    assert [c.agent_id for c in out if isinstance(c, OfferWork)] == ["1002"]  # anna takes none
    with pytest.raises(ValueError, match="0 to 50"):
        Capacity(per_agent={"1001": {Channel.CHAT: 51}})


def test_voicemail_before_chat_before_email_then_arrival() -> None:
    team = agents("1001")
    desk = Desk(Capacity(MappingProxyType({Channel.CHAT: 1, Channel.EMAIL: 1,
                                           Channel.VOICEMAIL: 1})))  # fmt: skip
    team_away = {"1001": replace(team["1001"], status=Status.BREAK)}
    for n, channel in enumerate((Channel.EMAIL, Channel.CHAT, Channel.VOICEMAIL)):
        desk, _ = handle(desk, team_away, QUEUES, WorkArrived(f"w{n}", channel, "support", n))
    desk, out = handle(desk, team, QUEUES, DeskTick(10))  # back: all three at once
    offered = [c.work_id for c in out if isinstance(c, OfferWork)]
    assert offered == ["w2", "w1", "w0"]


def test_an_offer_declined_or_not_taken_in_time_goes_to_someone_else() -> None:
    team = agents("1001", "1002")
    desk, _ = handle(Desk(), team, QUEUES, WorkArrived("c0", Channel.CHAT, "support", 0))
    desk, out = handle(desk, team, QUEUES, WorkDeclined("c0", "1001", 1))
    assert [c for c in out if isinstance(c, OfferWork)] == [OfferWork("c0", "1002", Channel.CHAT)]
    desk, out = handle(desk, team, QUEUES, DeskTick(1 + desk.capacity.offer_timeout))
    assert WithdrawWork("c0", "1002") in out
    assert not [c for c in out if isinstance(c, OfferWork)]  # both passed on it: it waits
    desk, out = handle(desk, team, QUEUES, WorkArrived("c1", Channel.CHAT, "support", 40))
    desk, out = handle(desk, team, QUEUES, WorkAccepted("c1", "1001", 41))
    assert desk.work["c1"].accepted
    _, out = handle(desk, team, QUEUES, WorkAccepted("c1", "1002", 42))
    assert out[0] == WorkRefused("c1", "not-offered-to-you")


def test_work_for_an_unknown_queue_or_twice_is_refused() -> None:
    team = agents("1001")
    _, out = handle(Desk(), team, QUEUES, WorkArrived("x", Channel.EMAIL, "nowhere", 0))
    assert out == [WorkRefused("x", "unknown-queue")]
    desk, _ = handle(Desk(), team, QUEUES, WorkArrived("y", Channel.EMAIL, "support", 0))
    _, out = handle(desk, team, QUEUES, WorkArrived("y", Channel.EMAIL, "support", 1))
    assert out[0] == WorkRefused("y", "duplicate")


def test_an_offer_open_when_its_agent_goes_on_break_goes_to_someone_else() -> None:
    team = agents("1001", "1002")
    desk, out = handle(Desk(), team, QUEUES, WorkArrived("c0", Channel.CHAT, "support", 1))
    assert OfferWork("c0", "1001", Channel.CHAT) in out
    team["1001"] = replace(team["1001"], status=Status.BREAK)
    desk, out = handle(desk, team, QUEUES, DeskTick(2))
    assert WithdrawWork("c0", "1001") in out
    assert OfferWork("c0", "1002", Channel.CHAT) in out
    assert "1001" not in desk.work["c0"].declined_by  # theirs again once back
