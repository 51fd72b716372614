"""Settings: one TOML file, then ``VCC_*`` variables on top; every mistake is a ConfigError."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from vcc.config import AmiSettings, PbxPorts, Settings, load_settings
from vcc.errors import ConfigError
from vcc.logs import JsonFormatter

CONFIG = """\
instance = "lab"
data_dir = "/srv/vcc"
tenant_file = "/etc/vcc/tenant.toml"
debian_mirror = "http://mirror.example/debian"

[ports]
sip = 15060
ami = 15038
rtp_start = 20000
rtp_end = 20100

[ami]
host = "10.0.0.5"
port = 6038
username = "ops"
secret_file = "/run/secrets/ami"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vcc.toml"
    path.write_text(text)
    return path


def test_without_file_or_variables_the_defaults_apply() -> None:
    settings = load_settings(env={})

    assert settings.instance == "default"
    assert settings.ports == PbxPorts()
    assert settings.ami == AmiSettings()
    assert settings.tenant_file.name == "demo.toml"
    assert settings.debian_mirror is None


def test_a_toml_file_sets_top_level_ports_and_ami_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONFIG), env={})

    assert settings.instance == "lab"
    assert settings.data_dir == Path("/srv/vcc")
    assert settings.tenant_file == Path("/etc/vcc/tenant.toml")
    assert isinstance(settings.tenant_file, Path)
    assert settings.debian_mirror == "http://mirror.example/debian"
    assert settings.ports == PbxPorts(sip=15060, ami=15038, rtp_start=20000, rtp_end=20100)
    assert settings.ami == AmiSettings(
        host="10.0.0.5", port=6038, username="ops", secret_file=Path("/run/secrets/ami")
    )


def test_environment_variables_win_over_the_file_and_get_their_types(tmp_path: Path) -> None:
    env = {
        "VCC_INSTANCE": "prod",
        "VCC_TENANT": "/srv/tenant.toml",
        "VCC_CACHE_DIR": "/var/tmp/vcc-cache",
        "VCC_AMI_HOST": "127.0.0.1",
        "VCC_AMI_PORT": "7038",
        "VCC_AMI_SECRET_FILE": "/etc/vcc/ami-secret",
        "VCC_AMI_SECRET": "s3cretvalue",
        "PATH": "/usr/bin",  # not ours: ignored
    }

    settings = load_settings(write(tmp_path, CONFIG), env=env)

    assert settings.instance == "prod"
    assert settings.tenant_file == Path("/srv/tenant.toml")
    assert settings.cache_dir == Path("/var/tmp/vcc-cache")
    assert settings.data_dir == Path("/srv/vcc")  # from the file, not overridden
    assert settings.ami.host == "127.0.0.1"
    assert settings.ami.port == 7038
    assert settings.ami.username == "ops"
    assert settings.ami.secret_file == Path("/etc/vcc/ami-secret")
    assert settings.ami.secret == "s3cretvalue"


def test_vcc_config_names_the_file_when_no_path_is_given(tmp_path: Path) -> None:
    path = write(tmp_path, 'instance = "from-env-file"\n')

    assert load_settings(env={"VCC_CONFIG": str(path)}).instance == "from-env-file"


def test_the_ami_secret_is_kept_out_of_repr() -> None:
    settings = load_settings(env={"VCC_AMI_SECRET": "s3cretvalue"})

    assert "s3cretvalue" not in repr(settings)
    assert "s3cretvalue" not in repr(settings.ami)


@pytest.mark.parametrize(
    "text",
    ['instanse = "lab"\n', '[ami]\nhostname = "x"\n', "[ports]\nsipp = 15060\n"],
    ids=["top-level", "ami", "ports"],
)
def test_an_unknown_key_is_a_config_error_with_a_hint(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), env={})

    assert "unknown setting" in caught.value.message
    assert "Configuration" in caught.value.hint


@pytest.mark.parametrize("name", ["Lab", "../etc", "lab test", "", "x" * 33, "1lab"])
def test_a_bad_instance_name_is_a_config_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"VCC_INSTANCE": name})

    assert "instance name" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize(
    "ports",
    ["sip = 80", "ami = 70000", "rtp_start = 0", "rtp_end = 65536"],
)
def test_pbx_ports_out_of_range_are_a_config_error(tmp_path: Path, ports: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[ports]\n{ports}\n"), env={})

    assert "port" in caught.value.message
    assert "1024" in caught.value.hint


def test_a_too_small_rtp_range_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RTP port range"):
        load_settings(write(tmp_path, "[ports]\nrtp_start = 20000\nrtp_end = 20005\n"), env={})


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_an_ami_port_out_of_range_is_a_config_error(port: str) -> None:
    with pytest.raises(ConfigError):
        load_settings(env={"VCC_AMI_PORT": port})


@pytest.mark.parametrize(
    "env",
    [{"VCC_AMI_PORT": "five"}],
    ids=["ami-port"],
)
def test_a_value_of_the_wrong_type_is_a_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="wrong type"):
        load_settings(env=env)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml", env={})


def test_a_file_that_is_not_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "instance = lab\n"), env={})


def test_settings_can_be_copied_with_changes() -> None:
    settings = Settings(instance="a")

    assert settings.with_changes(instance="b").instance == "b"
    assert settings.instance == "a"


def test_json_logs_are_one_object_per_line_with_the_exception() -> None:

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "vcc.x", logging.ERROR, "f.py", 1, "agent %s", ("1001",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["level"], entry["logger"], entry["message"]) == ("error", "vcc.x", "agent 1001")
    assert "ValueError: boom" in entry["exception"]
