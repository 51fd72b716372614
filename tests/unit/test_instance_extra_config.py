"""Extra config files given to one local Asterisk instance (``extra_config``)."""

from __future__ import annotations

import stat
from pathlib import Path, PurePosixPath

import pytest

from vcc.config import Settings
from vcc.errors import InvalidInput, ProvisioningError
from vcc.localpbx.instance import LocalAsterisk
from vcc.localpbx.runtime import Runtime
from vcc.localpbx.spec import PbxSpec

MODULES = PurePosixPath("/usr/lib/x86_64-linux-gnu/asterisk/modules")


def instance(tmp_path: Path, extra: dict[str, str]) -> LocalAsterisk:
    settings = Settings(data_dir=tmp_path, instance="unit")  # the repo's dialplan/ templates
    runtime = Runtime(Path("/"), "22.1.0", MODULES, baresip=False)  # not chrooted
    return LocalAsterisk(settings, runtime, PbxSpec(), extra_config=extra)


@pytest.mark.parametrize(
    "name",
    ["../queues.conf", "sub/queues.conf", "/etc/queues.conf", "queues", ".hidden.conf", ""],
)
def test_an_extra_file_must_be_a_plain_conf_file_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="plain"):
        instance(tmp_path, {name: "[general]\n"})


def test_extra_files_are_written_root_only_beside_the_rendered_templates(
    tmp_path: Path,
) -> None:
    pbx = instance(tmp_path, {"queues.conf": "[baseline]\nstrategy = ringall"})

    pbx.render()

    etc = pbx.dir / "etc"
    queues = etc / "queues.conf"
    assert queues.read_text() == "[baseline]\nstrategy = ringall\n"
    assert stat.S_IMODE(queues.stat().st_mode) == 0o600
    assert (etc / "extensions.conf").exists()  # the templates are there too


def test_an_extra_file_left_by_an_earlier_render_is_removed(tmp_path: Path) -> None:
    instance(tmp_path, {"extensions_extra.conf": "[vcc-bench]\n"}).render()
    pbx = instance(tmp_path, {})

    pbx.render()

    assert not (pbx.dir / "etc" / "extensions_extra.conf").exists()


def test_an_extra_file_may_not_replace_a_template(tmp_path: Path) -> None:
    pbx = instance(tmp_path, {"extensions.conf": "[default]\n"})

    with pytest.raises(ProvisioningError, match=r"extensions\.conf"):
        pbx.render()
