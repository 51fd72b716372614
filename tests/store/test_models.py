"""Every model survives a round trip unchanged, timestamps come back as aware UTC,
and relationships never load behind the caller's back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, InvalidRequestError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from vcc.core.agents import Status
from vcc.core.queues import Strategy
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
    QueueMember,
    QueueSkill,
    Skill,
    StatusCode,
    StatusPolicy,
    TenantSettings,
)

Sessions = async_sessionmaker[AsyncSession]
# Not UTC on purpose: what is stored is the instant, what comes back is UTC.
AMSTERDAM_SUMMER = timezone(timedelta(hours=2))
T0 = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=AMSTERDAM_SUMMER)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def assert_utc(value: datetime | None, expected: datetime) -> None:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    assert value == expected  # the same instant, to the microsecond


async def test_agents_and_skills_round_trip(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        dutch = Skill(id="dutch", name="Nederlands")
        agent = Agent(
            id="anna",
            name="Anna de Vries",
            extension="1001",
            sip_password="s3cret-pass",
            created_at=at(0),
        )
        agent.skills.append(AgentSkill(skill=dutch, level=7))
        session.add(agent)

    async with sessions() as session:
        loaded = await session.scalar(
            select(Agent).options(selectinload(Agent.skills).selectinload(AgentSkill.skill))
        )
    assert loaded is not None
    assert (loaded.id, loaded.name, loaded.extension, loaded.sip_password) == (
        "anna",
        "Anna de Vries",
        "1001",
        "s3cret-pass",
    )
    assert_utc(loaded.created_at, at(0))
    assert [(s.skill.id, s.skill.name, s.level) for s in loaded.skills] == [
        ("dutch", "Nederlands", 7)
    ]


async def test_queues_with_every_setting_round_trip(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Skill(id="billing", name="Billing"),
                Agent(id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"),
                Queue(id="overflow", name="Overflow", extension="7001"),
            ]
        )
        await session.flush()
        queue = Queue(
            id="support",
            name="Support",
            extension="7000",
            moh_class="jazz",
            ring_timeout_s=20,
            max_wait_s=300,
            overflow_queue_id="overflow",
            periodic_message="custom/we-are-busy",
            periodic_message_every_s=45,
            max_length=25,
            join_when_empty=False,
            leave_when_empty=True,
            strategy=Strategy.BEST_SKILL,
            wrap_up_s=30,
            exit_key="#",
            exit_message="custom/call-back-later",
            announce_position_every_s=60,
            announce_only_when_improved=True,
            default_handle_time_s=240,
            created_at=at(0),
        )
        queue.skills.append(QueueSkill(skill_id="billing", min_level=4))
        queue.members.append(QueueMember(agent_id="anna", priority=2))
        session.add(queue)

    async with sessions() as session:
        loaded = await session.scalar(
            select(Queue)
            .where(Queue.id == "support")
            .options(
                selectinload(Queue.skills),
                selectinload(Queue.members),
                selectinload(Queue.overflow_queue),
            )
        )
        defaults = await session.get(Queue, "overflow")
    assert loaded is not None
    assert defaults is not None
    assert loaded.overflow_queue is not None
    assert loaded.overflow_queue.id == "overflow"
    assert (
        loaded.moh_class,
        loaded.ring_timeout_s,
        loaded.max_wait_s,
        loaded.overflow_message,
        loaded.periodic_message,
        loaded.periodic_message_every_s,
        loaded.max_length,
        loaded.join_when_empty,
        loaded.leave_when_empty,
        loaded.strategy,
        loaded.wrap_up_s,
        loaded.exit_key,
        loaded.exit_message,
        loaded.announce_position_every_s,
        loaded.announce_only_when_improved,
        loaded.default_handle_time_s,
    ) == (
        "jazz",
        20,
        300,
        None,
        "custom/we-are-busy",
        45,
        25,
        False,
        True,
        Strategy.BEST_SKILL,
        30,
        "#",
        "custom/call-back-later",
        60,
        True,
        240,
    )
    assert_utc(loaded.created_at, at(0))
    assert [(s.skill_id, s.min_level) for s in loaded.skills] == [("billing", 4)]
    assert [(m.agent_id, m.priority) for m in loaded.members] == [("anna", 2)]
    # What an admin gets without choosing: the documented defaults.
    assert (
        defaults.moh_class,
        defaults.ring_timeout_s,
        defaults.max_wait_s,
        defaults.overflow_queue_id,
        defaults.max_length,
        defaults.join_when_empty,
        defaults.leave_when_empty,
        defaults.strategy,
        defaults.wrap_up_s,
        defaults.exit_key,
        defaults.exit_queue_id,
        defaults.announce_position_every_s,
        defaults.announce_only_when_improved,
        defaults.default_handle_time_s,
    ) == (
        "default", 15, None, None, None, True, False, Strategy.LONGEST_IDLE, 0, None, None, None,
        False, 180,
    )  # fmt: skip
    assert defaults.created_at.tzinfo is not None


async def test_a_queue_exits_to_one_place_never_itself_and_not_after_it_is_gone(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Queue(id="sales", name="Sales", extension="7001"),
                Queue(id="support", name="Support", extension="7000", exit_key="0"),
            ]
        )
    refused = [
        ("exit_queue_id = 'sales', exit_message = 'vm-goodbye'", "exit_one_way"),
        ("exit_queue_id = 'support'", "exit_elsewhere"),
        ("exit_queue_id = 'nowhere'", None),  # the foreign key
        ("default_handle_time_s = 0", "default_handle_time_positive"),
    ]
    async with sessions() as session:
        for change, check in refused:
            with pytest.raises(IntegrityError, match=check):
                await session.execute(text(f"UPDATE queue SET {change} WHERE id = 'support'"))  # noqa: S608 - the test's own SQL
            await session.rollback()
        await session.execute(text("UPDATE queue SET exit_queue_id = 'sales' WHERE id = 'support'"))
        await session.execute(text("DELETE FROM queue WHERE id = 'sales'"))
        await session.commit()
        support = await session.get(Queue, "support")
    assert support is not None
    assert support.exit_queue_id is None  # ON DELETE SET NULL, like the overflow queue


async def test_the_tenant_settings_are_one_row(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        session.add(TenantSettings())
    async with sessions() as session:
        stored = await session.get(TenantSettings, 1)
        assert stored is not None
        assert stored.max_missed_offers == 3  # StatusRules' default
        for sql, check in [
            ("INSERT INTO tenant_settings (id, max_missed_offers) VALUES (2, 3)", "one_row"),
            ("UPDATE tenant_settings SET max_missed_offers = 0", "max_missed_offers_positive"),
        ]:
            with pytest.raises(IntegrityError, match=check):
                await session.execute(text(sql))
            await session.rollback()


async def test_status_codes_policies_and_changes_round_trip(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        session.add(Agent(id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"))
        session.add_all(
            [
                StatusCode(status=Status.BREAK, code="lunch", label="Lunch"),
                StatusCode(status=Status.BREAK, code="coffee", label="Koffie", active=False),
                StatusPolicy(status=Status.BREAK, reason_required=True),
            ]
        )
        await session.flush()
        session.add(
            AgentStatusChange(
                agent_id="anna", status=Status.BREAK, reason_code="lunch", at=at(5), by="anna"
            )
        )

    async with sessions() as session:
        codes = (await session.scalars(select(StatusCode).order_by(StatusCode.code))).all()
        policy = await session.get(StatusPolicy, Status.BREAK)
        change = await session.scalar(select(AgentStatusChange))
    assert [(c.status, c.code, c.label, c.active) for c in codes] == [
        (Status.BREAK, "coffee", "Koffie", False),
        (Status.BREAK, "lunch", "Lunch", True),
    ]
    assert policy is not None
    assert policy.reason_required is True
    assert change is not None
    assert (change.agent_id, change.status, change.reason_code, change.by) == (
        "anna",
        Status.BREAK,
        "lunch",
        "anna",
    )
    assert isinstance(change.id, int)
    assert_utc(change.at, at(5))


async def test_interactions_and_offers_round_trip(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Agent(id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"),
                Queue(id="support", name="Support", extension="7000"),
            ]
        )
        await session.flush()
        interaction = Interaction(
            id="9f1c2d3e-0000-4000-8000-000000000001",
            kind=InteractionKind.CALL,
            queue_id="support",
            pbx_call_id="1718000000.42",
            caller="+31201234567",
            priority=3,
            enqueued_at=at(0),
            offered_at=at(2),
            answered_at=at(9),
            ended_at=at(120),
            agent_id="anna",
            outcome=InteractionOutcome.ANSWERED,
            disposition="sale",
        )
        interaction.offers.append(
            InteractionOffer(
                id="vcc-1a2b-1",
                agent_id="anna",
                offered_at=at(2),
                result=OfferResult.ANSWERED,
                ended_at=at(9),
            )
        )
        session.add(interaction)

    async with sessions() as session:
        loaded = await session.scalar(select(Interaction).options(selectinload(Interaction.offers)))
    assert loaded is not None
    assert (
        loaded.kind,
        loaded.queue_id,
        loaded.pbx_call_id,
        loaded.caller,
        loaded.priority,
        loaded.agent_id,
        loaded.outcome,
        loaded.disposition,
    ) == (
        InteractionKind.CALL,
        "support",
        "1718000000.42",
        "+31201234567",
        3,
        "anna",
        InteractionOutcome.ANSWERED,
        "sale",
    )
    for value, expected in (
        (loaded.enqueued_at, at(0)),
        (loaded.offered_at, at(2)),
        (loaded.answered_at, at(9)),
        (loaded.ended_at, at(120)),
    ):
        assert_utc(value, expected)
    [offer] = loaded.offers
    assert (offer.id, offer.agent_id, offer.result) == ("vcc-1a2b-1", "anna", OfferResult.ANSWERED)
    assert_utc(offer.offered_at, at(2))
    assert_utc(offer.ended_at, at(9))


async def test_timestamps_are_stored_as_the_utc_instant_whatever_the_session_time_zone(
    sessions: Sessions, backend: str
) -> None:
    async with sessions() as session, session.begin():
        session.add(Agent(id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"))
        await session.flush()
        session.add(AgentStatusChange(agent_id="anna", status=Status.AVAILABLE, at=at(0)))

    async with sessions() as session:
        if backend == "postgresql":
            # A server or session in another zone must not shift what is read back.
            await session.execute(text("SET TIME ZONE 'America/New_York'"))
            raw = await session.scalar(
                text("SELECT to_char(at AT TIME ZONE 'UTC', 'HH24:MI') FROM agent_status_change")
            )
        else:
            raw = (await session.scalar(text("SELECT at FROM agent_status_change")))[11:16]
        change = await session.scalar(select(AgentStatusChange))
    assert raw == "07:30"  # 09:30 in Amsterdam in summer
    assert change is not None
    assert change.at.tzinfo is UTC
    assert change.at.isoformat() == "2026-06-01T07:30:15.123456+00:00"


async def test_timestamps_without_a_time_zone_are_refused(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(
            Agent(
                id="anna",
                name="Anna",
                extension="1001",
                sip_password="s3cret-pass",
                created_at=datetime(2026, 6, 1, 9, 30),  # naive: the point of the test
            )
        )
        with pytest.raises(StatementError, match="has no time zone"):
            await session.flush()


async def test_relationships_never_load_on_their_own(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        session.add(Agent(id="anna", name="Anna", extension="1001", sip_password="s3cret-pass"))
    async with sessions() as session:
        agent = await session.get(Agent, "anna")
        assert agent is not None
        with pytest.raises(InvalidRequestError, match="raise_on_sql"):
            _ = agent.skills
