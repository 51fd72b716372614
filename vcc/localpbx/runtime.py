"""Where Asterisk (and the test phones) run: on the host, or inside a cached Debian root.

Both cases look the same to the rest of vcc: a root directory, the binaries inside
it, and a way to turn an in-root path into a host path.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MIN_ASTERISK_MAJOR = 20
ROOT_MARKER = "vcc-root.json"


@dataclass(frozen=True)
class Runtime:
    """An installed Asterisk: ``root`` is ``/`` for a system Asterisk, else a chroot."""

    root: Path
    asterisk_version: str
    module_dir: PurePosixPath
    baresip: bool

    @property
    def chrooted(self) -> bool:
        return self.root != Path("/")

    def host_path(self, inner: PurePosixPath) -> Path:
        """The host path of a path as the processes inside the root see it."""
        return self.root / inner.relative_to("/")

    def command(
        self,
        argv: list[str],
        *,
        mount_proc: bool = False,
        binds: Sequence[tuple[Path, Path]] = (),
    ) -> list[str]:
        """Wrap ``argv`` so it runs inside the root.

        With ``mount_proc`` the process gets a private mount namespace with /proc
        mounted inside the root: the mount lives exactly as long as the process,
        so nothing stays mounted on the host whatever way it ends. ``binds`` (host
        directory, host path of a directory inside the root) are bind-mounted in that
        namespace too, so the process writes to host directories outside the root.
        """
        if not self.chrooted:
            return argv
        if not mount_proc:
            return ["chroot", str(self.root), *argv]
        unshare = [
            "unshare", "--mount", "--propagation", "private",
            f"--mount-proc={self.root / 'proc'}",
        ]  # fmt: skip
        if not binds:
            return [*unshare, "chroot", str(self.root), *argv]
        # The paths are arguments of the script, never part of its text.
        pairs = [str(p) for pair in binds for p in pair]
        return [*unshare, "sh", "-ec", _BIND_SCRIPT, "sh", *pairs, "--", str(self.root), *argv]


# Bind-mount "$1" on "$2", pair by pair up to "--", then chroot into the rest.
_BIND_SCRIPT = (
    'while [ "$1" != -- ]; do mount --bind -- "$1" "$2"; shift 2; done; shift; exec chroot "$@"'
)


def parse_asterisk_version(text: str) -> tuple[int, str] | None:
    """``Asterisk 22.10.1+dfsg-1`` → ``(22, '22.10.1+dfsg-1')``."""
    match = re.search(r"Asterisk\s+((\d+)\.[^\s]*)", text)
    if not match:
        return None
    return int(match.group(2)), match.group(1)


def find_module_dir(root: Path) -> PurePosixPath | None:
    for candidate in sorted(root.glob("usr/lib*/**/asterisk/modules")):
        if (candidate / "chan_pjsip.so").exists():
            return PurePosixPath("/") / candidate.relative_to(root)
    return None


def system_runtime() -> Runtime | None:
    """A system Asterisk ≥ 20 on PATH, if there is one."""
    binary = shutil.which("asterisk")
    if binary is None:
        return None
    try:
        out = subprocess.run(
            [binary, "-V"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    parsed = parse_asterisk_version(out)
    module_dir = find_module_dir(Path("/"))
    if parsed is None or parsed[0] < MIN_ASTERISK_MAJOR or module_dir is None:
        return None
    return Runtime(Path("/"), parsed[1], module_dir, baresip=shutil.which("baresip") is not None)


def cached_runtime(root: Path) -> Runtime | None:
    """The Debian root ``vcc pbx install`` built, if it is complete."""
    try:
        marker = json.loads((root / ROOT_MARKER).read_text())
    except (OSError, ValueError):
        return None
    module_dir = find_module_dir(root)
    if module_dir is None or not (root / "usr/sbin/asterisk").exists():
        return None
    return Runtime(
        root,
        str(marker["asterisk_version"]),
        module_dir,
        baresip=(root / "usr/bin/baresip").exists(),
    )
