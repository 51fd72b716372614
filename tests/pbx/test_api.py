"""Call control through the REST API on the real PBX: an agent logs in, goes
Available, takes a queue call (the console hears of it over the WebSocket), holds
and resumes it, hangs up and gives a disposition; then calls a customer agent first.
Audio checked where a call is said to connect."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.harness.api import serving_api
from tests.harness.audio import assert_heard, heard_somewhere
from tests.harness.calls import POLICY, agent
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import hear_each_other_for_a_second
from vcc.api.app import PREFIX
from vcc.core.agents import Status
from vcc.core.queues import QueueConfig


async def agent_event(ws: ClientWebSocketResponse, status: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            message = await ws.receive()
            assert message.type is WSMsgType.TEXT, message
            data: dict[str, Any] = json.loads(message.data)
            if data["type"] == "agent" and data["agent"]["status"] == status:
                return data


async def test_an_agent_handles_a_queue_call_from_the_api(pbx: PbxHarness, tmp_path: Path) -> None:
    queues = [
        QueueConfig(
            QUEUE.queue,
            ring_timeout=5.0,
            wrap_up=30.0,
            dispositions=("sale", "no-sale"),
            disposition_required=True,
        ),
        QueueConfig(SALES.queue),
    ]
    anna = agent("1001", QUEUE.queue, Status.LOGGED_OUT)
    async with (
        pbx.controller([anna], queues=queues, fast_path=True) as engine,
        serving_api(engine, tmp_path, POLICY, queues=[QUEUE.queue, SALES.queue]) as api,
    ):
        me = api.auth("anna")
        ws = await api.client.ws_connect(f"{PREFIX}/events", headers=me)
        response = await api.client.put(
            f"{PREFIX}/agents/1001/status", json={"status": "available"}, headers=me
        )
        assert response.status == 200, await response.text()
        await agent_event(ws, "available")

        await pbx.phones["2001"].dial(QUEUE.extension)
        busy = await agent_event(ws, "busy")  # the console hears of the call
        call = busy["agent"]["call"]
        assert call["queue"] == QUEUE.queue
        await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)

        assert (await api.client.post(f"{PREFIX}/calls/1001/hold", headers=me)).status == 200
        await hear_each_other_for_a_second(pbx)  # the caller hears music meanwhile
        assert (await api.client.post(f"{PREFIX}/calls/1001/resume", headers=me)).status == 200
        await hear_each_other_for_a_second(pbx)
        sup = api.auth("sup")  # a supervisor may act on the call; no one else's agent here
        assert (await api.client.get(f"{PREFIX}/agents/1001/status", headers=sup)).status == 200

        assert (await api.client.post(f"{PREFIX}/calls/1001/hangup", headers=me)).status == 200
        await pbx.phones["2001"].wait_for("CALL_CLOSED")
        await agent_event(ws, "wrap_up")
        response = await api.client.put(
            f"{PREFIX}/interactions/{call['interaction_id']}/disposition",
            json={"code": "sale"},
            headers=me,
        )
        assert response.status == 200, await response.text()
        assert engine.state.agents["1001"].disposition_due is False
        response = await api.client.put(  # leaving wrap-up early, now that the code is in
            f"{PREFIX}/agents/1001/status", json={"status": "available"}, headers=me
        )
        assert response.status == 200, await response.text()
        await agent_event(ws, "available")

        queue = await (
            await api.client.get(f"{PREFIX}/queues/{QUEUE.queue}/status", headers=me)
        ).json()
        assert queue["service_level"]["answered"] == 1
        await ws.close()
    assert heard_somewhere(pbx.phones["2001"].heard, MOH_HZ)  # music while on hold
    assert_heard(pbx.phones["2001"].heard, 1000.0, start=-0.8)  # the agent, after resume


async def test_click_to_dial_from_the_api_rings_the_agent_then_the_customer(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    async with (
        pbx.controller([agent("1001", QUEUE.queue)], queues=[QueueConfig(QUEUE.queue)]) as engine,
        serving_api(engine, tmp_path, POLICY) as api,
    ):
        response = await api.client.post(
            f"{PREFIX}/calls", json={"number": "20 02"}, headers=api.auth("anna")
        )
        assert response.status == 201, await response.text()
        await pbx.phones["1001"].wait_for("CALL_RTPESTAB")
        await pbx.phones["2002"].wait_for("CALL_RTPESTAB")
        assert pbx.phones["1001"].count("CALL_ESTABLISHED") == 1
        await hear_each_other_for_a_second(pbx)
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        assert (
            await api.client.post(f"{PREFIX}/calls/1001/hangup", headers=api.auth("anna"))
        ).status == 200
        await pbx.phones["2002"].wait_for("CALL_CLOSED")
    assert_heard(pbx.phones["2002"].heard, 1000.0, start=-0.8)
    assert_heard(pbx.phones["1001"].heard, 600.0, start=-0.8)


async def test_the_profile_phone_is_verified_and_saved_through_the_api(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    """ "Bellen voor verificatie": the REST calls ring the typed number, the code the
    call spoke is typed back, the phone is saved; a queue call then rings it."""
    async with (
        pbx.controller([agent("1001", QUEUE.queue)], queues=[QueueConfig(QUEUE.queue)]) as engine,
        serving_api(engine, tmp_path, POLICY, codes=lambda: "305827") as api,
    ):
        me = api.auth("anna")
        profile = f"{PREFIX}/agents/1001/profile"
        response = await api.client.put(profile, json={"phone": "2002"}, headers=me)
        assert (await response.json())["error"]["code"] == "phone-not-verified"
        response = await api.client.post(f"{profile}/verify", json={"phone": "2002"}, headers=me)
        assert response.status == 200, await response.text()
        await pbx.phones["2002"].wait_for("CALL_CLOSED", timeout=20)
        wrong = await api.client.post(f"{profile}/confirm", json={"code": "111111"}, headers=me)
        assert (await wrong.json())["error"]["code"] == "verification-code-wrong"
        right = await api.client.post(f"{profile}/confirm", json={"code": "305827"}, headers=me)
        assert right.status == 200, await right.text()
        saved = await api.client.put(profile, json={"phone": "2002"}, headers=me)
        assert saved.status == 200, await saved.text()
        rung_at = await (await api.client.get(profile, headers=me)).json()
        assert rung_at["rung_at"] == "PJSIP/2002"

        await pbx.phones["2001"].dial(QUEUE.extension)
        await pbx.phones["2002"].wait_for("CALL_ESTABLISHED", count=2)
        await hear_each_other_for_a_second(pbx)
        await pbx.phones["2001"].hangup()
        await pbx.phones["2002"].wait_for("CALL_CLOSED", count=2)
    assert pbx.phones["1001"].count("CALL_ESTABLISHED") == 0
    assert_heard(pbx.phones["2001"].heard, 600.0, start=-0.8)  # 2002's tone
