"""Call recording without a PBX: the names vcc gives files (and refuses), where they
go inside and outside Asterisk's root, the bookkeeping, and the queue policy as the
tenant file gives it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import cast

import pytest

from vcc.config import Settings
from vcc.core.queues import QueueConfig, RecordingPolicy
from vcc.errors import Conflict, InvalidInput
from vcc.localpbx.instance import LocalAsterisk
from vcc.localpbx.runtime import Runtime
from vcc.localpbx.spec import PbxSpec
from vcc.pbx.driver import PbxDriver
from vcc.recording import (
    Recorder,
    RecordingPaused,
    RecordingRecord,
    RecordingResumed,
    RecordingStarted,
    RecordingStopped,
    RecordingStore,
    check_relative,
    file_stem,
    relative_path,
)
from vcc.tenant import parse_tenant

AT = datetime(2025, 3, 9, 23, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("call_id", "stem"),
    [
        ("1718000000.123", "1718000000.123"),
        ("vcc-3f2a-7", "vcc-3f2a-7"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a b;c,d|e$(f)", "a_b_c_d_e_f_"),
        ("...", "call"),
        ("", "call"),
        ("x" * 100, "x" * 64),
    ],
)
def test_an_interaction_id_becomes_a_plain_file_name(call_id: str, stem: str) -> None:
    assert file_stem(call_id) == stem


def test_the_path_is_dated_and_numbered() -> None:
    path = relative_path("1718000000.123", AT, 2)
    assert path == PurePosixPath("2025/03/09/1718000000.123-2.wav")
    with pytest.raises(InvalidInput):
        relative_path("1718000000.123", AT, 0)


@pytest.mark.parametrize(
    "path",
    [
        "/var/lib/x.wav",  # absolute
        "../x.wav",
        "2025/../../x.wav",
        "2025/..x.wav",
        "2025/a b.wav",  # would split MixMonitor's arguments or worse
        "2025/a,b.wav",
        "2025/a;b.wav",
        "2025/a\nb.wav",
        "2025/x.mp3",
        "2025/" + "x" * 300 + ".wav",
    ],
)
def test_paths_vcc_does_not_make_are_refused(path: str) -> None:
    with pytest.raises(InvalidInput, match="not a recording path"):
        check_relative(PurePosixPath(path))


def test_the_store_maps_one_name_inside_and_outside_the_pbx_root(tmp_path: Path) -> None:
    store = RecordingStore(PurePosixPath("/var/lib/vcc/test/recordings"), tmp_path)
    assert store.pbx_path("2025/03/09/a-1.wav") == "/var/lib/vcc/test/recordings/2025/03/09/a-1.wav"
    assert store.host_path("2025/03/09/a-1.wav") == tmp_path / "2025/03/09/a-1.wav"
    with pytest.raises(InvalidInput):
        store.pbx_path("../secrets/ami-secret.wav")
    assert RecordingStore(PurePosixPath("/srv/rec")).host_path("a-1.wav") is None
    for bad in ("recordings", "/srv/my recordings", "/srv/../etc"):
        with pytest.raises(InvalidInput, match="not a plain absolute path"):
            RecordingStore(PurePosixPath(bad))


def test_a_chrooted_instance_records_into_the_data_directory(tmp_path: Path) -> None:
    runtime = Runtime(tmp_path, "22.1.0", PurePosixPath("/usr/lib/asterisk/modules"), False)
    instance = LocalAsterisk(
        Settings(data_dir=tmp_path / "data", instance="t1"), runtime, PbxSpec()
    )
    store = RecordingStore.for_instance(instance)
    assert store.pbx_root == PurePosixPath("/var/lib/vcc/t1/recordings")  # what Asterisk sees
    assert store.host_root == tmp_path / "data/recordings/t1"  # bind-mounted there


@dataclass
class FakeDriver:
    """The few PBX actions the recorder sends, noted down."""

    sent: list[tuple[str, ...]] = field(default_factory=list)
    kept: list[RecordingRecord] = field(default_factory=list)  # the recorder's records

    async def set_variable(self, channel: str, name: str, value: str) -> None:
        self.sent.append(("setvar", channel, name, value))

    async def redirect(
        self, channel: str, context: str, *, extra: tuple[str, str] | None = None
    ) -> None:
        self.sent.append(("redirect", channel, context, *(extra or ())))

    async def mute_recording(self, channel: str, muted: bool) -> None:
        self.sent.append(("mute", channel, str(muted)))


def recorder(tmp_path: Path) -> tuple[Recorder, FakeDriver]:
    driver = FakeDriver()
    store = RecordingStore(PurePosixPath("/pbx/recordings"), tmp_path)
    return Recorder(store, cast(PbxDriver, driver), driver.kept.append), driver


def test_a_rung_leg_gets_a_file_that_records_once_answered(tmp_path: Path) -> None:
    rec, driver = recorder(tmp_path)
    # a restarted controller counts from 1 again: a file on disk is never reused
    (tmp_path / "2025/03/09").mkdir(parents=True)
    (tmp_path / "2025/03/09/c1-1.wav").touch()
    assert rec.plan("o1", "c1", AT) == "/pbx/recordings/2025/03/09/c1-2.wav"
    rec.forget("o1")  # that leg never answered: the next one gets the same name
    assert rec.plan("o2", "c1", AT) == "/pbx/recordings/2025/03/09/c1-2.wav"
    assert rec.answered("o2", "1001", AT + 1)
    assert not rec.answered("o3", "1002", AT + 1)  # never given a file
    assert rec.recording("o2")
    rec.ended({"o2"}, AT + 5)
    rec.ended(set(), AT + 9)  # the offer is over
    assert driver.kept == [
        RecordingStarted("c1", "2025/03/09/c1-2.wav", AT + 1, "1001"),
        RecordingStopped("c1", "2025/03/09/c1-2.wav", AT + 9),
    ]
    assert rec.plan("o4", "c1", AT) == "/pbx/recordings/2025/03/09/c1-3.wav"


async def test_a_connected_call_is_bridged_again_to_record_and_can_pause(tmp_path: Path) -> None:
    rec, driver = recorder(tmp_path)
    started = await rec.start("o1", "c1", "1001", "PJSIP/1001-1", "PJSIP/2001-0", AT)
    assert started == RecordingStarted("c1", "2025/03/09/c1-1.wav", AT, "1001")
    assert driver.sent == [
        ("setvar", "PJSIP/1001-1", "VCC_RECORD", "/pbx/recordings/2025/03/09/c1-1.wav"),
        ("setvar", "PJSIP/1001-1", "VCC_CALLER", "PJSIP/2001-0"),
        ("redirect", "PJSIP/1001-1", "vcc-record", "PJSIP/2001-0", "vcc-rebridge"),
    ]
    with pytest.raises(Conflict, match="already"):
        await rec.start("o1", "c1", "1001", "PJSIP/1001-1", "PJSIP/2001-0", AT)
    driver.sent.clear()
    await rec.pause("o1", "PJSIP/1001-1", True, AT + 1)
    await rec.pause("o1", "PJSIP/1001-1", True, AT + 2)  # no change
    await rec.pause("o1", "PJSIP/1001-1", False, AT + 3)
    assert driver.sent == [("mute", "PJSIP/1001-1", "True"), ("mute", "PJSIP/1001-1", "False")]
    assert driver.kept[1:] == [
        RecordingPaused("c1", "2025/03/09/c1-1.wav", AT + 1),
        RecordingResumed("c1", "2025/03/09/c1-1.wav", AT + 3),
    ]
    with pytest.raises(Conflict, match="not being recorded"):
        await rec.pause("o9", "PJSIP/1002-1", True, AT)


def test_a_fast_path_call_is_recorded_once_both_legs_are_bridged(tmp_path: Path) -> None:
    rec, _ = recorder(tmp_path)
    rec.want("o1", "c1", "leg1")
    assert rec.bridged("leg1") is None
    assert rec.bridged("other") is None
    assert rec.bridged("c1") == "o1"
    assert rec.bridged("c1") is None  # given once


def queue_table(**extra: object) -> dict[str, object]:
    lines = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in extra.items())
    return tomllib.loads(f'[[queues]]\nid = "support"\nextension = "7000"\n{lines}\n')


def test_the_policy_is_read_per_queue_and_defaults_to_never() -> None:
    assert QueueConfig("q").recording is RecordingPolicy.NEVER
    assert parse_tenant(queue_table()).queues[0].recording is RecordingPolicy.NEVER
    for policy in RecordingPolicy:
        tenant = parse_tenant(queue_table(recording=policy.value))
        assert tenant.queues[0].recording is policy


def test_an_unknown_policy_is_an_error_naming_the_queue() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_tenant(queue_table(recording="sometimes"))
    assert "queues[0].recording: queue 'support'" in caught.value.message
    assert "'sometimes'" in caught.value.message
    assert caught.value.hint == "use one of always, on_demand, never"
    with pytest.raises(InvalidInput, match=r"queues\[0\].recording: expected str"):
        parse_tenant(queue_table(recording=1))
