"""A throwaway PostgreSQL 15 server for the storage tests: Debian's binaries, our own
cluster in a temporary directory, loopback only, gone when the session ends.

Debian's ``main`` cluster (if any) is never touched. As root the server runs as the
``postgres`` OS user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.05
# Durability is not what these tests are about; skipping fsync makes them fast.
FAST_AND_LOOSE = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str], *, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    root: Path  # owned by the postgres user: data/, the log and the unix socket
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb into a fresh temporary directory and start the server on loopback."""
        if not (PG_BIN / "initdb").is_file():
            pytest.fail(
                f"PostgreSQL 15 is not installed ({PG_BIN / 'initdb'} is missing): run "
                "scripts/setup, which installs Debian's postgresql package",
                pytrace=False,
            )
        # Not under pytest's tmp_path: its parents are private to root, and the
        # server runs as another user.
        root = Path(tempfile.mkdtemp(prefix="pg-for-vcc-store-tests-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        server = cls(root=root, port=_free_port())
        try:
            _run(
                _as_postgres(
                    [
                        str(PG_BIN / "initdb"),
                        f"--pgdata={server.data}",
                        "--username=postgres",
                        "--auth=trust",  # loopback and a private socket directory only
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                        "--no-instructions",
                    ]
                )
            )
            options = (
                f"-c listen_addresses=127.0.0.1 -p {server.port} "
                f"-c unix_socket_directories={root} {FAST_AND_LOOSE}"
            )
            _run(
                _as_postgres(
                    [
                        str(PG_BIN / "pg_ctl"),
                        f"--pgdata={server.data}",
                        f"--log={server.log}",
                        f"--options={options}",
                        "--no-wait",
                        "start",
                    ]
                )
            )
            server._wait_until_ready()
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            ready = subprocess.run(
                [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
                timeout=10,
            )
            if ready.returncode == 0:
                return
            log = self.log.read_text() if self.log.exists() else ""
            if "FATAL" in log or time.monotonic() > deadline:
                raise AssertionError(f"PostgreSQL did not start on port {self.port}:\n{log}")
            time.sleep(POLL_INTERVAL_S)  # the poll period of a loop with a deadline

    def stop(self) -> None:
        """Stop the server (fast: disconnects clients) and delete its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                _run(
                    _as_postgres(
                        [str(PG_BIN / "pg_ctl"), f"--pgdata={self.data}", "-m", "fast", "stop"]
                    )
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, statement: str, *, database: str = "postgres") -> None:
        """Run SQL as the superuser, outside a transaction (CREATE DATABASE can't be in one)."""
        try:
            self._psql(statement, database)
        except AssertionError as exc:
            log = self.log.read_text()[-2000:] if self.log.exists() else "(no server log)"
            raise AssertionError(f"{exc}\nserver log (end):\n{log}") from None

    def _psql(self, statement: str, database: str) -> None:
        _run(
            [
                str(PG_BIN / "psql"),
                "--no-psqlrc",
                "--quiet",
                f"--host={self.root}",
                f"--port={self.port}",
                "--username=postgres",
                f"--dbname={database}",
                "--set=ON_ERROR_STOP=1",
                f"--command={statement}",
            ]
        )

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"
