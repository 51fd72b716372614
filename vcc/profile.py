"""The agent's desk phone as a service (the 8x8 console's Profile): call it to verify,
type back the code it heard, save it; from then on vcc rings the agent there.

The rules are vcc.core.profile's; this layer makes the verification call (an Originate
into the dialplan's ``vcc-verify``, which speaks the code), keeps the calls under way,
hands the saved phone to the router (``PhoneChanged``) and to the store.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Container, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.core import routing
from vcc.core.outbound import OutboundPolicy
from vcc.core.profile import CODE_DIGITS, CodeCheck, DeskPhone, PhoneKind, Verification
from vcc.engine import Engine
from vcc.errors import (
    Conflict,
    NotFound,
    PhoneNotVerified,
    VccError,
    VerificationExpired,
    VerificationFailed,
)
from vcc.pbx.events import OriginateRequest
from vcc.store import profile as store_profile

log = logging.getLogger(__name__)

VERIFY_CONTEXT = "vcc-verify"
VERIFY_RING_TIMEOUT = 30.0
VERIFIED_FOR = 900.0  # seconds a verified phone may wait to be saved


def _random_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class ProfileService:
    """Desk phones of the agents the engine routes to."""

    def __init__(
        self,
        engine: Engine,
        outbound: OutboundPolicy | None,
        *,
        extensions: Container[str],
        save: Callable[[str, DeskPhone, float | None], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.time,
        codes: Callable[[], str] | None = None,
    ) -> None:
        """``extensions``: the PBX's own phones (digits that name one are that phone,
        not a number). ``save``: where saved phones are kept (vcc.store.profile)."""
        self.engine = engine
        self.outbound = outbound
        self.extensions = extensions
        self.save_phone = save
        self.clock = clock
        self.codes = codes or _random_code  # the tests pass their own
        self._calls: dict[str, Verification] = {}  # agent → the call under way
        self._verified: dict[str, tuple[DeskPhone, float]] = {}  # agent → phone, when

    def _agent(self, agent_id: str) -> routing.Agent:
        agent = self.engine.state.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} does not exist")
        return agent

    async def call_to_verify(self, agent_id: str, typed: str) -> DeskPhone:
        """Ring the phone the agent typed; answered, it speaks a six-digit code twice."""
        self._agent(agent_id)
        phone = DeskPhone.parse(typed, self.extensions)
        code = self.codes()
        verification = Verification.start(phone, code, self.clock())
        await self.engine.driver.originate(
            OriginateRequest(
                channel_id=f"verify-{secrets.token_hex(8)}",
                endpoint=phone.endpoint(self.outbound),
                context=VERIFY_CONTEXT,
                timeout=VERIFY_RING_TIMEOUT,
                variables={"VCC_CODE": code},
            )
        )
        self._calls[agent_id] = verification  # a new call's code replaces the old one
        log.info("verification call for agent %s to %s %s", agent_id, phone.kind, phone.value)
        return phone

    def confirm(self, agent_id: str, typed_code: str) -> DeskPhone:
        """The agent typed back the code they heard: the phone is theirs."""
        verification = self._calls.get(agent_id)
        if verification is None:
            raise VerificationExpired(
                f"agent {agent_id} has no verification call to answer",
                hint="use 'call to verify' first",
            )
        result, after = verification.check(typed_code, self.clock())
        match result:
            case CodeCheck.VERIFIED:
                del self._calls[agent_id]
                self._verified[agent_id] = (verification.phone, self.clock())
                return verification.phone
            case CodeCheck.WRONG:
                self._calls[agent_id] = after
                raise VerificationFailed(
                    "that is not the code the call spoke",
                    hint=f"{after.attempts_left} attempt(s) left",
                )
            case CodeCheck.EXPIRED:
                del self._calls[agent_id]
                raise VerificationExpired(
                    "the verification code is no longer valid (too late or too many tries)",
                    hint="use 'call to verify' again",
                )

    async def save(self, agent_id: str, typed: str) -> DeskPhone:
        """From now on ring the agent at the phone they typed: their own extension, or
        one they verified in the last 15 minutes. Not while they are rung or on a call."""
        agent = self._agent(agent_id)
        phone = DeskPhone.parse(typed, self.extensions)
        # An agent's own desk phone is the extension named as they are (vcc.tenant).
        own = phone.kind is PhoneKind.EXTENSION and phone.value == agent.id
        verified = self._verified.get(agent_id)
        if not own and (
            verified is None or verified[0] != phone or self.clock() - verified[1] > VERIFIED_FOR
        ):
            raise PhoneNotVerified(
                f"{phone.value} has not been verified for agent {agent_id}",
                hint="use 'call to verify' and type the code you hear, then save",
            )
        endpoint = phone.endpoint(self.outbound)
        for command in await self.engine.ask(
            routing.PhoneChanged(agent_id, endpoint, self.clock())
        ):
            if isinstance(command, routing.PhoneRefused):
                raise Conflict(
                    f"agent {agent_id} is being rung or on a call",
                    hint="save the desk phone between calls",
                )
        self._verified.pop(agent_id, None)
        if self.save_phone is not None:
            await self.save_phone(agent_id, phone, None if own or verified is None else verified[1])
        return phone


def stored_in(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[str, DeskPhone, float | None], Awaitable[None]]:
    """A ``save`` for :class:`ProfileService` that keeps phones in the database."""

    async def save(agent_id: str, phone: DeskPhone, verified_at: float | None) -> None:
        async with sessions() as session:
            await store_profile.save_phone(
                session,
                agent_id,
                phone,
                datetime.now(UTC),
                verified_at=None
                if verified_at is None
                else datetime.fromtimestamp(verified_at, UTC),
            )
            await session.commit()

    return save


async def with_saved_phones(
    sessions: async_sessionmaker[AsyncSession],
    agents: Sequence[routing.Agent],
    outbound: OutboundPolicy | None,
) -> list[routing.Agent]:
    """``agents`` as they are to be rung: at the desk phone each saved, where it may
    still be dialled (a number the outbound policy no longer allows: their extension)."""
    async with sessions() as session:
        saved = await store_profile.saved_phones(session)
    rung = []
    for agent in agents:
        phone = saved.get(agent.id)
        if phone is not None:
            try:
                agent = replace(agent, endpoint=phone.endpoint(outbound))
            except VccError as exc:
                log.warning("agent %s is rung at their extension: %s", agent.id, exc.message)
        rung.append(agent)
    return rung
