"""``vcc tenant apply`` then ``vcc pbx start``, as an admin runs them: the database
gets the tenant file, and Asterisk serves the agents' desk phones with the SIP
passwords the database keeps."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.system.test_cli import vcc
from vcc.config import load_settings
from vcc.localpbx.install import find_runtime
from vcc.localpbx.instance import LocalAsterisk
from vcc.localpbx.spec import PbxSpec

APPLY_PORTS = "[ports]\nsip = 47060\nami = 47038\nrtp_start = 48000\nrtp_end = 48099\n"
# One auth section of pjsip.conf, as LocalAsterisk renders it.
AUTH = re.compile(r"\[(\d+)\]\ntype = auth\nauth_type = userpass\nusername = \1\npassword = (\S+)")


@pytest.fixture
def apply_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Instance "cliapply" on its own ports, its SQLite database in tmp_path; stopped
    whatever the test does."""
    config = tmp_path / "vcc.toml"
    config.write_text(APPLY_PORTS)
    env = {
        **os.environ,
        "VCC_CONFIG": str(config),
        "VCC_INSTANCE": "cliapply",
        "VCC_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("VCC_DATABASE_URL", None)
    env.pop("VCC_TENANT", None)
    try:
        yield env
    finally:
        vcc("pbx", "stop", env=env)


def stored_passwords(data_dir: Path) -> dict[str, str]:
    with closing(sqlite3.connect(data_dir / "vcc.db")) as db:
        return dict(db.execute("SELECT extension, sip_password FROM agent").fetchall())


def rendered_passwords(env: dict[str, str]) -> dict[str, str]:
    settings = load_settings(env=env)
    runtime = find_runtime(settings)
    assert runtime is not None
    instance = LocalAsterisk(settings, runtime, PbxSpec())
    return dict(AUTH.findall((instance.dir / "etc" / "pjsip.conf").read_text()))


def test_pbx_start_serves_the_agents_with_the_passwords_in_the_database(
    apply_env: dict[str, str], tmp_path: Path
) -> None:
    applied = vcc("tenant", "apply", env=apply_env)
    assert applied.returncode == 0, applied.stderr
    assert "agents:       2 added (1001, 1002)" in applied.stdout
    assert "applied" in applied.stderr
    again = vcc("tenant", "apply", env=apply_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("nothing changed")

    started = vcc("pbx", "start", env=apply_env)
    assert started.returncode == 0, started.stderr
    assert "fully booted" in started.stderr

    in_db = stored_passwords(tmp_path / "data")
    served = rendered_passwords(apply_env)
    assert set(in_db) == {"1001", "1002"}
    assert {ext: served[ext] for ext in in_db} == in_db
    # The demo's caller phone is no agent: its password is generated and kept apart.
    assert "2001" in served
    assert served["2001"] not in in_db.values()
    status = vcc("pbx", "status", env=apply_env)
    assert status.returncode == 0, status.stderr
    assert "127.0.0.1:47060" in status.stdout


def test_pbx_start_without_an_applied_tenant_says_what_to_do(
    apply_env: dict[str, str], tmp_path: Path
) -> None:
    done = vcc("pbx", "start", env=apply_env)

    assert done.returncode == 1
    assert "vcc: error: there is no database yet" in done.stderr
    assert "run 'vcc tenant apply' first" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "vcc.db").exists()


def test_a_bad_tenant_file_is_not_applied(apply_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "tenant.toml"
    bad.write_text('[[queues]]\nid = "support"\nextension = "70&0"\n')

    done = vcc("tenant", "apply", str(bad), env=apply_env)

    assert done.returncode == 1
    assert "vcc: error:" in done.stderr
    assert "queue extension '70&0' is not valid" in done.stderr
    assert not (tmp_path / "data" / "vcc.db").exists()


def test_removing_an_agent_with_history_is_refused_with_a_hint(
    apply_env: dict[str, str], tmp_path: Path
) -> None:
    assert vcc("tenant", "apply", env=apply_env).returncode == 0
    with closing(sqlite3.connect(tmp_path / "data" / "vcc.db")) as db, db:
        db.execute(
            "INSERT INTO agent_status_change (agent_id, status, at) "
            "VALUES ('1002', 'available', '2026-03-02 08:00:00')"
        )
    demo = (Path(__file__).parents[2] / "vcc" / "tenants" / "demo.toml").read_text()
    bram = demo[demo.index('[[agents]]\nid = "1002"') : demo.index("[[phones]]")]
    smaller = tmp_path / "tenant.toml"
    smaller.write_text(demo.replace(bram, ""))

    done = vcc("tenant", "apply", str(smaller), env=apply_env)

    assert done.returncode == 1
    assert "vcc: error: the tenant file no longer has agent(s) 1002" in done.stderr
    assert "→ keep them in the file" in done.stderr
    assert set(stored_passwords(tmp_path / "data")) == {"1001", "1002"}


def test_a_music_class_without_its_sound_files_is_refused_before_the_pbx_would(
    apply_env: dict[str, str], tmp_path: Path
) -> None:
    music = tmp_path / "moh" / "calm"
    demo = (Path(__file__).parents[2] / "vcc" / "tenants" / "demo.toml").read_text()
    with_music = demo.replace("# [moh]", f'[moh]\ncalm = "{music}"\n#', 1)
    with_music = with_music.replace('id = "sales"\n', 'id = "sales"\nmoh_class = "calm"\n', 1)
    tenant = tmp_path / "tenant.toml"
    tenant.write_text(with_music)

    for action in ("check", "apply"):
        done = vcc("tenant", action, str(tenant), env=apply_env)
        assert done.returncode == 1
        assert f"music on hold calm: {music} is not a directory" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "vcc.db").exists()

    music.mkdir(parents=True)
    (music / "calm.wav").write_bytes(b"RIFF")  # vcc only copies it; Asterisk reads it
    done = vcc("tenant", "check", str(tenant), env=apply_env)
    assert done.returncode == 0, done.stderr
    assert f"1 music on hold class(es): calm ({music})" in done.stdout


def test_vcc_wfm_sync_brings_the_applied_agents_into_workforce_management(
    apply_env: dict[str, str], tmp_path: Path
) -> None:
    assert vcc("tenant", "apply", env=apply_env).returncode == 0
    synced = vcc("wfm", "sync", env=apply_env)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.split() == ["added:", "1001", "added:", "1002"]
    assert "WFM roster: 2 added, 0 updated, 0 removed" in synced.stderr
    with closing(sqlite3.connect(tmp_path / "data" / "vcc.db")) as db:
        roster = db.execute("SELECT agent_id, queues FROM wfm_roster ORDER BY 1").fetchall()
    assert [agent for agent, _ in roster] == ["1001", "1002"]
    again = vcc("wfm", "sync", env=apply_env)
    assert "0 added, 0 updated, 0 removed" in again.stderr
