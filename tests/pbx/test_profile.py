"""The agent's desk phone (Profile) on the real PBX: "call to verify" rings the phone
the agent typed and speaks the code, the code typed back verifies it, and once saved
vcc rings the agent there; hostile or unverified phones are refused, nothing rung."""

from __future__ import annotations

import numpy as np
import pytest

from tests.harness.audio import assert_heard, read_wav
from tests.harness.calls import POLICY, agent, caller_hangs_up
from tests.harness.pbx import QUEUE, PbxHarness
from tests.harness.until import eventually
from vcc.core.agents import Status
from vcc.core.outbound import NotAllowed
from vcc.core.profile import DeskPhone, PhoneKind
from vcc.engine import Engine
from vcc.errors import (
    Conflict,
    InvalidInput,
    PhoneNotVerified,
    VerificationExpired,
    VerificationFailed,
)
from vcc.profile import ProfileService

CODE = "305827"  # six different digits: the order they are spoken in can be checked
EXTENSIONS = {"1001", "1002", "1003"}  # the agents' desk phones; 20xx are numbers outside


def service(engine: Engine) -> ProfileService:
    return ProfileService(engine, POLICY, extensions=EXTENSIONS, codes=lambda: CODE)


def where_spoken(heard: np.ndarray, prompt: np.ndarray) -> tuple[float, int]:
    """The best normalised match of ``prompt`` in ``heard`` and where it is."""
    loud = np.flatnonzero(np.abs(prompt) > 100)
    prompt = prompt[loud[0] : loud[-1] + 1]
    n = 1 << (len(heard) + len(prompt)).bit_length()
    corr = np.fft.irfft(np.fft.rfft(heard, n) * np.conj(np.fft.rfft(prompt, n)), n)[: len(heard)]
    energy = np.convolve(heard**2, np.ones(len(prompt)), mode="full")[
        len(prompt) - 1 : len(heard) + len(prompt) - 1
    ]
    scores = corr / (np.sqrt(np.maximum(energy, 1e-9)) * np.linalg.norm(prompt))
    return float(scores.max()), int(scores.argmax())


