"""``vcc`` as a user runs it: real processes, a real Asterisk, real error messages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vcc.config import load_settings
from vcc.localpbx.install import find_runtime

CLI_PORTS = "[ports]\nsip = 45060\nami = 45038\nrtp_start = 46000\nrtp_end = 46099\n"


def vcc(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vcc", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A separate instance on its own ports, with the demo tenant applied to a database
    of its own (SQLite in a data directory in tmp_path); stopped whatever the test does."""
    config = tmp_path / "vcc.toml"
    config.write_text(CLI_PORTS)
    env = {
        **os.environ,
        "VCC_CONFIG": str(config),
        "VCC_INSTANCE": "clitest",
        "VCC_DATA_DIR": str(tmp_path / "data"),
    }
    applied = vcc("tenant", "apply", env=env)
    assert applied.returncode == 0, applied.stderr
    yield env
    vcc("pbx", "stop", env=env)


def mounts_under(root: Path) -> list[str]:
    return [
        line
        for line in Path("/proc/mounts").read_text().splitlines()
        if line.split()[1].startswith(str(root))
    ]


def test_help_explains_every_command() -> None:
    out = vcc("--help", env=dict(os.environ)).stdout
    for command in ("pbx", "serve", "demo"):
        assert command in out
    pbx_help = vcc("pbx", "--help", env=dict(os.environ)).stdout
    for action in ("install", "start", "stop", "status"):
        assert action in pbx_help


def test_install_is_idempotent_and_quick_the_second_time() -> None:
    env = dict(os.environ)
    first = vcc("pbx", "install", env=env, timeout=600)  # builds the root if it must
    assert first.returncode == 0, first.stderr
    started = time.monotonic()
    done = vcc("pbx", "install", env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "already installed" in done.stderr or "system Asterisk" in done.stderr
    assert elapsed < 10, f"second install took {elapsed:.1f} s"


def test_start_twice_says_so_status_reports_and_stop_leaves_nothing(
    cli_env: dict[str, str],
) -> None:
    runtime = find_runtime(load_settings())
    assert runtime is not None
    first = vcc("pbx", "start", env=cli_env)
    assert first.returncode == 0, first.stderr
    assert "fully booted" in first.stderr

    second = vcc("pbx", "start", env=cli_env)
    assert second.returncode == 1
    assert "already running" in second.stderr
    assert "vcc pbx stop" in second.stderr

    status = vcc("pbx", "status", env=cli_env)
    assert status.returncode == 0, status.stderr
    assert f"version:    {runtime.asterisk_version}" in status.stdout
    assert "uptime:" in status.stdout
    assert "registered: none" in status.stdout
    assert "127.0.0.1:45060" in status.stdout

    stopped = vcc("pbx", "stop", env=cli_env)
    assert stopped.returncode == 0, stopped.stderr
    running = subprocess.run(
        ["pgrep", "-f", "/var/lib/vcc/clitest/"], capture_output=True, check=False
    )
    assert running.returncode == 1, f"still running: {running.stdout!r}"
    assert mounts_under(runtime.root) == []

    again = vcc("pbx", "stop", env=cli_env)
    assert again.returncode == 0
    assert "not running" in again.stderr
    after = vcc("pbx", "status", env=cli_env)
    assert after.returncode == 1
    assert "not running" in after.stderr
    assert "vcc pbx start" in after.stderr


def test_start_refuses_a_port_someone_else_holds(cli_env: dict[str, str]) -> None:
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 45038))
        squatter.listen()
        done = vcc("pbx", "start", env=cli_env)
    assert done.returncode == 1
    assert "port 45038" in done.stderr
    assert "in use" in done.stderr


def test_a_bad_tenant_file_starts_nothing_and_writes_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "tenant.toml"
    bad.write_text('[[queues]]\nid = "support"\nextension = "70&0"\n')
    env = {**cli_env, "VCC_TENANT": str(bad), "VCC_INSTANCE": "clibad"}
    done = vcc("pbx", "start", env=env)
    assert done.returncode == 1
    assert "queue extension '70&0' is not valid" in done.stderr
    runtime = find_runtime(load_settings())
    assert runtime is not None
    assert not (runtime.root / "var/lib/vcc/clibad").exists()
    checked = vcc("tenant", "check", str(bad), env=env)
    assert checked.returncode == 1
    assert "70&0" in checked.stderr


def test_tenant_check_summarises_a_good_file() -> None:
    done = vcc("tenant", "check", env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "7000 support" in done.stdout


def test_bad_config_gives_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[ports]\nsip = 80\n")
    done = vcc("pbx", "status", env={**os.environ, "VCC_CONFIG": str(config)})
    assert done.returncode == 1
    assert "sip port 80 is out of range" in done.stderr
    assert "Traceback" not in done.stderr

    config.write_text("instance = 'x; rm -rf /'\n")
    done = vcc("pbx", "status", env={**os.environ, "VCC_CONFIG": str(config)})
    assert done.returncode == 1
    assert "instance name" in done.stderr
    assert "Traceback" not in done.stderr
