"""Uploaded custom recordings: WAV, MP3 and OGG of any rate and channels become 8 kHz
mono WAV under a name vcc makes; too big, not audio, lying about its type, empty or
too long: refused with a clear error, and nothing is written or stored."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path, PurePosixPath
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.harness.api import StandInPbx
from tests.harness.audio import dominant_frequency
from tests.store.test_journal import setup_db
from vcc.core.queues import QueueConfig
from vcc.core.routing import RouterState
from vcc.engine import Engine
from vcc.errors import Conflict, InvalidInput, NotFound
from vcc.pbx.driver import PbxDriver
from vcc.prompts import PromptService, UploadRefused, UploadTooLarge


def tone(path: Path, *sox_args: str, seconds: float = 1.0, hz: int = 700) -> bytes:
    """A tone file made by sox (the format from the extension and ``sox_args``)."""
    subprocess.run(
        ["sox", "-n", *sox_args, str(path), "synth", str(seconds), "sine", str(hz)],
        check=True,
    )
    return path.read_bytes()


def service(sessions: async_sessionmaker[AsyncSession], folder: Path) -> PromptService:
    engine = Engine(cast(PbxDriver, StandInPbx()), RouterState.create([], [QueueConfig("q")]))
    folder.mkdir(exist_ok=True)
    return PromptService(
        engine, sessions, folder, PurePosixPath("/usr/share/asterisk/sounds/vcc-custom-t")
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [("in.wav", ["-r", "44100", "-c", "2"]), ("in.wav", ["-r", "8000", "-c", "1"]),
     ("in.mp3", ["-r", "22050"]), ("in.ogg", ["-r", "16000", "-c", "2"])],
)  # fmt: skip
async def test_audio_is_converted_to_what_asterisk_plays(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, name: str, args: list[str]
) -> None:
    await setup_db(sessions)
    prompts = service(sessions, tmp_path / "prompts")
    data = tone(tmp_path / name, *args)
    prompt = await prompts.upload("1001", "Welkom", f"../../{name}", data)
    path = prompts.audio(prompt.id)
    assert path.parent == tmp_path / "prompts"  # the user's name is never a path
    with wave.open(str(path)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
    assert abs(dominant_frequency(path) - 700) < 15
    assert prompt.seconds == pytest.approx(1.0, abs=0.1)
    assert prompt.sound == f"vcc-custom-t/{prompt.id}"
    assert [p.id for p in await prompts.recordings("1001")] == [prompt.id]
    assert sorted(f.name for f in (tmp_path / "prompts").iterdir()) == [f"{prompt.id}.wav"]


async def test_what_is_not_a_recording_is_refused_and_nothing_stays(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_db(sessions)
    prompts = service(sessions, tmp_path / "prompts")
    wav = tone(tmp_path / "a.wav")
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    cases = [
        ("a.wav", b"", UploadRefused, "empty"),
        ("notes.txt", b"just some text, honestly", UploadRefused, "not WAV"),
        ("a.png", png, UploadRefused, "not WAV"),
        ("a.mp3", wav, UploadRefused, "holds WAV audio"),  # a WAV named .mp3
        ("a.wav", wav[:60], UploadRefused, "could not be read"),  # a header, no audio
        ("a.wav", b"RIFF" + bytes(4) + b"WAVE" + bytes(11 * 1024 * 1024), UploadTooLarge,
         "at most 10 MB"),
    ]  # fmt: skip
    for name, data, error, message in cases:
        with pytest.raises(error, match=message):
            await prompts.upload("1001", "x", name, data)
    long_wav = tone(tmp_path / "long.wav", "-r", "8000", seconds=301)
    with pytest.raises(UploadRefused, match="at most 5 minutes"):
        await prompts.upload("1001", "x", "long.wav", long_wav)
    for bad_title in ("", "a" * 81, "bell\x07", "line\nbreak"):
        with pytest.raises(InvalidInput):
            await prompts.upload("1001", bad_title, "a.wav", wav)
    assert list((tmp_path / "prompts").iterdir()) == []
    assert await prompts.recordings() == []


async def test_rename_and_delete_unless_a_queue_plays_it(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_db(sessions)
    prompts = service(sessions, tmp_path / "prompts")
    prompt = await prompts.upload(None, "Gesloten", "a.wav", tone(tmp_path / "a.wav"))
    assert (await prompts.rename(prompt.id, "Dicht")).title == "Dicht"
    with pytest.raises(Conflict, match="support"):
        await prompts.delete(prompt.id, lambda sound: ["support"])
    await prompts.delete(prompt.id, lambda sound: [])
    assert list((tmp_path / "prompts").iterdir()) == []
    for bad in (prompt.id, "../../etc/passwd", "p-zzzzzzzzzzzz"):
        with pytest.raises(NotFound):
            await prompts.get(bad)
        with pytest.raises(NotFound):
            prompts.audio(bad)
