"""Live events to WebSocket clients: each client has its own bounded queue and its own
writer, so a slow or dead client never delays the others; one that falls behind by a
full queue, or cannot take a message within ``SEND_TIMEOUT``, is disconnected (it
reconnects and reloads: better than stale data or a stalled server)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
SEND_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0


@dataclass(eq=False)
class Client:
    ws: web.WebSocketResponse
    wants: Callable[[dict[str, Any]], bool]  # what this client may see
    transport: asyncio.BaseTransport | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False


class EventHub:
    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.published = 0
        self.disconnected_slow = 0
        self._closing: set[asyncio.Task[None]] = set()

    def publish(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for every client that may see it; never waits."""
        self.published += 1
        text: str | None = None
        for client in list(self.clients):
            if client.dropped or not client.wants(message):
                continue
            text = text or json.dumps(message, separators=(",", ":"))
            try:
                client.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._drop(client, "fell behind")

    def _drop(self, client: Client, why: str) -> None:
        client.dropped = True
        self.clients.discard(client)
        self.disconnected_slow += 1
        log.warning("WebSocket client %s: disconnected", why)
        task = asyncio.get_running_loop().create_task(self._close(client))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, client: Client) -> None:
        """Say goodbye (1013: try again later); a client too stuck to take even that
        within a second loses its connection."""
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await client.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
        except (TimeoutError, ConnectionError, RuntimeError):
            if client.transport is not None:
                client.transport.abort()  # type: ignore[attr-defined]

    async def serve(
        self,
        request: web.Request,
        wants: Callable[[dict[str, Any]], bool],
        heard: Callable[[str], Awaitable[None]] | None = None,
        first: list[dict[str, Any]] | None = None,
    ) -> web.WebSocketResponse:
        """Serve one client until it leaves (or is dropped): ``first`` is sent before
        anything published; what the client says goes to ``heard`` (else it is ignored:
        most clients only listen, and reading notices them leave)."""
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
        await ws.prepare(request)
        client = Client(ws, wants, request.transport)
        for message in first or []:
            client.queue.put_nowait(json.dumps(message, separators=(",", ":")))
        self.clients.add(client)
        writer = asyncio.create_task(self._write(client))
        try:
            async for frame in ws:
                if heard is not None and frame.type == WSMsgType.TEXT:
                    await heard(frame.data)
        finally:
            self.clients.discard(client)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _write(self, client: Client) -> None:
        while True:
            text = await client.queue.get()
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await client.ws.send_str(text)
            except (TimeoutError, ConnectionError, RuntimeError):
                if not client.dropped:
                    self._drop(client, "could not be written to")
                return
