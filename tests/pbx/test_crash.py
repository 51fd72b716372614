"""Crash safety: the PBX holds the calls, so a controller killed with SIGKILL drops
nothing, and the one started after it picks up where it left off."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from tests.harness.audio import assert_heard
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_faults import ami
from tests.pbx.test_first_call import agent_channels, hear_each_other_for_a_second
from vcc.core.agents import Status
from vcc.pbx.events import CallerEnqueued, ChannelEnteredBridge, ChannelHungUp
from vcc.store import create_engine, repository, session_factory, upgrade
from vcc.store.journal import StoreJournal
from vcc.store.models import Interaction

TENANT = f"""
[[queues]]
id = "{QUEUE.queue}"
extension = "{QUEUE.extension}"
[[queues]]
id = "{SALES.queue}"
extension = "{SALES.extension}"
[[agents]]
id = "1001"
queues = {{ {QUEUE.queue} = 0 }}
status = "available"
"""


@contextmanager
def serve(pbx: PbxHarness, tmp_path: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """``vcc serve`` as its own process, against the test PBX, as an admin would run it."""
    tenant = tmp_path / "tenant.toml"
    tenant.write_text(TENANT)
    ami_settings = pbx.asterisk.ami_settings()
    assert ami_settings.secret_file is not None
    env = {
        **os.environ,
        "VCC_TENANT": str(tenant),
        "VCC_DATA_DIR": str(tmp_path),  # its own SQLite database
        "VCC_AMI_PORT": str(ami_settings.port),
        "VCC_AMI_SECRET_FILE": str(ami_settings.secret_file),
        "VCC_API_PORT": str(api_port(pbx)),  # the API it serves too, off the default 8080
    }
    applied = subprocess.run(
        [sys.executable, "-m", "vcc", "tenant", "apply"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert applied.returncode == 0, applied.stderr
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vcc", "-v", "serve"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def api_port(pbx: PbxHarness) -> int:
    return pbx.ports.ami + 42  # free beside the test PBX's ports, per test slot


async def connected(proc: subprocess.Popen[bytes], log: Path) -> None:
    def ready() -> bool:
        assert proc.poll() is None, f"vcc serve exited:\n{log.read_text()}"
        return "controller connected" in log.read_text()

    await eventually(ready, timeout=20, what="vcc serve connected to the PBX")


def health(pbx: PbxHarness) -> dict[str, object]:
    """What the served API's health endpoint says."""
    url = f"http://127.0.0.1:{api_port(pbx)}/api/v1/health"
    with urllib.request.urlopen(url, timeout=5) as response:
        answer: dict[str, object] = json.load(response)
        return answer


def console_page(pbx: PbxHarness) -> tuple[str, str]:
    """The console's page as the installed vcc serves it, and its CSP."""
    url = f"http://127.0.0.1:{api_port(pbx)}/"  # redirected to /console/
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode(), response.headers["Content-Security-Policy"]


async def test_sigkill_drops_no_call_and_the_next_controller_routes_in_order(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    first, second, third = pbx.phones["2001"], pbx.phones["2002"], pbx.phones["2003"]
    agent = pbx.phones["1001"]
    with serve(pbx, tmp_path, "before") as before:
        await connected(before, tmp_path / "before.log")
        # The same process serves the API: healthy, connected to the PBX and its database.
        said = await asyncio.to_thread(health, pbx)
        assert said == {"status": "ok", "pbx_connected": True, "database": True}
        page, policy = await asyncio.to_thread(console_page, pbx)  # and the agent console
        assert '<script type="module" src="/console/js/main.js">' in page
        assert "default-src 'self'" in policy
        await first.dial(QUEUE.extension)
        talking = await enqueued_from(pbx, "2001")
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=talking.uniqueid)
        await second.dial(QUEUE.extension)
        early = await enqueued_from(pbx, "2002")
        await third.dial(QUEUE.extension)
        late = await enqueued_from(pbx, "2003")
        before.send_signal(signal.SIGKILL)
        before.wait(timeout=10)

    # Nothing was dropped: the call is still bridged, both callers still wait.
    snapshot = await pbx.monitor.driver.snapshot()
    talking_now = snapshot.channel(talking.uniqueid)
    assert talking_now is not None
    assert talking_now.bridge_id
    for waiting in (early, late):
        channel = snapshot.channel(waiting.uniqueid)
        assert channel is not None
        assert channel.context == "vcc-wait"
    assert not pbx.monitor.of(ChannelHungUp)

    with serve(pbx, tmp_path, "after") as after:
        await connected(after, tmp_path / "after.log")
        await hear_each_other_for_a_second(pbx)
        await first.hangup()  # the agent frees up: the earlier caller is next
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=early.uniqueid)
        assert not pbx.monitor.of(ChannelEnteredBridge, uniqueid=late.uniqueid)
        await second.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await second.hangup()
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=late.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await third.hangup()
        await agent.wait_for("CALL_CLOSED", count=3)

    # One ring per caller, no more: the restarted controller adopted the running call.
    assert len(agent_channels(pbx, "1001")) == 3
    # Both controllers wrote to the same database: every call is there, answered.
    outcomes = await recorded_outcomes(tmp_path / "vcc.db")
    assert outcomes == {
        talking.uniqueid: "answered",
        early.uniqueid: "answered",
        late.uniqueid: "answered",
    }
    assert_heard(second.heard, MOH_HZ, start=0.3, end=1.0)
    assert_heard(second.heard, 1000.0, start=-0.8)
    assert_heard(third.heard, 1000.0, start=-0.8)


