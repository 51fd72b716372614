"""Live events over the WebSocket: a status change reaches a console; a notification
reaches only its recipients; a client that stops reading is cut off and never holds
up the others."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.api.conftest import Api
from tests.harness.until import eventually
from vcc.api.app import PREFIX


async def next_of(ws: ClientWebSocketResponse, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = await ws.receive()
            assert message.type is WSMsgType.TEXT, message
            data: dict[str, Any] = json.loads(message.data)
            if data["type"] == kind:
                return data


async def test_a_status_change_reaches_every_console(api: Api) -> None:
    anna = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("anna"))
    sup = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("sup"))
    await eventually(lambda: len(api.hub.clients) == 2, what="both listening")
    response = await api.client.put(
        f"{PREFIX}/agents/1001/status", json={"status": "available"}, headers=api.auth("anna")
    )
    assert response.status == 200, await response.text()
    for ws in (anna, sup):
        event = await next_of(ws, "agent")
        assert (event["agent"]["id"], event["agent"]["status"]) == ("1001", "available")
    await anna.close()
    await sup.close()


async def test_a_notification_reaches_only_its_recipients(api: Api) -> None:
    anna = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("anna"))
    bob = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("bob"))
    await eventually(lambda: len(api.hub.clients) == 2, what="both listening")
    response = await api.client.post(
        f"{PREFIX}/notifications",
        json={"to": "agent", "target": "1002", "title": "Pauze", "body": "Om drie uur"},
        headers=api.auth("sup"),
    )
    assert response.status == 201
    assert (await next_of(bob, "notification"))["title"] == "Pauze"
    unread = await api.client.get(f"{PREFIX}/notifications/unread-count", headers=api.auth("bob"))
    assert await unread.json() == {"unread": 1}
    api.hub.publish({"type": "queue", "marker": True})  # anna's next message is this one
    assert (await next_of(anna, "queue")).get("marker") is True
    await anna.close()
    await bob.close()


async def test_a_client_that_stops_reading_is_cut_off_without_delaying_the_others(
    api: Api,
) -> None:
    slow = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("bob"))
    fast = await api.client.ws_connect(f"{PREFIX}/events", headers=api.auth("anna"))
    await eventually(lambda: len(api.hub.clients) == 2, what="both listening")
    padding = "x" * 20_000
    received = 0

    async def read_fast() -> None:
        nonlocal received
        while received < 2000:
            message = await fast.receive()
            assert message.type is WSMsgType.TEXT
            received += 1

    reader = asyncio.create_task(read_fast())
    for n in range(2000):  # 40 MB: more than the sockets' buffers hold for the slow one
        api.hub.publish({"type": "queue", "n": n, "padding": padding})
        await asyncio.sleep(0)  # the writers get a turn, as they would between events
    async with asyncio.timeout(30):
        await reader  # the fast console got everything
    assert api.hub.disconnected_slow == 1
    await eventually(lambda: len(api.hub.clients) == 1, what="the slow client gone")
    closed = await slow.receive(timeout=10)
    while closed.type is WSMsgType.TEXT:  # what it had been sent before the cut
        closed = await slow.receive(timeout=10)
    assert closed.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    await fast.close()
