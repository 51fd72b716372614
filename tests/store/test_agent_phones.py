"""Saved desk phones: kept per agent, replaced by the next one, checked again before
they are stored, and read back as the endpoints a restarted controller rings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.store.test_journal import setup_db
from vcc.core.outbound import OutboundPolicy
from vcc.core.profile import DeskPhone, PhoneKind
from vcc.core.routing import Agent
from vcc.errors import InvalidInput, NotFound
from vcc.profile import stored_in, with_saved_phones
from vcc.store import profile

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = OutboundPolicy.create("PJSIP/{number}@trunk", [r"0[1-8][0-9]{8}"])


async def test_a_saved_phone_replaces_the_last_and_rings_the_agent_after_a_restart(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_db(sessions)
    save = stored_in(sessions)
    await save("1001", DeskPhone(PhoneKind.NUMBER, "0201234567"), NOW.timestamp())
    await save("1001", DeskPhone(PhoneKind.SIP_URI, "sip:anna@192.0.2.7:5062"), None)
    await save("1002", DeskPhone(PhoneKind.NUMBER, "0900123456"), NOW.timestamp())
    async with sessions() as session:
        assert await profile.saved_phones(session) == {
            "1001": DeskPhone(PhoneKind.SIP_URI, "sip:anna@192.0.2.7:5062"),
            "1002": DeskPhone(PhoneKind.NUMBER, "0900123456"),
        }
    agents = [Agent(a, f"PJSIP/{a}", {"support": 0}) for a in ("1001", "1002")]
    rung = await with_saved_phones(sessions, agents, POLICY)
    assert [a.endpoint for a in rung] == [
        "PJSIP/vcc-uri/sip:anna@192.0.2.7:5062",
        "PJSIP/1002",  # 0900… is no longer allowed: rung at the extension
    ]


@pytest.mark.parametrize(
    "phone",
    [
        DeskPhone(PhoneKind.NUMBER, "020&PJSIP/1001"),
        DeskPhone(PhoneKind.SIP_URI, "sip:a@b;transport=tcp"),
        DeskPhone(PhoneKind.EXTENSION, "10 01"),
    ],
)
async def test_a_phone_that_could_not_be_dialled_safely_is_not_stored(
    sessions: async_sessionmaker[AsyncSession], phone: DeskPhone
) -> None:
    await setup_db(sessions)
    async with sessions() as session:
        with pytest.raises(InvalidInput):
            await profile.save_phone(session, "1001", phone, NOW)
        with pytest.raises(NotFound):
            await profile.save_phone(session, "nobody", DeskPhone(PhoneKind.EXTENSION, "1001"), NOW)
        assert await profile.saved_phones(session) == {}
