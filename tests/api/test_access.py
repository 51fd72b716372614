"""Every route, walked with no session and with each role (an agent for their own
agent and for another): what the route's access says is what happens. The OpenAPI
document lists exactly the routes the app serves."""

from __future__ import annotations

import re

from tests.api.conftest import USERS, Api
from vcc.api.app import PREFIX
from vcc.api.endpoints import ROUTES
from vcc.api.routes import Route, full_path
from vcc.core.access import allowed

LOGOUT = "/auth/logout"


def expected(route: Route, user: str, agent_id: str | None) -> bool:
    role, own_agent = USERS[user]
    access = route.access
    if access.any is not None and allowed(role, access.any):
        return True
    if access.own is None or not allowed(role, access.own):
        return False
    return agent_id is None or agent_id == own_agent


def concrete(route: Route, agent_id: str) -> str:
    path = full_path(route, PREFIX)
    path = path.replace("{agent_id}", agent_id).replace("{queue_id}", "support")
    path = path.replace("{interaction_id}", "no-such-call").replace("{username}", "nobody-here")
    path = path.replace("{recording_id}", "p-000000000000").replace("{request_id}", "999")
    path = path.replace("{swap_id}", "999").replace("{day}", "2026-12-01")
    path = path.replace("{code}", "vacation").replace("{work_id}", "no-such-work")
    for number in ("customer_id", "case_id", "task_id", "article_id", "attachment_id"):
        path = path.replace("{" + number + "}", "999")
    assert "{" not in path, path
    return path


GUARDED = [r for r in ROUTES if not r.access.public and r.path != LOGOUT]


async def test_every_route_refuses_whom_its_access_does_not_name(api: Api) -> None:
    """One walk over all routes (one app: logging in four users costs argon2 time)."""
    wrong = []
    for route in GUARDED:
        for agent_id in ["1001", "1002"] if "{agent_id}" in route.path else [None]:
            path = concrete(route, agent_id or "1001")
            response = await api.client.request(route.method, path)
            if response.status != 401 or (await response.json())["error"]["code"] != (
                "unauthenticated"
            ):
                wrong.append(("nobody", route.method, path, response.status))
            forged = {"Authorization": "Bearer forged"}
            response = await api.client.request(route.method, path, headers=forged)
            if response.status != 401:
                wrong.append(("forged", route.method, path, response.status))
            for user in USERS:
                response = await api.client.request(route.method, path, headers=api.auth(user))
                refused = response.status == 403
                if refused is expected(route, user, agent_id):
                    wrong.append((user, route.method, path, response.status))
                elif refused:
                    assert (await response.json())["error"]["code"] == "forbidden"
    assert wrong == []
    assert len(GUARDED) > 30


async def test_logout_ends_the_session_and_the_cookie(api: Api) -> None:
    response = await api.client.post(f"{PREFIX}{LOGOUT}", headers=api.auth("anna"))
    assert response.status == 200
    response = await api.client.get(f"{PREFIX}/users/me", headers=api.auth("anna"))
    assert response.status == 401
    assert (await api.client.post(f"{PREFIX}{LOGOUT}")).status == 401


async def test_the_openapi_document_lists_exactly_the_routes_served(api: Api) -> None:
    document = await (await api.client.get(f"{PREFIX}/openapi.json")).json()
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    served = set()
    assert api.client.app is not None
    for resource_route in api.client.app.router.routes():
        info = resource_route.resource.get_info() if resource_route.resource else {}
        path = info.get("path") or info.get("formatter")
        if resource_route.method in ("HEAD", "*") or path == f"{PREFIX}/openapi.json":
            continue
        if path in (None, "/", "/console/"):  # the console's pages and files: not the API
            continue
        served.add((resource_route.method, path))
    assert served == documented
    for path, ops in document["paths"].items():
        for operation in ops.values():
            assert operation["summary"]
            assert {p["name"] for p in operation.get("parameters", [])} == set(
                re.findall(r"{(\w+)}", path)
            )
