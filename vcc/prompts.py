"""Custom recordings ("Mijn opname"): an agent records one by phone or uploads one;
vcc keeps it as an 8 kHz mono WAV that Asterisk plays, under a name vcc makes
(``p-<12 hex digits>``), in the instance's prompts folder, which Asterisk sees as a
folder of its sounds: a queue's or menu's sound ``<folder>/<id>`` plays it.

By phone: vcc rings the agent's phone into ``vcc-record-prompt`` (beep, record until
'#', play back, 1 keeps, 2 records again) and waits for the dialplan's answer.
Upload: at most 10 MB of WAV, MP3 or OGG, the type read from the content and matching
the file name's extension; ``sox`` converts it (arguments, never a shell; bounded in
time), at most 5 minutes long. The name the user gave the file is never used as a
path. Whatever is refused leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.notifications import text
from vcc.engine import Engine
from vcc.errors import Conflict, InvalidInput, NotFound, PbxError, VccError
from vcc.pbx.events import OriginateRequest, PbxEvent, PromptDone
from vcc.store.models import CustomRecording

log = logging.getLogger(__name__)

MAX_UPLOAD = 10 * 1024 * 1024
MAX_SECONDS = 300.0
CONVERT_TIMEOUT = 60.0
RECORD_CONTEXT = "vcc-record-prompt"
RECORD_TIMEOUT = 600.0  # ringing, recording (≤ 2 min a take), listening, choosing
_ID = re.compile(r"p-[0-9a-f]{12}")
# What each upload type's content starts with, and the extensions that name it.
_TYPES = {
    "wav": ((b"RIFF", 0), (".wav",)),
    "ogg": ((b"OggS", 0), (".ogg", ".oga", ".opus")),
    "mp3": ((b"ID3", 0), (".mp3",)),
}


class UploadRefused(InvalidInput):
    code = "upload-refused"


class UploadTooLarge(InvalidInput):
    code = "upload-too-large"
    http_status = 413


@dataclass(frozen=True)
class Prompt:
    id: str
    title: str
    seconds: float
    owner: str | None
    source: str
    sound: str  # what a queue or menu names to play it


def sniff(data: bytes) -> str | None:
    """The audio type ``data`` holds (wav, ogg, mp3), or None."""
    for kind, ((magic, at), _) in _TYPES.items():
        if data[at : at + len(magic)] == magic:
            if kind == "wav" and data[8:12] != b"WAVE":
                return None
            return kind
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:  # an MP3 frame
        return "mp3"
    return None


class PromptService:
    def __init__(
        self,
        engine: Engine,
        sessions: async_sessionmaker[AsyncSession],
        folder: Path,
        pbx_folder: PurePosixPath,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``folder``: where the files are on this host; ``pbx_folder``: the same as
        Asterisk sees it (its last part is the sound folder's name)."""
        self.engine = engine
        self.sessions = sessions
        self.folder = folder
        self.pbx_folder = pbx_folder
        self.clock = clock
        self._waiting: dict[str, asyncio.Future[str]] = {}
        engine.pbx_listeners.append(self._heard)

    # -- names ------------------------------------------------------------------------
    def _path(self, prompt_id: str) -> Path:
        if not _ID.fullmatch(prompt_id):
            raise NotFound(f"no recording {prompt_id[:20]!r}")
        return self.folder / f"{prompt_id}.wav"

    def sound(self, prompt_id: str) -> str:
        return f"{self.pbx_folder.name}/{prompt_id}"

    def _view(self, row: CustomRecording) -> Prompt:
        return Prompt(row.id, row.title, row.seconds, row.owner_agent_id, row.source,
                      self.sound(row.id))  # fmt: skip

    # -- by phone ---------------------------------------------------------------------
    def _heard(self, event: PbxEvent) -> None:
        if isinstance(event, PromptDone):
            waiting = self._waiting.get(event.prompt_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(event.choice)

    async def record_by_phone(self, agent_id: str, title: str) -> Prompt | None:
        """Ring the agent's phone to record; the recording if they kept it, else None."""
        title = text(title, what="title", limit=80, lines=False)
        agent = self.engine.state.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist")
        offer = self.engine.state.offers.get(agent.offer_id or "")
        if offer is not None and not offer.reserved:
            raise Conflict(f"agent {agent_id} is on a call", hint="record between calls")
        prompt_id = f"p-{secrets.token_hex(6)}"
        choice: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting[prompt_id] = choice
        try:
            await self.engine.driver.originate(
                OriginateRequest(
                    channel_id=f"prompt-{prompt_id}",
                    endpoint=agent.endpoint,
                    context=RECORD_CONTEXT,
                    timeout=30.0,
                    variables={
                        "VCC_PROMPT": str(self.pbx_folder / prompt_id),
                        "VCC_PROMPT_ID": prompt_id,
                    },
                )
            )
            async with asyncio.timeout(RECORD_TIMEOUT):
                said = await choice
        finally:
            del self._waiting[prompt_id]
        path = self._path(prompt_id)
        if said != "1" or not path.exists():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        return await self._keep(prompt_id, agent_id, title, "phone")

    # -- upload -----------------------------------------------------------------------
    async def upload(self, owner: str | None, title: str, filename: str, data: bytes) -> Prompt:
        """Convert and keep an uploaded recording (UploadRefused/UploadTooLarge)."""
        title = text(title, what="title", limit=80, lines=False)
        if len(data) > MAX_UPLOAD:
            raise UploadTooLarge(f"a recording is at most {MAX_UPLOAD // (1024 * 1024)} MB")
        if not data:
            raise UploadRefused("the file is empty")
        kind = sniff(data)
        if kind is None:
            raise UploadRefused(
                "that file is not WAV, MP3 or OGG audio", hint="upload a .wav, .mp3 or .ogg file"
            )
        extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if extension not in _TYPES[kind][1]:
            raise UploadRefused(
                f"the file holds {kind.upper()} audio but is named {extension or 'without'!r}",
                hint=f"name it *{_TYPES[kind][1][0]}",
            )
        prompt_id = f"p-{secrets.token_hex(6)}"
        source = self.folder / f".upload-{prompt_id}.{kind}"  # vcc's name, hidden
        target = self._path(prompt_id)
        try:
            source.write_bytes(data)
            await _convert(source, target)
            if _seconds(target) > MAX_SECONDS:
                raise UploadRefused(f"a recording is at most {MAX_SECONDS / 60:.0f} minutes")
            return await self._keep(prompt_id, owner, title, "upload")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                source.unlink()

    async def _keep(self, prompt_id: str, owner: str | None, title: str, how: str) -> Prompt:
        row = CustomRecording(
            id=prompt_id, owner_agent_id=owner, title=title,
            seconds=_seconds(self._path(prompt_id)), source=how,
        )  # fmt: skip
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return self._view(row)

    # -- the list ---------------------------------------------------------------------
    async def recordings(self, owner: str | None = None) -> list[Prompt]:
        """``owner``'s recordings (None: everyone's), newest first."""
        query = select(CustomRecording).order_by(CustomRecording.created_at.desc())
        if owner is not None:
            query = query.where(CustomRecording.owner_agent_id == owner)
        async with self.sessions() as session:
            return [self._view(row) for row in await session.scalars(query)]

    async def get(self, prompt_id: str) -> Prompt:
        async with self.sessions() as session:
            row = await session.get(CustomRecording, prompt_id)
            if row is None:
                raise NotFound(f"no recording {prompt_id[:20]!r}")
            return self._view(row)

    def audio(self, prompt_id: str) -> Path:
        path = self._path(prompt_id)
        if not path.exists():
            raise NotFound(f"recording {prompt_id} has no audio file")
        return path

    async def rename(self, prompt_id: str, title: str) -> Prompt:
        title = text(title, what="title", limit=80, lines=False)
        async with self.sessions() as session:
            row = await session.get(CustomRecording, prompt_id)
            if row is None:
                raise NotFound(f"no recording {prompt_id[:20]!r}")
            row.title = title
            await session.commit()
            return self._view(row)

    async def delete(self, prompt_id: str, used_by: Callable[[str], list[str]]) -> None:
        """Delete a recording and its file; refused while a queue plays it
        (``used_by(sound)``: the queues that name it)."""
        users = used_by(self.sound(prompt_id))
        if users:
            raise Conflict(
                f"queue(s) {', '.join(users)} play this recording",
                hint="give them another message in the tenant file first",
            )
        async with self.sessions() as session:
            row = await session.get(CustomRecording, prompt_id)
            if row is None:
                raise NotFound(f"no recording {prompt_id[:20]!r}")
            await session.delete(row)
            await session.commit()
        with contextlib.suppress(FileNotFoundError):
            self._path(prompt_id).unlink()


async def _convert(source: Path, target: Path) -> None:
    """``sox`` to 8 kHz mono 16-bit WAV (what Asterisk's "wav" format is)."""
    try:
        process = await asyncio.create_subprocess_exec(
            "sox", "-q", str(source), "-r", "8000", "-c", "1", "-b", "16", str(target),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    except FileNotFoundError:
        raise VccError("sox is not installed", hint="run ./scripts/setup") from None
    try:
        async with asyncio.timeout(CONVERT_TIMEOUT):
            _, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise UploadRefused("converting the file took too long") from None
    if process.returncode != 0:
        log.info("sox refused an upload: %s", err.decode(errors="replace")[:300])
        raise UploadRefused(
            "that file could not be read as audio", hint="is it a complete WAV, MP3 or OGG?"
        )


def _seconds(path: Path) -> float:
    try:
        with wave.open(str(path)) as audio:
            return float(audio.getnframes() / audio.getframerate())
    except (wave.Error, EOFError, OSError) as exc:
        raise PbxError(f"recording {path.name} is not a readable WAV: {exc}") from None
