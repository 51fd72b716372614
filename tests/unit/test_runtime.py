"""Where Asterisk runs: its version, commands wrapped for a chroot, paths inside the root."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from vcc.localpbx.runtime import (
    ROOT_MARKER,
    Runtime,
    cached_runtime,
    find_module_dir,
    parse_asterisk_version,
)

MODULES = PurePosixPath("/usr/lib/x86_64-linux-gnu/asterisk/modules")


@pytest.mark.parametrize(
    ("output", "parsed"),
    [
        ("Asterisk 22.10.1+dfsg-1\n", (22, "22.10.1+dfsg-1")),
        ("Asterisk 20.6.0", (20, "20.6.0")),
        ("Asterisk 21.0.0-rc1\n", (21, "21.0.0-rc1")),
        ("Asterisk 18.9.0~dfsg+~cs6.12.40431414-1\n", (18, "18.9.0~dfsg+~cs6.12.40431414-1")),
        ("Asterisk  20.1.0", (20, "20.1.0")),
        ("warning: locale\nAsterisk 20.5.2\n", (20, "20.5.2")),
    ],
)
def test_the_version_is_read_from_asterisk_dash_v(output: str, parsed: tuple[int, str]) -> None:
    assert parse_asterisk_version(output) == parsed


@pytest.mark.parametrize(
    "output",
    ["", "asterisk: command not found", "Asterisk GIT-master-8d3c5a1", "Asterisk\n"],
)
def test_output_without_a_numeric_version_is_not_a_version(output: str) -> None:
    assert parse_asterisk_version(output) is None


def runtime(root: str) -> Runtime:
    return Runtime(Path(root), "22.1.0", MODULES, baresip=True)


def test_a_system_runtime_runs_commands_as_they_are() -> None:
    system = runtime("/")

    assert not system.chrooted
    assert system.command(["asterisk", "-V"]) == ["asterisk", "-V"]
    assert system.command(["asterisk", "-V"], mount_proc=True) == ["asterisk", "-V"]


def test_a_chrooted_runtime_runs_commands_inside_its_root() -> None:
    chrooted = runtime("/var/cache/vcc/asterisk-root")

    assert chrooted.chrooted
    assert chrooted.command(["asterisk", "-rx", "core show version"]) == [
        "chroot", "/var/cache/vcc/asterisk-root", "asterisk", "-rx", "core show version",
    ]  # fmt: skip


def test_a_chrooted_command_with_proc_gets_its_own_mount_namespace() -> None:
    chrooted = runtime("/var/cache/vcc/asterisk-root")

    assert chrooted.command(["asterisk", "-f"], mount_proc=True) == [
        "unshare", "--mount", "--propagation", "private",
        "--mount-proc=/var/cache/vcc/asterisk-root/proc",
        "chroot", "/var/cache/vcc/asterisk-root", "asterisk", "-f",
    ]  # fmt: skip


def test_bind_mounts_pass_hostile_paths_as_plain_arguments(tmp_path: Path) -> None:
    """The bind script runs with stand-ins for mount and chroot that log their
    arguments: paths with spaces, quotes and '$(…)' arrive as they are, unexpanded."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    for tool in ("mount", "chroot"):
        stand_in = bin_dir / tool
        stand_in.write_text(f'#!/bin/sh\nfor a in "$@"; do echo "{tool}:$a"; done >> "{log}"\n')
        stand_in.chmod(0o755)
    hostile = tmp_path / "data $(touch pwned) 'x'"
    argv = runtime("/r").command(
        ["asterisk", "-f"], mount_proc=True, binds=[(hostile, Path("/r/var/lib/rec"))]
    )
    assert argv[:5] == ["unshare", "--mount", "--propagation", "private", "--mount-proc=/r/proc"]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(argv[5:], check=True, env=env, cwd=tmp_path)
    assert log.read_text().splitlines() == [
        "mount:--bind", "mount:--", f"mount:{hostile}", "mount:/r/var/lib/rec",
        "chroot:/r", "chroot:asterisk", "chroot:-f",
    ]  # fmt: skip
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("root", "inner", "host"),
    [
        ("/", "/var/lib/vcc/default/etc", "/var/lib/vcc/default/etc"),
        ("/cache/root", "/var/lib/vcc/test/etc/a.conf", "/cache/root/var/lib/vcc/test/etc/a.conf"),
        ("/cache/root", "/", "/cache/root"),
    ],
)  # fmt: skip
def test_host_path_maps_a_path_inside_the_root_to_the_host(
    root: str, inner: str, host: str
) -> None:
    assert runtime(root).host_path(PurePosixPath(inner)) == Path(host)


def build_root(root: Path, *, marker: object = None, pjsip: bool = True) -> None:
    modules = root / MODULES.relative_to("/")
    modules.mkdir(parents=True)
    if pjsip:
        (modules / "chan_pjsip.so").touch()
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/asterisk").touch()
    if marker is not None:
        (root / ROOT_MARKER).write_text(json.dumps(marker))


def test_a_complete_cached_root_is_a_runtime(tmp_path: Path) -> None:
    build_root(tmp_path, marker={"asterisk_version": "22.1.0+dfsg-1"})

    found = cached_runtime(tmp_path)

    assert found == Runtime(tmp_path, "22.1.0+dfsg-1", MODULES, baresip=False)
    assert find_module_dir(tmp_path) == MODULES


def test_a_root_without_marker_or_pjsip_is_not_a_runtime(tmp_path: Path) -> None:
    build_root(tmp_path / "unmarked")
    build_root(tmp_path / "no-pjsip", marker={"asterisk_version": "22.1.0"}, pjsip=False)
    (tmp_path / "garbled").mkdir()
    (tmp_path / "garbled" / ROOT_MARKER).write_text("{not json")

    assert cached_runtime(tmp_path / "unmarked") is None
    assert cached_runtime(tmp_path / "no-pjsip") is None
    assert cached_runtime(tmp_path / "garbled") is None
    assert cached_runtime(tmp_path / "absent") is None
