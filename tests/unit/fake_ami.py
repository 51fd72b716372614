"""A scripted Asterisk Manager Interface on a real loopback socket.

It speaks the AMI wire format (``Key: value`` lines, a blank line per message, the
ActionID echoed) well enough for :class:`vcc.pbx.asterisk.AsteriskDriver`: login,
the boot probe, list actions with their ``EventList`` framing, Ping, Getvar, Hangup
and Originate. Tests steer it through plain attributes (leave an action unanswered,
cut the connection on one, push events) and read back every action it received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from types import TracebackType
from typing import Self

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
DEFAULT_SECRET = "s3cretvalue"
Headers = dict[str, str]


def encode(*messages: Headers) -> bytes:
    return b"".join(
        "".join(f"{k}: {v}\r\n" for k, v in m.items()).encode() + b"\r\n" for m in messages
    )


def decode(raw: bytes) -> Headers:
    headers: Headers = {}
    for line in raw.decode().split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            headers.setdefault(key, value)
    return headers


class FakeAmi:
    """One fake Asterisk; every connection to it shares the state below."""

    def __init__(self, *, username: str = "vcc", secret: str = DEFAULT_SECRET) -> None:
        self.username = username
        self.secret = secret
        self.port = 0
        self.actions: list[Headers] = []  # every action received, on every connection
        self.connections = 0
        self.unanswered: set[str] = set()  # actions read and never answered
        self.refused: set[str] = set()  # actions answered with "Response: Error"
        self.cut_on: set[str] = set()  # one-shot: the next such action closes the connection
        # What an Originate does inside "Asterisk", before any reply (or cut):
        self.originate_creates_channel = False  # the channel shows in CoreShowChannels
        self.originate_announces_channel = False  # a Newchannel event is sent
        self.channels: list[Headers] = []  # CoreShowChannel rows
        self.variables: dict[tuple[str, str], str] = {}  # (channel, name) → value
        self._server: asyncio.Server | None = None
        self._sessions: dict[asyncio.StreamWriter, bool] = {}  # writer → logged in
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self.drop()
        await self._server.wait_closed()

    # -- what tests use ----------------------------------------------------------------
    def of(self, action: str) -> list[Headers]:
        """The actions received with this name, in order."""
        return [a for a in self.actions if a.get("Action", "").lower() == action.lower()]

    @property
    def logged_in(self) -> int:
        """Connections open and logged in right now."""
        return sum(self._sessions.values())

    async def push(self, *events: Headers) -> None:
        """Send events to every logged-in connection, as Asterisk would."""
        for writer, logged_in in list(self._sessions.items()):
            if logged_in:
                writer.write(encode(*events))
                with contextlib.suppress(ConnectionError):
                    await writer.drain()

    async def drop(self) -> None:
        """Close every connection from the server side, like an Asterisk going away."""
        for writer in list(self._sessions):
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def add_channel(
        self,
        uniqueid: str,
        channel: str,
        *,
        context: str = "vcc-connect",
        state: str = "Up",
        bridge: str = "",
        variables: dict[str, str] | None = None,
    ) -> None:
        self.channels.append({
            "Channel": channel, "Uniqueid": uniqueid, "Context": context, "Exten": "s",
            "ChannelStateDesc": state, "Application": "Wait", "BridgeId": bridge,
        })  # fmt: skip
        for name, value in (variables or {}).items():
            self.variables[(channel, name)] = value

    # -- one connection ------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._sessions[writer] = False
        self.connections += 1
        try:
            writer.write(BANNER)
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                action = decode(raw)
                self.actions.append(action)
                name = action.get("Action", "")
                if name == "Originate":
                    self._originated(action, writer)
                if name in self.unanswered:
                    continue
                if name in self.cut_on:
                    self.cut_on.discard(name)
                    return
                writer.write(encode(*self._answer(action, writer)))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._sessions.pop(writer, None)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _originated(self, action: Headers, writer: asyncio.StreamWriter) -> None:
        uniqueid = action.get("ChannelId", "")
        channel = f"{action.get('Channel', '')}-{len(self.of('Originate')):08x}"
        if self.originate_creates_channel:
            self.add_channel(uniqueid, channel, context=action.get("Context", ""), state="Ringing")
        if self.originate_announces_channel:
            writer.write(encode({
                "Event": "Newchannel", "Channel": channel, "ChannelStateDesc": "Down",
                "Context": action.get("Context", ""), "Exten": "s", "Uniqueid": uniqueid,
            }))  # fmt: skip

    def _answer(self, action: Headers, writer: asyncio.StreamWriter) -> list[Headers]:
        name = action.get("Action", "")
        reply = {"ActionID": action.get("ActionID", "")}
        ok = {"Response": "Success", **reply}
        if name in self.refused:
            return [{"Response": "Error", **reply, "Message": f"{name} refused"}]
        match name:
            case "Login":
                if action.get("Username") == self.username and action.get("Secret") == self.secret:
                    self._sessions[writer] = True
                    return [{**ok, "Message": "Authentication accepted"}]
                return [{"Response": "Error", **reply, "Message": "Authentication failed"}]
            case "Ping":
                return [{**ok, "Ping": "Pong", "Timestamp": "1700000000.000000"}]
            case "ShowDialPlan":
                rows = [{"Event": "ListDialplan", "Context": "vcc-connect", "Extension": "s",
                         "Priority": "1", "Application": "NoOp", "AppData": ""}]  # fmt: skip
                return self._list(reply, "DialPlan", rows, "ShowDialPlanComplete")
            case "DeviceStateList":
                rows = [
                    {"Event": "DeviceStateChange", "Device": "PJSIP/1001", "State": "NOT_INUSE"}
                ]
                return self._list(reply, "Device State Changes", rows, "DeviceStateListComplete")
            case "CoreShowChannels":
                rows = [{"Event": "CoreShowChannel", **c} for c in self.channels]
                return self._list(reply, "Channels", rows, "CoreShowChannelsComplete")
            case "Getvar":
                key = (action.get("Channel", ""), action.get("Variable", ""))
                return [{**ok, "Variable": key[1], "Value": self.variables.get(key, "")}]
            case "Hangup":
                return [{**ok, "Message": "Channel Hungup"}]
            case "Originate":
                return [{**ok, "Message": "Originate successfully queued"}]
        return [{"Response": "Error", **reply, "Message": "Invalid/unknown command"}]

    @staticmethod
    def _list(reply: Headers, what: str, rows: Iterable[Headers], done: str) -> list[Headers]:
        rows = [{**row, **reply} for row in rows]
        return [
            {
                "Response": "Success",
                **reply,
                "EventList": "start",
                "Message": f"{what} will follow",
            },
            *rows,
            {"Event": done, **reply, "EventList": "Complete", "ListItems": str(len(rows))},
        ]
