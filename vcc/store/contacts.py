"""A user's favourites and recents: the agents, queues and numbers they reach for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vcc import validate
from vcc.errors import InvalidInput, NotFound
from vcc.store.models import UserFavourite, UserRecent
from vcc.store.repository import _aware, writing

KINDS = ("agent", "queue", "number")
RECENTS_KEPT = 20


def check_target(kind: str, target: str) -> str:
    """A favourite's or recent's target, checked as what it names."""
    match kind:
        case "agent":
            return validate.login(target, what="agent id")
        case "queue":
            return validate.slug(target, what="queue id")
        case "number":
            return validate.phone_number(target)
    raise InvalidInput(f"unknown kind {kind!r}", hint="use agent, queue or number")


async def favourites(session: AsyncSession, user_id: int) -> Sequence[tuple[str, str]]:
    rows = await session.execute(
        select(UserFavourite.kind, UserFavourite.target)
        .where(UserFavourite.user_id == user_id)
        .order_by(UserFavourite.kind, UserFavourite.target)
    )
    return [(kind, target) for kind, target in rows]


async def add_favourite(session: AsyncSession, user_id: int, kind: str, target: str) -> None:
    async with writing(session):
        target = check_target(kind, target)
        if await session.get(UserFavourite, (user_id, kind, target)) is None:
            session.add(UserFavourite(user_id=user_id, kind=kind, target=target))


async def remove_favourite(session: AsyncSession, user_id: int, kind: str, target: str) -> None:
    async with writing(session):
        found = await session.get(UserFavourite, (user_id, kind, target))
        if found is None:
            raise NotFound(f"{kind} {target!r} is not a favourite")
        await session.delete(found)


async def remember(
    session: AsyncSession, user_id: int, kind: str, target: str, at: datetime
) -> None:
    """The user reached ``target``: it is their newest recent (older ones beyond the
    newest ``RECENTS_KEPT`` are let go)."""
    async with writing(session):
        target = check_target(kind, target)
        await session.execute(
            delete(UserRecent).where(
                UserRecent.user_id == user_id, UserRecent.kind == kind, UserRecent.target == target
            )
        )
        session.add(UserRecent(user_id=user_id, kind=kind, target=target, at=_aware(at, "at")))
        await session.flush()
        keep = select(UserRecent.id).where(UserRecent.user_id == user_id)
        keep = keep.order_by(UserRecent.at.desc(), UserRecent.id.desc()).limit(RECENTS_KEPT)
        await session.execute(
            delete(UserRecent).where(
                UserRecent.user_id == user_id, UserRecent.id.not_in(keep.scalar_subquery())
            )
        )


async def recents(session: AsyncSession, user_id: int) -> Sequence[tuple[str, str, datetime]]:
    rows = await session.execute(
        select(UserRecent.kind, UserRecent.target, UserRecent.at)
        .where(UserRecent.user_id == user_id)
        .order_by(UserRecent.at.desc(), UserRecent.id.desc())
    )
    return [(kind, target, at) for kind, target, at in rows]
