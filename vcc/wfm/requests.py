"""Requests: schedule changes, time off (whole days, part of a day, intervals), IEX
absences; supervisors approve or decline; balances kept with every request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vcc.core.wfm import requests as rules
from vcc.core.wfm.requests import Balance, RequestKind, RequestStatus
from vcc.core.wfm.schedule import ActivityKind, Block, place, working_hours
from vcc.errors import Conflict, InvalidInput, NotFound
from vcc.store.models import WfmActivity, WfmBalance, WfmDay, WfmRequest
from vcc.wfm.context import (
    WfmContext,
    activity,
    activity_kinds,
    blocks_from_json,
    blocks_json,
    day_blocks,
    in_roster,
    write_day,
)
from vcc.wfm.schedules import Schedules

STANDARD_DAY = (time(9), time(17))  # a whole day off on a day without a schedule
WORKING = (ActivityKind.WORK, ActivityKind.OFFLINE, ActivityKind.BREAK)


def view(r: WfmRequest) -> dict[str, Any]:
    return {
        "id": r.id, "agent_id": r.agent_id, "kind": r.kind.value, "code": r.code,
        "start": r.start.isoformat(timespec="minutes"), "end": r.end.isoformat(timespec="minutes"),
        "hours": round(r.hours, 2), "comment": r.comment, "status": r.status.value,
        "created_at": r.created_at.isoformat(), "decided_by": r.decided_by,
    }  # fmt: skip


class Requests:
    def __init__(self, ctx: WfmContext, schedules: Schedules) -> None:
        self.ctx = ctx
        self.schedules = schedules

    # -- asking ----------------------------------------------------------------------
    async def change(
        self, agent_id: str, code: str, start: datetime, end: datetime, comment: str
    ) -> dict[str, Any]:
        rules.check_change(start, end, self.ctx.now())
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            await activity(session, code, *WORKING)
            return await self._add(
                session, agent_id, RequestKind.CHANGE, code, start, end, 0.0, comment
            )

    async def full_days(
        self, agent_id: str, code: str, first: date, last: date, comment: str
    ) -> dict[str, Any]:
        rules.check_full_day(first, last, self.ctx.now().date())
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            await activity(session, code, ActivityKind.TIME_OFF)
            kinds = await activity_kinds(session)
            scheduled = {}
            for n in range((last - first).days + 1):
                day = first + timedelta(days=n)
                if await self._published(session, agent_id, day):
                    scheduled[day] = working_hours(await day_blocks(session, agent_id, day), kinds)
            hours = rules.full_day_hours(first, last, scheduled)
            start = datetime.combine(first, time())
            end = datetime.combine(last + timedelta(days=1), time())
            return await self._add(
                session, agent_id, RequestKind.FULL_DAY, code, start, end, hours, comment
            )

    async def part_day(
        self, agent_id: str, code: str, start: datetime, end: datetime, comment: str
    ) -> dict[str, Any]:
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            await activity(session, code, ActivityKind.TIME_OFF)
            published = await self._published(session, agent_id, start.date())
            hours = rules.check_partial_day(start, end, published, self.ctx.now())
            return await self._add(
                session, agent_id, RequestKind.PARTIAL_DAY, code, start, end, hours, comment
            )

    async def interval_options(self, agent_id: str, day: date) -> list[rules.IntervalOption]:
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            if not await self._published(session, agent_id, day):
                return []
            kinds = await activity_kinds(session)
            work = [
                (b.start, b.end)
                for b in await day_blocks(session, agent_id, day)
                if kinds.get(b.code) is ActivityKind.WORK
            ]
        staffed, needed = await self.schedules.staffed(day)
        return rules.interval_options(work, staffed, needed, self.ctx.now())

    async def intervals(
        self, agent_id: str, code: str, day: date, starts: Sequence[datetime], comment: str
    ) -> dict[str, Any]:
        """Intervals off: auto-approved ones are approved at once (and applied)."""
        span = rules.check_intervals(await self.interval_options(agent_id, day), starts)
        async with self.ctx.sessions() as session:
            await activity(session, code, ActivityKind.TIME_OFF)
            hours = (span.end - span.start).total_seconds() / 3600
            made = await self._add(
                session, agent_id, RequestKind.INTERVALS, code, span.start, span.end, hours,
                comment,
            )  # fmt: skip
        if span.auto:
            return await self.decide("auto-approved", made["id"], approve=True)
        return made

    async def absence(
        self, agent_id: str, code: str, start: datetime, end: datetime, comment: str
    ) -> dict[str, Any]:
        """IEX: one day, up to 28 days ahead; the supervisor gets an email."""
        rules.check_absence(start, end, self.ctx.now().date())
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            await activity(session, code, ActivityKind.TIME_OFF)
            hours = (end - start).total_seconds() / 3600
            made = await self._add(
                session, agent_id, RequestKind.ABSENCE, code, start, end, hours, comment
            )
        await self.ctx.tell_supervisors(
            f"Afwezigheidsverzoek / Absence request: {agent_id} {start:%Y-%m-%d}",
            f"Agent {agent_id} asks for an absence ({code}) on {start:%Y-%m-%d} from "
            f"{start:%H:%M} to {end:%H:%M}.\n{comment}\nRequest {made['id']}.",
        )
        return made

    async def _add(
        self, session: AsyncSession, agent_id: str, kind: RequestKind, code: str,
        start: datetime, end: datetime, hours: float, comment: str,
    ) -> dict[str, Any]:  # fmt: skip
        rules.check_comment(comment)
        if kind.is_time_off:
            await self._check_balance(session, agent_id, code, hours)
        row = WfmRequest(
            agent_id=agent_id, kind=kind, code=code, start=start, end=end, hours=hours,
            comment=comment, status=RequestStatus.PENDING, created_at=self.ctx.clock(),
            replaced="{}",
        )  # fmt: skip
        session.add(row)
        await session.commit()
        return view(row)

    async def _check_balance(
        self, session: AsyncSession, agent_id: str, code: str, hours: float, *, exclude: int = 0
    ) -> None:
        balance = await self._balance(session, agent_id, code)
        pending = sum(
            r.hours
            for r in await session.scalars(
                select(WfmRequest).where(
                    WfmRequest.agent_id == agent_id, WfmRequest.code == code,
                    WfmRequest.status == RequestStatus.PENDING, WfmRequest.id != exclude,
                )
            )
        )  # fmt: skip
        available = Balance(code, balance.earned, balance.used, balance.planned + pending)
        rules.check_balance(available, hours, allow_negative=self.ctx.policy.allow_negative_balance)

    # -- changing one's mind ---------------------------------------------------------
    async def edit(
        self, agent_id: str, request_id: int, start: datetime, end: datetime, comment: str
    ) -> dict[str, Any]:
        """A pending change or part-day request gets new times (and comment)."""
        async with self.ctx.sessions() as session:
            row = await self._own(session, agent_id, request_id)
            if row.status is not RequestStatus.PENDING:
                raise Conflict(f"a {row.status.value} request cannot be edited")
            if row.kind is RequestKind.CHANGE:
                rules.check_change(start, end, self.ctx.now())
                hours = 0.0
            elif row.kind is RequestKind.PARTIAL_DAY:
                published = await self._published(session, agent_id, start.date())
                hours = rules.check_partial_day(start, end, published, self.ctx.now())
                await self._check_balance(session, agent_id, row.code, hours, exclude=row.id)
            else:
                raise Conflict("only schedule changes and part days are edited; cancel others")
            row.start, row.end, row.hours, row.comment = (
                start,
                end,
                hours,
                rules.check_comment(comment),
            )
            await session.commit()
            return view(row)

    async def cancel(self, agent_id: str, request_id: int) -> dict[str, Any]:
        """Pending: withdrawn. Approved time off still to come: the previous schedule
        comes back and the supervisor is told (a notice, not a request)."""
        async with self.ctx.sessions() as session:
            row = await self._own(session, agent_id, request_id)
            was = row.status
            rules.check_cancel(was, row.start, self.ctx.now())
            if was is RequestStatus.APPROVED:
                for day, blocks in blocks_from_json(row.replaced).items():
                    await write_day(session, agent_id, day, blocks)
            row.status = RequestStatus.CANCELLED
            await session.commit()
            done = view(row)
        if was is RequestStatus.APPROVED:
            await self.ctx.tell_supervisors(
                f"Verlof geannuleerd / Time off cancelled: {agent_id}",
                f"Agent {agent_id} cancelled approved {row.code} from {row.start:%Y-%m-%d %H:%M}"
                f" to {row.end:%Y-%m-%d %H:%M}; the previous schedule is back.",
            )
        return done

    # -- deciding --------------------------------------------------------------------
    async def decide(self, by: str, request_id: int, *, approve: bool) -> dict[str, Any]:
        async with self.ctx.sessions() as session:
            row = await session.get(WfmRequest, request_id)
            if row is None:
                raise NotFound(f"no request {request_id}")
            rules.decide(row.status)
            if approve:
                if row.kind.is_time_off:
                    await self._check_balance(session, row.agent_id, row.code, row.hours,
                                              exclude=row.id)  # fmt: skip
                row.replaced = blocks_json(await self._apply(session, row))
            row.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
            row.decided_at, row.decided_by = self.ctx.clock(), by
            await session.commit()
            done = view(row)
        word = ("goedgekeurd / approved", "afgewezen / declined")[not approve]
        await self.ctx.notify(
            row.agent_id,
            f"Aanvraag {word}: {row.code} {row.start:%Y-%m-%d}",
            f"Your {row.kind.value} request ({row.code}, {row.start:%Y-%m-%d %H:%M} – "
            f"{row.end:%Y-%m-%d %H:%M}) was {word.split(' / ')[1]} by {by}.",
        )
        return done

    async def _apply(self, session: AsyncSession, row: WfmRequest) -> dict[date, list[Block]]:
        """Put an approved request into the schedule; returns the days as they were."""
        before: dict[date, list[Block]] = {}
        day = row.start.date()
        while datetime.combine(day, time()) < row.end:
            blocks = await day_blocks(session, row.agent_id, day)
            before[day] = blocks
            if row.kind is RequestKind.FULL_DAY:
                first = min(
                    (b.start for b in blocks), default=datetime.combine(day, STANDARD_DAY[0])
                )
                last = max((b.end for b in blocks), default=datetime.combine(day, STANDARD_DAY[1]))
                new = [Block(row.code, first, last, row.comment[:500])]
            else:
                new = place(blocks, Block(row.code, row.start, row.end, row.comment[:500]))
            await write_day(session, row.agent_id, day, new)
            day += timedelta(days=1)
        return before

    # -- reading ---------------------------------------------------------------------
    async def overview(
        self, agent_id: str | None, *, month: date | None = None, status: str | None = None,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Requests, newest first: one agent's (or everyone's), within ``month``,
        filtered by status and kind (the NICE app's overview and its filter)."""
        query = select(WfmRequest).order_by(WfmRequest.start.desc(), WfmRequest.id.desc())
        if agent_id is not None:
            query = query.where(WfmRequest.agent_id == agent_id)
        if month is not None:
            first = month.replace(day=1)
            after = (first + timedelta(days=32)).replace(day=1)
            query = query.where(
                WfmRequest.start < datetime.combine(after, time()),
                WfmRequest.end > datetime.combine(first, time()),
            )
        try:
            if status is not None:
                query = query.where(WfmRequest.status == RequestStatus(status))
            if kind is not None:
                query = query.where(WfmRequest.kind == RequestKind(kind))
        except ValueError:
            raise InvalidInput("unknown status or kind to filter by") from None
        async with self.ctx.sessions() as session:
            return [view(r) for r in await session.scalars(query.limit(500))]

    async def balances(self, agent_id: str) -> list[dict[str, Any]]:
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            codes = await session.scalars(
                select(WfmActivity.code).where(WfmActivity.kind == ActivityKind.TIME_OFF)
            )
            out = []
            for code in sorted(codes):
                b = await self._balance(session, agent_id, code)
                out.append({"code": code, "earned": b.earned, "used": b.used,
                            "planned": b.planned, "remaining": round(b.remaining, 4)})  # fmt: skip
            return out

    async def set_earned(self, agent_id: str, code: str, hours: float) -> None:
        if not 0 <= hours <= 10_000:
            raise InvalidInput("earned hours are 0 to 10,000")
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            await activity(session, code, ActivityKind.TIME_OFF)
            row = await session.get(WfmBalance, (agent_id, code))
            if row is None:
                session.add(WfmBalance(agent_id=agent_id, code=code, earned=hours))
            else:
                row.earned = hours
            await session.commit()

    async def _balance(self, session: AsyncSession, agent_id: str, code: str) -> Balance:
        earned = await session.get(WfmBalance, (agent_id, code))
        approved = [
            (r.start, r.hours)
            for r in await session.scalars(
                select(WfmRequest).where(
                    WfmRequest.agent_id == agent_id, WfmRequest.code == code,
                    WfmRequest.status == RequestStatus.APPROVED,
                )
            )
        ]  # fmt: skip
        return rules.balance_of(code, earned.earned if earned else 0.0, approved, self.ctx.now())

    async def _own(self, session: AsyncSession, agent_id: str, request_id: int) -> WfmRequest:
        row = await session.get(WfmRequest, request_id)
        if row is None or row.agent_id != agent_id:
            raise NotFound(f"you have no request {request_id}")
        return row

    async def _published(self, session: AsyncSession, agent_id: str, day: date) -> bool:
        row = await session.get(WfmDay, (agent_id, day))
        return bool(row and row.published)
