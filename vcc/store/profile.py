"""Agents' saved desk phones (vcc.profile): one row per agent who saved one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vcc import validate
from vcc.core.profile import DeskPhone, PhoneKind
from vcc.store.models import Agent, AgentPhone
from vcc.store.repository import _aware, _get, writing


async def save_phone(
    session: AsyncSession,
    agent_id: str,
    phone: DeskPhone,
    at: datetime,
    *,
    verified_at: datetime | None = None,
) -> AgentPhone:
    """The agent is rung at ``phone`` from now on (it replaces the one saved before)."""
    async with writing(session):
        match phone.kind:  # checked again: the row ends up in a dial string
            case PhoneKind.EXTENSION:
                validate.extension(phone.value)
            case PhoneKind.NUMBER:
                validate.phone_number(phone.value)
            case PhoneKind.SIP_URI:
                validate.sip_uri(phone.value)
        await _get(session, Agent, agent_id, "agent")
        row = await session.get(AgentPhone, agent_id)
        if row is None:
            row = AgentPhone(agent_id=agent_id)
            session.add(row)
        row.kind = phone.kind
        row.value = phone.value
        row.verified_at = None if verified_at is None else _aware(verified_at, "verified_at")
        row.saved_at = _aware(at, "saved_at")
    return row


async def saved_phones(session: AsyncSession) -> Mapping[str, DeskPhone]:
    """Every agent's saved phone, by agent id."""
    rows = await session.scalars(select(AgentPhone))
    return {row.agent_id: DeskPhone(row.kind, row.value) for row in rows}
