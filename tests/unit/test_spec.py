"""What the local PBX serves is validated before anything is rendered from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcc.errors import InvalidInput
from vcc.localpbx.spec import Endpoint, EndpointRole, MohClass, PbxSpec, QueueNumber


def test_a_spec_of_distinct_numbers_is_accepted() -> None:
    spec = PbxSpec(
        endpoints=(Endpoint("1001", EndpointRole.AGENT), Endpoint("2001", EndpointRole.CALLER)),
        queues=(QueueNumber("7000", "support"), QueueNumber("7001", "sales")),
    )

    assert [e.role.context for e in spec.endpoints] == ["vcc-agents", "vcc-callers"]


def test_two_phones_with_one_number_are_refused() -> None:
    with pytest.raises(InvalidInput, match="1001") as caught:
        PbxSpec(
            endpoints=(
                Endpoint("1001", EndpointRole.AGENT),
                Endpoint("1001", EndpointRole.CALLER),
            )
        )

    assert caught.value.hint


def test_a_queue_number_that_is_also_a_phone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="7000"):
        PbxSpec(
            endpoints=(Endpoint("7000", EndpointRole.AGENT),),
            queues=(QueueNumber("7000", "support"),),
        )


def test_every_duplicate_is_named_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        PbxSpec(
            endpoints=(Endpoint("1001", EndpointRole.AGENT), Endpoint("1001", EndpointRole.AGENT)),
            queues=(QueueNumber("7000", "a"), QueueNumber("7000", "b"), QueueNumber("7000", "c")),
        )

    assert "1001, 7000" in caught.value.message


@pytest.mark.parametrize(
    "name", ["", "Support", "7000", "sup port", "support\n", "süpport", "x" * 33, "a,b"]
)
def test_an_invalid_queue_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="queue name"):
        QueueNumber("7000", name)


@pytest.mark.parametrize("extension", ["70a0", "7000&1", "", "7"])
def test_an_invalid_queue_extension_is_refused(extension: str) -> None:
    with pytest.raises(InvalidInput, match="queue extension"):
        QueueNumber(extension, "support")


@pytest.mark.parametrize("extension", ["10a1", "1001,1", "PJSIP/1001", "1001\r\n"])
def test_an_invalid_endpoint_extension_is_refused(extension: str) -> None:
    with pytest.raises(InvalidInput, match="endpoint extension"):
        Endpoint(extension, EndpointRole.AGENT)


def test_a_music_class_plays_only_plain_sound_files(tmp_path: Path) -> None:
    for name in ("a.wav", "b.gsm", "..hidden.wav", "c d.wav", "notes.txt", "e.wav;x"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.wav").mkdir()

    assert [p.name for p in MohClass("calm", tmp_path).files()] == ["a.wav", "b.gsm"]
    with pytest.raises(InvalidInput, match="no sound files"):
        MohClass("empty", tmp_path / "sub.wav").files()
    with pytest.raises(InvalidInput, match="not a directory"):
        MohClass("gone", tmp_path / "nope").files()


@pytest.mark.parametrize("name", ["default", "general"])
def test_a_music_class_may_not_take_a_name_musiconhold_conf_uses(name: str) -> None:
    with pytest.raises(InvalidInput, match=f"'{name}' is"):
        MohClass(name, Path("/srv/moh"))


@pytest.mark.parametrize(
    "directory",
    ["/srv/my music", "/srv/../etc", "/srv/.hidden", "/srv/moh\nx", "/srv/mo'h", "/srv/m;h", "/"],
)
def test_a_music_directory_must_be_a_plain_absolute_path(directory: str) -> None:
    with pytest.raises(InvalidInput, match="not a plain path"):
        MohClass("calm", Path(directory))


def test_a_music_directory_may_use_the_usual_characters() -> None:
    for directory in ("/srv/vcc/moh/calm", "/var/lib/vcc/test-moh/sales-music", "/a/b_c/d.e/f+g"):
        assert MohClass("calm", Path(directory)).directory == Path(directory)


def test_two_queues_the_dialplan_could_not_tell_apart_are_refused() -> None:
    # VCC_MOH_<queue> and VCC_NEXT_<queue> write '-' as '_'.
    with pytest.raises(InvalidInput, match="queues sales-nl, sales_nl differ only in"):
        PbxSpec(queues=(QueueNumber("7000", "sales-nl"), QueueNumber("7001", "sales_nl")))


def test_a_music_class_is_declared_once_and_every_queue_names_a_declared_one() -> None:
    calm = MohClass("calm", Path("/srv/moh/calm"))
    with pytest.raises(InvalidInput, match="'calm' is declared twice"):
        PbxSpec(moh_classes=(calm, MohClass("calm", Path("/srv/moh/other"))))
    with pytest.raises(InvalidInput, match="queue support: unknown music on hold class 'loud'"):
        PbxSpec(queues=(QueueNumber("7000", "support", "loud"),), moh_classes=(calm,))
