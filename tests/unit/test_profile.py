"""Desk phones (vcc.core.profile): what an agent types becomes a phone of one kind, the
dial string is built from validated parts only, the spoken code is checked; the router
rings the saved phone, its reservation included."""

from __future__ import annotations

import pytest

from vcc.core.agents import Status
from vcc.core.outbound import NotAllowed, OutboundPolicy
from vcc.core.profile import CodeCheck, DeskPhone, PhoneKind, Verification
from vcc.core.queues import QueueConfig
from vcc.core.routing import (
    Agent,
    PhoneChanged,
    PhoneRefused,
    ReleaseReservation,
    ReserveAgent,
    RouterState,
    handle,
)
from vcc.errors import InvalidInput

POLICY = OutboundPolicy.create("PJSIP/{number}@trunk", [r"\+31[0-9]{9}"])
OWN = {"1001", "1002"}


@pytest.mark.parametrize(
    ("typed", "kind", "value", "endpoint"),
    [
        ("1001", PhoneKind.EXTENSION, "1001", "PJSIP/1001"),
        ("+31 20 123 4567", PhoneKind.NUMBER, "+31201234567", "PJSIP/+31201234567@trunk"),
        ("SIP:anna@pbx.example.org", PhoneKind.SIP_URI, "sip:anna@pbx.example.org",
         "PJSIP/vcc-uri/sip:anna@pbx.example.org"),
    ],
)  # fmt: skip
def test_what_the_agent_types_is_one_kind_of_phone(
    typed: str, kind: PhoneKind, value: str, endpoint: str
) -> None:
    phone = DeskPhone.parse(typed, OWN)
    assert phone == DeskPhone(kind, value)
    assert phone.endpoint(POLICY) == endpoint


@pytest.mark.parametrize(
    "typed",
    ["1001&PJSIP/1002", "sip:a@b?X-Header=1", "sip:a@b;user=phone", "", "sip:", "٣١٢٣", "x" * 201],
)
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        DeskPhone.parse(typed, OWN)


def test_a_number_must_be_one_the_outbound_policy_allows() -> None:
    with pytest.raises(NotAllowed):
        DeskPhone.parse("+44 20 1234 5678", OWN).endpoint(POLICY)
    with pytest.raises(NotAllowed, match="no outside calls"):
        DeskPhone.parse("+31201234567", OWN).endpoint(None)


def test_the_code_is_checked_three_times_within_five_minutes() -> None:
    phone = DeskPhone(PhoneKind.EXTENSION, "1001")
    v = Verification.start(phone, "123456", 1000.0)
    assert v.check("123456", 1300.0)[0] is CodeCheck.VERIFIED
    assert v.check("123456", 1300.1)[0] is CodeCheck.EXPIRED
    result, v = v.check("654321", 1001.0)
    assert (result, v.attempts_left) == (CodeCheck.WRONG, 2)
    result, v = v.check("１２３４５６", 1001.0)  # fullwidth look-alikes are not the code
    assert result is CodeCheck.WRONG
    assert v.check("000000", 1002.0)[0] is CodeCheck.EXPIRED
    with pytest.raises(ValueError, match="six"):
        Verification.start(phone, "12345", 0.0)


def test_the_router_rings_the_saved_phone_and_makes_its_reservation_anew() -> None:
    agents = [Agent("1001", "PJSIP/1001", {"support": 0}, status=Status.AVAILABLE)]
    state = RouterState.create(agents, [QueueConfig("support")], reserve_agents=True)
    state, _ = handle(state, PhoneChanged("1001", "PJSIP/1001", 1.0))  # makes the reservation
    assert state.reservations
    state, out = handle(state, PhoneChanged("1001", "PJSIP/2002@trunk", 2.0))
    assert state.agents["1001"].endpoint == "PJSIP/2002@trunk"
    assert [type(c) for c in out] == [ReleaseReservation, ReserveAgent]
    assert isinstance(out[1], ReserveAgent)
    assert out[1].endpoint == "PJSIP/2002@trunk"
    _, out = handle(state, PhoneChanged("nobody", "PJSIP/1", 3.0))
    assert PhoneRefused("nobody", "unknown-agent") in out
