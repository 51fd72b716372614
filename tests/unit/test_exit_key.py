"""A queue's exit key and music class in the pure router, and what the engine asks the
PBX to do for them: the key takes a waiting caller to the queue's exit destination
(another queue, or a message and goodbye), also while the controller rings an agent
for them, never once a call connects; a moved caller's music becomes the new queue's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pytest

from vcc.core.agents import Status
from vcc.core.queues import OverflowToMessage, OverflowToQueue, QueueConfig
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    AnnouncePosition,
    CallerArrived,
    CallerPressedKey,
    Command,
    Event,
    InteractionEnded,
    MoveCaller,
    OfferEnded,
    OfferFailed,
    ReservationTaken,
    RingAgent,
    RouterState,
    SendCallerAway,
    StopRinging,
    Tick,
    handle,
)
from vcc.engine import WAIT_CONTEXT, Engine
from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import PbxEvent

CHANNEL = "PJSIP/2001-1"
TO_SALES = QueueConfig("support", exit_key="0", exit_to=OverflowToQueue("sales"))
TO_MESSAGE = QueueConfig("support", exit_key="#", exit_to=OverflowToMessage("custom/bye"))


def run(state: RouterState, *events: Event) -> tuple[RouterState, list[Command]]:
    out: list[Command] = []
    for event in events:
        state, commands = handle(state, event)
        out += commands
    return state, out


def router(
    support: QueueConfig,
    *agents: Agent,
    sales: QueueConfig | None = None,
    reserve_agents: bool = False,
) -> RouterState:
    return RouterState.create(
        agents or [Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.BREAK)],
        [support, sales or QueueConfig("sales")],
        reserve_agents=reserve_agents,
    )


def arrive(state: RouterState, queue: str = "support") -> tuple[RouterState, list[Command]]:
    return run(state, CallerArrived("c1", CHANNEL, queue, 1.0))


def test_a_queue_without_an_exit_key_ignores_every_key() -> None:
    state, _ = arrive(router(QueueConfig("support")))
    for key in "0123456789*#":
        state, out = run(state, CallerPressedKey("c1", key, 2.0))
        assert out == []
    assert [c.queue for c in state.waiting] == ["support"]


def test_a_key_from_a_caller_who_is_not_waiting_does_nothing() -> None:
    state, _ = arrive(router(TO_MESSAGE))
    _, out = run(state, CallerPressedKey("someone-else", "#", 2.0))
    assert out == []


def test_the_exit_key_while_the_controller_rings_an_agent_stops_that_phone() -> None:
    available = Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)
    state, out = arrive(router(TO_MESSAGE, available))
    [ring] = [c for c in out if isinstance(c, RingAgent)]

    state, out = run(state, CallerPressedKey("c1", "#", 2.0))

    # The phone stops before the caller goes: an answer now would bridge them.
    assert out == [
        StopRinging(ring.offer_id),
        SendCallerAway("c1", CHANNEL, "custom/bye", "exit-key"),
        InteractionEnded("c1", "exited", 2.0),
    ]
    assert not state.waiting
    state, out = run(state, OfferFailed(ring.offer_id, "hung-up", 2.1))
    assert out == [OfferEnded(ring.offer_id, "cancelled", 2.1)]
    agent = state.agents["a1"]
    assert (agent.status, agent.offer_id, agent.missed_offers) == (Status.AVAILABLE, None, 0)


def test_a_caller_who_exits_while_ringing_into_another_queue_may_get_the_same_agent() -> None:
    both = Agent("a1", "PJSIP/1001", {"support": 0, "sales": 0}, status=Status.AVAILABLE)
    state, out = arrive(router(TO_SALES, both))
    [ring] = [c for c in out if isinstance(c, RingAgent)]

    state, out = run(state, CallerPressedKey("c1", "0", 2.0))
    assert out == [StopRinging(ring.offer_id), MoveCaller("c1", CHANNEL, "sales", "exit-key", True)]
    assert [c.queue for c in state.waiting] == ["sales"]
    assert not any(isinstance(c, RingAgent) for c in out)  # not before that phone is down

    state, out = run(state, OfferFailed(ring.offer_id, "hung-up", 2.1))
    # Stopped by vcc, so no miss: the agent may take the caller in their new queue.
    [again] = [c for c in out if isinstance(c, RingAgent)]
    assert (again.call_id, again.agent_id) == ("c1", "a1")
    assert state.waiting[0].tried == frozenset()


def test_the_exit_key_is_late_once_the_agent_answered() -> None:
    available = Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)
    state, out = arrive(router(TO_MESSAGE, available))
    [ring] = [c for c in out if isinstance(c, RingAgent)]
    state, _ = run(state, AgentAnswered(ring.offer_id, 2.0))

    state, out = run(state, CallerPressedKey("c1", "#", 2.1))

    assert out == []
    assert state.agents["a1"].status is Status.BUSY


def test_the_exit_key_does_not_stop_a_ring_of_the_pbx_own_dial() -> None:
    # The fast path: the caller's own Dial rings the agent; a key from the caller then
    # can only be a stale one, the wait loop being where keys come from.
    available = Agent("a1", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)
    state, out = run(router(TO_MESSAGE, available, reserve_agents=True), Tick(0.5))
    offer_id = state.reservations["support"]
    taken = ReservationTaken("support", offer_id, "c1", CHANNEL, 1.0, 0, 1.0)
    state, _ = run(state, taken)

    state, out = run(state, CallerPressedKey("c1", "#", 1.5))

    assert out == []
    assert [c.call_id for c in state.waiting] == ["c1"]


def test_exiting_into_a_full_queue_hears_that_queues_message_and_ends_exited() -> None:
    sales = QueueConfig("sales", max_length=1, overflow=OverflowToMessage("custom/full"))
    agent = Agent("a1", "PJSIP/1001", {"support": 0, "sales": 0}, status=Status.BREAK)
    state, _ = run(
        router(TO_SALES, agent, sales=sales),
        CallerArrived("c0", "PJSIP/2002-1", "sales", 0.5),
        CallerArrived("c1", CHANNEL, "support", 1.0),
    )

    state, out = run(state, CallerPressedKey("c1", "0", 2.0))

    assert out == [
        SendCallerAway("c1", CHANNEL, "custom/full", "exit-key"),
        InteractionEnded("c1", "exited", 2.0),
    ]
    assert [c.call_id for c in state.waiting] == ["c0"]


def test_the_exit_key_always_restarts_the_music_it_was_pressed_in() -> None:
    # The router may just have asked for an announcement: the key came from the music.
    state, _ = arrive(router(TO_SALES))
    waiting = tuple(replace(c, hearing_music=False) for c in state.waiting)
    _, out = run(replace(state, waiting=waiting), CallerPressedKey("c1", "0", 2.0))
    assert out == [MoveCaller("c1", CHANNEL, "sales", "exit-key", restart_music=True)]


def test_a_moved_caller_hearing_an_announcement_gets_the_new_music_when_it_ends() -> None:
    support = QueueConfig(
        "support", max_wait=10.0, overflow=OverflowToQueue("sales"), announce_position_every=5.0
    )
    state, _ = arrive(router(support))
    state, out = run(state, Tick(6.0))
    assert any(isinstance(c, AnnouncePosition) for c in out)  # the caller hears it now

    # Waited too long, still in the announcement: it ends in the wait loop, which then
    # starts with sales' class; cutting it short would gain nothing.
    _, out = run(state, Tick(11.0))
    assert MoveCaller("c1", CHANNEL, "sales", "max-wait", restart_music=False) in out


# -- the engine: what the PBX is asked -----------------------------------------------------
class RecordingDriver:
    """The PBX actions the engine takes, in order; no PBX behind them."""

    supports_reservations = False

    def __init__(self) -> None:
        self.events: asyncio.Queue[PbxEvent] = asyncio.Queue()
        self.actions: list[tuple[str, ...]] = []

    def subscribe(self, sink: Callable[[PbxEvent], None]) -> None:
        pass

    async def set_variable(self, channel: str, name: str, value: str) -> None:
        self.actions.append(("set", channel, name, value))

    async def redirect(self, channel: str, context: str, **_: Any) -> None:
        self.actions.append(("redirect", channel, context))

    async def hangup(self, channel: str) -> None:
        self.actions.append(("hangup", channel))


@pytest.mark.parametrize("hearing_music", [True, False])
async def test_the_engine_restarts_the_music_of_a_moved_caller_who_hears_it(
    hearing_music: bool,
) -> None:
    driver = RecordingDriver()
    support = QueueConfig("support", max_wait=3.0, overflow=OverflowToQueue("sales"))
    engine = Engine(cast(PbxDriver, driver), router(support), clock=lambda: 1.0)
    task = asyncio.create_task(engine.run())
    try:
        await engine.ask(CallerArrived("c1", CHANNEL, "support", 1.0))
        if not hearing_music:  # as if an announcement were playing
            waiting = tuple(replace(c, hearing_music=False) for c in engine.state.waiting)
            engine.state = replace(engine.state, waiting=waiting)
        await engine.ask(Tick(5.0))  # waited too long: over to sales
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    moved = [
        ("set", CHANNEL, "VCC_QUEUE", "sales"),
        ("set", CHANNEL, "VCC_ENQUEUED", "5"),
    ]
    restart = [("redirect", CHANNEL, WAIT_CONTEXT)] if hearing_music else []
    assert driver.actions == moved + restart
