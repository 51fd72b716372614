"""``vcc pbx install``: make an Asterisk ≥ 20 (and the baresip test phones) available.

A system Asterisk ≥ 20 on PATH is used as it is. Otherwise a Debian unstable root
with Asterisk and baresip is built once with debootstrap into the cache directory;
later runs find it and return in well under a second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from vcc.config import Settings
from vcc.errors import ProvisioningError
from vcc.localpbx.runtime import (
    ROOT_MARKER,
    Runtime,
    cached_runtime,
    parse_asterisk_version,
    system_runtime,
)

SUITE = "sid"
PACKAGES = ("asterisk", "asterisk-core-sounds-en-gsm", "baresip-core")
NEEDED_FREE_BYTES = 1_500_000_000  # the root is ~500 MB; debootstrap needs room to unpack

Progress = Callable[[str], None]


def root_dir(settings: Settings) -> Path:
    return settings.cache_dir / "asterisk-root"


def find_runtime(settings: Settings) -> Runtime | None:
    """The runtime ``install`` would give, without installing anything."""
    return system_runtime() or cached_runtime(root_dir(settings))


def install(settings: Settings, progress: Progress) -> Runtime:
    """Find or build the Asterisk runtime. Idempotent."""
    system = system_runtime()
    if system is not None:
        progress(f"using the system Asterisk {system.asterisk_version}")
        return system
    root = root_dir(settings)
    cached = cached_runtime(root)
    if cached is not None:
        progress(f"Asterisk {cached.asterisk_version} is already installed in {root}")
        return cached
    _check_can_build(settings.cache_dir)
    mirror = settings.debian_mirror or debian_mirror_from_apt_sources()
    _check_mirror(mirror)
    partial = root.with_name(root.name + ".partial")
    if partial.exists():
        progress(f"removing an unfinished earlier attempt in {partial}")
        shutil.rmtree(partial)
    started = time.monotonic()
    progress(f"building a Debian {SUITE} root with {', '.join(PACKAGES)} (about a minute)")
    _debootstrap(partial, mirror, progress)
    version = _asterisk_version_in(partial)
    (partial / ROOT_MARKER).write_text(
        json.dumps({"asterisk_version": version, "packages": PACKAGES, "mirror": mirror}) + "\n"
    )
    if root.exists():
        shutil.rmtree(root)
    partial.rename(root)
    runtime = cached_runtime(root)
    if runtime is None:
        raise ProvisioningError(f"the root in {root} is incomplete after debootstrap")
    progress(f"installed Asterisk {version} in {time.monotonic() - started:.0f} s")
    return runtime


def _check_can_build(cache_dir: Path) -> None:
    if os.geteuid() != 0:
        raise ProvisioningError(
            "building the Asterisk root needs root",
            hint="run 'sudo vcc pbx install', or install Asterisk ≥ 20 yourself",
        )
    if shutil.which("debootstrap") is None:
        raise ProvisioningError(
            "debootstrap is not installed",
            hint="run 'apt-get install debootstrap' (or ./scripts/setup), then try again",
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(cache_dir).free
    if free < NEEDED_FREE_BYTES:
        raise ProvisioningError(
            f"only {free / 1e9:.1f} GB free in {cache_dir}; "
            f"{NEEDED_FREE_BYTES / 1e9:.1f} GB are needed",
            hint="free some disk space or point VCC_CACHE_DIR at a larger disk",
        )


def debian_mirror_from_apt_sources(etc_apt: Path = Path("/etc/apt")) -> str:
    """The Debian archive URL this machine's apt already uses (never a built-in host)."""
    files = [etc_apt / "sources.list"]
    for pattern in ("*.list", "*.sources"):
        files.extend(sorted((etc_apt / "sources.list.d").glob(pattern)))
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        for uri in _uris(text, deb822=path.suffix == ".sources"):
            if re.fullmatch(r"(https?|file)://.+/debian/?", uri):
                return uri.rstrip("/")
    raise ProvisioningError(
        "no Debian archive found in /etc/apt/sources.list*",
        hint="set VCC_DEBIAN_MIRROR to a Debian mirror URL ending in /debian",
    )


def _uris(text: str, *, deb822: bool) -> Iterable[str]:
    for line in text.splitlines():
        line = line.strip()
        if deb822 and line.lower().startswith("uris:"):
            yield from line.split(":", 1)[1].split()
        elif not deb822 and line.startswith("deb "):
            words = [w for w in line.split()[1:] if not w.startswith("[")]
            # options such as [signed-by=...] may contain spaces only inside brackets
            if "[" in line:
                words = line.split("]", 1)[1].split()
            if words:
                yield words[0]


def _check_mirror(mirror: str) -> None:
    url = f"{mirror}/dists/{SUITE}/Release"
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (http(s)/file only)
            response.read(1)
    except (urllib.error.URLError, OSError) as exc:
        raise ProvisioningError(
            f"cannot reach the Debian mirror {mirror} ({exc})",
            hint="check the network or set VCC_DEBIAN_MIRROR to a reachable mirror; "
            "or install Asterisk ≥ 20 on PATH yourself",
        ) from None


_PHASES = {
    "Retrieving": "downloading",
    "Extracting": "extracting",
    "Unpacking": "unpacking",
    "Configuring": "configuring",
}


def _debootstrap(target: Path, mirror: str, progress: Progress) -> None:
    argv = [
        "debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
        SUITE, str(target), mirror,
    ]  # fmt: skip
    tail: deque[str] = deque(maxlen=30)
    counts: dict[str, int] = {}
    last_report = time.monotonic()
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())
            word = line[3:].split(" ", 1)[0] if line.startswith("I: ") else ""
            phase = _PHASES.get(word)
            if phase is None:
                continue
            first = phase not in counts
            counts[phase] = counts.get(phase, 0) + 1
            # a line per phase and one every few seconds: enough to see it move
            if first or time.monotonic() - last_report > 5:
                last_report = time.monotonic()
                progress(f"  {phase} ({counts[phase]} packages so far)")
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise ProvisioningError(
            f"debootstrap failed (exit {proc.returncode}):\n    " + "\n    ".join(tail),
            hint="fix what the lines above say and run 'vcc pbx install' again",
        )


def _asterisk_version_in(root: Path) -> str:
    out = subprocess.run(
        ["chroot", str(root), "asterisk", "-V"], capture_output=True, text=True, check=False
    ).stdout
    parsed = parse_asterisk_version(out)
    if parsed is None:
        raise ProvisioningError(f"Asterisk in {root} does not run: {out.strip()!r}")
    return parsed[1]
