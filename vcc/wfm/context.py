"""What the WFM services share: the database, the clock in the contact center's time
zone, the policy, and how agents and supervisors are told of things."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core.access import Role
from vcc.core.notifications import Audience, AudienceKind
from vcc.core.wfm.schedule import ActivityKind, Block
from vcc.errors import InvalidInput, NotFound
from vcc.notifications import NotificationService
from vcc.store.models import User, WfmActivity, WfmBlock, WfmDay, WfmRoster
from vcc.wfm.mail import Mailer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WfmPolicy:
    allow_negative_balance: bool = False
    supervisor_email: str | None = None  # besides supervisors' own addresses
    nightly_sync_hour: int = 2  # local time of the roster sync


@dataclass
class WfmContext:
    sessions: async_sessionmaker[AsyncSession]
    notifications: NotificationService
    mailer: Mailer | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    policy: WfmPolicy = field(default_factory=WfmPolicy)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def now(self) -> datetime:
        """Now, as a wall-clock time in the contact center's zone (schedules' time)."""
        return self.clock().astimezone(self.zone).replace(tzinfo=None)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    # -- telling people ---------------------------------------------------------------
    async def notify(self, agent_id: str, title: str, body: str) -> None:
        """A notification in the agent's console, and a copy to their email address."""
        await self.notifications.send("wfm", Audience(AudienceKind.AGENT, agent_id), title, body)
        async with self.sessions() as session:
            found = await session.scalars(
                select(User.email).where(User.agent_id == agent_id, User.email.is_not(None))
            )
            addresses = [a for a in found if a]
        await self._mail(addresses, title, body)

    async def tell_supervisors(self, title: str, body: str) -> None:
        async with self.sessions() as session:
            found = await session.scalars(
                select(User.email).where(
                    User.role.in_([Role.SUPERVISOR, Role.ADMIN]), User.email.is_not(None)
                )
            )
            addresses = [a for a in found if a]
        if self.policy.supervisor_email:
            addresses.append(self.policy.supervisor_email)
        await self._mail(sorted(set(addresses)), title, body)

    async def _mail(self, addresses: Sequence[str], subject: str, body: str) -> None:
        if self.mailer is None:
            return
        for address in addresses:
            try:
                await self.mailer.send(address, subject, body)
            except Exception as exc:  # the request stands; the copy is best effort
                log.warning("email to %s failed: %s", address, exc)


# -- rows ↔ the core's blocks -----------------------------------------------------------
async def activity_kinds(session: AsyncSession) -> dict[str, ActivityKind]:
    return {a.code: a.kind for a in await session.scalars(select(WfmActivity))}


async def activity(session: AsyncSession, code: str, *kinds: ActivityKind) -> WfmActivity:
    found = await session.get(WfmActivity, code) if len(code) <= 32 else None
    if found is None or (kinds and found.kind not in kinds):
        wanted = "/".join(k.value for k in kinds) or "any"
        raise InvalidInput(f"{code[:40]!r} is no {wanted} activity code")
    return found


async def in_roster(session: AsyncSession, agent_id: str) -> WfmRoster:
    found = await session.get(WfmRoster, agent_id) if len(agent_id) <= 32 else None
    if found is None:
        raise NotFound(
            f"agent {agent_id[:40]!r} is not in workforce management yet",
            hint="new agents appear after the nightly sync (or: vcc wfm sync)",
        )
    return found


async def day_blocks(session: AsyncSession, agent_id: str, day: date) -> list[Block]:
    rows = await session.scalars(
        select(WfmBlock).where(WfmBlock.agent_id == agent_id, WfmBlock.day == day)
    )
    return sorted((Block(r.code, r.start, r.end, r.note) for r in rows), key=lambda b: b.start)


async def write_day(
    session: AsyncSession, agent_id: str, day: date, blocks: Sequence[Block],
    *, publish: bool | None = None, note: str | None = None,
) -> None:  # fmt: skip
    await session.execute(
        delete(WfmBlock).where(WfmBlock.agent_id == agent_id, WfmBlock.day == day)
    )
    for b in blocks:
        session.add(
            WfmBlock(agent_id=agent_id, day=day, code=b.code, start=b.start, end=b.end,
                     note=b.note)
        )  # fmt: skip
    row = await session.get(WfmDay, (agent_id, day))
    if row is None:
        row = WfmDay(agent_id=agent_id, day=day, published=False, note="")
        session.add(row)
    if publish is not None:
        row.published = publish
    if note is not None:
        row.note = note


def blocks_json(days: dict[date, list[Block]]) -> str:
    return json.dumps(
        {
            day.isoformat(): [[b.code, b.start.isoformat(), b.end.isoformat(), b.note] for b in bs]
            for day, bs in days.items()
        }
    )


def blocks_from_json(text: str) -> dict[date, list[Block]]:
    data = json.loads(text or "{}") or {}
    return {
        date.fromisoformat(day): [
            Block(c, datetime.fromisoformat(s), datetime.fromisoformat(e), n) for c, s, e, n in bs
        ]
        for day, bs in data.items()
    }