def assert_code_spoken(pbx: PbxHarness, phone: str, code: str) -> None:
    """Each digit of ``code`` was spoken to ``phone``, in order (its first saying)."""
    heard, _ = read_wav(pbx.phones[phone].heard)
    first_half = heard[: len(heard) // 2]  # the code is said twice: look at the first
    places = []
    for digit in code:
        score, place = where_spoken(first_half, read_wav(pbx.prompt_as_wav(f"digits/{digit}"))[0])
        assert score > 0.6, f"digit {digit} not heard (match {score:.2f})"
        places.append(place)
    assert places == sorted(places), f"digits heard out of order: {places}"


async def test_a_number_is_called_verified_saved_and_then_rings_for_queue_calls(
    pbx: PbxHarness,
) -> None:
    async with pbx.controller([agent("1001", QUEUE.queue)], fast_path=True) as engine:
        profile = service(engine)
        with pytest.raises(PhoneNotVerified):  # not before it is verified
            await profile.save("1001", "2002")
        phone = await profile.call_to_verify("1001", "20 02")
        assert phone == DeskPhone(PhoneKind.NUMBER, "2002")  # through the trunk
        await pbx.phones["2002"].wait_for("CALL_CLOSED", timeout=20)  # the PBX hangs up
        assert_code_spoken(pbx, "2002", CODE)
        assert pbx.phones["1001"].calls_in() == 0

        with pytest.raises(VerificationFailed, match="not the code") as wrong:
            profile.confirm("1001", "000000")
        assert wrong.value.hint == "2 attempt(s) left"
        assert profile.confirm("1001", CODE) == phone
        await profile.save("1001", "2002")
        assert engine.state.agents["1001"].endpoint == "PJSIP/2002"

        # A queue call now rings the saved phone, on the fast path's reservation too.
        await pbx.phones["2001"].dial(QUEUE.extension)
        await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        await pbx.phones["2002"].wait_for("CALL_RTPESTAB", count=2)
        await eventually(
            lambda: (
                pbx.phones["2001"].heard.exists()
                and pbx.phones["2001"].heard.stat().st_size > 8000 * 2 * 2
            ),
            what="a second of the call",
        )
        await caller_hangs_up(pbx, "2002")
    assert pbx.phones["1001"].calls_in() == 0
    assert_heard(pbx.phones["2001"].heard, 600.0, start=-0.8)  # 2002's tone


async def test_a_sip_address_is_called_directly(pbx: PbxHarness) -> None:
    async with pbx.controller([agent("1001", QUEUE.queue)]) as engine:
        profile = service(engine)
        uri = f"sip:2003@127.0.0.1:{pbx.phones['2003'].sip_port}"
        phone = await profile.call_to_verify("1001", uri)
        assert phone == DeskPhone(PhoneKind.SIP_URI, uri)
        await pbx.phones["2003"].wait_for("CALL_CLOSED", timeout=20)
        assert_code_spoken(pbx, "2003", CODE)
        profile.confirm("1001", CODE)
        await profile.save("1001", uri)
        assert engine.state.agents["1001"].endpoint == f"PJSIP/vcc-uri/{uri}"


HOSTILE = [
    "2002&PJSIP/1001",
    "2002,30,D(1)",
    "2002\nAction: Originate",
    "sip:2002@127.0.0.1;transport=tcp",
    "sip:2002@127.0.0.1>",
    "sip:2002@127.0.0.1:99999",
    "sip:a b@127.0.0.1",
    "２００２",  # fullwidth digits
    "sip:" + "a" * 300 + "@example.org",
    "9" * 5000,
]


async def test_hostile_or_disallowed_phones_are_refused_and_nothing_rings(
    pbx: PbxHarness,
) -> None:
    async with pbx.controller([agent("1001", QUEUE.queue)]) as engine:
        profile = service(engine)
        for typed in HOSTILE:
            with pytest.raises(InvalidInput):
                await profile.call_to_verify("1001", typed)
            with pytest.raises(InvalidInput):
                await profile.save("1001", typed)
        with pytest.raises(NotAllowed):  # the toll-fraud guard holds for desk phones too
            await profile.call_to_verify("1001", "+4490012345")
        with pytest.raises(VerificationExpired):
            profile.confirm("1001", CODE)  # no call was made
        assert engine.state.agents["1001"].endpoint == "PJSIP/1001"
    for phone in pbx.phones.values():
        assert phone.calls_in() == 0


async def test_three_wrong_codes_need_a_new_call_and_a_busy_agent_keeps_their_phone(
    pbx: PbxHarness,
) -> None:
    async with pbx.controller([agent("1001", QUEUE.queue)]) as engine:
        profile = service(engine)
        await profile.call_to_verify("1001", "2002")
        await pbx.phones["2002"].wait_for("CALL_CLOSED", timeout=20)
        for _ in range(2):
            with pytest.raises(VerificationFailed):
                profile.confirm("1001", "111111")
        with pytest.raises(VerificationExpired, match="too many tries"):
            profile.confirm("1001", "111111")
        with pytest.raises(VerificationExpired):
            profile.confirm("1001", CODE)  # the right code, too late

        await profile.call_to_verify("1001", "2002")
        await pbx.phones["2002"].wait_for("CALL_CLOSED", timeout=20, count=2)
        profile.confirm("1001", CODE)
        await pbx.phones["2001"].dial(QUEUE.extension)  # 1001 takes a call on 1001
        await eventually(lambda: engine.state.agents["1001"].status is Status.BUSY, what="busy")
        with pytest.raises(Conflict, match="on a call"):
            await profile.save("1001", "2002")
        assert engine.state.agents["1001"].endpoint == "PJSIP/1001"
        await caller_hangs_up(pbx, "1001")
        await profile.save("1001", "1001")  # their own extension needs no verifying
