"""The API's routes, each declared with who may call it and what body it takes: the
middleware enforces the first, :func:`vcc.api.schema.check_body` the second, and the
OpenAPI document is made from both. A route without an access rule cannot be added."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from vcc.api.schema import Body, openapi_schema
from vcc.core.access import Permission

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Access:
    """Who may call a route. ``public``: anyone (login, health). ``any``: whoever has
    this permission, for any agent. ``own``: whoever has it, for their own agent only
    (the path's ``{agent_id}``, or the agent a handler acts for)."""

    any: Permission | None = None
    own: Permission | None = None
    public: bool = False

    def __post_init__(self) -> None:
        if self.public == bool(self.any or self.own):
            raise ValueError("a route is public, or names the permission it needs")


PUBLIC = Access(public=True)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under the API's root, e.g. /agents/{agent_id}/status
    handler: Handler
    access: Access
    summary: str
    body: Body = field(default_factory=dict)
    tag: str = ""

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


ROOT_PATHS = ("/metrics",)  # served at the site's root, where scrapers look


def full_path(route: Route, prefix: str) -> str:
    return route.path if route.path in ROOT_PATHS else prefix + route.path


def openapi(routes: list[Route], prefix: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": f"{route.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', route.path)}",
            "tags": [route.tag] if route.tag else [],
            "responses": {
                "200": {"description": "done"},
                "default": {
                    "description": "an error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if not route.access.public:
            operation["security"] = [{"session": []}, {"cookie": []}]
            needs = [p.value for p in (route.access.any, route.access.own) if p is not None]
            operation["description"] = "Needs permission " + " or (own agent) ".join(needs) + "."
        if route.parameters:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in route.parameters
            ]
        if route.body:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": openapi_schema(route.body)}},
            }
        paths.setdefault(full_path(route, prefix), {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "vcc", "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "vcc_session"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "hint": {"type": "string"},
                            },
                            "required": ["code", "message"],
                        }
                    },
                }
            },
        },
    }
