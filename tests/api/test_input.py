"""Bad input at every field: wrong types, too long, unknown fields, dial-string and
control characters, broken JSON, huge bodies. Each gets a 4xx with a clear code, and
nothing changes: no status, no PBX action, no stored message."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from vcc.api.app import PREFIX
from vcc.api.endpoints import ROUTES
from vcc.api.routes import Route, full_path
from vcc.api.schema import Field

INJECTIONS = [
    "1001&Local/x@vcc-connect",
    "0201234567,30,D(1)",
    "1;rm -rf /",
    "0201234567\nAction: Originate",
    "sip:a@b;transport=tcp",
    "\u202egnp.exe",
    "\x00",
    "２０２",
]


def bad_values(field: Field) -> list[Any]:
    values: list[Any] = [{"nested": 1}, [1, 2]] if field.kind is not list else ["x", [True]]
    if field.kind is str:
        values += [123, True, "x" * (field.max_length + 1)]
    if field.kind is bool:
        values += ["true", 1]
    if field.kind is list:
        values += [list(range(field.max_length + 1))]
    return values


def path_of(route: Route) -> str:
    return (
        full_path(route, PREFIX)
        .replace("{agent_id}", "1001")
        .replace("{queue_id}", "support")
        .replace("{interaction_id}", "x")
        .replace("{username}", "bob")
        .replace("{recording_id}", "p-000000000000")
    )


def snapshot(api: Api) -> Any:
    return (
        {a.id: (a.status, a.endpoint) for a in api.engine.state.agents.values()},
        list(api.pbx.actions),
        api.hub.published,
    )


async def test_every_field_refuses_what_it_cannot_take_and_nothing_changes(api: Api) -> None:
    before = snapshot(api)
    admin = api.auth("root")
    wrong = []
    for route in [r for r in ROUTES if r.body]:
        path = path_of(route)
        attempts: list[tuple[str, Any]] = [
            ("broken json", "{not json"),
            ("array", "[]"),
            ("unknown field", {"surprise": 1}),
        ]
        for name, field in route.body.items():
            attempts += [(f"{name}={v!r:.30}", {name: v}) for v in bad_values(field)]
        for description, payload in attempts:
            kwargs: dict[str, Any] = (
                {"data": payload, "headers": {**admin, "Content-Type": "application/json"}}
                if isinstance(payload, str)
                else {"json": payload, "headers": admin}
            )
            response = await api.client.request(route.method, path, **kwargs)
            reply = await response.json()
            if not 400 <= response.status < 500 or not reply["error"]["code"]:
                wrong.append((route.method, path, description, response.status))
    assert wrong == []
    assert snapshot(api) == before


async def test_dial_strings_and_control_characters_never_reach_the_pbx(api: Api) -> None:
    before = snapshot(api)
    admin = api.auth("root")
    for text in INJECTIONS:
        for method, path, payload in [
            ("POST", "/calls", {"agent_id": "1001", "number": text}),
            ("POST", "/calls/1001/transfer", {"to_number": text}),
            ("POST", "/calls/1001/consult", {"to_number": text}),
            ("POST", "/agents/1001/profile/verify", {"phone": text}),
            ("PUT", "/agents/1001/profile", {"phone": text}),
            ("PUT", "/agents/1001/status", {"status": "break", "reason": text}),
            ("POST", "/notifications", {"to": "agent", "target": text, "title": "t", "body": "b"}),
        ]:
            response = await api.client.request(method, PREFIX + path, json=payload, headers=admin)
            assert 400 <= response.status < 500, (path, text, await response.text())
            assert (await response.json())["error"]["code"]
    # Free text takes '&' and friends (it reaches no dial string), not control characters.
    for text in ("0201234567\nAction: Originate", "\u202egnp.exe", "\x00", "\x1b[31m"):
        response = await api.client.post(
            f"{PREFIX}/notifications",
            json={"to": "everyone", "title": text, "body": "b"},
            headers=admin,
        )
        assert response.status == 400, text
    assert snapshot(api) == before


async def test_a_huge_body_is_refused_before_it_is_read(api: Api) -> None:
    response = await api.client.post(
        f"{PREFIX}/notifications",
        data="x" * 200_000,
        headers={**api.auth("sup"), "Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body-too-large"


async def test_unknown_ids_are_not_found(api: Api) -> None:
    admin = api.auth("root")
    for path in ("/agents/9999", "/queues/nope/status", "/agents/9999/status"):
        response = await api.client.get(PREFIX + path, headers=admin)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not-found"
    response = await api.client.get(PREFIX + "/no/such/thing", headers=admin)
    assert response.status == 404
    response = await api.client.put(
        PREFIX + "/interactions/unknown/disposition", json={"code": "sale"}, headers=admin
    )
    assert response.status == 404


async def test_a_number_outside_the_policy_is_forbidden_with_its_own_code(api: Api) -> None:
    response = await api.client.post(
        f"{PREFIX}/calls", json={"number": "0900123456"}, headers=api.auth("anna")
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "number-not-allowed"
    assert api.pbx.actions == []
