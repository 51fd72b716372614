"""The API in-process on a real database, with a user of each role. The engine here
drives a stand-in PBX that notes what it is told: these tests are about access and
input; calls through the API are proven on the real PBX in tests/pbx/test_api.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest_asyncio

from tests.harness.api import USERS, ApiClient, StandInPbx, serving_api
from vcc.core.agents import Status
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine
from vcc.pbx.driver import PbxDriver

__all__ = ["USERS", "Api"]


@dataclass
class Api(ApiClient):
    engine: Engine = field(kw_only=True)
    pbx: StandInPbx = field(kw_only=True)


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    pbx = StandInPbx()
    agents = [
        Agent(a, f"PJSIP/{a}", {"support": 0}, status=Status.LOGGED_OUT) for a in ("1001", "1002")
    ]
    engine = Engine(
        cast(PbxDriver, pbx),
        RouterState.create(agents, [QueueConfig("support", dispositions=("sale",))]),
    )
    policy = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])
    loop = asyncio.create_task(engine.run())
    try:
        async with serving_api(engine, tmp_path, policy) as served:
            yield Api(served.client, served.tokens, served.hub, served.wfm, served.digital,
                      engine=engine, pbx=pbx)  # fmt: skip
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
