"""Web chat: a customer starts one from the widget, an agent accepts it from the desk,
and both write until one ends it. Transcripts are kept (``chat_message``); the
customer's browser holds a token whose hash alone is stored.

Both sides hear each other over WebSockets: the agent over the API's event stream
("chat" messages to that agent), the customer over their own socket (a second
EventHub, so a customer's slow browser delays no one either). Text is plain text,
checked here; the pages put it in as text, never as markup.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc import validate
from vcc.api.hub import EventHub
from vcc.core import channels
from vcc.core.channels import Channel
from vcc.core.notifications import text
from vcc.digital.crm import match_customer
from vcc.digital.desk import DeskService, Item
from vcc.errors import AccessDenied, InvalidInput, NotFound, VccError
from vcc.store.models import AgentMessage, ChatMessage, ChatSender, ChatSession, Interaction
from vcc.wfm.mail import email_address

MAX_LINE = 2000  # characters in one chat message
MAX_NAME = 80
TRANSCRIPT_SENT = 200  # lines a (re)connecting customer is sent
MAX_WAITING = 100  # chats waiting in one queue: beyond, a new one is refused (public door)


class ChatsFull(VccError):
    code = "chats-full"
    http_status = 503


def line(value: object) -> str:
    return text(str(value or ""), what="a chat message", limit=MAX_LINE, lines=True)


@dataclass
class ChatService:
    sessions: async_sessionmaker[AsyncSession]
    desk: DeskService
    publish: Callable[[dict[str, Any]], None]  # to agents (the API's hub)
    customers: EventHub = field(default_factory=EventHub)
    windows: dict[str, int] = field(default_factory=dict)  # chat → customer sockets open
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self.desk.listeners.append(self._desk_moved)

    # -- the customer's side ---------------------------------------------------------------
    async def start(self, queue: str, name: str, email: str | None, first: str) -> tuple[str, str]:
        """A new chat in ``queue``; returns its id and the customer's token."""
        queue = validate.slug(queue, what="queue")
        name = text(name, what="your name", limit=MAX_NAME, lines=False)
        address = email_address(email).lower() if email else None
        first = line(first)
        if self.desk.waiting().get(queue, {}).get(Channel.CHAT.value, 0) >= MAX_WAITING:
            raise ChatsFull("every agent is busy and many chats are waiting",
                            hint="try again in a few minutes, or call us")  # fmt: skip
        async with self.sessions() as session:
            customer = await match_customer(session, email=address)
        customer_id = customer.id if customer is not None else None
        item = await self.desk.arrive(Channel.CHAT, queue, title=name,
                                      from_=address or name, customer_id=customer_id)  # fmt: skip
        token = secrets.token_urlsafe(24)
        async with self.sessions() as session:
            session.add(ChatSession(interaction_id=item.id, token_hash=_hash(token), name=name,
                                    email=address, customer_id=customer_id))  # fmt: skip
            await session.commit()
        await self._say(item.id, ChatSender.CUSTOMER, first, name=name)
        return item.id, token

    async def check_token(self, chat_id: str, token: str) -> ChatSession:
        async with self.sessions() as session:
            found = await session.get(ChatSession, chat_id[:64])
        if found is None or not hmac.compare_digest(found.token_hash, _hash(token)):
            raise AccessDenied("this chat is not yours (or it does not exist)")
        return found

    async def customer_socket(
        self, request: web.Request, chat_id: str, token: str
    ) -> web.StreamResponse:
        chat = await self.check_token(chat_id, token)
        history = await self.transcript(chat_id)
        first: list[dict[str, Any]] = [{"type": "message", "chat_id": chat_id, **m}
                                       for m in history[-TRANSCRIPT_SENT:]]  # fmt: skip
        item = self.desk.get(chat_id)
        if item is None:
            first.append({"type": "ended", "chat_id": chat_id})
        elif item.accepted:
            first.append({"type": "accepted", "chat_id": chat_id})

        async def heard(raw: str) -> None:
            try:
                said = json.loads(raw)
                if not isinstance(said, dict):
                    return
                if said.get("type") == "typing":
                    self._to_agent(chat_id, {"type": "chat-typing", "chat_id": chat_id})
                elif said.get("type") == "message":
                    await self._say(chat_id, ChatSender.CUSTOMER, line(said.get("text")),
                                    name=chat.name)  # fmt: skip
                elif said.get("type") == "end":
                    await self.end(chat_id)
            except (json.JSONDecodeError, InvalidInput, NotFound) as exc:
                error = getattr(exc, "message", "not JSON")
                self.customers.publish({"type": "error", "chat_id": chat_id, "message": error})

        self.windows[chat_id] = self.windows.get(chat_id, 0) + 1
        try:
            return await self.customers.serve(
                request, lambda m: m.get("chat_id") == chat_id, heard=heard, first=first
            )
        finally:
            # The customer's last window closed: tell the agent (they may come back
            # with the same token; the chat stays until someone ends it).
            self.windows[chat_id] -= 1
            if not self.windows[chat_id]:
                del self.windows[chat_id]
                self._to_agent(chat_id, {"type": "chat-left", "chat_id": chat_id})

    # -- the agent's side ------------------------------------------------------------------
    async def agent_says(self, chat_id: str, agent_id: str, said: str) -> dict[str, Any]:
        self.desk.owned_by(chat_id, agent_id)
        return await self._say(chat_id, ChatSender.AGENT, line(said), agent_id=agent_id)

    def agent_typing(self, chat_id: str, agent_id: str) -> None:
        self.desk.owned_by(chat_id, agent_id)
        self.customers.publish({"type": "typing", "chat_id": chat_id})

    async def end(self, chat_id: str) -> None:
        item = await self.desk.end(chat_id)
        if item.channel is not Channel.CHAT:
            return
        await self._say(chat_id, ChatSender.SYSTEM, "ended")
        self.customers.publish({"type": "ended", "chat_id": chat_id})

    async def transcript(self, chat_id: str) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(ChatMessage).where(ChatMessage.interaction_id == chat_id)
                .order_by(ChatMessage.id)
            )  # fmt: skip
            return [_message_view(m) for m in rows]

    async def chat_of(self, chat_id: str) -> dict[str, Any]:
        async with self.sessions() as session:
            chat = await session.get(ChatSession, chat_id[:64])
            interaction = await session.get(Interaction, chat_id[:64])
        if chat is None or interaction is None:
            raise NotFound(f"no chat {chat_id[:40]!r}")
        return {"id": chat_id, "name": chat.name, "email": chat.email,
                "customer_id": chat.customer_id, "agent_id": interaction.agent_id,
                "queue": interaction.queue_id, "open": self.desk.get(chat_id) is not None,
                "messages": await self.transcript(chat_id)}  # fmt: skip

    # -- agent to agent ---------------------------------------------------------------------
    async def to_agent(self, sender: str, recipient: str, said: str) -> dict[str, Any]:
        if recipient == sender:
            raise InvalidInput("write to another agent")
        if recipient not in self.desk.engine.state.agents:
            raise NotFound(f"there is no agent {recipient[:40]!r}")
        message = AgentMessage(from_agent=sender, to_agent=recipient, body=line(said),
                               at=self.clock())  # fmt: skip
        async with self.sessions() as session:
            session.add(message)
            await session.commit()
            view = _agent_message_view(message)
        self.publish({"type": "agent-chat", "agents": [sender, recipient], "message": view})
        return view

    async def between(self, agent_id: str, other: str) -> list[dict[str, Any]]:
        """The last 100 lines between two agents; those to ``agent_id`` are now read."""
        pair = [(agent_id, other), (other, agent_id)]
        async with self.sessions() as session:
            rows = list(await session.scalars(
                select(AgentMessage).where(
                    (AgentMessage.from_agent == agent_id) & (AgentMessage.to_agent == other)
                    | (AgentMessage.from_agent == other) & (AgentMessage.to_agent == agent_id)
                ).order_by(AgentMessage.id.desc()).limit(100)
            ))  # fmt: skip
            for row in rows:
                if (row.from_agent, row.to_agent) == pair[1] and row.read_at is None:
                    row.read_at = self.clock()
            await session.commit()
            return [_agent_message_view(m) for m in reversed(rows)]

    # -- both ------------------------------------------------------------------------------
    async def _say(
        self, chat_id: str, sender: ChatSender, said: str, *, name: str = "",
        agent_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        item = self.desk.get(chat_id)
        if item is None and sender is not ChatSender.SYSTEM:
            raise InvalidInput("this chat has ended")
        message = ChatMessage(interaction_id=chat_id, sender=sender, agent_id=agent_id,
                              body=said, at=self.clock())  # fmt: skip
        async with self.sessions() as session:
            session.add(message)
            await session.commit()
            view = _message_view(message)
        self.customers.publish({"type": "message", "chat_id": chat_id, **view})
        self._to_agent(chat_id, {"type": "chat", "chat_id": chat_id, "message": view})
        return view

    def _to_agent(self, chat_id: str, message: dict[str, Any]) -> None:
        item = self.desk.get(chat_id)
        if item is not None and item.agent_id is not None:
            self.publish({**message, "agents": [item.agent_id]})

    def _desk_moved(self, told: channels.DeskCommand | channels.DeskEvent) -> None:
        if isinstance(told, channels.WorkAccepted):
            item: Item | None = self.desk.get(told.work_id)
            if item is not None and item.channel is Channel.CHAT and item.accepted:
                self.customers.publish({"type": "accepted", "chat_id": told.work_id})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _message_view(m: ChatMessage) -> dict[str, Any]:
    return {"id": m.id, "from": m.sender.value, "agent_id": m.agent_id, "text": m.body,
            "at": m.at.isoformat()}  # fmt: skip


def _agent_message_view(m: AgentMessage) -> dict[str, Any]:
    return {"id": m.id, "from": m.from_agent, "to": m.to_agent, "text": m.body,
            "at": m.at.isoformat(), "read": m.read_at is not None}  # fmt: skip
