"""The Debian mirror comes from this machine's own apt sources, never from a built-in host."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcc.errors import ProvisioningError
from vcc.localpbx.install import debian_mirror_from_apt_sources

MIRROR = "http://mirror.example/debian"

DEB822 = """\
Types: deb
URIs: http://mirror.example/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def apt_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    etc_apt = tmp_path / "etc" / "apt"
    (etc_apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (etc_apt / name).write_text(text)
    return etc_apt


def test_a_deb822_sources_file_gives_its_debian_uri(tmp_path: Path) -> None:
    etc_apt = apt_tree(tmp_path, {"sources.list.d/debian.sources": DEB822})

    assert debian_mirror_from_apt_sources(etc_apt) == MIRROR


def test_deb822_field_names_are_case_insensitive_and_may_list_several_uris(
    tmp_path: Path,
) -> None:
    text = "types: deb\nuris: https://packages.example/ubuntu https://mirror.example/debian/\n"
    etc_apt = apt_tree(tmp_path, {"sources.list.d/mixed.sources": text})

    assert debian_mirror_from_apt_sources(etc_apt) == "https://mirror.example/debian"


@pytest.mark.parametrize(
    "line",
    [
        "deb http://mirror.example/debian sid main",
        "deb http://mirror.example/debian/ sid main contrib",
        "deb [arch=amd64] http://mirror.example/debian sid main",
        "deb [arch=amd64 signed-by=/etc/apt/keyrings/d.gpg] http://mirror.example/debian sid",
        "deb [ trusted=yes ] http://mirror.example/debian sid main",
        "   deb   http://mirror.example/debian   sid main",
    ],
    ids=["plain", "trailing-slash", "option", "options-with-space", "spaced-brackets", "indented"],
)
def test_a_one_line_sources_list_gives_its_debian_uri(tmp_path: Path, line: str) -> None:
    etc_apt = apt_tree(tmp_path, {"sources.list": f"# generated\n\n{line}\n"})

    assert debian_mirror_from_apt_sources(etc_apt) == MIRROR


def test_a_local_file_mirror_is_accepted(tmp_path: Path) -> None:
    etc_apt = apt_tree(tmp_path, {"sources.list": "deb file:///srv/mirror/debian sid main\n"})

    assert debian_mirror_from_apt_sources(etc_apt) == "file:///srv/mirror/debian"


def test_comments_and_source_lines_are_not_mirrors(tmp_path: Path) -> None:
    text = (
        "# deb http://commented.example/debian sid main\n"
        "deb-src http://sources.example/debian sid main\n"
        "deb http://mirror.example/debian sid main\n"
    )
    etc_apt = apt_tree(tmp_path, {"sources.list": text})

    assert debian_mirror_from_apt_sources(etc_apt) == MIRROR


def test_a_security_only_source_is_skipped(tmp_path: Path) -> None:
    etc_apt = apt_tree(
        tmp_path,
        {
            "sources.list": "deb http://security.example/debian-security trixie-security main\n",
            "sources.list.d/zz.list": "deb http://mirror.example/debian trixie main\n",
        },
    )

    assert debian_mirror_from_apt_sources(etc_apt) == MIRROR


def test_a_non_debian_repository_is_skipped(tmp_path: Path) -> None:
    etc_apt = apt_tree(
        tmp_path,
        {
            "sources.list.d/a-vendor.list": "deb [arch=amd64] https://vendor.example/repo main\n",
            "sources.list.d/b-debian.sources": DEB822,
        },
    )

    assert debian_mirror_from_apt_sources(etc_apt) == MIRROR


def test_sources_list_comes_before_the_files_in_sources_list_d(tmp_path: Path) -> None:
    etc_apt = apt_tree(
        tmp_path,
        {
            "sources.list": "deb http://first.example/debian sid main\n",
            "sources.list.d/debian.sources": DEB822,
        },
    )

    assert debian_mirror_from_apt_sources(etc_apt) == "http://first.example/debian"


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"sources.list": ""},
        {"sources.list": "deb http://security.example/debian-security trixie-security main\n"},
        {"sources.list.d/vendor.list": "deb https://apt.vendor.example/repo stable main\n"},
        {"sources.list.d/old.list.disabled": "deb http://mirror.example/debian sid main\n"},
    ],
    ids=["empty-dir", "empty-file", "security-only", "vendor-only", "disabled-file"],
)
def test_no_debian_archive_is_a_provisioning_error_with_a_hint(
    tmp_path: Path, files: dict[str, str]
) -> None:
    etc_apt = apt_tree(tmp_path, files)

    with pytest.raises(ProvisioningError) as caught:
        debian_mirror_from_apt_sources(etc_apt)

    assert "VCC_DEBIAN_MIRROR" in caught.value.hint


def test_a_missing_apt_directory_is_a_provisioning_error(tmp_path: Path) -> None:
    with pytest.raises(ProvisioningError):
        debian_mirror_from_apt_sources(tmp_path / "no-such-dir")
