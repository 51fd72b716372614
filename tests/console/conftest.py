"""The console in Debian's Chromium against the API in-process (real database, real
HTTP and WebSocket) over a stand-in PBX: the console's own behaviour. Calls through
the console on the real PBX with SIP phones: tests/pbx/test_console.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import pytest_asyncio

from tests.harness.api import ApiClient, StandInPbx, serving_api
from vcc.core.agents import Status, StatusRules
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver

RULES = StatusRules(
    codes=MappingProxyType({Status.BREAK: frozenset({"lunch", "coffee"})}),
    reason_required=frozenset({Status.BREAK}),
)


@dataclass
class Stack:
    api: ApiClient
    engine: Engine
    pbx: StandInPbx
    url: str


async def stack_for(tmp_path: Path, **options: Any) -> AsyncIterator[Stack]:
    """The stack; ``options`` go to serving_api (idle, codes)."""
    pbx = StandInPbx()
    agents = [
        Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.LOGGED_OUT) for a in ("1001", "1002")
    ]
    queues = [QueueConfig("support", dispositions=("sale", "no-sale")), QueueConfig("sales")]
    engine = Engine(cast(PbxDriver, pbx), RouterState.create(agents, queues, rules=RULES))
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])
    loop = asyncio.create_task(engine.run())
    try:
        async with serving_api(
            engine, tmp_path, policy, queues=["support", "sales"], **options
        ) as api:
            yield Stack(api, engine, pbx, str(api.client.make_url("/")))
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async for served in stack_for(tmp_path):
        yield served
