"""The repository functions the engine and the API call: the status log, the life of
an interaction, the waiting list a restarted controller resyncs from, and bad input
turned into vcc errors with nothing written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.agents import SYSTEM, Status
from vcc.core.queues import Strategy
from vcc.errors import Conflict, InvalidInput, NotFound
from vcc.store import repository as repo
from vcc.store.models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Interaction,
    InteractionKind,
    InteractionOffer,
    InteractionOutcome,
    OfferResult,
    Queue,
    Skill,
)

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def count(sessions: Sessions, model: type[object]) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
async def tenant(sessions: Sessions) -> Sessions:
    """Two agents and two queues."""
    async with sessions() as session, session.begin():
        for login, ext in (("anna", "1001"), ("bram", "1002")):
            await repo.add_agent(
                session, id=login, name=login.title(), extension=ext, sip_password="s3cret-pass"
            )
        await repo.add_queue(session, id="sales", name="Sales", extension="7001")
        await repo.add_queue(
            session,
            id="support",
            name="Support",
            extension="7000",
            strategy="best_skill",
            overflow_queue_id="sales",
            max_wait_s=300,
            exit_key="0",
        )
    return sessions


# -- agents and queues ------------------------------------------------------------------
async def test_add_agent_and_queue_store_what_they_were_given(tenant: Sessions) -> None:
    async with tenant() as session:
        anna = await session.get(Agent, "anna")
        support = await session.get(Queue, "support")
    assert anna is not None
    assert (anna.name, anna.extension, anna.sip_password) == ("Anna", "1001", "s3cret-pass")
    assert anna.created_at.tzinfo is not None
    assert support is not None
    assert (support.strategy, support.overflow_queue_id, support.max_wait_s, support.exit_key) == (
        Strategy.BEST_SKILL,
        "sales",
        300,
        "0",
    )


async def test_a_duplicate_extension_is_a_conflict_and_rolls_the_transaction_back(
    tenant: Sessions,
) -> None:
    async with tenant() as session:
        session.add(Skill(id="dutch", name="Dutch"))  # earlier work in the same transaction
        with pytest.raises(Conflict) as caught:
            await repo.add_agent(
                session, id="carla", name="Carla", extension="1001", sip_password="s3cret-pass"
            )
        assert caught.value.code == "conflict"
        assert "extension 1001 is already used by agent 'anna'" in caught.value.message
        assert not session.in_transaction()  # rolled back, not left for the caller
        await session.commit()  # nothing left to commit
    assert await count(tenant, Agent) == 2
    assert await count(tenant, Skill) == 0


async def test_an_agent_may_not_take_a_queue_number(tenant: Sessions) -> None:
    async def add_carla(login: str, extension: str) -> None:
        # The usual shape of a caller: one transaction, committed unless it raises.
        async with tenant() as session, session.begin():
            await repo.add_agent(
                session, id=login, name="Carla", extension=extension, sip_password="s3cret-pass"
            )

    with pytest.raises(Conflict, match="used by queue 'support'"):
        await add_carla("carla", "7000")
    with pytest.raises(Conflict, match="agent 'anna' already exists"):
        await add_carla("anna", "1003")
    assert await count(tenant, Agent) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "Anna Smith"), ("extension", "10&01"), ("sip_password", "short"), ("name", " ")],
)
async def test_bad_agent_fields_are_invalid_input(
    sessions: Sessions, field: str, value: str
) -> None:
    fields: dict[str, Any] = {
        "id": "carla",
        "name": "Carla",
        "extension": "1003",
        "sip_password": "s3cret-pass",
    }
    async with sessions() as session:
        with pytest.raises(InvalidInput):
            await repo.add_agent(session, **{**fields, field: value})
    assert await count(sessions, Agent) == 0


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"overflow_queue_id": "nowhere"}, NotFound),
        ({"strategy": "random"}, InvalidInput),
        ({"exit_key": "A"}, InvalidInput),
        ({"overflow_message": "../../etc/passwd"}, InvalidInput),
        ({"overflow_queue_id": "sales", "overflow_message": "custom/closed"}, InvalidInput),
        ({"exit_queue_id": "nowhere"}, NotFound),
        ({"exit_queue_id": "sales", "exit_message": "custom/bye"}, InvalidInput),
        ({"exit_message": "custom/bye;Hangup"}, InvalidInput),
        ({"default_handle_time_s": 0}, InvalidInput),  # the database's CHECK, translated
        ({"colour": "blue"}, InvalidInput),
        ({"ring_timeout_s": 0}, InvalidInput),  # the database's CHECK, translated
        ({"periodic_message": "custom/hold-on"}, InvalidInput),  # without an interval
    ],
)
async def test_bad_queue_settings_are_refused_with_nothing_written(
    tenant: Sessions, settings: dict[str, object], error: type[Exception]
) -> None:
    async with tenant() as session:
        with pytest.raises(error):
            await repo.add_queue(
                session, id="billing", name="Billing", extension="7002", **settings
            )
    assert await count(tenant, Queue) == 2


async def test_database_constraints_become_vcc_errors_with_nothing_written(
    tenant: Sessions,
) -> None:
    # What the repository checks first, the database checks again (a concurrent
    # writer may slip in between): its refusals become the same vcc errors.
    async def write(session: AsyncSession, *rows: object) -> None:
        async with repo.writing(session):
            session.add_all(rows)

    async with tenant() as session:
        with pytest.raises(Conflict, match="already exists"):
            await write(
                session,
                Skill(id="dutch", name="Dutch"),
                Queue(id="billing", name="Billing", extension="1001"),
                Agent(id="carla", name="C", extension="1001", sip_password="x"),
            )
        with pytest.raises(NotFound, match="does not exist"):
            await write(session, AgentSkill(agent_id="anna", skill_id="klingon", level=3))
        session.add(Skill(id="dutch", name="Dutch"))
        await session.flush()
        with pytest.raises(InvalidInput, match="refused"):
            await write(session, AgentSkill(agent_id="anna", skill_id="dutch", level=11))
    assert await count(tenant, Skill) == 0
    assert await count(tenant, AgentSkill) == 0
    assert await count(tenant, Agent) == 2


# -- the status log ---------------------------------------------------------------------
async def test_status_changes_are_appended_and_read_back_in_order(tenant: Sessions) -> None:
    changes = [
        (Status.AVAILABLE, None, at(0), "anna"),
        (Status.BUSY, None, at(60), SYSTEM),
        (Status.WRAP_UP, None, at(240), SYSTEM),
        (Status.BREAK, "missed-offers", at(300), SYSTEM),  # the system's own code
        (Status.BREAK, "lunch", at(300), "anna"),  # same instant: kept in arrival order
        (Status.LOGGED_OUT, None, at(4000), "supervisor-1"),
    ]
    for status, reason, when, by in changes:
        async with tenant() as session, session.begin():
            await repo.record_status_change(session, "anna", status, reason, when, by)
    async with tenant() as session, session.begin():
        await repo.record_status_change(session, "bram", "available", None, at(10), "bram")

    async with tenant() as session:
        history = await repo.status_history(session, "anna")
        recent = await repo.status_history(session, "anna", since=at(240))
    assert [(c.status, c.reason_code, c.at, c.by) for c in history] == changes
    assert [c.at for c in history] == [when for *_, when, _by in changes]
    assert all(c.at.tzinfo is not None for c in history)
    assert [c.status for c in recent] == [
        Status.WRAP_UP,
        Status.BREAK,
        Status.BREAK,
        Status.LOGGED_OUT,
    ]


async def test_the_status_log_cannot_be_edited_through_the_orm(tenant: Sessions) -> None:
    async with tenant() as session, session.begin():
        await repo.record_status_change(session, "anna", Status.AVAILABLE, None, at(0), "anna")
    async with tenant() as session:
        change = await session.scalar(select(AgentStatusChange))
        assert change is not None
        change.status = Status.BREAK
        with pytest.raises(RuntimeError, match="history"):
            await session.flush()
        await session.rollback()
        change = await session.scalar(select(AgentStatusChange))
        assert change is not None
        await session.delete(change)
        with pytest.raises(RuntimeError, match="history"):
            await session.flush()
    async with tenant() as session:
        [kept] = await repo.status_history(session, "anna")
    assert kept.status is Status.AVAILABLE


@pytest.mark.parametrize(
    ("agent", "status", "reason", "when", "error"),
    [
        ("nobody", Status.AVAILABLE, None, at(0), NotFound),
        ("anna", "dancing", None, at(0), InvalidInput),
        ("anna", Status.BREAK, "Lunch Break!", at(0), InvalidInput),
        ("anna", Status.BREAK, None, datetime(2026, 3, 2, 8, 0), InvalidInput),  # naive
    ],
)
async def test_bad_status_changes_are_refused_with_nothing_written(
    tenant: Sessions,
    agent: str,
    status: str,
    reason: str | None,
    when: datetime,
    error: type[Exception],
) -> None:
    async with tenant() as session:
        await repo.record_status_change(session, "anna", Status.AVAILABLE, None, at(-5), "anna")
        with pytest.raises(error):
            await repo.record_status_change(session, agent, status, reason, when, "anna")
    assert await count(tenant, AgentStatusChange) == 0


async def test_the_history_of_an_unknown_agent_is_not_found(tenant: Sessions) -> None:
    async with tenant() as session:
        with pytest.raises(NotFound, match="agent 'nobody' does not exist"):
            await repo.status_history(session, "nobody")


# -- interactions -----------------------------------------------------------------------
async def test_an_answered_call_from_arrival_to_disposition(tenant: Sessions) -> None:
    async with tenant() as session, session.begin():
        call = await repo.start_interaction(
            session,
            kind=InteractionKind.CALL,
            queue_id="support",
            pbx_call_id="1718000000.42",
            caller="+31201234567",
            enqueued_at=at(0),
        )
    async with tenant() as session, session.begin():
        await repo.record_offer(session, call.id, "anna", at(2), id="vcc-1-1")
        await repo.finish_offer(session, "vcc-1-1", OfferResult.NO_ANSWER, at(17))
        await repo.record_offer(session, call.id, "bram", at(17), id="vcc-1-2")
    async with tenant() as session, session.begin():
        await repo.finish_offer(session, "vcc-1-2", "answered", at(21))
    async with tenant() as session, session.begin():
        await repo.finish_interaction(session, call.id, at(200), "answered", disposition="sale")

    async with tenant() as session:
        stored = await session.get(Interaction, call.id)
        offers = (
            await session.scalars(select(InteractionOffer).order_by(InteractionOffer.offered_at))
        ).all()
    assert stored is not None
    assert (stored.enqueued_at, stored.offered_at, stored.answered_at, stored.ended_at) == (
        at(0),
        at(2),  # the first offer, not the one answered
        at(21),
        at(200),
    )
    assert (stored.agent_id, stored.outcome, stored.disposition) == (
        "bram",
        InteractionOutcome.ANSWERED,
        "sale",
    )
    assert [(o.id, o.agent_id, o.result, o.offered_at, o.ended_at) for o in offers] == [
        ("vcc-1-1", "anna", OfferResult.NO_ANSWER, at(2), at(17)),
        ("vcc-1-2", "bram", OfferResult.ANSWERED, at(17), at(21)),
    ]


async def test_a_caller_who_hangs_up_while_an_agent_rings_cancels_the_offer(
    tenant: Sessions,
) -> None:
    async with tenant() as session, session.begin():
        call = await repo.start_interaction(
            session, kind="call", queue_id="support", enqueued_at=at(0)
        )
        offer = await repo.record_offer(session, call.id, "anna", at(3))
        await repo.finish_interaction(session, call.id, at(9), InteractionOutcome.ABANDONED)
    async with tenant() as session:
        stored = await session.get(InteractionOffer, offer.id)
        assert stored is not None
        assert (stored.result, stored.ended_at) == (OfferResult.CANCELLED, at(9))
        with pytest.raises(Conflict, match="has already ended"):
            await repo.finish_offer(session, offer.id, OfferResult.NO_ANSWER, at(15))


async def test_lifecycle_mistakes_are_refused_with_nothing_written(tenant: Sessions) -> None:
    async with tenant() as session, session.begin():
        call = await repo.start_interaction(
            session, kind="call", queue_id="support", enqueued_at=at(0)
        )
        await repo.record_offer(session, call.id, "anna", at(1), id="o-1")
        await repo.record_offer(session, call.id, "bram", at(1), id="o-2")  # e.g. ring-all
        await repo.finish_offer(session, "o-1", OfferResult.ANSWERED, at(5))

    mistakes: list[Callable[[AsyncSession], Awaitable[object]]] = [
        lambda s: repo.start_interaction(s, kind="call", queue_id="nowhere", enqueued_at=at(0)),
        lambda s: repo.start_interaction(s, kind="fax", queue_id="support", enqueued_at=at(0)),
        lambda s: repo.record_offer(s, "no-such-call", "anna", at(6)),
        lambda s: repo.record_offer(s, call.id, "nobody", at(6)),
        lambda s: repo.record_offer(s, call.id, "anna", at(6), id="o-1"),
        lambda s: repo.finish_offer(s, "o-1", OfferResult.ANSWERED, at(7)),
        lambda s: repo.finish_offer(s, "o-2", OfferResult.ANSWERED, at(7)),
        lambda s: repo.finish_offer(s, "no-such-offer", OfferResult.BUSY, at(7)),
        lambda s: repo.finish_interaction(s, call.id, at(9), "answered", disposition="Sale!"),
        lambda s: repo.finish_interaction(s, call.id, at(9), "vanished"),
    ]
    for mistake in mistakes:
        async with tenant() as session:
            # Something valid first, to see that the whole transaction goes.
            await repo.start_interaction(session, kind="chat", enqueued_at=at(8), id="valid")
            with pytest.raises((NotFound, Conflict, InvalidInput)):
                await mistake(session)
            await session.commit()
    async with tenant() as session, session.begin():
        await repo.finish_interaction(session, call.id, at(9), InteractionOutcome.ANSWERED)
    async with tenant() as session:
        with pytest.raises(Conflict, match="has already ended"):
            await repo.finish_interaction(session, call.id, at(10), "abandoned")
        lost = await repo.start_interaction(
            session, kind="call", queue_id="support", enqueued_at=at(0)
        )
        with pytest.raises(InvalidInput, match="never answered"):
            await repo.finish_interaction(session, lost.id, at(10), "answered")
    assert await count(tenant, Interaction) == 1
    assert await count(tenant, InteractionOffer) == 2


async def test_waiting_interactions_come_in_the_order_they_are_to_be_served(
    tenant: Sessions,
) -> None:
    waiting = [  # (id, priority, enqueued)
        ("late-vip", 5, at(50)),
        ("early", 0, at(10)),
        ("earliest-vip", 5, at(30)),
        ("late", 0, at(40)),
        ("ringing", 0, at(20)),
    ]
    async with tenant() as session, session.begin():
        for ident, priority, enqueued in waiting:
            await repo.start_interaction(
                session,
                id=ident,
                kind="call",
                queue_id="support",
                priority=priority,
                enqueued_at=enqueued,
            )
        await repo.record_offer(session, "ringing", "anna", at(60), id="ringing-1")
        for gone in ("answered", "abandoned"):
            await repo.start_interaction(
                session, id=gone, kind="call", queue_id="sales", priority=9, enqueued_at=at(0)
            )
        await repo.record_offer(session, "answered", "bram", at(1), id="answered-1")
        await repo.finish_offer(session, "answered-1", OfferResult.ANSWERED, at(2))
        await repo.finish_interaction(session, "abandoned", at(5), "abandoned")
        # An outbound call is in no queue: nobody is waiting for an agent.
        await repo.start_interaction(session, id="outbound", kind="call", enqueued_at=at(0))

    async with tenant() as session:
        found = await repo.waiting_interactions(session)
        assert [i.id for i in found] == ["earliest-vip", "late-vip", "early", "ringing", "late"]
        # Loaded with their offers: a restarted controller knows who was ringing.
        assert {i.id: [o.agent_id for o in i.offers] for i in found}["ringing"] == ["anna"]
