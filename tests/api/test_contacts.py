"""Favourites and recents per user: pinned agents, queues and numbers; whom the user
last reached, newest first, each once."""

from __future__ import annotations

from tests.api.conftest import Api
from vcc.api.app import PREFIX
from vcc.core.agents import Status, StatusRequest
from vcc.core.routing import StatusRequested


async def test_favourites_are_each_users_own(api: Api) -> None:
    anna, bob = api.auth("anna"), api.auth("bob")
    url = f"{PREFIX}/users/me/favourites"
    for kind, target in (("queue", "support"), ("agent", "1002"), ("number", "020 123 4567")):
        response = await api.client.post(url, json={"kind": kind, "target": target}, headers=anna)
        assert response.status == 200, await response.text()
    await api.client.post(url, json={"kind": "queue", "target": "support"}, headers=anna)  # twice
    assert await (await api.client.get(url, headers=anna)).json() == [
        {"kind": "agent", "target": "1002"},
        {"kind": "number", "target": "0201234567"},
        {"kind": "queue", "target": "support"},
    ]
    assert await (await api.client.get(url, headers=bob)).json() == []
    response = await api.client.delete(url, json={"kind": "agent", "target": "1002"}, headers=anna)
    assert len(await response.json()) == 2
    response = await api.client.delete(url, json={"kind": "agent", "target": "1002"}, headers=anna)
    assert response.status == 404
    for bad in ({"kind": "group", "target": "x"}, {"kind": "number", "target": "020&1"},
                {"kind": "queue", "target": "../etc"}):  # fmt: skip
        response = await api.client.post(url, json=bad, headers=anna)
        assert response.status == 400, bad


async def test_recents_are_whom_the_user_called_newest_first(api: Api) -> None:
    await api.engine.ask(
        StatusRequested("1001", StatusRequest(Status.AVAILABLE), api.engine.clock(), "anna")
    )
    anna = api.auth("anna")
    response = await api.client.post(f"{PREFIX}/calls", json={"number": "0201234567"}, headers=anna)
    assert response.status == 201, await response.text()
    recents = await (await api.client.get(f"{PREFIX}/users/me/recents", headers=anna)).json()
    assert [(r["kind"], r["target"]) for r in recents] == [("number", "0201234567")]
    assert ("originate", "PJSIP/1001", "vcc-outbound") in api.pbx.actions  # agent first
