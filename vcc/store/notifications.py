"""Supervisor notifications on record: sent once, one receipt per recipient, read and
cleared by each agent for themselves (vcc.core.notifications says who and what)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vcc.core.notifications import MAX_BODY, MAX_TITLE, Audience, text
from vcc.errors import NotFound
from vcc.store.models import Agent, Notification, NotificationReceipt, QueueMember
from vcc.store.repository import _aware, _get, writing


@dataclass(frozen=True)
class Received:
    """A notification as one agent sees it."""

    id: int
    sender: str
    title: str
    body: str
    sent_at: datetime
    read_at: datetime | None


async def send(
    session: AsyncSession, sender: str, audience: Audience, title: str, body: str, at: datetime
) -> tuple[Notification, list[str]]:
    """Send a message; returns it and who it reached (NotFound: no such agent or team,
    or a team nobody serves)."""
    async with writing(session):
        title = text(title, what="title", limit=MAX_TITLE, lines=False)
        body = text(body, what="message", limit=MAX_BODY, lines=True)
        agents = list(await session.scalars(select(Agent.id).order_by(Agent.id)))
        members = await session.execute(select(QueueMember.agent_id, QueueMember.queue_id))
        queues_of: dict[str, set[str]] = {}
        for agent_id, queue_id in members:
            queues_of.setdefault(agent_id, set()).add(queue_id)
        recipients = audience.recipients(agents, queues_of)
        if not recipients:
            raise NotFound(
                f"no agent is {audience.kind.value} {audience.target!r}",
                hint="send to an existing agent, a queue that has agents, or everyone",
            )
        notification = Notification(
            sender=sender,
            audience=audience.kind,
            target=audience.target,
            title=title,
            body=body,
            sent_at=_aware(at, "sent_at"),
        )
        session.add(notification)
        await session.flush()
        session.add_all(
            NotificationReceipt(notification_id=notification.id, agent_id=a) for a in recipients
        )
    return notification, recipients


async def inbox(
    session: AsyncSession, agent_id: str, *, unread_only: bool = False
) -> Sequence[Received]:
    """An agent's notifications, newest first."""
    await _get(session, Agent, agent_id, "agent")
    query = (
        select(Notification, NotificationReceipt.read_at)
        .join(NotificationReceipt, NotificationReceipt.notification_id == Notification.id)
        .where(NotificationReceipt.agent_id == agent_id)
        .order_by(Notification.sent_at.desc(), Notification.id.desc())
    )
    if unread_only:
        query = query.where(NotificationReceipt.read_at.is_(None))
    return [
        Received(n.id, n.sender, n.title, n.body, n.sent_at, read_at)
        for n, read_at in await session.execute(query)
    ]


async def unread_count(session: AsyncSession, agent_id: str) -> int:
    count = await session.scalar(
        select(func.count()).where(
            NotificationReceipt.agent_id == agent_id, NotificationReceipt.read_at.is_(None)
        )
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession, agent_id: str, at: datetime, ids: Sequence[int] | None = None
) -> int:
    """Mark the agent's notifications ``ids`` (None: all) read; returns how many changed.
    An id that is not the agent's is NotFound, and nothing changes."""
    async with writing(session):
        at = _aware(at, "read_at")
        mine = NotificationReceipt.agent_id == agent_id
        if ids is not None:
            found = set(
                await session.scalars(
                    select(NotificationReceipt.notification_id).where(
                        mine, NotificationReceipt.notification_id.in_(ids)
                    )
                )
            )
            missing = sorted(set(ids) - found)
            if missing:
                raise NotFound(f"agent {agent_id} has no notification {missing[0]}")
        query = update(NotificationReceipt).where(mine, NotificationReceipt.read_at.is_(None))
        if ids is not None:
            query = query.where(NotificationReceipt.notification_id.in_(ids))
        result = await session.execute(query.values(read_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_read(session: AsyncSession, agent_id: str) -> int:
    """Clear the agent's read notifications; returns how many."""
    async with writing(session):
        result = await session.execute(
            delete(NotificationReceipt).where(
                NotificationReceipt.agent_id == agent_id, NotificationReceipt.read_at.is_not(None)
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)
