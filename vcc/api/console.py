"""The agent console: static files (no build step), served beside the API under a
strict Content-Security-Policy: only vcc's own scripts, styles and connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

CONSOLE = Path(__file__).resolve().parent.parent / "console"
WIDGET = Path(__file__).resolve().parent.parent / "widget"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# The chat widget's window is made to be framed by the contact center's own websites
# (any origin: vcc cannot know them); it still runs only vcc's own scripts.
WIDGET_POLICY = POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")


def add_console(app: web.Application) -> None:
    async def index(_: web.Request) -> web.FileResponse:
        return web.FileResponse(CONSOLE / "index.html")

    async def to_console(_: web.Request) -> web.Response:
        raise web.HTTPFound("/console/")

    app.router.add_get("/", to_console)
    app.router.add_get("/console/", index)
    app.router.add_static("/console/", CONSOLE, follow_symlinks=False, append_version=False)
    app.router.add_static("/widget/", WIDGET, follow_symlinks=False, append_version=False)
    app.middlewares.append(_headers)


@web.middleware
async def _headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    response = await handler(request)
    widget = request.path.startswith("/widget/")
    if request.path == "/" or request.path.startswith("/console/") or widget:
        response.headers["Content-Security-Policy"] = WIDGET_POLICY if widget else POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-cache"  # a new vcc's console, at once
    return response
