"""`vcc serve --pbx freeswitch` as an admin runs it, against the fake event socket:
it connects and authenticates, serves the API (healthy, PBX connected), and its
engine — the same one that drives Asterisk — answers a caller entering a queue by
ringing the Available agent with an originate over ESL."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio

from tests.freeswitch.fake_esl import PASSWORD, FakeEsl
from tests.harness.until import eventually
from tests.system.test_cli import vcc

ACTIVATED_PASSWORD = "a long enough passphrase"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest_asyncio.fixture
async def esl() -> AsyncIterator[FakeEsl]:
    async with FakeEsl() as server:
        yield server


async def test_vcc_serve_drives_freeswitch_over_the_event_socket(
    esl: FakeEsl, tmp_path: Path
) -> None:
    api_port = free_port()
    env = {
        **os.environ,
        "VCC_DATA_DIR": str(tmp_path),
        "VCC_INSTANCE": "fstest",
        "VCC_PBX": "freeswitch",
        "VCC_ESL_PORT": str(esl.port),
        "VCC_ESL_PASSWORD": PASSWORD,
        "VCC_API_PORT": str(api_port),
    }
    env.pop("VCC_DATABASE_URL", None)
    env.pop("VCC_TENANT", None)  # the demo tenant: agents 1001, 1002, queue support
    applied = await asyncio.to_thread(vcc, "tenant", "apply", env=env)
    assert applied.returncode == 0, applied.stderr
    added = await asyncio.to_thread(vcc, "user", "add", "anna", "--agent", "1001", env=env)
    code = added.stdout.rsplit(" ", 1)[-1].strip()
    log = (tmp_path / "serve.log").open("wb")
    serve = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vcc", "serve", "--pbx", "freeswitch",
        env=env, stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{api_port}/api/v1"
    try:
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                try:
                    async with http.get(f"{base}/health") as response:
                        return bool((await response.json()).get("pbx_connected"))
                except aiohttp.ClientError:
                    return False

            await eventually(healthy, timeout=60, what="vcc serve connected to the event socket")
            assert esl.commands[0] == f"auth {PASSWORD}"
            assert esl.commands[1].startswith("event plain CHANNEL_CREATE")
            await http.post(f"{base}/auth/activate", json={
                "username": "anna", "code": code, "password": ACTIVATED_PASSWORD})  # fmt: skip
            async with http.post(f"{base}/auth/login", json={
                "username": "anna", "password": ACTIVATED_PASSWORD}) as response:  # fmt: skip
                token = (await response.json())["token"]
            me = {"Authorization": f"Bearer {token}"}
            async with http.put(f"{base}/agents/1001/status", headers=me,
                                json={"status": "available"}) as response:  # fmt: skip
                assert response.status == 200, await response.text()

            caller = "5b0e7c2a-1d7e-4c3b-9a53-2f6e9c1d0a11"
            await esl.push({"Event-Name": "CHANNEL_CREATE", "Unique-ID": caller,
                            "Caller-Caller-ID-Number": "2001",
                            "Caller-Destination-Number": "7000",
                            "Caller-Context": "vcc-callers"})  # fmt: skip
            await esl.push({"Event-Name": "CUSTOM", "Event-Subclass": "vcc::enqueue",
                            "Unique-ID": caller, "variable_vcc_queue": "support",
                            "variable_vcc_enqueued": "1764576000.5"})  # fmt: skip
            originates = await eventually(lambda: esl.of("bgapi originate"), timeout=20,
                                          what="the agent rung over ESL")  # fmt: skip
            line = originates[0]
            assert line.endswith("user/1001 s XML vcc-connect")
            assert f"vcc_caller={caller}" in line
    finally:
        serve.terminate()
        await serve.wait()
        log.close()
