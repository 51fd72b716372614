"""The router's records reach the database: interactions, offers, status changes."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.agents import Status, StatusRequest
from vcc.core.queues import QueueConfig
from vcc.core.routing import (
    Agent,
    AgentAnswered,
    CallAgentFirst,
    CallEnded,
    CallerArrived,
    CallerLeft,
    Command,
    DispositionSet,
    Event,
    InteractionEnded,
    InteractionStarted,
    OfferAdopted,
    OfferEnded,
    OfferFailed,
    Record,
    RingAgent,
    RouterState,
    StatusChanged,
    StatusRequested,
    handle,
)
from vcc.store import repository
from vcc.store.journal import StoreJournal, last_statuses
from vcc.store.models import Interaction, InteractionOffer


async def setup_db(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await repository.add_queue(session, id="support", name="Support", extension="7000")
        for agent_id in ("1001", "1002"):
            await repository.add_agent(
                session, id=agent_id, name=agent_id, extension=agent_id, sip_password="x" * 12
            )
        await session.commit()


async def write_all(
    sessions: async_sessionmaker[AsyncSession],
    records: tuple[Record | RingAgent | CallAgentFirst, ...],
) -> None:
    """Through a StoreJournal as the engine uses one; every record must be accepted."""
    journal = StoreJournal(sessions)
    for record in records:
        journal.submit(record, 100.0)
    writer = asyncio.create_task(journal.run())
    await journal.drain()
    writer.cancel()
    assert journal.refused == 0


def run(events: list[Event]) -> list[tuple[Command, float]]:
    agents = [
        Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.AVAILABLE, idle_since=i)
        for i, a in enumerate(("1001", "1002"))
    ]
    state = RouterState.create(agents, [QueueConfig("support")], id_prefix="t")
    out: list[tuple[Command, float]] = []
    for event in events:
        state, commands = handle(state, event)
        out += [(c, state.now) for c in commands]
    return out


async def test_a_call_its_offers_and_statuses_are_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    journal = StoreJournal(sessions)
    commands = run(
        [
            CallerArrived("c1", "PJSIP/2001-1", "support", 100.0),  # rings 1001 (t-2)
            OfferFailed("t-2", "no-answer", 115.0),  # → rings 1002 (t-3)
            AgentAnswered("t-3", 116.0),
            CallEnded("t-3", 180.0),
            CallerArrived("c2", "PJSIP/2001-2", "support", 200.0),
            CallerLeft("c2"),  # hangs up while 1001 rings: abandoned
            StatusRequested("1002", StatusRequest(Status.BREAK), 210.0, "1002"),
        ]
    )
    for command, at in commands:
        if isinstance(
            command, InteractionStarted | OfferEnded | InteractionEnded | StatusChanged | RingAgent
        ):
            journal.submit(command, at)
    writer = asyncio.create_task(journal.run())
    await journal.drain()
    writer.cancel()
    assert journal.refused == 0, "every record was accepted"

    async with sessions() as session:
        c1 = await session.get(Interaction, "c1")
        c2 = await session.get(Interaction, "c2")
        offers = (
            await session.scalars(select(InteractionOffer).order_by(InteractionOffer.offered_at))
        ).all()
        statuses = await last_statuses(session)
    assert c1 is not None
    assert c1.outcome == "answered"
    assert c1.agent_id == "1002"
    assert c2 is not None
    assert c2.outcome == "abandoned"
    assert [(o.agent_id, o.result) for o in offers] == [
        ("1001", "no_answer"),
        ("1002", "answered"),
        ("1001", "cancelled"),
    ]
    assert statuses["1002"][0] is Status.BREAK
    assert "1001" not in statuses  # it rang twice but never changed status


async def test_a_disposition_given_in_wrap_up_is_stored_with_the_interaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    await write_all(
        sessions,
        (
            InteractionStarted("c9", "support", 0, 100.0),
            RingAgent("t-9", "1001", "PJSIP/1001", "c9", "PJSIP/2001-9", 15.0),
            OfferEnded("t-9", "answered", 101.0),
            InteractionEnded("c9", "answered", 160.0),
            DispositionSet("c9", "1001", "sale", 170.0),
        ),
    )

    async with sessions() as session:
        c9 = await session.get(Interaction, "c9")
    assert c9 is not None
    assert c9.disposition == "sale"


async def test_an_agents_own_call_that_found_the_line_busy_is_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    await write_all(
        sessions,
        (
        InteractionStarted("out-1", None, 0, 100.0, number="0201234567"),
        CallAgentFirst("out-1", "out-1", "1001", "PJSIP/1001", "0201234567",
                       "PJSIP/0201234567@trunk", 20.0, 45.0),
        OfferEnded("out-1", "answered", 103.0),
        InteractionEnded("out-1", "busy", 110.0),
        ),
    )  # fmt: skip

    async with sessions() as session:
        call = await session.get(Interaction, "out-1")
    assert call is not None
    assert (call.caller, call.queue_id, call.agent_id, call.outcome) == (
        "0201234567", None, "1001", "busy",
    )  # fmt: skip


async def test_an_adopted_call_the_dead_controller_never_wrote_down_is_recorded_whole(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    await write_all(
        sessions,
        (
            InteractionStarted("c7", "support", 0, 100.0),  # written before the crash…
            OfferAdopted("t-7", "1001", "c7", "support", 130.0),  # …the offer was not
            OfferEnded("t-7", "answered", 130.0),
            InteractionEnded("c7", "answered", 190.0),
            OfferAdopted("t-8", "1002", "c8", "support", 140.0),  # nothing of it was written
            OfferAdopted("t-8", "1002", "c8", "support", 141.0),  # a second resync: no change
            OfferEnded("t-8", "answered", 140.0),
            InteractionEnded("c8", "answered", 200.0),
        ),
    )

    async with sessions() as session:
        c7 = await session.get(Interaction, "c7")
        c8 = await session.get(Interaction, "c8")
    assert c7 is not None
    assert (c7.outcome, c7.agent_id) == ("answered", "1001")
    assert c8 is not None
    assert (c8.outcome, c8.agent_id, c8.queue_id) == ("answered", "1002", "support")
