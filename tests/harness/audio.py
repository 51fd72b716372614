"""What a phone heard: the dominant frequency of a stretch of its recording."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2, "expected 16-bit samples"
        assert wav.getnchannels() == 1, "expected mono"
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.float64), wav.getframerate()


def dominant_frequency(path: Path, start: float = 0.0, end: float | None = None) -> float:
    """The strongest frequency (Hz) between ``start`` and ``end`` s (negative: from the end)."""
    samples, rate = read_wav(path)
    duration = len(samples) / rate
    lo = start if start >= 0 else duration + start
    hi = duration if end is None else (end if end >= 0 else duration + end)
    segment = samples[int(lo * rate) : int(hi * rate)]
    assert len(segment) >= rate // 10, f"{path} has only {duration:.2f} s of audio"
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
    spectrum[0] = 0.0
    return float(np.argmax(spectrum) * rate / len(segment))


def duration(path: Path) -> float:
    samples, rate = read_wav(path)
    return len(samples) / rate


def assert_heard(
    path: Path,
    expected_hz: float,
    *,
    start: float = 0.0,
    end: float | None = None,
    tolerance_hz: float = 30.0,
) -> None:
    got = dominant_frequency(path, start, end)
    assert abs(got - expected_hz) <= tolerance_hz, (
        f"{path.parent.name} heard {got:.0f} Hz between {start} and {end} s, "
        f"expected {expected_hz:.0f} Hz"
    )
