"""The API in-process for tests: a real database (SQLite in a temporary directory)
with a user of each role, an aiohttp test client, sessions for each user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer

from vcc.api.app import ApiContext, build_app
from vcc.api.hub import EventHub
from vcc.auth.service import AuthService
from vcc.calls import CallControl
from vcc.core.access import SESSION_IDLE, Role
from vcc.core.channels import Capacity
from vcc.core.outbound import OutboundPolicy
from vcc.digital.service import DigitalService
from vcc.engine import Engine
from vcc.notifications import NotificationService
from vcc.pbx.events import OriginateRequest, PbxEvent
from vcc.profile import ProfileService, stored_in
from vcc.prompts import PromptService
from vcc.store import create_engine, repository, session_factory, upgrade
from vcc.store.models import QueueMember
from vcc.wfm.context import WfmContext
from vcc.wfm.mail import Mailer
from vcc.wfm.service import WfmService

PASSWORD = "a long enough passphrase"
MAILBOX = "support@vcc.test"  # where customers write to (the SMTP listener's domain)
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
class ApiClient:
    client: TestClient[Any, Any]
    tokens: dict[str, str]
    hub: EventHub
    wfm: WfmService
    digital: DigitalService

    def auth(self, user: str | None) -> dict[str, str]:
        return {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}


def _own_prompts(directory: Path) -> tuple[Path, PurePosixPath]:
    folder = directory / "prompts"
    folder.mkdir(exist_ok=True)
    return folder, PurePosixPath("/usr/share/asterisk/sounds/vcc-custom-test")


@asynccontextmanager
async def serving_api(
    engine: Engine,
    directory: Path,
    policy: OutboundPolicy | None,
    *,
    queues: Sequence[str] = ("support",),
    prompts: tuple[Path, PurePosixPath] | None = None,
    codes: Callable[[], str] | None = None,
    idle: float = SESSION_IDLE,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime] | None = None,
    capacity: Capacity | None = None,
) -> AsyncIterator[ApiClient]:
    """The API over ``engine`` (whose loop the caller runs), its agents and ``queues``
    in a new database in ``directory``, the users of USERS logged in."""
    url = f"sqlite+aiosqlite:///{directory / 'vcc.db'}"
    await upgrade(url)
    database = create_engine(url)
    sessions = session_factory(database)
    async with sessions() as session:
        for n, queue in enumerate(queues):
            await repository.add_queue(session, id=queue, name=queue, extension=f"{7000 + n}")
        for agent in engine.state.agents.values():
            await repository.add_agent(
                session, id=agent.id, name=agent.id, extension=agent.id, sip_password="x" * 12
            )
            for queue in agent.queues:
                if queue in queues:
                    session.add(QueueMember(agent_id=agent.id, queue_id=queue))
        await session.commit()
    auth = AuthService(sessions, idle=idle)
    for name, (role, agent_id) in USERS.items():
        if agent_id is None or agent_id in engine.state.agents:
            code = await auth.create_user(None, name, role, agent_id)
            await auth.activate(name, code, PASSWORD)
    hub = EventHub()
    notifications = NotificationService(sessions, hub.publish)
    wfm = WfmService.create(
        WfmContext(sessions, notifications, mailer, ZoneInfo("UTC"),
                   clock=clock or (lambda: datetime.now(UTC)))
    )  # fmt: skip
    await wfm.schedules.sync()  # the agents are in WFM's roster, as after a nightly sync
    recorder = engine.recorder
    digital = DigitalService.create(
        engine, sessions, hub.publish, data_dir=directory, mailer=mailer,
        recordings=recorder.store.host_root if recorder is not None else None,
        address=MAILBOX, capacity=capacity,
    )  # fmt: skip

    async def database_ok() -> bool:
        return True

    ctx = ApiContext(
        engine=engine,
        calls=CallControl(engine, policy),
        auth=auth,
        profile=ProfileService(
            engine,
            policy,
            extensions=set(engine.state.agents),
            save=stored_in(sessions),
            codes=codes,
        ),
        notifications=notifications,
        hub=hub,
        database_ok=database_ok,
        prompts=PromptService(engine, sessions, *(prompts or _own_prompts(directory))),
        wfm=wfm,
        digital=digital,
    )
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
            if response.status == 200:
                tokens[name] = (await response.json())["token"]
        yield ApiClient(client, tokens, hub, wfm, digital)
    finally:
        await client.close()
        await database.dispose()
