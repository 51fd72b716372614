"""WFM through its API on a real database (SQLite), a real SMTP server on loopback
receiving the email copies, and a clock the tests move. Three agents: anna (1001),
bob (1002), cas (1003); sup is their supervisor (sup@example.org)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest_asyncio
from aiohttp import ClientResponse

from tests.harness.api import PASSWORD, ApiClient, StandInPbx, serving_api
from tests.harness.smtp import Mailbox, smtp_server
from vcc.api.app import PREFIX
from vcc.core.access import Role
from vcc.core.agents import Status
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver
from vcc.wfm.mail import SmtpMailer

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday morning (zone: UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Wfm:
    api: ApiClient
    mailbox: Mailbox
    clock: Clock
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api.tokens.get(user) or self.tokens[user]}"}

    async def call(self, method: str, path: str, user: str, json: Any = None) -> ClientResponse:
        return await self.api.client.request(
            method, f"{PREFIX}{path}", headers=self.auth(user), json=json
        )

    async def ok(self, method: str, path: str, user: str, json: Any = None) -> Any:
        response = await self.call(method, path, user, json)
        assert response.status in (200, 201), (method, path, await response.text())
        return await response.json()

    async def refused(
        self, method: str, path: str, user: str, json: Any = None, status: int = 400
    ) -> dict[str, Any]:
        response = await self.call(method, path, user, json)
        assert response.status == status, (method, path, await response.text())
        error: dict[str, Any] = (await response.json())["error"]
        return error

    async def publish(self, agent: str, day: str, *blocks: tuple[str, str, str]) -> None:
        await self.ok("PUT", f"/wfm/agents/{agent}/schedule/{day}", "sup", {
            "activities": [{"code": c, "start": f"{day}T{s}", "end": f"{day}T{e}"}
                           for c, s, e in blocks],
            "note": "Team meeting at 15:00",
        })  # fmt: skip


@pytest_asyncio.fixture
async def wfm(tmp_path: Path) -> AsyncIterator[Wfm]:
    pbx = StandInPbx()
    agents = [
        Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.LOGGED_OUT)
        for a in ("1001", "1002", "1003")
    ]
    engine = Engine(cast(PbxDriver, pbx), RouterState.create(agents, [QueueConfig("support")]))
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])
    clock = Clock()
    loop = asyncio.create_task(engine.run())
    try:
        with smtp_server() as mailbox:
            mailer = SmtpMailer(mailbox.host, mailbox.port, "vcc@example.org")
            async with serving_api(engine, tmp_path, policy, mailer=mailer, clock=clock) as api:
                served = Wfm(api, mailbox, clock, engine)
                await _add_user(served, "cas", "1003")
                for user, address in (
                    ("anna", "anna@example.org"),
                    ("bob", "bob@example.org"),
                    ("cas", "cas@example.org"),
                    ("sup", "sup@example.org"),
                ):
                    await served.ok("PUT", "/users/me/email", user, {"email": address})
                yield served
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def _add_user(wfm: Wfm, name: str, agent_id: str) -> None:
    made = await wfm.ok("POST", "/users", "sup", {"username": name, "role": Role.AGENT.value,
                                                   "agent_id": agent_id})  # fmt: skip
    await wfm.api.client.post(f"{PREFIX}/auth/activate", json={
        "username": name, "code": made["activation_code"], "password": PASSWORD})  # fmt: skip
    response = await wfm.api.client.post(
        f"{PREFIX}/auth/login", json={"username": name, "password": PASSWORD}
    )
    wfm.tokens[name] = (await response.json())["token"]
