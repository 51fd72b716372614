"""The WFM service the API and the CLI use, and the nightly roster sync."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from vcc.wfm.context import WfmContext
from vcc.wfm.requests import Requests
from vcc.wfm.schedules import Schedules
from vcc.wfm.swaps import Swaps

log = logging.getLogger(__name__)


@dataclass
class WfmService:
    ctx: WfmContext
    schedules: Schedules
    requests: Requests
    swaps: Swaps

    @classmethod
    def create(cls, ctx: WfmContext) -> WfmService:
        schedules = Schedules(ctx)
        return cls(ctx, schedules, Requests(ctx, schedules), Swaps(ctx))

    async def nightly(self) -> None:
        """Sync the roster every night at the policy's hour (local time), for ever; at
        once too if it is empty (a new installation: no one would wait for the night)."""
        if not await self.schedules.roster():
            await self.schedules.sync()
        while True:
            now = self.ctx.now()
            at = datetime.combine(now.date(), time(self.ctx.policy.nightly_sync_hour))
            if at <= now:
                at += timedelta(days=1)
            await asyncio.sleep((at - now).total_seconds())  # a schedule, not a sync point
            try:
                report = await self.schedules.sync()
                log.info("nightly WFM sync: %d added, %d updated, %d removed",
                         len(report.added), report.updated, report.removed)  # fmt: skip
            except Exception:
                log.exception("nightly WFM sync failed; next try tomorrow")
