"""Small WAV helpers: the PBX's hold music and the test phones' tones are made here,
so nothing but Python is needed to produce them."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 8000  # what Asterisk and G.711 speak natively


def write_tone(path: Path, frequency: float, seconds: float, *, amplitude: float = 0.5) -> None:
    """A mono 16-bit 8 kHz sine WAV."""
    frames = int(RATE * seconds)
    peak = int(32767 * amplitude)
    data = b"".join(
        struct.pack("<h", int(peak * math.sin(2 * math.pi * frequency * i / RATE)))
        for i in range(frames)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data)
