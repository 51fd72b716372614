"""The API in-process on a real database (SQLite in a temporary directory), with a
user of each role. The engine here drives a stand-in PBX that notes what it is told:
these tests are about access and input; calls are proven in tests/pbx/test_api.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest_asyncio
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer

from vcc.api.app import ApiContext, build_app
from vcc.api.hub import EventHub
from vcc.auth.service import AuthService
from vcc.calls import CallControl
from vcc.core.access import Role
from vcc.core.agents import Status
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine
from vcc.notifications import NotificationService
from vcc.pbx.driver import PbxDriver
from vcc.pbx.events import OriginateRequest, PbxEvent
from vcc.profile import ProfileService
from vcc.store import create_engine, repository, session_factory, upgrade
from vcc.store.models import QueueMember

PASSWORD = "a long enough passphrase"
USERS = {  # username → role, agent
    "anna": (Role.AGENT, "1001"),
    "bob": (Role.AGENT, "1002"),
    "sup": (Role.SUPERVISOR, None),
    "root": (Role.ADMIN, None),
}


@dataclass
class StandInPbx:
    """Takes every action and notes it; sends no events."""

    events: asyncio.Queue[PbxEvent] = field(default_factory=asyncio.Queue)
    actions: list[tuple[str, ...]] = field(default_factory=list)
    supports_reservations: bool = False
    connected: bool = True

    def subscribe(self, sink: Callable[[PbxEvent], None]) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def originate(self, request: OriginateRequest) -> None:
        self.actions.append(("originate", request.endpoint, request.context))

    def __getattr__(self, name: str) -> Any:
        async def noted(*args: Any, **kwargs: Any) -> None:
            self.actions.append((name, *map(str, args)))

        return noted


@dataclass
class Api:
    client: TestClient[Any, Any]
    engine: Engine
    pbx: StandInPbx
    tokens: dict[str, str]
    hub: EventHub

    def auth(self, user: str | None) -> dict[str, str]:
        return {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
    await upgrade(url)
    database = create_engine(url)
    sessions = session_factory(database)
    async with sessions() as session:
        await repository.add_queue(session, id="support", name="Support", extension="7000")
        for agent_id in ("1001", "1002"):
            await repository.add_agent(
                session, id=agent_id, name=agent_id, extension=agent_id, sip_password="x" * 12
            )
            session.add(QueueMember(agent_id=agent_id, queue_id="support"))
        await session.commit()
    auth = AuthService(sessions)
    for name, (role, agent) in USERS.items():
        await auth.activate(name, await auth.create_user(None, name, role, agent), PASSWORD)
    pbx = StandInPbx()
    agents = [
        Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.LOGGED_OUT) for a in ("1001", "1002")
    ]
    engine = Engine(
        cast(PbxDriver, pbx),
        RouterState.create(agents, [QueueConfig("support", dispositions=("sale",))]),
    )
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])
    hub = EventHub()

    async def database_ok() -> bool:
        return True

    ctx = ApiContext(
        engine=engine,
        calls=CallControl(engine, policy),
        auth=auth,
        profile=ProfileService(engine, policy, extensions={"1001", "1002"}),
        notifications=NotificationService(sessions, hub.publish),
        hub=hub,
        database_ok=database_ok,
    )
    loop = asyncio.create_task(engine.run())
    # No cookie jar: each request says who it is (the login cookie is tested on its own).
    client: TestClient[Any, Any] = TestClient(
        TestServer(build_app(ctx)), cookie_jar=DummyCookieJar()
    )
    await client.start_server()
    try:
        tokens = {}
        for name in USERS:
            response = await client.post(
                "/api/v1/auth/login", json={"username": name, "password": PASSWORD}
            )
            assert response.status == 200, await response.text()
            tokens[name] = (await response.json())["token"]
        yield Api(client, engine, pbx, tokens, hub)
    finally:
        await client.close()
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await database.dispose()
