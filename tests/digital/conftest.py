"""The digital desk through its API on a real database (SQLite), real HTTP and
WebSockets, a real SMTP server on loopback for replies and vcc's own SMTP listener
for inbound email, over a stand-in PBX (calls are not these tests' business: the
real-PBX ones are in tests/pbx/test_omnichannel.py). Agents anna (1001) and bob
(1002) serve queue support, both Available; chats at most 2 for anna, 3 for bob."""

from __future__ import annotations

import asyncio
import json
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest_asyncio
from aiohttp import ClientResponse, ClientWebSocketResponse, WSMsgType

from tests.harness.api import MAILBOX, ApiClient, StandInPbx, serving_api
from tests.harness.smtp import Mailbox, smtp_server
from tests.harness.until import eventually
from vcc.api.app import PREFIX
from vcc.core.agents import Status
from vcc.core.channels import Capacity, Channel
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.digital.smtp_listener import SmtpListener
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver
from vcc.wfm.mail import SmtpMailer

# Bob (1002) takes one chat more than the others: his admin set his own limit.
CAPACITY = Capacity({Channel.CHAT: 2, Channel.EMAIL: 1, Channel.VOICEMAIL: 1},
                    per_agent={"1002": {Channel.CHAT: 3}})  # fmt: skip


@dataclass
class Listener:
    """A WebSocket's messages, read in the background, for tests to wait on."""

    ws: ClientWebSocketResponse
    messages: list[dict[str, Any]]
    task: asyncio.Task[None]

    @classmethod
    async def open(cls, ws: ClientWebSocketResponse) -> Listener:
        messages: list[dict[str, Any]] = []

        async def read() -> None:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    messages.append(json.loads(frame.data))

        return cls(ws, messages, asyncio.create_task(read()))

    def of(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        return [m for m in self.messages
                if m["type"] == kind and all(m.get(k) == v for k, v in match.items())]  # fmt: skip

    async def wait(self, kind: str, **match: Any) -> dict[str, Any]:
        found: list[dict[str, Any]] = await eventually(
            lambda: self.of(kind, **match), what=f"a {kind} {match}"
        )
        return found[-1]

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@dataclass
class Desk:
    api: ApiClient
    engine: Engine
    mailbox: Mailbox  # the customers' side: replies arrive here
    listener: SmtpListener  # vcc's side: customers' emails go here

    def auth(self, user: str) -> dict[str, str]:
        return self.api.auth(user)

    async def call(
        self, method: str, path: str, user: str | None, json: Any = None
    ) -> ClientResponse:
        return await self.api.client.request(
            method, f"{PREFIX}{path}", headers=self.api.auth(user), json=json
        )

    async def ok(self, method: str, path: str, user: str | None, json: Any = None) -> Any:
        response = await self.call(method, path, user, json)
        assert response.status in (200, 201), (method, path, await response.text())
        return await response.json()

    async def refused(
        self, method: str, path: str, user: str | None, json: Any = None, status: int = 400
    ) -> dict[str, Any]:
        response = await self.call(method, path, user, json)
        assert response.status == status, (method, path, await response.text())
        error: dict[str, Any] = (await response.json())["error"]
        return error

    async def events(self, user: str) -> Listener:
        ws = await self.api.client.ws_connect(f"{PREFIX}/events", headers=self.api.auth(user))
        return await Listener.open(ws)

    async def customer(self, chat_id: str, token: str) -> Listener:
        ws = await self.api.client.ws_connect(
            f"{PREFIX}/public/chats/{chat_id}/socket?token={token}"
        )
        return await Listener.open(ws)

    async def start_chat(
        self, text: str = "Waar blijft mijn pakket?", **fields: Any
    ) -> tuple[str, str]:
        fields = {"queue": "support", "name": "Carla", "text": text, **fields}
        started = await self.ok("POST", "/public/chats", None, fields)
        return started["chat_id"], started["token"]

    def load(self, agent: str, channel: str = "chat") -> int:
        return self.api.digital.desk.loads()[agent][channel]


def email_to_vcc(subject: str, body: str, **headers: str) -> EmailMessage:
    """A customer's email to vcc's support address."""
    message = EmailMessage()
    message["From"] = "Dirk Klant <dirk@example.org>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", "<first@example.org>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


async def send_to_vcc(desk: Desk, message: EmailMessage, to: str = MAILBOX) -> None:
    """Deliver ``message`` to vcc's SMTP listener, as a mail server would."""

    def deliver() -> None:
        with smtplib.SMTP("127.0.0.1", desk.listener.port, timeout=10) as smtp:
            smtp.send_message(message, to_addrs=[to])

    await asyncio.to_thread(deliver)


@pytest_asyncio.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    pbx = StandInPbx()
    agents = [Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.AVAILABLE)
              for a in ("1001", "1002")]  # fmt: skip
    queues = [QueueConfig("support")]
    engine = Engine(cast(PbxDriver, pbx), RouterState.create(agents, queues))
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])
    loop = asyncio.create_task(engine.run())
    try:
        with smtp_server() as mailbox:
            mailer = SmtpMailer(mailbox.host, mailbox.port, MAILBOX)
            served = serving_api(engine, tmp_path, policy, mailer=mailer, capacity=CAPACITY)
            async with served as api, api.digital.serving("127.0.0.1", 0) as listener:
                assert listener is not None
                yield Desk(api, engine, mailbox, listener)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
