"""``vcc tenant apply`` underneath: the tenant file written into the database, on
SQLite and PostgreSQL. The database ends up matching the file, applying twice
changes nothing, agents keep their SIP passwords, and history is never deleted."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from vcc.core.agents import Status
from vcc.core.queues import Strategy
from vcc.errors import ConfigError, Conflict, InvalidInput
from vcc.localpbx.spec import EndpointRole
from vcc.store import repository
from vcc.store.models import (
    Agent,
    Queue,
    QueueMember,
    Skill,
    StatusCode,
    StatusPolicy,
    TenantSettings,
)
from vcc.store.tenant_sync import (
    ApplyReport,
    RoutingSettings,
    apply_tenant,
    routing_from_db,
    spec_from_db,
)
from vcc.tenant import DEMO_TENANT, Tenant, load_tenant, parse_tenant

Sessions = async_sessionmaker[AsyncSession]
DEMO = DEMO_TENANT.read_text()
BRAM = DEMO[DEMO.index('[[agents]]\nid = "1002"') : DEMO.index("[[phones]]")]


def tenant(text: str = DEMO) -> Tenant:
    return parse_tenant(tomllib.loads(text))


def edit(old: str, new: str, text: str = DEMO) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


async def apply(sessions: Sessions, text: str = DEMO) -> ApplyReport:
    async with sessions() as session, session.begin():
        return await apply_tenant(session, tenant(text))


@dataclass(frozen=True)
class Stored:
    """Everything apply writes, as plain values."""

    queues: list[tuple[dict[str, Any], dict[str, int]]]  # columns, skills
    agents: list[tuple[str, str, str, str, dict[str, int]]]  # id, name, ext, password, skills
    members: list[tuple[str, str, int]]  # queue, agent, priority
    skills: list[str]
    codes: list[tuple[str, str, bool]]  # status, code, active
    policies: list[tuple[str, bool]]
    max_missed_offers: int | None

    def passwords(self) -> dict[str, str]:
        return {a[0]: a[3] for a in self.agents}


async def snapshot(sessions: Sessions) -> Stored:
    async with sessions() as session:
        queues = await session.scalars(
            select(Queue).options(selectinload(Queue.skills)).order_by(Queue.id)
        )
        agents = await session.scalars(
            select(Agent).options(selectinload(Agent.skills)).order_by(Agent.id)
        )
        columns = [c.key for c in Queue.__table__.columns if c.key != "created_at"]
        return Stored(
            queues=[
                (
                    {name: getattr(q, name) for name in columns},
                    {s.skill_id: s.min_level for s in q.skills},
                )
                for q in queues
            ],
            agents=[
                (a.id, a.name, a.extension, a.sip_password, {s.skill_id: s.level for s in a.skills})
                for a in agents
            ],
            members=sorted(
                (m.queue_id, m.agent_id, m.priority)
                for m in await session.scalars(select(QueueMember))
            ),
            skills=sorted(await session.scalars(select(Skill.id))),
            codes=sorted(
                (c.status.value, c.code, c.active)
                for c in await session.scalars(select(StatusCode))
            ),
            policies=sorted(
                (p.status.value, p.reason_required)
                for p in await session.scalars(select(StatusPolicy))
            ),
            max_missed_offers=await session.scalar(select(TenantSettings.max_missed_offers)),
        )


async def test_applying_the_demo_tenant_stores_all_of_it(sessions: Sessions) -> None:
    report = await apply(sessions)

    assert report.queues.added == ("sales", "support")
    assert report.agents.added == ("1001", "1002")
    assert report.skills.added == ("dutch", "english")
    assert "break/lunch" in report.status_codes.added
    assert report.status_rules.added == ("break", "max_missed_offers")
    assert report.queues.changed == report.agents.removed == ()
    async with sessions() as session:
        support = await session.get(Queue, "support")
        sales = await session.get(Queue, "sales", options=[selectinload(Queue.skills)])
        agents = {a.id: a for a in await session.scalars(select(Agent))}
    assert support is not None
    assert sales is not None
    assert (support.extension, support.strategy, support.ring_timeout_s, support.wrap_up_s) == (
        "7000",
        Strategy.LONGEST_IDLE,
        15,
        10,
    )
    assert (support.max_wait_s, support.overflow_queue_id, support.max_length) == (600, "sales", 20)
    assert (support.join_when_empty, support.leave_when_empty) == (True, False)
    assert (support.announce_position_every_s, support.announce_only_when_improved) == (30, True)
    assert (support.exit_key, support.exit_queue_id, support.exit_message) == ("0", "sales", None)
    assert (support.default_handle_time_s, sales.default_handle_time_s) == (180, 180)
    assert (sales.extension, sales.overflow_message, sales.max_wait_s) == ("7001", None, 300)
    assert (sales.overflow_voicemail, support.overflow_voicemail) == (True, False)
    assert {s.skill_id: s.min_level for s in sales.skills} == {"dutch": 1}

    assert {a.id: (a.name, a.extension) for a in agents.values()} == {
        "1001": ("Anna", "1001"),
        "1002": ("Bram", "1002"),
    }
    passwords = [a.sip_password for a in agents.values()]
    assert all(re.fullmatch(r"[0-9a-f]{24}", p) for p in passwords)
    assert len(set(passwords)) == 2

    stored = await snapshot(sessions)
    assert stored.members == [
        ("sales", "1001", 1),
        ("support", "1001", 0),
        ("support", "1002", 0),
    ]
    assert [a[4] for a in stored.agents] == [
        {"dutch": 5, "english": 4},
        {"english": 5},
    ]
    assert stored.codes == sorted(
        [("break", c, True) for c in ("lunch", "coffee", "meeting", "training")]
        + [("working_offline", c, True) for c in ("email", "admin")]
    )
    assert stored.policies == [("break", True)]
    assert stored.max_missed_offers == 3


async def test_applying_the_same_file_again_changes_nothing(sessions: Sessions) -> None:
    await apply(sessions)
    before = await snapshot(sessions)

    report = await apply(sessions)

    assert not report.changed
    assert report.summary().startswith("nothing changed")
    assert await snapshot(sessions) == before


async def test_a_changed_queue_and_agent_are_updated_and_passwords_kept(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    before = await snapshot(sessions)
    changed = edit("ring_timeout = 15 ", "ring_timeout = 20 ")
    changed = edit("skills = { english = 5 }", "skills = { english = 3, french = 2 }", changed)
    changed = edit("queues = { support = 0 }", "queues = { support = 2, sales = 0 }", changed)

    report = await apply(sessions, changed)

    assert (report.queues.changed, report.agents.changed) == (("support",), ("1002",))
    assert report.skills.added == ("french",)
    assert report.queues.added == report.agents.added == report.agents.removed == ()
    after = await snapshot(sessions)
    async with sessions() as session:
        support = await session.get(Queue, "support")
    assert support is not None
    assert support.ring_timeout_s == 20
    assert after.agents[1][4] == {"english": 3, "french": 2}
    assert ("support", "1002", 2) in after.members
    assert ("sales", "1002", 0) in after.members
    # Existing agents keep the passwords their phones are provisioned with.
    assert after.passwords() == before.passwords()
    assert not (await apply(sessions, changed)).changed


async def test_a_new_agent_gets_a_password_and_the_others_keep_theirs(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    before = await snapshot(sessions)
    carla = BRAM.replace('"1002"', '"1003"').replace("Bram", "Carla")

    report = await apply(sessions, edit("[[phones]]", carla + "[[phones]]"))

    assert report.agents.added == ("1003",)
    assert not report.agents.changed
    after = await snapshot(sessions)
    assert after.agents[:2] == before.agents
    assert after.passwords()["1003"] not in before.passwords().values()


async def test_an_agent_without_history_is_removed_with_everything_of_theirs(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    without_bram = edit(BRAM, "")
    without_bram = edit('"lunch", "coffee"', '"lunch"', without_bram)

    report = await apply(sessions, without_bram)

    assert report.agents.removed == ("1002",)
    assert report.status_codes.removed == ("break/coffee",)
    assert not report.skills.removed  # Anna speaks English too
    stored = await snapshot(sessions)
    assert [a[0] for a in stored.agents] == ["1001"]
    assert all(m[1] != "1002" for m in stored.members)
    # Codes are deactivated, not deleted: the status log may still name them.
    assert ("break", "coffee", False) in stored.codes

    back = await apply(sessions)
    assert back.agents.added == ("1002",)
    assert back.status_codes.added == ("break/coffee",)


async def test_a_renamed_queue_gives_its_number_to_the_new_one(sessions: Sessions) -> None:
    await apply(sessions)
    renamed = DEMO.replace('"sales"', '"sales2"').replace("sales = ", "sales2 = ")

    report = await apply(sessions, renamed)

    assert (report.queues.added, report.queues.removed) == (("sales2",), ("sales",))
    async with sessions() as session:
        sales2 = await session.get(Queue, "sales2")
        support = await session.get(Queue, "support")
    assert sales2 is not None
    assert support is not None
    assert (sales2.extension, support.overflow_queue_id) == ("7001", "sales2")
    assert support.exit_queue_id == "sales2"


async def test_a_queue_without_history_is_removed_with_its_members(sessions: Sessions) -> None:
    await apply(sessions)
    start, end = DEMO.index("[[queues]]"), DEMO.index('[[queues]]\nid = "sales"')
    no_support = DEMO[:start] + DEMO[end:]  # support overflowed into sales
    no_support = edit("support = 0, sales = 1", "sales = 1", no_support)
    no_support = edit("queues = { support = 0 }", "queues = { sales = 0 }", no_support)
    no_support = edit('options."1" = { queue = "support" }\n', "", no_support)

    report = await apply(sessions, no_support)

    assert report.queues.removed == ("support",)
    assert report.agents.changed == ("1001", "1002")
    stored = await snapshot(sessions)
    assert [q[0]["id"] for q in stored.queues] == ["sales"]
    assert stored.members == [("sales", "1001", 1), ("sales", "1002", 0)]
    assert (await apply(sessions)).queues.added == ("support",)


async def test_removing_an_agent_with_history_is_refused_and_changes_nothing(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    async with sessions() as session, session.begin():
        await repository.record_status_change(
            session, "1002", Status.AVAILABLE, None, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), None
        )
    before = await snapshot(sessions)
    changed = edit("ring_timeout = 15 ", "ring_timeout = 20 ", edit(BRAM, ""))

    with pytest.raises(Conflict) as refused:
        await apply(sessions, changed)

    assert "agent(s) 1002" in refused.value.message
    assert "history" in refused.value.message
    assert "queues = {}" in refused.value.hint
    assert await snapshot(sessions) == before


async def test_removing_a_queue_with_interactions_is_refused(sessions: Sessions) -> None:
    await apply(sessions)
    async with sessions() as session, session.begin():
        await repository.start_interaction(
            session,
            kind="call",
            queue_id="sales",
            enqueued_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        )
    before = await snapshot(sessions)
    no_sales = DEMO[: DEMO.index('[[queues]]\nid = "sales"')] + DEMO[DEMO.index("[[agents]]") :]
    no_sales = edit('overflow_queue = "sales"', "", no_sales)
    no_sales = edit('exit_key = "0"', "", no_sales)
    no_sales = edit('exit_queue = "sales"', "", no_sales)
    no_sales = edit("support = 0, sales = 1", "support = 0", no_sales)
    no_sales = edit('options."2" = { queue = "sales", priority = 5 }\n', "", no_sales)

    with pytest.raises(Conflict, match=r"queue\(s\) sales"):
        await apply(sessions, no_sales)

    assert await snapshot(sessions) == before


async def test_fractions_of_a_second_are_refused_before_anything_is_written(
    sessions: Sessions,
) -> None:
    with pytest.raises(InvalidInput, match=r"ring_timeout is 2\.5 s"):
        await apply(sessions, edit("ring_timeout = 15 ", "ring_timeout = 2.5 "))

    stored = await snapshot(sessions)
    assert (stored.queues, stored.agents, stored.codes) == ([], [], [])


async def test_a_bad_file_never_reaches_the_database(sessions: Sessions, tmp_path: Path) -> None:
    await apply(sessions)
    before = await snapshot(sessions)
    bad = tmp_path / "tenant.toml"
    bad.write_text(edit('extension = "7001"', 'extension = "70&1"'))

    with pytest.raises(ConfigError, match="70&1"):
        load_tenant(bad)  # apply only ever gets a checked Tenant

    assert await snapshot(sessions) == before


async def test_the_pbx_spec_comes_from_the_database_with_its_passwords(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    demo = tenant()
    phones = [e for e in demo.spec.endpoints if e.role is EndpointRole.CALLER]

    async with sessions() as session:
        served = await spec_from_db(session, phones=phones, menus=demo.spec.menus)
        passwords = {a.extension: a.sip_password for a in await session.scalars(select(Agent))}

    assert [(e.extension, e.role) for e in served.spec.endpoints] == [
        ("1001", EndpointRole.AGENT),
        ("1002", EndpointRole.AGENT),
        ("2001", EndpointRole.CALLER),
    ]
    assert [(q.extension, q.queue) for q in served.spec.queues] == [
        ("7000", "support"),
        ("7001", "sales"),
    ]
    assert served.spec.menus == demo.spec.menus
    assert served.sip_passwords == passwords


async def test_the_router_settings_are_stored_and_read_back(sessions: Sessions) -> None:
    async with sessions() as session:
        assert await routing_from_db(session) == RoutingSettings({}, None)  # nothing applied
    await apply(sessions)
    changed = edit("default_handle_time = 180 ", "default_handle_time = 240 ")
    changed = edit("max_missed_offers = 3 ", "max_missed_offers = 2 ", changed)

    report = await apply(sessions, changed)

    assert report.queues.changed == ("support",)
    assert report.status_rules.changed == ("max_missed_offers",)
    assert "status rules: 0 added, 1 changed (max_missed_offers)" in report.summary()
    async with sessions() as session:
        read = await routing_from_db(session)
    assert read.default_handle_times == {"sales": 180.0, "support": 240.0}
    assert read.max_missed_offers == 2
    assert not (await apply(sessions, changed)).changed
    with pytest.raises(InvalidInput, match=r"default_handle_time is 90\.5 s"):
        await apply(sessions, edit("default_handle_time = 180 ", "default_handle_time = 90.5 "))


async def test_an_exit_or_overflow_queue_may_become_a_message_and_back(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    to_messages = edit('exit_queue = "sales"', 'exit_message = "vm-goodbye"')
    to_messages = edit('overflow_queue = "sales"', 'overflow_message = "tt-allbusy"', to_messages)

    report = await apply(sessions, to_messages)

    assert report.queues.changed == ("support",)
    async with sessions() as session:
        support = await session.get(Queue, "support")
    assert support is not None
    assert (support.exit_queue_id, support.exit_message) == (None, "vm-goodbye")
    assert (support.overflow_queue_id, support.overflow_message) == (None, "tt-allbusy")
    assert (await apply(sessions)).queues.changed == ("support",)
    async with sessions() as session:
        back = await session.get(Queue, "support")
    assert back is not None
    assert (back.exit_queue_id, back.exit_message) == ("sales", None)
    assert (back.overflow_queue_id, back.overflow_message) == ("sales", None)


async def test_a_queue_callers_exit_to_is_removed_once_nobody_exits_to_it(
    sessions: Sessions,
) -> None:
    await apply(sessions)
    no_sales = DEMO[: DEMO.index('[[queues]]\nid = "sales"')] + DEMO[DEMO.index("[[agents]]") :]
    no_sales = edit('overflow_queue = "sales"', 'overflow_message = "tt-allbusy"', no_sales)
    no_sales = edit('exit_queue = "sales"', 'exit_message = "vm-goodbye"', no_sales)
    no_sales = edit("support = 0, sales = 1", "support = 0", no_sales)
    no_sales = edit('options."2" = { queue = "sales", priority = 5 }\n', "", no_sales)

    report = await apply(sessions, no_sales)

    assert (report.queues.removed, report.queues.changed) == (("sales",), ("support",))
    stored = await snapshot(sessions)
    [(support, _)] = stored.queues
    assert (support["exit_queue_id"], support["exit_message"]) == (None, "vm-goodbye")
