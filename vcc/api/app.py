"""The aiohttp application: every route guarded by its declared access and body, every
error as ``{"error": {"code", "message", "hint"}}`` with its HTTP status."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from vcc import __version__
from vcc.api.console import add_console
from vcc.api.hub import EventHub
from vcc.api.routes import Route, full_path, openapi
from vcc.api.schema import check_body
from vcc.auth.service import AuthService, Principal
from vcc.calls import CallControl
from vcc.core.access import allowed
from vcc.engine import Engine
from vcc.errors import AccessDenied, InvalidInput, Unauthenticated, VccError
from vcc.notifications import NotificationService
from vcc.profile import ProfileService
from vcc.prompts import PromptService
from vcc.wfm.service import WfmService

if TYPE_CHECKING:  # vcc.digital uses this module's hub; the API only holds it
    from vcc.digital.service import DigitalService

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024  # bytes: every JSON body here is small
COOKIE = "vcc_session"


@dataclass
class ApiContext:
    """What the API serves: vcc's services, for one controller."""

    engine: Engine
    calls: CallControl
    auth: AuthService
    profile: ProfileService
    notifications: NotificationService
    hub: EventHub
    database_ok: Callable[[], Awaitable[bool]]
    prompts: PromptService
    wfm: WfmService | None = None
    digital: DigitalService | None = None


CONTEXT = web.AppKey("context", ApiContext)
PRINCIPAL = web.RequestKey("principal", Principal)
ROUTE = web.RequestKey("route", Route)
BODY = web.RequestKey("body", dict[str, Any])


def context(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def body(request: web.Request) -> dict[str, Any]:
    return request[BODY]


def path_number(request: web.Request, name: str) -> int:
    """The path's ``{name}``, a database id: digits only (InvalidInput otherwise)."""
    value = request.match_info[name]
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidInput(f"'{name}' is a number")
    return int(value)


def acting_for(request: web.Request, agent_id: str | None) -> str:
    """The agent a request acts for: ``agent_id``, or the caller's own agent. Someone
    with only the route's ``own`` permission may act for their own agent only."""
    who = principal(request)
    route = request[ROUTE]
    target = agent_id or who.agent_id
    if target is None:
        raise InvalidInput("name the agent ('agent_id'): this user is no agent")
    if route.access.any is not None and allowed(who.role, route.access.any):
        return target
    if target != who.agent_id:
        raise AccessDenied("you may do this for your own agent only")
    return target


def token_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def error_response(exc: VccError) -> web.Response:
    error = {"code": exc.code, "message": exc.message}
    if exc.hint:
        error["hint"] = exc.hint
    return web.json_response({"error": error}, status=exc.http_status)


@web.middleware
async def errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except VccError as exc:
        return error_response(exc)
    except web.HTTPRequestEntityTooLarge:
        return error_response(_TooLarge(f"the request body is over {MAX_BODY} bytes"))
    except web.HTTPException as exc:  # aiohttp's own: unknown path, wrong method
        if exc.status < 400:
            raise
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status, "http-error")
        return web.json_response(
            {"error": {"code": code, "message": exc.reason}}, status=exc.status
        )
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return web.json_response(
            {"error": {"code": "internal-error", "message": "something went wrong in vcc"}},
            status=500,
        )


class _TooLarge(VccError):
    code = "body-too-large"
    http_status = 413


def _guarded(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        request[ROUTE] = route
        if not route.access.public:
            token = token_of(request)
            who = await context(request).auth.authenticate(token or "")
            if who is None:
                raise Unauthenticated(
                    "log in first (or again: a session ends after an hour idle)",
                    hint=f"POST {PREFIX}/auth/login",
                )
            request[PRINCIPAL] = who
            granted = [p for p in (route.access.any, route.access.own) if p is not None]
            if not any(allowed(who.role, p) for p in granted):
                raise AccessDenied(f"a {who.role.value} may not do this")
            if "agent_id" in request.match_info:
                acting_for(request, request.match_info["agent_id"])
        if route.body:
            try:
                data = json.loads(await request.text() or "null")
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise _InvalidJson("the request body is not valid JSON") from None
            request[BODY] = check_body(route.body, data)
        return await route.handler(request)

    return handle


class _InvalidJson(VccError):
    code = "invalid-json"
    http_status = 400


def build_app(ctx: ApiContext, routes: list[Route] | None = None) -> web.Application:
    from vcc.api.endpoints import ROUTES  # the handlers need this module's helpers

    routes = ROUTES if routes is None else routes
    app = web.Application(middlewares=[errors], client_max_size=MAX_BODY)
    app[CONTEXT] = ctx
    document = openapi(routes, PREFIX, __version__)

    async def openapi_json(_: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(f"{PREFIX}/openapi.json", openapi_json)
    add_console(app)
    for route in routes:
        app.router.add_route(route.method, full_path(route, PREFIX), _guarded(route))
    ctx.engine.observers.append(_changes(ctx))
    return app


def _changes(ctx: ApiContext) -> Callable[[Any], None]:
    from vcc.api.endpoints import LiveViews

    views = LiveViews(ctx.engine)

    def observe(item: Any) -> None:
        for message in views.messages(item):
            ctx.hub.publish(message)

    return observe
