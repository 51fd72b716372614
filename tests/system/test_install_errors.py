"""``vcc pbx install`` when it can't: each case says why and what to do next.

Each test points the cache at an empty directory, so the cached root of the other
tests is not found and ``install`` really tries to build one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def install(env: dict[str, str], *prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "vcc", "pbx", "install"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    cache = tmp_path / "cache"
    cache.mkdir()
    return {**os.environ, "VCC_CACHE_DIR": str(cache)}


def assert_clear(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def test_not_root(fresh_env: dict[str, str]) -> None:
    # A user namespace: vcc sees an unprivileged uid but can still read its own files,
    # wherever the checkout lives.
    done = install({**fresh_env, "HOME": "/tmp"}, "unshare", "--user")
    assert_clear(done, "needs root", "sudo vcc pbx install")


def test_no_debootstrap(fresh_env: dict[str, str], tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with what vcc needs, but no debootstrap
    bin_dir.mkdir()
    done = install({**fresh_env, "PATH": str(bin_dir)})
    assert_clear(done, "debootstrap is not installed", "apt-get install debootstrap")


def test_mirror_unreachable(fresh_env: dict[str, str]) -> None:
    # port 9 (discard) on loopback: nothing listens, the connection is refused at once
    done = install({**fresh_env, "VCC_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"})
    assert_clear(
        done, "cannot reach the Debian mirror http://127.0.0.1:9/debian", "VCC_DEBIAN_MIRROR"
    )


def test_no_disk_space(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    # A 64 MB tmpfs in a private mount namespace: gone when the command ends.
    script = 'mount -t tmpfs -o size=64m vcc-test "$0" && VCC_CACHE_DIR="$0" exec "$@"'
    done = install(
        dict(os.environ),
        "unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(small),
    )  # fmt: skip
    assert_clear(done, "GB free", "VCC_CACHE_DIR")
    assert shutil.disk_usage(small).total > 64_000_000  # the tmpfs did not leak out
