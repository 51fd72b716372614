"""A loopback TCP proxy in front of Asterisk's AMI that can cut the link on purpose.

Fault injection for the driver: the cut happens at an exact protocol moment (an
Originate just sent, or just about to be), which a kill or a firewall rule can't do.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum


class Cut(enum.Enum):
    NONE = "none"
    AFTER_ORIGINATE = "after"  # Asterisk gets the Originate; its reply never comes back
    BEFORE_ORIGINATE = "before"  # the Originate is lost on the way


class AmiProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.cut = Cut.NONE
        self.cuts_done = 0
        self.originates_forwarded = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> AmiProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers |= {client_w, server_w}

        async def close_both() -> None:
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

        async def downstream() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await server_r.read(65536):
                    client_w.write(data)
                    await client_w.drain()

        async def upstream() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await client_r.read(65536):
                    originate = b"Action: Originate" in data
                    if originate and self.cut is Cut.BEFORE_ORIGINATE:
                        self._fire()
                        return
                    server_w.write(data)
                    await server_w.drain()
                    if originate:
                        self.originates_forwarded += 1
                    if originate and self.cut is Cut.AFTER_ORIGINATE:
                        self._fire()
                        return

        down = asyncio.create_task(downstream())
        try:
            await upstream()
        finally:
            down.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await down
            await close_both()
            self._writers -= {client_w, server_w}

    def _fire(self) -> None:
        self.cuts_done += 1
        self.cut = Cut.NONE  # one cut; the reconnect goes through
