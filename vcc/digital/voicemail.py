"""Voicemail: a caller who overflowed into it left a message (pbx.events.VoicemailLeft);
it becomes work on the digital desk in the caller's queue. The agent plays it in the
console and calls the caller back, agent first (vcc.calls.CallControl.click_to_dial).

The file is vcc's: its name was made by the engine (``vm-<hex>``), checked again here
before anything is opened; a message shorter than half a second is none at all.
"""

from __future__ import annotations

import asyncio
import logging
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.channels import Channel
from vcc.digital.crm import match_customer
from vcc.digital.desk import DeskService
from vcc.engine import VOICEMAIL_FOLDER
from vcc.errors import NotFound
from vcc.pbx.events import PbxEvent, VoicemailLeft
from vcc.store.models import Voicemail

log = logging.getLogger(__name__)

NAME = re.compile(r"vm-[0-9a-f]{32}")
SHORTEST = 0.5  # seconds: less is a hang-up at the tone, not a message


@dataclass
class VoicemailService:
    sessions: async_sessionmaker[AsyncSession]
    desk: DeskService
    folder: Path | None  # where this host sees the voicemail files (None: it cannot)
    _tasks: set[asyncio.Task[str | None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.folder.chmod(0o700)  # callers' voices
        self.desk.engine.pbx_listeners.append(self._heard)

    @classmethod
    def folder_of(cls, recordings: Path | None) -> Path | None:
        return None if recordings is None else recordings / VOICEMAIL_FOLDER

    def _heard(self, event: PbxEvent) -> None:
        if isinstance(event, VoicemailLeft):
            task = asyncio.get_running_loop().create_task(self.left(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def left(self, event: VoicemailLeft) -> str | None:
        """Put the message on the desk; returns its work id (None: there was none)."""
        path = self.path(event.name)
        seconds = _seconds(path) if path is not None else 0.0
        if seconds < SHORTEST:
            log.info("caller %s left no message in %s", event.caller or "?", event.queue)
            if path is not None:
                path.unlink(missing_ok=True)
            return None
        caller = event.caller or "unknown"
        async with self.sessions() as session:
            customer = await match_customer(session, phone=event.caller) if event.caller else None
        item = await self.desk.arrive(
            Channel.VOICEMAIL, event.queue, title=caller, from_=caller,
            customer_id=customer.id if customer is not None else None,
        )  # fmt: skip
        async with self.sessions() as session:
            session.add(Voicemail(interaction_id=item.id, file=event.name, caller=caller[:32],
                                  seconds=round(seconds, 2)))  # fmt: skip
            await session.commit()
        return item.id

    def path(self, name: str) -> Path | None:
        if self.folder is None or not NAME.fullmatch(name):
            return None
        return self.folder / f"{name}.wav"

    async def audio(self, work_id: str) -> Path:
        """The message's file (NotFound: no such voicemail, or its file is gone)."""
        async with self.sessions() as session:
            found = await session.get(Voicemail, work_id[:64])
        path = self.path(found.file) if found is not None else None
        if path is None or not path.is_file():
            raise NotFound(f"no voicemail {work_id[:40]!r} to play")
        return path

    async def caller_of(self, work_id: str) -> str:
        async with self.sessions() as session:
            found = await session.get(Voicemail, work_id[:64])
        if found is None:
            raise NotFound(f"no voicemail {work_id[:40]!r}")
        return found.caller


def _seconds(path: Path) -> float:
    try:
        with wave.open(str(path), "rb") as audio:
            return audio.getnframes() / float(audio.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return 0.0
