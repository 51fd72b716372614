"""What both drivers do with their one connection to the PBX: a task keeps it up —
connect, report ready and resynced, wait until it is lost, report that, back off,
connect again — and callers wait until it is ready. A driver says how to connect
(``_connect_once``, which returns what resolves with the reason the link ended), how
to drop a connection, and what to tell a user who waited in vain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from vcc.errors import PbxDisconnected, PbxError, PbxTimeout
from vcc.pbx.events import PbxDisconnected as PbxDisconnectedEvent
from vcc.pbx.events import PbxEvent

log = logging.getLogger(__name__)


class Supervised:
    link_name = "PBX connection"  # for logs and task names

    def __init__(self, backoff: tuple[float, float], action_timeout: float) -> None:
        self.backoff = backoff
        self.action_timeout = action_timeout
        self.events: asyncio.Queue[PbxEvent] = asyncio.Queue()
        self._sink: Callable[[PbxEvent], None] = self.events.put_nowait
        self.reconnects = 0
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_error = ""

    def subscribe(self, sink: Callable[[PbxEvent], None]) -> None:
        self._sink = sink

    async def start(self, timeout: float = 30.0) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.link_name)
        await self.wait_ready(timeout)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._drop_connection("closed")

    async def wait_ready(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError:
            last = f" (last error: {self._last_error})" if self._last_error else ""
            raise self._not_ready(timeout, last) from None

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    async def _run(self) -> None:
        delay = self.backoff[0]
        while True:
            was_ready = False
            try:
                lost = await self._connect_once()
                was_ready = True
                delay = self.backoff[0]
                reason = await lost
            except (OSError, PbxError, TimeoutError) as exc:
                reason = self._last_error = str(exc) or type(exc).__name__
            except Exception as exc:  # a bug or bad config must not kill reconnection
                log.exception("%s attempt failed", self.link_name)
                reason = self._last_error = f"{type(exc).__name__}: {exc}"
            if was_ready:
                self._sink(PbxDisconnectedEvent(time.time(), reason))
            self._drop_connection(reason)
            log.warning("%s lost (%s); reconnecting in %.1f s", self.link_name, reason, delay)
            await asyncio.sleep(delay)  # backoff between reconnect attempts
            delay = min(delay * 2, self.backoff[1])
            self.reconnects += 1

    async def _originate_once(self, channel_id: str, send: Callable[[], Awaitable[None]]) -> None:
        """``send`` an originate; if the link is lost before its reply, send it again
        only if the PBX did not create ``channel_id``: an agent never rings twice."""
        for attempt in (1, 2):
            try:
                await send()
                return
            except PbxDisconnected:
                if attempt == 2:
                    raise
                await self.wait_ready(self.action_timeout * 4)
                if await self._channel_was_created(channel_id):
                    log.info("originate %s reached the PBX before the cut", channel_id)
                    return

    # -- what a driver says ------------------------------------------------------------
    async def _channel_was_created(self, channel_id: str) -> bool:
        raise NotImplementedError

    async def _connect_once(self) -> Awaitable[str]:
        """Connect, log in, resync and set ``_ready``; return what resolves with why
        the connection ended."""
        raise NotImplementedError

    def _drop_connection(self, reason: str) -> None:
        raise NotImplementedError

    def _not_ready(self, timeout: float, last: str) -> PbxTimeout:
        return PbxTimeout(f"{self.link_name} not ready within {timeout:g} s{last}")
