"""WFM's writes on SQLite and PostgreSQL: of two agents taking one swap offer at the
same moment exactly one wins, and balances stay consistent with the requests."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.wfm.schedule import DEFAULT_ACTIVITIES, Block
from vcc.errors import Conflict
from vcc.notifications import NotificationService
from vcc.store import repository
from vcc.store.models import WfmActivity, WfmBlock
from vcc.wfm.context import WfmContext
from vcc.wfm.service import WfmService

DAY = date(2026, 12, 2)


async def ready(sessions: async_sessionmaker[AsyncSession]) -> WfmService:
    async with sessions() as session:
        for n in ("1001", "1002", "1003"):
            await repository.add_agent(session, id=n, name=n, extension=n, sip_password="x" * 12)
        if not (await session.scalars(select(WfmActivity))).first():  # emptied by a test before
            session.add_all(WfmActivity(code=a.code, name=a.name, kind=a.kind)
                            for a in DEFAULT_ACTIVITIES)  # fmt: skip
        await session.commit()
    clock = datetime(2026, 12, 1, 8, tzinfo=UTC)
    service = WfmService.create(
        WfmContext(sessions, NotificationService(sessions), clock=lambda: clock)
    )
    await service.schedules.sync()
    return service


def shift(start: int, end: int) -> Block:
    return Block("work", datetime(2026, 12, 2, start), datetime(2026, 12, 2, end))


async def test_two_agents_taking_one_swap_at_once_exactly_one_wins(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    wfm = await ready(sessions)
    await wfm.schedules.publish("sup", "1001", DAY, [shift(9, 17)], "")
    await wfm.schedules.publish("sup", "1002", DAY, [shift(13, 21)], "")
    offer = await wfm.swaps.offer("1001", DAY, datetime(2026, 12, 2, 8))
    results = await asyncio.gather(
        wfm.swaps.accept("1002", offer["id"]),
        wfm.swaps.accept("1003", offer["id"]),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], Conflict)
    async with sessions() as session:
        rows = (await session.scalars(select(WfmBlock).where(WfmBlock.day == DAY))).all()
    holders = {(r.agent_id, r.start.hour) for r in rows}
    winner = won[0]["accepted_by"]
    assert (winner, 9) in holders  # the offered shift moved to the winner
    assert ("1001", 9) not in holders


async def test_balances_follow_approvals_and_cancellations(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    wfm = await ready(sessions)
    await wfm.schedules.publish("sup", "1001", DAY, [shift(9, 17)], "")
    await wfm.requests.set_earned("1001", "vacation", 8)
    made = await wfm.requests.part_day(
        "1001", "vacation", datetime(2026, 12, 2, 9), datetime(2026, 12, 2, 14), ""
    )
    with pytest.raises(Conflict, match="3 h left"):  # 8 earned, 5 pending
        await wfm.requests.part_day(
            "1001", "vacation", datetime(2026, 12, 2, 14), datetime(2026, 12, 2, 17, 30), ""
        )
    await wfm.requests.decide("sup", made["id"], approve=True)
    (vacation,) = [b for b in await wfm.requests.balances("1001") if b["code"] == "vacation"]
    assert (vacation["planned"], vacation["remaining"]) == (5, 3)
    await wfm.requests.cancel("1001", made["id"])
    (vacation,) = [b for b in await wfm.requests.balances("1001") if b["code"] == "vacation"]
    assert (vacation["planned"], vacation["remaining"]) == (0, 8)
