"""The local PBX's attack surface: loopback only, least-privilege AMI, root-only secrets."""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path

from tests.harness.pbx import PbxHarness


async def ami_exchange(port: int, username: str, secret: str, action: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()  # banner
        writer.write(
            f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: off\r\n\r\n"
            f"{action}\r\n\r\n".encode()
        )
        await writer.drain()
        text = ""
        async with asyncio.timeout(5):
            while text.count("Response:") < 2:
                chunk = await reader.read(4096)
                if not chunk:  # Asterisk hung up on us (after a failed login)
                    break
                text += chunk.decode()
        return text
    finally:
        writer.close()


def listening(port: int, table: str) -> set[str]:
    """Addresses (hex, as in /proc/net) bound to ``port``."""
    found = set()
    for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
        local = line.split()[1]
        address, port_hex = local.split(":")
        if int(port_hex, 16) == port:
            found.add(address)
    return found


async def test_ami_and_sip_listen_on_loopback_only(pbx: PbxHarness) -> None:
    assert listening(pbx.ports.ami, "tcp") == {"0100007F"}  # 127.0.0.1
    assert listening(pbx.ports.sip, "udp") == {"0100007F"}
    assert listening(pbx.ports.ami, "tcp6") == set()


async def test_ami_user_cannot_run_cli_commands_or_touch_config(pbx: PbxHarness) -> None:
    ami = pbx.asterisk.ami_settings()
    assert ami.secret_file is not None
    secret = ami.secret_file.read_text().strip()
    for action in (
        "Action: Command\r\nCommand: core show version",
        "Action: GetConfig\r\nFilename: manager.conf",
        "Action: UpdateConfig\r\nSrcFilename: extensions.conf\r\nDstFilename: x.conf",
        "Action: Reload",
    ):
        reply = await ami_exchange(pbx.ports.ami, ami.username, secret, action)
        assert "Authentication accepted" in reply
        assert "Permission denied" in reply, f"{action!r} was allowed: {reply}"


async def test_ami_refuses_a_wrong_secret(pbx: PbxHarness) -> None:
    reply = await ami_exchange(pbx.ports.ami, "vcc", "not-the-secret", "Action: Ping")
    assert "Authentication failed" in reply


def test_manager_conf_grants_no_system_command_or_config_class(pbx: PbxHarness) -> None:
    conf = (pbx.asterisk.dir / "etc" / "manager.conf").read_text()
    grants = re.findall(r"^(read|write)\s*=\s*(.+)$", conf, flags=re.M)
    assert grants, conf
    for _kind, classes in grants:
        assert not {"system", "command", "config", "all"} & {c.strip() for c in classes.split(",")}
    assert re.search(r"^bindaddr = 127\.0\.0\.1$", conf, flags=re.M)
    assert "permit = 127.0.0.1/255.255.255.255" in conf


def test_secrets_and_config_are_readable_by_root_only(pbx: PbxHarness) -> None:
    for path in (
        pbx.asterisk.dir / "secrets",
        pbx.asterisk.dir / "etc",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
        for child in path.iterdir():
            assert stat.S_IMODE(child.stat().st_mode) == 0o600, child
            assert child.stat().st_uid == 0