async def test_asterisk_restart_frees_agents_and_records_the_calls_it_lost(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    caller, agent = pbx.phones["2001"], pbx.phones["1001"]
    url = f"sqlite+aiosqlite:///{tmp_path / 'vcc.db'}"
    await upgrade(url)
    database = create_engine(url)
    sessions = session_factory(database)
    async with sessions() as session:
        for queue in (QUEUE, SALES):
            await repository.add_queue(
                session, id=queue.queue, name=queue.queue, extension=queue.extension
            )
        await repository.add_agent(
            session, id="1001", name="1001", extension="1001", sip_password="x" * 12
        )
        await session.commit()
    try:
        journal = StoreJournal(sessions)
        async with pbx.controller(["1001"], journal=journal, backoff=(0.05, 0.5)) as engine:
            await caller.dial(QUEUE.extension)
            lost = await enqueued_from(pbx, "2001")
            await agent.wait_for("CALL_RTPESTAB")
            await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
            pbx.asterisk.kill()  # a crash: Asterisk says nothing about the calls it drops
            for phone in (caller, agent):  # the phones never heard a BYE: they give up too
                await phone.hangup()
                await phone.wait_for("CALL_CLOSED")
            pbx.asterisk.start()
            await ami(engine).wait_ready(30)
            await pbx.monitor.driver.wait_ready(30)
            # the call is gone with the PBX: the agent is not left in Busy
            await eventually(
                lambda: (
                    engine.state.agents["1001"].status is Status.AVAILABLE
                    and engine.state.agents["1001"].offer_id is None
                ),
                what="1001 available again",
            )
            assert engine.status_log[-1].status is Status.AVAILABLE, engine.status_log[-3:]
            assert engine.status_log[-1].by == "system"
            for phone in pbx.phones.values():
                await phone.register()
            caller.clear()
            agent.clear()
            await caller.dial(QUEUE.extension)
            await agent.wait_for("CALL_RTPESTAB")
            await hear_each_other_for_a_second(pbx)
            await caller.hangup()
            await agent.wait_for("CALL_CLOSED")
    finally:  # also when the test fails: no connection left for the GC to find
        await database.dispose()
    outcomes = await recorded_outcomes(tmp_path / "vcc.db")
    assert outcomes[lost.uniqueid] == "lost"  # the call the restart took away
    assert list(outcomes.values()).count("answered") == 1  # the one after it
    assert_heard(caller.heard, 1000.0, start=-0.8)


async def recorded_outcomes(database: Path) -> dict[str, str | None]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_factory(engine, read_only=True)() as session:
            rows = await session.scalars(select(Interaction))
            return {i.id: (i.outcome.value if i.outcome else None) for i in rows}
    finally:
        await engine.dispose()


async def enqueued_from(pbx: PbxHarness, extension: str) -> CallerEnqueued:
    """The CallerEnqueued of a call from this phone."""

    def found() -> list[CallerEnqueued]:
        prefix = f"PJSIP/{extension}-"
        return [e for e in pbx.monitor.of(CallerEnqueued) if e.channel.startswith(prefix)]

    events: list[CallerEnqueued] = await eventually(found, what=f"{extension} enqueued")
    return events[-1]
