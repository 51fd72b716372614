"""A protocol-level stand-in for FreeSWITCH's event socket, on a loopback port.

It speaks mod_event_socket's documented wire format: ``auth/request`` on connect,
``command/reply`` with ``Reply-Text`` for ``auth``, ``event`` and ``bgapi`` (with a
``Job-UUID``), ``api/response`` with a ``Content-Length`` body for ``api``,
``text/event-plain`` events whose body is URL-encoded headers, and
``text/disconnect-notice`` before it closes. Tests steer it by plain attributes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from urllib.parse import quote

PASSWORD = "s3cret-esl"
GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def frame(headers: dict[str, str], body: str = "") -> bytes:
    if body:
        headers = {**headers, "Content-Length": str(len(body.encode()))}
    head = "".join(f"{k}: {v}\n" for k, v in headers.items())
    return (head + "\n" + body).encode()


def event_frame(headers: dict[str, str], body: str = "") -> bytes:
    fields = dict(headers)
    if body:
        fields["Content-Length"] = str(len(body.encode()))
    encoded = "".join(f"{k}: {quote(v, safe='')}\n" for k, v in fields.items()) + "\n" + body
    return frame({"Content-Type": "text/event-plain"}, encoded)


@dataclass
class FakeEsl:
    password: str = PASSWORD
    port: int = 0
    commands: list[str] = field(default_factory=list)  # every command, every connection
    connections: int = 0
    channels: dict[str, dict[str, str]] = field(default_factory=dict)  # uuid → row
    cut_on: set[str] = field(default_factory=set)  # one-shot: next such command closes
    originate_creates_channel: bool = False
    originate_announces_channel: bool = False
    refuse_originate: bool = False
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _jobs: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    def of(self, verb: str) -> list[str]:
        return [c for c in self.commands if c.split(" ", 2)[:2] == verb.split(" ")[:2]]

    async def push(self, headers: dict[str, str], body: str = "") -> None:
        """An event to every authenticated connection, as FreeSWITCH sends it."""
        stamped = {"Event-Date-Timestamp": str(int(time.time() * 1_000_000)), **headers}
        for writer in list(self._writers):
            writer.write(event_frame(stamped, body))
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def say_goodbye(self) -> None:
        for writer in list(self._writers):
            writer.write(frame({"Content-Type": "text/disconnect-notice"}, GOODBYE))
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(frame({"Content-Type": "auth/request"}))
        authed = False
        try:
            while True:
                raw = await reader.readuntil(b"\n\n")
                line = raw.decode().strip()
                self.commands.append(line)
                verb = line.split(" ", 2)
                if any(line.startswith(cut) for cut in self.cut_on):
                    self.cut_on = {c for c in self.cut_on if not line.startswith(c)}
                    if verb[:2] == ["bgapi", "originate"]:
                        self._originated(line)
                    return
                if verb[0] == "auth":
                    authed = len(verb) > 1 and verb[1] == self.password
                    reply = "+OK accepted" if authed else "-ERR invalid"
                    writer.write(frame({"Content-Type": "command/reply", "Reply-Text": reply}))
                    if not authed:
                        writer.write(frame({"Content-Type": "text/disconnect-notice"}, GOODBYE))
                        return
                    self._writers.append(writer)
                elif not authed:
                    return
                elif verb[0] == "event":
                    enabled = "+OK event listener enabled plain"
                    writer.write(frame({"Content-Type": "command/reply", "Reply-Text": enabled}))
                elif verb[0] == "bgapi":
                    job = f"job-{next(self._jobs)}"
                    queued = {"Content-Type": "command/reply",
                              "Reply-Text": f"+OK Job-UUID: {job}", "Job-UUID": job}  # fmt: skip
                    writer.write(frame(queued))
                    if verb[1] == "originate":
                        await self._originate_result(line, job)
                elif verb[0] == "api":
                    writer.write(frame({"Content-Type": "api/response"}, self._api(line[4:])))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            writer.close()

    def _uuid_of(self, line: str) -> str:
        inside = line[line.index("{") + 1 : line.index("}")]
        return dict(v.split("=", 1) for v in inside.split(","))["origination_uuid"]

    def _originated(self, line: str) -> str:
        uuid = self._uuid_of(line)
        if self.originate_creates_channel:
            self.channels[uuid] = {"uuid": uuid, "name": f"sofia/internal/{uuid}",
                                   "callstate": "RINGING", "dest": "s",
                                   "application": "", "call_uuid": ""}  # fmt: skip
        return uuid

    async def _originate_result(self, line: str, job: str) -> None:
        uuid = self._originated(line)
        if self.originate_announces_channel:
            await self.push({"Event-Name": "CHANNEL_CREATE", "Unique-ID": uuid,
                             "Caller-Caller-ID-Number": "vcc", "Caller-Destination-Number": "s",
                             "Caller-Context": "default"})  # fmt: skip
        body = "-ERR USER_BUSY\n" if self.refuse_originate else f"+OK {uuid}\n"
        await self.push({"Event-Name": "BACKGROUND_JOB", "Job-UUID": job}, body)

    def _api(self, command: str) -> str:
        verb, _, rest = command.partition(" ")
        if command == "show channels as json":
            rows = list(self.channels.values())
            return json.dumps({"row_count": len(rows), "rows": rows})
        if verb == "uuid_exists":
            return "true" if rest in self.channels else "false"
        if verb == "status":
            return "UP 0 years, 0 days, 0 hours\nFreeSWITCH (Version 1.10.12 64bit) is ready\n"
        if verb in ("uuid_kill", "uuid_transfer", "uuid_setvar"):
            uuid = rest.split(" ")[0]
            return "+OK\n" if uuid in self.channels else "-ERR No such channel!\n"
        if verb == "uuid_getvar":
            return "_undef_"
        if command == "show registrations as json":
            return json.dumps({"row_count": 0})
        return f"-ERR {verb} Command not found!\n"
