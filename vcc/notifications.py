"""Supervisor notifications as a service (for the REST API): send, read, clear; a
message sent is pushed to its recipients' consoles through ``publish`` (the API's
event hub) once it is stored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.notifications import Audience
from vcc.store import notifications as store
from vcc.store.notifications import Received


def _now() -> datetime:
    return datetime.now(UTC)


class NotificationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Callable[[dict[str, Any]], None] = lambda message: None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.sessions = sessions
        self.publish = publish
        self.clock = clock

    async def send(self, sender: str, audience: Audience, title: str, body: str) -> int:
        """Store and push a message; returns its id."""
        async with self.sessions() as session:
            notification, recipients = await store.send(
                session, sender, audience, title, body, self.clock()
            )
            await session.commit()
            notification_id = notification.id
        self.publish(
            {
                "type": "notification",
                "id": notification_id,
                "agents": recipients,
                "title": notification.title,
                "sender": sender,
            }
        )
        return notification_id

    async def inbox(self, agent_id: str, *, unread_only: bool = False) -> Sequence[Received]:
        async with self.sessions() as session:
            return await store.inbox(session, agent_id, unread_only=unread_only)

    async def unread_count(self, agent_id: str) -> int:
        async with self.sessions() as session:
            return await store.unread_count(session, agent_id)

    async def mark_read(self, agent_id: str, ids: Sequence[int] | None = None) -> int:
        async with self.sessions() as session:
            changed = await store.mark_read(session, agent_id, self.clock(), ids)
            await session.commit()
            return changed

    async def delete_read(self, agent_id: str) -> int:
        async with self.sessions() as session:
            deleted = await store.delete_read(session, agent_id)
            await session.commit()
            return deleted
