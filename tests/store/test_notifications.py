"""Supervisor notifications: to one agent, a team (a queue's agents) or everyone; each
agent reads and clears their own; bad input is refused and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.notifications import Audience, AudienceKind
from vcc.errors import InvalidInput, NotFound
from vcc.notifications import NotificationService
from vcc.store import repository
from vcc.store.models import Notification, NotificationReceipt, QueueMember

T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def setup(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await repository.add_queue(session, id="support", name="Support", extension="7000")
        await repository.add_queue(session, id="sales", name="Sales", extension="7001")
        for agent_id, queue in (("1001", "support"), ("1002", "support"), ("1003", "sales")):
            await repository.add_agent(
                session, id=agent_id, name=agent_id, extension=agent_id, sip_password="x" * 12
            )
            session.add(QueueMember(agent_id=agent_id, queue_id=queue))
        await session.commit()


def service(
    sessions: async_sessionmaker[AsyncSession], pushed: list[dict[str, Any]]
) -> NotificationService:
    return NotificationService(sessions, pushed.append, clock=lambda: T)


async def test_a_team_message_reaches_the_queues_agents_who_read_and_clear_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup(sessions)
    pushed: list[dict[str, Any]] = []
    notes = service(sessions, pushed)
    team = await notes.send(
        "sup", Audience(AudienceKind.TEAM, "support"), "Pauze", "Om 15:00\nkoffie"
    )
    everyone = await notes.send("sup", Audience(AudienceKind.EVERYONE), "Update", "Nieuwe release")
    one = await notes.send("sup", Audience(AudienceKind.AGENT, "1003"), "Hoi", "Bel me even")
    assert [p["agents"] for p in pushed] == [["1001", "1002"], ["1001", "1002", "1003"], ["1003"]]

    assert [n.id for n in await notes.inbox("1001")] == [everyone, team]  # newest first
    assert [n.id for n in await notes.inbox("1003")] == [one, everyone]
    assert (await notes.inbox("1001"))[1].body == "Om 15:00\nkoffie"
    assert await notes.unread_count("1001") == 2
    assert await notes.mark_read("1001", [team]) == 1
    assert await notes.unread_count("1001") == 1
    assert [n.id for n in await notes.inbox("1001", unread_only=True)] == [everyone]
    assert await notes.delete_read("1001") == 1
    assert [n.id for n in await notes.inbox("1001")] == [everyone]
    assert await notes.unread_count("1002") == 2  # 1002's copies are their own
    assert await notes.mark_read("1002") == 2
    assert await notes.unread_count("1002") == 0


@pytest.mark.parametrize(
    ("audience", "title", "body", "error"),
    [
        (lambda: Audience(AudienceKind.TEAM, "nobody-serves"), "t", "b", NotFound),
        (lambda: Audience(AudienceKind.AGENT, "9999"), "t", "b", NotFound),
        (lambda: Audience(AudienceKind.EVERYONE), "", "b", InvalidInput),
        (lambda: Audience(AudienceKind.EVERYONE), "t", "x" * 1001, InvalidInput),
        (lambda: Audience(AudienceKind.EVERYONE), "t\nnext", "b", InvalidInput),
        (lambda: Audience(AudienceKind.EVERYONE), "t", "evil\u202etxt.exe", InvalidInput),
        (lambda: Audience(AudienceKind.EVERYONE), "t", "bell\x07", InvalidInput),
        (lambda: Audience(AudienceKind.AGENT, "1001; DROP TABLE agent"), "t", "b", InvalidInput),
        (lambda: Audience(AudienceKind.EVERYONE, "1001"), "t", "b", InvalidInput),
        (lambda: Audience(AudienceKind.TEAM), "t", "b", InvalidInput),
    ],
)
async def test_bad_messages_are_refused_and_nothing_is_stored(
    sessions: async_sessionmaker[AsyncSession],
    audience: Any,
    title: str,
    body: str,
    error: type[Exception],
) -> None:
    await setup(sessions)
    pushed: list[dict[str, Any]] = []
    with pytest.raises(error):
        await service(sessions, pushed).send("sup", audience(), title, body)
    assert pushed == []
    async with sessions() as session:
        for table in (Notification, NotificationReceipt):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


async def test_an_agent_cannot_mark_someone_elses_notification(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup(sessions)
    notes = service(sessions, [])
    theirs = await notes.send("sup", Audience(AudienceKind.AGENT, "1003"), "t", "b")
    with pytest.raises(NotFound):
        await notes.mark_read("1001", [theirs])
    assert await notes.unread_count("1003") == 1
    with pytest.raises(NotFound):
        await notes.inbox("nobody")
