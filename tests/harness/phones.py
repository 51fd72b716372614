"""Real SIP phones for tests: one baresip process per phone, driven over ctrl_tcp.

Each phone registers with a password, answers automatically (or not, when a test
wants a phone that rings on), plays its own tone and records what it hears.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tests.harness.until import eventually
from vcc.localpbx.audio import write_tone
from vcc.localpbx.runtime import Runtime


@dataclass
class PhoneEvent:
    type: str
    data: dict[str, Any] = field(default_factory=dict)


class Phone:
    def __init__(
        self,
        runtime: Runtime,
        base: PurePosixPath,
        extension: str,
        password: str,
        *,
        pbx_sip_port: int,
        sip_port: int,
        ctrl_port: int,
        rtp_ports: tuple[int, int],
        tone_hz: float,
        auto_answer: bool = True,
    ) -> None:
        self.runtime = runtime
        self.extension = extension
        self.password = password
        self.pbx_sip_port = pbx_sip_port
        self.sip_port = sip_port
        self.ctrl_port = ctrl_port
        self.rtp_ports = rtp_ports
        self.tone_hz = tone_hz
        self.auto_answer = auto_answer
        self.inner = base / "phones" / extension
        self.dir = runtime.host_path(self.inner)
        self.events: list[PhoneEvent] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._seq = 0
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}

    @property
    def heard(self) -> Path:
        return self.dir / "heard.wav"

    def _write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_tone(self.dir / "tone.wav", self.tone_hz, 120.0)
        (self.dir / "config").write_text(
            "\n".join(
                [
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    f"rtp_ports {self.rtp_ports[0]}-{self.rtp_ports[1]}",
                    f"audio_player aufile,{self.inner}/heard.wav",
                    f"audio_source aufile,{self.inner}/tone.wav",
                    "audio_alert aufile,/dev/null",
                    "module_path /usr/lib/baresip/modules",
                    "module g711.so",
                    "module aufile.so",
                    "module ctrl_tcp.so",
                    "module_app account.so",
                    "module_app menu.so",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    "",
                ]
            )
        )
        mode = "auto" if self.auto_answer else "manual"
        (self.dir / "accounts").write_text(
            f"<sip:{self.extension}@127.0.0.1:{self.pbx_sip_port}>"
            f";auth_pass={self.password};answermode={mode};regint=600\n"
        )

    async def start(self) -> None:
        self._write_config()
        log = (self.dir / "baresip.log").open("ab")
        # Popen only starts the phone; nothing here waits on it while the loop runs.
        self._proc = subprocess.Popen(  # noqa: ASYNC220
            self.runtime.command(["baresip", "-f", str(self.inner)]),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()

        async def connected() -> bool:
            try:
                self._reader, self._writer = await asyncio.open_connection(
                    "127.0.0.1", self.ctrl_port
                )
            except OSError:
                return False
            return True

        try:
            await eventually(connected, timeout=10, what=f"phone {self.extension} control socket")
            self._task = asyncio.create_task(self._read_events(), name=f"phone-{self.extension}")
            await self.register()
        except BaseException:
            await self.stop()  # leave no phone process behind a failed start
            raise

    async def register(self) -> None:
        """Wait until the PBX has answered the phone's REGISTER with 200 OK.

        The REGISTER_OK event may have come before we listened, so ask the phone.
        """

        async def registered() -> bool:
            return "OK" in await self.command("reginfo")

        await eventually(registered, timeout=10, what=f"phone {self.extension} registered")

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    async def restart(self) -> None:
        """A new process after a crash (baresip 1.1.0 has been seen to segfault)."""
        await self.stop()
        self.events.clear()
        self._replies.clear()
        await self.start()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # a phone that died ended its reader with a broken stream: that is expected
            with contextlib.suppress(
                asyncio.CancelledError, asyncio.IncompleteReadError, ConnectionError
            ):
                await self._task
        if self._writer is not None:
            self._writer.close()
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()

    async def _read_events(self) -> None:
        assert self._reader is not None
        while True:
            length = await self._reader.readuntil(b":")
            payload = await self._reader.readexactly(int(length[:-1]))
            await self._reader.readexactly(1)  # the netstring's trailing comma
            message = json.loads(payload)
            if message.get("event"):
                self.events.append(PhoneEvent(message.get("type", ""), message))
            elif message.get("response"):
                waiter = self._replies.pop(message.get("token", ""), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)

    async def command(self, name: str, params: str = "") -> str:
        """Run a baresip command; returns its text, raises if baresip says it failed."""
        assert self._writer is not None
        self._seq += 1
        token = str(self._seq)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[token] = reply
        body = json.dumps({"command": name, "params": params, "token": token}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()
        try:
            # generous: on a loaded machine baresip can take seconds to set up audio
            async with asyncio.timeout(15):
                message = await reply
        except TimeoutError:
            self._replies.pop(token, None)
            raise AssertionError(
                f"phone {self.extension}: no reply to {name} {params} within 15 s; "
                f"events so far: {self.types()}; baresip said last:\n{self._log_tail()}"
            ) from None
        if not message.get("ok"):
            raise AssertionError(f"phone {self.extension}: {name} {params} failed: {message}")
        return str(message.get("data", ""))

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.dir / "baresip.log").read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- what tests use ------------------------------------------------------------
    def count(self, event_type: str) -> int:
        return sum(1 for e in self.events if e.type == event_type)

    def calls_in(self) -> int:
        """Calls that reached this phone, rung or taken at once: answering by itself,
        baresip says no CALL_INCOMING, so each incoming call is counted by its id."""
        incoming = [e for e in self.events if e.data.get("direction") == "incoming"]
        return len({e.data.get("id") for e in incoming if e.type.startswith("CALL_")})

    async def wait_for(self, event_type: str, *, timeout: float = 10.0, count: int = 1) -> None:
        await eventually(
            lambda: self.count(event_type) >= count,
            timeout=timeout,
            what=f"phone {self.extension}: {count}× {event_type} (saw {self.types()})",
        )

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def clear(self) -> None:
        self.events.clear()
        with contextlib.suppress(FileNotFoundError):
            self.heard.unlink()

    async def dial(self, extension: str) -> None:
        await self.command("dial", f"sip:{extension}@127.0.0.1:{self.pbx_sip_port}")

    async def hangup(self) -> None:
        await self.command("hangup")

    async def answer(self) -> None:
        await self.command("accept")

    async def set_auto_answer(self, on: bool) -> None:
        await self.command("answermode", "auto" if on else "manual")
