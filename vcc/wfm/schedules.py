"""Schedules: the nightly roster sync, publishing days, reading them; adherence and
the Erlang C staffing forecast next to the scheduled staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vcc.core.agents import Status
from vcc.core.wfm import adherence as adherence_rules
from vcc.core.wfm.erlang import forecast
from vcc.core.wfm.schedule import ActivityKind, Block, check_day, day_bounds
from vcc.errors import InvalidInput
from vcc.store.models import (
    Agent,
    AgentStatusChange,
    Interaction,
    QueueMember,
    WfmActivity,
    WfmBlock,
    WfmDay,
    WfmRoster,
)
from vcc.wfm.context import WfmContext, activity, activity_kinds, day_blocks, in_roster, write_day

MAX_RANGE = timedelta(days=62)
FORECAST_INTERVAL = timedelta(minutes=30)


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: int
    removed: int


class Schedules:
    def __init__(self, ctx: WfmContext) -> None:
        self.ctx = ctx

    # -- the nightly sync ------------------------------------------------------------
    async def sync(self) -> SyncReport:
        """Copy every agent's queues and skills into WFM's roster (new agents appear)."""
        now = self.ctx.clock()
        async with self.ctx.sessions() as session:
            agents = (
                await session.scalars(select(Agent).options(selectinload(Agent.skills)))
            ).all()
            members: dict[str, list[str]] = {}
            for m in await session.scalars(select(QueueMember)):
                members.setdefault(m.agent_id, []).append(m.queue_id)
            roster = {r.agent_id: r for r in await session.scalars(select(WfmRoster))}
            added, updated = [], 0
            for agent in agents:
                queues = ",".join(sorted(members.get(agent.id, [])))
                skills = ",".join(sorted(f"{s.skill_id}:{s.level}" for s in agent.skills))
                row = roster.pop(agent.id, None)
                if row is None:
                    session.add(
                        WfmRoster(agent_id=agent.id, queues=queues, skills=skills, synced_at=now)
                    )
                    added.append(agent.id)
                else:
                    updated += (row.queues, row.skills) != (queues, skills)
                    row.queues, row.skills, row.synced_at = queues, skills, now
            for gone in roster.values():
                await session.delete(gone)
            await session.commit()
        return SyncReport(sorted(added), updated, len(roster))

    async def roster(self) -> list[dict[str, Any]]:
        async with self.ctx.sessions() as session:
            rows = await session.scalars(select(WfmRoster).order_by(WfmRoster.agent_id))
            return [
                {"agent_id": r.agent_id, "queues": [q for q in r.queues.split(",") if q],
                 "skills": [s for s in r.skills.split(",") if s],
                 "synced_at": r.synced_at.isoformat()}
                for r in rows
            ]  # fmt: skip

    # -- schedules -------------------------------------------------------------------
    async def activities(self) -> list[dict[str, str]]:
        async with self.ctx.sessions() as session:
            rows = await session.scalars(select(WfmActivity).order_by(WfmActivity.code))
            return [{"code": a.code, "name": a.name, "kind": a.kind.value} for a in rows]

    async def schedule(self, agent_id: str, first: date, last: date) -> list[dict[str, Any]]:
        """Each day from ``first`` to ``last``: published or not, its note, activities."""
        if last < first or last - first > MAX_RANGE:
            raise InvalidInput("ask for 1 to 62 days, the first before the last")
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            days = {
                d.day: d
                for d in await session.scalars(
                    select(WfmDay).where(
                        WfmDay.agent_id == agent_id, WfmDay.day >= first, WfmDay.day <= last
                    )
                )
            }
            blocks: dict[date, list[WfmBlock]] = {}
            for b in await session.scalars(
                select(WfmBlock)
                .where(WfmBlock.agent_id == agent_id, WfmBlock.day >= first, WfmBlock.day <= last)
                .order_by(WfmBlock.start)
            ):
                blocks.setdefault(b.day, []).append(b)
        out = []
        day = first
        while day <= last:
            row = days.get(day)
            out.append(
                {
                    "day": day.isoformat(),
                    "published": bool(row and row.published),
                    "note": row.note if row else "",
                    "activities": [
                        {"code": b.code, "start": b.start.isoformat(timespec="minutes"),
                         "end": b.end.isoformat(timespec="minutes"), "note": b.note}
                        for b in blocks.get(day, []) if row and row.published
                    ],
                }
            )  # fmt: skip
            day += timedelta(days=1)
        return out

    async def publish(
        self, by: str, agent_id: str, day: date, blocks: Sequence[Block], note: str
    ) -> None:
        """A supervisor publishes an agent's day (replacing what it had)."""
        if len(note) > 500:
            raise InvalidInput("a schedule note has at most 500 characters")
        check_day(day, blocks)
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            for block in blocks:
                await activity(session, block.code)
            await write_day(session, agent_id, day, blocks, publish=True, note=note)
            await session.commit()
        await self.ctx.notify(
            agent_id,
            f"Planning gewijzigd / Schedule changed: {day}",
            f"{by} published your schedule for {day}: "
            + ", ".join(f"{b.code} {b.start:%H:%M}-{b.end:%H:%M}" for b in blocks),
        )

    # -- adherence and staffing ------------------------------------------------------
    async def adherence(self, agent_id: str, day: date) -> dict[str, Any]:
        start, end = day_bounds(day)
        end = min(end, max(start, self.ctx.now()))  # the future is not judged yet
        async with self.ctx.sessions() as session:
            await in_roster(session, agent_id)
            blocks = await day_blocks(session, agent_id, day)
            kinds = await activity_kinds(session)
            before = await session.scalar(
                select(AgentStatusChange)
                .where(AgentStatusChange.agent_id == agent_id,
                       AgentStatusChange.at <= self.ctx.utc(start))
                .order_by(AgentStatusChange.at.desc()).limit(1)
            )  # fmt: skip
            changes = [
                (self.ctx.local(c.at), c.status)
                for c in await session.scalars(
                    select(AgentStatusChange)
                    .where(
                        AgentStatusChange.agent_id == agent_id,
                        AgentStatusChange.at > self.ctx.utc(start),
                        AgentStatusChange.at < self.ctx.utc(end),
                    )
                    .order_by(AgentStatusChange.at)
                )
            ]
        intervals = adherence_rules.adherence(
            blocks, kinds, changes, start, end,
            initial=before.status if before is not None else Status.LOGGED_OUT,
        ) if end > start else []  # fmt: skip
        return {
            "agent_id": agent_id,
            "day": day.isoformat(),
            "percent": adherence_rules.overall(intervals),
            "intervals": [
                {"start": i.start.isoformat(timespec="minutes"),
                 "end": i.end.isoformat(timespec="minutes"), "scheduled": i.scheduled,
                 "actual": None if i.actual is None else i.actual.value, "percent": i.percent}
                for i in intervals if i.scheduled is not None
            ],
        }  # fmt: skip

    async def staffing(self, day: date, queue: str | None = None) -> list[dict[str, Any]]:
        """Per half hour: the calls forecast (same weekday, four weeks back), the agents
        Erlang C needs for 80 % in 20 s, and the agents scheduled to work."""
        start, _ = day_bounds(day)
        since = start - timedelta(weeks=4)
        async with self.ctx.sessions() as session:
            query = select(Interaction).where(
                Interaction.enqueued_at >= self.ctx.utc(since),
                Interaction.enqueued_at < self.ctx.utc(start),
            )
            if queue is not None:
                query = query.where(Interaction.queue_id == queue)
            history = [
                (self.ctx.local(i.enqueued_at),
                 (i.ended_at - i.answered_at).total_seconds()
                 if i.answered_at and i.ended_at else 180.0)
                for i in await session.scalars(query)
            ]  # fmt: skip
            kinds = await activity_kinds(session)
            roster = {r.agent_id: r for r in await session.scalars(select(WfmRoster))}
            working = [
                b for b in await session.scalars(select(WfmBlock).where(WfmBlock.day == day))
                if kinds.get(b.code) is ActivityKind.WORK and b.agent_id in roster
                and (queue is None or queue in roster[b.agent_id].queues.split(","))
            ]  # fmt: skip
        out = []
        for slot in forecast(history, day, interval=FORECAST_INTERVAL):
            stop = slot.start + FORECAST_INTERVAL
            scheduled = len({b.agent_id for b in working if b.start < stop and slot.start < b.end})
            out.append(
                {"start": slot.start.isoformat(timespec="minutes"), "calls": round(slot.calls, 2),
                 "handle_seconds": round(slot.handle), "needed": slot.agents,
                 "scheduled": scheduled}
            )  # fmt: skip
        return out

    async def staffed(self, day: date) -> tuple[dict[datetime, int], dict[datetime, int]]:
        """(agents scheduled to work, agents needed) per interval start of ``day``."""
        rows = await self.staffing(day)
        scheduled = {datetime.fromisoformat(r["start"]): r["scheduled"] for r in rows}
        needed = {datetime.fromisoformat(r["start"]): r["needed"] for r in rows}
        return scheduled, needed
