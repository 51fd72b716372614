"""Shift swaps: offered to every colleague in the roster, accepted by exactly one
(a conditional update: of two accepting at once, one wins), applied atomically."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from vcc.core.wfm import swaps as rules
from vcc.core.wfm.swaps import SwapStatus
from vcc.errors import Conflict, NotFound
from vcc.store.models import WfmDay, WfmRoster, WfmSwap, WfmSwapDecline
from vcc.wfm.context import WfmContext, day_blocks, in_roster, write_day


def view(s: WfmSwap, now: datetime) -> dict[str, Any]:
    expired = s.status is SwapStatus.OPEN and s.expires_at <= now
    return {
        "id": s.id, "agent_id": s.agent_id, "day": s.day.isoformat(),
        "status": "expired" if expired else s.status.value,
        "expires_at": s.expires_at.isoformat(timespec="minutes"), "accepted_by": s.accepted_by,
    }  # fmt: skip


class Swaps:
    def __init__(self, ctx: WfmContext) -> None:
        self.ctx = ctx

    async def offer(self, agent_id: str, day: date, expires_at: datetime) -> dict[str, Any]:
        now = self.ctx.now()
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            published = await session.get(WfmDay, (agent_id, day))
            shift = (
                await day_blocks(session, agent_id, day)
                if published and published.published
                else []
            )
            rules.check_offer(day, shift, expires_at, now)
            open_already = await session.scalar(
                select(WfmSwap).where(WfmSwap.agent_id == agent_id, WfmSwap.day == day,
                                      WfmSwap.status == SwapStatus.OPEN)
            )  # fmt: skip
            if open_already is not None and open_already.expires_at > now:
                raise Conflict(f"you offer {day} already")
            row = WfmSwap(agent_id=agent_id, day=day, status=SwapStatus.OPEN,
                          expires_at=expires_at, created_at=self.ctx.clock())  # fmt: skip
            session.add(row)
            others = [
                r.agent_id
                for r in await session.scalars(select(WfmRoster))
                if r.agent_id != agent_id
            ]
            await session.commit()
            made = view(row, now)
        shift_text = ", ".join(f"{b.code} {b.start:%H:%M}-{b.end:%H:%M}" for b in shift)
        for other in others:
            await self.ctx.notify(
                other,
                f"Ruilaanbod / Swap offer: {day} ({agent_id})",
                f"{agent_id} offers their shift of {day} ({shift_text}) until "
                f"{expires_at:%Y-%m-%d %H:%M}. Planning ruilen (accept) or Geen belangstelling.",
            )
        return made

    async def for_agent(self, agent_id: str) -> list[dict[str, Any]]:
        """Offers this agent may take (open, not expired, not declined) and their own."""
        now = self.ctx.now()
        async with self.ctx.sessions() as session:
            declined = set(
                await session.scalars(
                    select(WfmSwapDecline.swap_id).where(WfmSwapDecline.agent_id == agent_id)
                )
            )
            rows = await session.scalars(select(WfmSwap).order_by(WfmSwap.day, WfmSwap.id))
            out = []
            for s in rows:
                mine = s.agent_id == agent_id or s.accepted_by == agent_id
                takeable = (
                    s.status is SwapStatus.OPEN and s.expires_at > now and s.id not in declined
                )
                if mine or takeable:
                    out.append({**view(s, now), "mine": s.agent_id == agent_id})
            return out

    async def accept(self, agent_id: str, swap_id: int) -> dict[str, Any]:
        """ "Planning ruilen": the two agents' shifts of that day change hands."""
        now = self.ctx.now()
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            taken = await session.execute(
                update(WfmSwap)
                .where(WfmSwap.id == swap_id, WfmSwap.status == SwapStatus.OPEN,
                       WfmSwap.expires_at > now, WfmSwap.agent_id != agent_id)
                .values(status=SwapStatus.ACCEPTED, accepted_by=agent_id)
            )  # fmt: skip
            swap = await session.get(WfmSwap, swap_id)
            if swap is None:
                raise NotFound(f"no swap offer {swap_id}")
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                swap = await session.get(WfmSwap, swap_id)
                assert swap is not None
                rules.check_accept(swap.status, swap.expires_at, swap.agent_id, agent_id, now)
                raise Conflict("this offer was just taken by someone else")
            offered = await day_blocks(session, swap.agent_id, swap.day)
            theirs = await day_blocks(session, agent_id, swap.day)
            for_offerer, for_acceptor = rules.swapped(offered, theirs)
            await write_day(session, swap.agent_id, swap.day, for_offerer, publish=True)
            await write_day(session, agent_id, swap.day, for_acceptor, publish=True)
            await session.commit()
            done = view(swap, now)
        await self.ctx.notify(
            swap.agent_id,
            f"Dienst geruild / Shift swapped: {swap.day}",
            f"{agent_id} took your shift of {swap.day}; your schedule is updated.",
        )
        return done

    async def decline(self, agent_id: str, swap_id: int) -> None:
        """ "Geen belangstelling": the offer is no longer shown to this agent."""
        async with self.ctx.sessions() as session:
            swap = await session.get(WfmSwap, swap_id)
            if swap is None or swap.agent_id == agent_id:
                raise NotFound(f"no swap offer {swap_id} for you")
            if await session.get(WfmSwapDecline, (swap_id, agent_id)) is None:
                session.add(WfmSwapDecline(swap_id=swap_id, agent_id=agent_id))
                await session.commit()

    async def withdraw(self, agent_id: str, swap_id: int) -> None:
        async with self.ctx.sessions() as session:
            swap = await session.get(WfmSwap, swap_id)
            if swap is None or swap.agent_id != agent_id:
                raise NotFound(f"you offer no swap {swap_id}")
            if swap.status is not SwapStatus.OPEN:
                raise Conflict(f"this offer is {swap.status.value}")
            swap.status = SwapStatus.WITHDRAWN
            await session.commit()
