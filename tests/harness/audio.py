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


def assert_heard_all(
    path: Path, tones: list[float], *, start: float, end: float | None = None
) -> None:
    """Several tones at once (a conference's mix): each one stands out of the spectrum,
    within 12 dB of the strongest."""
    samples, rate = read_wav(path)
    total = len(samples) / rate
    lo = start if start >= 0 else total + start
    hi = total if end is None else (end if end >= 0 else total + end)
    segment = samples[int(lo * rate) : int(hi * rate)]
    assert len(segment) >= rate // 10, f"{path} has only {total:.2f} s of audio"
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
    spectrum[0] = 0.0
    hz = np.fft.rfftfreq(len(segment), 1 / rate)
    for tone in tones:
        near = spectrum[np.abs(hz - tone) <= 30.0].max()
        assert near >= spectrum.max() / 4, (
            f"{path.parent.name} did not hear {tone:.0f} Hz between {start} and {end} s "
            f"({20 * np.log10(near / spectrum.max()):.0f} dB below the strongest tone)"
        )


def heard_somewhere(
    path: Path, expected_hz: float, *, window: float = 0.3, tolerance_hz: float = 30.0
) -> bool:
    """Did the phone hear ``expected_hz`` as the dominant tone in any stretch?"""
    samples, rate = read_wav(path)
    step = int(window * rate)
    for start in range(0, len(samples) - step, step // 2):
        segment = samples[start : start + step]
        if np.abs(segment).mean() < 50:  # silence
            continue
        spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
        spectrum[0] = 0.0
        if abs(np.argmax(spectrum) * rate / len(segment) - expected_hz) <= tolerance_hz:
            return True
    return False


def best_match(recording: Path, reference: Path) -> float:
    """How closely ``reference`` (e.g. a prompt) appears anywhere in ``recording``:
    the peak normalised cross-correlation, 1.0 for an exact copy, near 0 for none."""
    heard, _ = read_wav(recording)
    ref, _ = read_wav(reference)
    loud = np.flatnonzero(np.abs(ref) > 100)  # the prompt without silence around it
    ref = ref[loud[0] : loud[-1] + 1] if len(loud) else ref[:0]
    if len(ref) == 0 or len(heard) < len(ref):
        return 0.0
    n = 1 << (len(heard) + len(ref)).bit_length()
    corr = np.fft.irfft(np.fft.rfft(heard, n) * np.conj(np.fft.rfft(ref, n)), n)[: len(heard)]
    # energy of each stretch of ``heard`` as long as ``ref``, for the normalisation
    energy = np.convolve(heard**2, np.ones(len(ref)), mode="full")[
        len(ref) - 1 : len(heard) + len(ref) - 1
    ]
    scores = corr / (np.sqrt(np.maximum(energy, 1e-9)) * np.linalg.norm(ref))
    return float(np.max(scores))


def seconds_heard(
    path: Path, expected_hz: float, *, window: float = 0.3, tolerance_hz: float = 30.0
) -> float:
    """For how long ``expected_hz`` was the dominant tone (0.1 s steps), wherever."""
    samples, rate = read_wav(path)
    size, step = int(window * rate), int(0.1 * rate)
    found = 0
    for start in range(0, len(samples) - size, step):
        segment = samples[start : start + size]
        if np.abs(segment).mean() < 50:  # silence
            continue
        spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
        spectrum[0] = 0.0
        if abs(np.argmax(spectrum) * rate / len(segment) - expected_hz) <= tolerance_hz:
            found += 1
    return found * 0.1
