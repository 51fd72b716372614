"""FreeSWITCH's Event Socket (mod_event_socket), inbound: vcc connects to it.

The wire format (FreeSWITCH's mod_event_socket documentation): messages are header
lines ``Name: value`` ending with an empty line, followed by ``Content-Length``
bytes of body if that header is there. On connect FreeSWITCH sends
``Content-Type: auth/request``; ``auth <password>`` is answered by a
``command/reply`` whose ``Reply-Text`` starts with ``+OK``. ``api`` commands answer
with ``api/response`` (the body is the result), ``bgapi`` with a ``command/reply``
carrying a ``Job-UUID`` and later a ``BACKGROUND_JOB`` event. Events come as
``text/event-plain`` (a body of URL-encoded headers, and maybe a body of its own)
and ``text/disconnect-notice`` says the server is closing. Replies arrive in the
order the commands were sent, so a FIFO of futures matches them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from vcc.errors import InvalidInput, PbxDisconnected, PbxError


@dataclass
class EslMessage:
    headers: dict[str, str]
    body: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


@dataclass
class EslEvent(EslMessage):
    """An event's headers (decoded) and body, as its own message."""

    @property
    def name(self) -> str:
        return self.headers.get("Event-Name", "")

    def get(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


def parse_headers(text: str, *, decode: bool = False) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.split("\n"):
        name, sep, value = line.partition(": ")
        if sep:
            headers[name] = unquote(value) if decode else value
    return headers


def parse_event(body: str) -> EslEvent:
    """A text/event-plain body: URL-encoded headers, then maybe a body of its own."""
    head, _, rest = body.partition("\n\n")
    headers = parse_headers(head, decode=True)
    length = int(headers.get("Content-Length", "0") or 0)
    return EslEvent(headers, rest[:length] if length else "")


def argument(value: str, *, what: str = "argument") -> str:
    """One word of an ESL command line: no whitespace, no line breaks, no NUL."""
    if not value or any(c.isspace() or c == "\0" for c in value):
        raise InvalidInput(f"{what} {value[:40]!r} cannot go into an ESL command")
    return value


def channel_variable(name: str, value: str) -> str:
    """``name=value`` for an originate's ``{…}``: no separators FreeSWITCH would split on."""
    if not name.replace("_", "").isalnum():
        raise InvalidInput(f"channel variable name {name[:40]!r} is not valid")
    if any(c in value for c in ",{}[]'\"\\\0") or any(c.isspace() for c in value):
        raise InvalidInput(f"channel variable {name} has characters ESL cannot carry")
    return f"{name}={value}"


async def read_message(reader: asyncio.StreamReader) -> EslMessage:
    raw = await reader.readuntil(b"\n\n")
    headers = parse_headers(raw.decode("utf-8", "replace").strip("\n"))
    length = int(headers.get("Content-Length", "0") or 0)
    body = (await reader.readexactly(length)).decode("utf-8", "replace") if length else ""
    return EslMessage(headers, body)


@dataclass
class EslConnection:
    """One authenticated connection: ``command`` sends and awaits the reply in order;
    events go to ``on_event``; ``closed`` is done when the link ends (with why)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    on_event: Callable[[EslEvent], None]
    timeout: float = 5.0
    closed: asyncio.Future[str] = field(init=False)
    _replies: deque[asyncio.Future[EslMessage]] = field(default_factory=deque, init=False)
    _reading: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.closed = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(
        cls, host: str, port: int, password: str, on_event: Callable[[EslEvent], None],
        timeout: float = 5.0,
    ) -> EslConnection:  # fmt: skip
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            greeting = await read_message(reader)
        connection = cls(reader, writer, on_event, timeout)
        if greeting.content_type != "auth/request":
            connection.close()
            raise PbxError(f"not an event socket at {host}:{port} ({greeting.content_type!r})")
        connection._reading = asyncio.create_task(connection._read(), name="esl-reader")
        reply = await connection.command(f"auth {argument(password, what='password')}")
        if not reply.headers.get("Reply-Text", "").startswith("+OK"):
            connection.close()
            raise PbxError(
                "FreeSWITCH refused the event socket password",
                hint="check [esl] password (event_socket.conf.xml's password)",
            )
        return connection

    async def command(self, line: str) -> EslMessage:
        if "\n" in line or "\r" in line:
            raise InvalidInput("an ESL command is one line")
        if self.closed.done():
            raise PbxDisconnected("not connected to FreeSWITCH's event socket")
        reply: asyncio.Future[EslMessage] = asyncio.get_running_loop().create_future()
        self._replies.append(reply)
        self.writer.write(line.encode() + b"\n\n")
        try:
            async with asyncio.timeout(self.timeout):
                return await reply
        except TimeoutError:
            raise PbxError(f"FreeSWITCH did not answer {line.split()[0]!r} in time") from None

    async def api(self, line: str) -> str:
        """An ``api`` command's result text; '-ERR …' becomes a PbxError."""
        reply = await self.command(f"api {line}")
        if reply.body.startswith("-ERR"):
            raise PbxError(f"FreeSWITCH: {line.split()[0]}: {reply.body.strip()}")
        return reply.body

    def close(self, why: str = "closed") -> None:
        if not self.closed.done():
            self.closed.set_result(why)
        while self._replies:
            waiting = self._replies.popleft()
            if not waiting.done():
                waiting.set_exception(PbxDisconnected(f"event socket closed: {why}"))
        if self._reading is not None and self._reading is not asyncio.current_task():
            self._reading.cancel()
        self.writer.close()

    async def _read(self) -> None:
        why = "closed by FreeSWITCH"
        try:
            while True:
                message = await read_message(self.reader)
                kind = message.content_type
                if kind in ("command/reply", "api/response"):
                    if self._replies:
                        reply = self._replies.popleft()
                        if not reply.done():
                            reply.set_result(message)
                elif kind == "text/event-plain":
                    self.on_event(parse_event(message.body))
                elif kind == "text/disconnect-notice":
                    why = "FreeSWITCH said goodbye (disconnect notice)"
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError) as exc:
            why = f"connection lost ({type(exc).__name__})"
        except asyncio.CancelledError:
            why = "closed"
        with contextlib.suppress(Exception):
            self.close(why)
