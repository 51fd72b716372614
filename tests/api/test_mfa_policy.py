"""The admin's two-step login policy through the API: set per role, enforced at the
next login, refused to anyone but an admin, bad roles refused with nothing changed."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.harness.api import PASSWORD
from vcc.api.app import PREFIX

URL = f"{PREFIX}/security/mfa"


async def test_an_admin_requires_two_step_login_of_agents(api: Api) -> None:
    root, sup = api.auth("root"), api.auth("sup")
    shown = await (await api.client.get(URL, headers=root)).json()
    assert shown["required_for"] == []
    response = await api.client.put(URL, json={"required_for": ["agent"]}, headers=root)
    assert response.status == 200, await response.text()
    assert (await response.json())["set_here"] == ["agent"]

    login = await api.client.post(
        f"{PREFIX}/auth/login", json={"username": "anna", "password": PASSWORD}
    )
    assert login.status == 401
    assert (await login.json())["error"]["code"] == "mfa-not-set-up"
    supervisor = await api.client.post(
        f"{PREFIX}/auth/login", json={"username": "sup", "password": PASSWORD}
    )
    assert supervisor.status == 200  # not their role

    refused = await api.client.put(URL, json={"required_for": []}, headers=sup)
    assert refused.status == 403
    for bad in (["robot"], ["agent", 1], "agent", ["a" * 500]):
        response = await api.client.put(URL, json={"required_for": bad}, headers=root)
        assert response.status == 400, bad
    assert (await (await api.client.get(URL, headers=root)).json())["set_here"] == ["agent"]

    await api.client.put(URL, json={"required_for": []}, headers=root)
    again = await api.client.post(
        f"{PREFIX}/auth/login", json={"username": "anna", "password": PASSWORD}
    )
    assert again.status == 200
