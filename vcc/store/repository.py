"""What the engine and the API write and read, one function per use, sessions passed in.

Every function works inside the caller's transaction and flushes, so the caller
commits (``async with sessions() as session, session.begin(): …``). Bad input
raises a VccError (InvalidInput, NotFound, Conflict) **after rolling the session's
transaction back**: nothing of that transaction is written, and the session is
ready for the next one. A database constraint that still fails (a concurrent
writer got there first) is translated the same way.

Timestamps must be timezone-aware; they are stored as UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vcc import validate
from vcc.core.agents import Status
from vcc.core.queues import Strategy
from vcc.errors import Conflict, InvalidInput, NotFound, VccError
from vcc.store.models import (
    Agent,
    AgentStatusChange,
    Interaction,
    InteractionKind,
    InteractionOffer,
    InteractionOutcome,
    OfferResult,
    Queue,
)

E = TypeVar("E", Status, Strategy, InteractionKind, InteractionOutcome, OfferResult)


@asynccontextmanager
async def writing(session: AsyncSession) -> AsyncIterator[None]:
    """Run a write; on bad input roll the whole transaction back and raise a VccError.

    A constraint the database enforces becomes Conflict (unique), NotFound (foreign
    key) or InvalidInput (check, not null). The session is flushed at the end so
    such errors surface here, not at the caller's commit.
    """
    try:
        yield
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise _translate(exc) from exc
    except VccError:
        await session.rollback()
        raise


def _translate(exc: IntegrityError) -> VccError:
    # PostgreSQL names the violated rule with a SQLSTATE; SQLite only in its message.
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    lines = str(exc.orig).strip().splitlines()
    # The first line says which rule; drop asyncpg's "<class '…'>: " prefix.
    detail = lines[0].split(">: ", 1)[-1] if lines else "a constraint failed"
    hint = "reload and try again"
    if sqlstate == "23505" or "UNIQUE constraint failed" in detail:
        return Conflict(f"this already exists: {detail}", hint=hint)
    if sqlstate == "23503" or "FOREIGN KEY constraint failed" in detail:
        return NotFound(f"this refers to something that does not exist: {detail}", hint=hint)
    return InvalidInput(f"the database refused the value: {detail}")


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} has no time zone", hint="pass a timezone-aware datetime")
    return value


def _member(kind: type[E], value: E | str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{what} {value!r} is not valid", hint=f"use one of {choices}") from None


async def _get(session: AsyncSession, model: type[Any], key: str, what: str) -> Any:
    found = await session.get(model, key)
    if found is None:
        raise NotFound(f"{what} {key!r} does not exist")
    return found


async def _extension_free(session: AsyncSession, extension: str) -> None:
    # Agents and queues share one dial plan: a number must mean one thing.
    for model, what in ((Agent, "agent"), (Queue, "queue")):
        owner = await session.scalar(select(model.id).where(model.extension == extension))
        if owner is not None:
            raise Conflict(
                f"extension {extension} is already used by {what} {owner!r}",
                hint="pick another extension",
            )


# -- agents and queues ------------------------------------------------------------------
async def add_agent(
    session: AsyncSession,
    *,
    id: str,
    name: str,
    extension: str,
    sip_password: str,
    created_at: datetime | None = None,
) -> Agent:
    """Add an agent whose login is ``id`` and whose desk phone is ``extension``."""
    async with writing(session):
        validate.login(id, what="agent id")
        validate.extension(extension)
        validate.secret(sip_password, what="SIP password")
        if not name.strip():
            raise InvalidInput("an agent needs a name")
        if await session.get(Agent, id) is not None:
            raise Conflict(f"agent {id!r} already exists", hint="pick another login")
        await _extension_free(session, extension)
        agent = Agent(id=id, name=name, extension=extension, sip_password=sip_password)
        if created_at is not None:
            agent.created_at = _aware(created_at, "created_at")
        session.add(agent)
    return agent


async def add_queue(
    session: AsyncSession, *, id: str, name: str, extension: str, **settings: Any
) -> Queue:
    """Add a queue callers reach at ``extension``; ``settings`` are Queue's other columns."""
    async with writing(session):
        validate.slug(id, what="queue id")
        validate.extension(extension)
        if not name.strip():
            raise InvalidInput("a queue needs a name")
        unknown = set(settings) - set(Queue.__table__.columns.keys())
        if unknown:
            raise InvalidInput(f"unknown queue settings: {', '.join(sorted(unknown))}")
        if settings.get("created_at") is not None:
            _aware(settings["created_at"], "created_at")
        if "moh_class" in settings:
            validate.slug(settings["moh_class"], what="music on hold class")
        if "strategy" in settings:
            settings["strategy"] = _member(Strategy, settings["strategy"], "strategy")
        if settings.get("exit_key") is not None:
            validate.dtmf(settings["exit_key"], what="exit key")
        for sound in ("overflow_message", "periodic_message", "exit_message"):
            if settings.get(sound) is not None:
                validate.sound(settings[sound], what=sound.replace("_", " "))
        for way in ("overflow", "exit"):
            if settings.get(f"{way}_queue_id") and settings.get(f"{way}_message"):
                raise InvalidInput(
                    f"a queue's {way} leads to another queue or to a message, not both",
                    hint=f"leave {way}_queue_id or {way}_message empty",
                )
        if await session.get(Queue, id) is not None:
            raise Conflict(f"queue {id!r} already exists", hint="pick another id")
        for way in ("overflow", "exit"):
            other = settings.get(f"{way}_queue_id")
            if other is not None:
                await _get(session, Queue, other, f"{way} queue")
        await _extension_free(session, extension)
        queue = Queue(id=id, name=name, extension=extension, **settings)
        session.add(queue)
    return queue


# -- the status log ------------------------------------------------------------------
async def record_status_change(
    session: AsyncSession,
    agent_id: str,
    status: Status | str,
    reason_code: str | None,
    at: datetime,
    by: str | None,
) -> AgentStatusChange:
    """Append one status change of an agent to the log (``by``: a user id or
    ``vcc.core.agents.SYSTEM``).

    Records what happened; whether the agent could ask for it, and with which
    reason code, is the core's decision (``vcc.core.agents.check_request``). The
    system has reason codes of its own, so the code is not looked up here.
    """
    async with writing(session):
        status = _member(Status, status, "status")
        if reason_code is not None:
            validate.slug(reason_code, what="reason code")
        at = _aware(at, "at")
        await _get(session, Agent, agent_id, "agent")
        change = AgentStatusChange(
            agent_id=agent_id, status=status, reason_code=reason_code, at=at, by=by
        )
        session.add(change)
    return change


async def status_history(
    session: AsyncSession, agent_id: str, since: datetime | None = None
) -> Sequence[AgentStatusChange]:
    """An agent's status changes at or after ``since`` (all if None), oldest first."""
    await _get(session, Agent, agent_id, "agent")
    query = select(AgentStatusChange).where(AgentStatusChange.agent_id == agent_id)
    if since is not None:
        query = query.where(AgentStatusChange.at >= _aware(since, "since"))
    # id breaks ties: two changes in the same microsecond keep the order they came in.
    query = query.order_by(AgentStatusChange.at, AgentStatusChange.id)
    return (await session.scalars(query)).all()


# -- interactions ------------------------------------------------------------------------
async def start_interaction(
    session: AsyncSession,
    *,
    kind: InteractionKind | str,
    enqueued_at: datetime,
    queue_id: str | None = None,
    pbx_call_id: str | None = None,
    caller: str | None = None,
    priority: int = 0,
    id: str | None = None,
) -> Interaction:
    """Record an interaction vcc takes on (waiting in ``queue_id`` if it has one)."""
    async with writing(session):
        kind = _member(InteractionKind, kind, "interaction kind")
        if queue_id is not None:
            await _get(session, Queue, queue_id, "queue")
        interaction = Interaction(
            id=id or str(uuid.uuid4()),
            kind=kind,
            queue_id=queue_id,
            pbx_call_id=pbx_call_id,
            caller=caller,
            priority=priority,
            enqueued_at=_aware(enqueued_at, "enqueued_at"),
        )
        session.add(interaction)
    return interaction


async def _open_interaction(session: AsyncSession, interaction_id: str) -> Interaction:
    interaction: Interaction = await _get(session, Interaction, interaction_id, "interaction")
    if interaction.ended_at is not None:
        raise Conflict(f"interaction {interaction_id!r} has already ended")
    return interaction


async def record_offer(
    session: AsyncSession,
    interaction_id: str,
    agent_id: str,
    offered_at: datetime,
    *,
    id: str | None = None,
) -> InteractionOffer:
    """Record that an interaction is being offered to an agent (their phone rings).

    ``id`` is the engine's offer id if it has one. The first offer also sets the
    interaction's ``offered_at``.
    """
    async with writing(session):
        offered_at = _aware(offered_at, "offered_at")
        interaction = await _open_interaction(session, interaction_id)
        await _get(session, Agent, agent_id, "agent")
        offer_id = id or str(uuid.uuid4())
        if await session.get(InteractionOffer, offer_id) is not None:
            raise Conflict(f"offer {offer_id!r} already exists")
        if interaction.offered_at is None:
            interaction.offered_at = offered_at
        offer = InteractionOffer(
            id=offer_id, interaction_id=interaction_id, agent_id=agent_id, offered_at=offered_at
        )
        session.add(offer)
    return offer


async def adopt_offer(
    session: AsyncSession,
    interaction_id: str,
    agent_id: str,
    offered_at: datetime,
    *,
    id: str,
    queue_id: str | None = None,
) -> InteractionOffer:
    """An offer a previous controller made, as a restarted one finds it: recorded as it
    was if it was, else recorded now (with its interaction, if that is missing too)."""
    async with writing(session):
        offered_at = _aware(offered_at, "offered_at")
        offer: InteractionOffer | None = await session.get(InteractionOffer, id)
        if offer is not None:
            return offer
        interaction: Interaction | None = await session.get(Interaction, interaction_id)
        if interaction is None:
            if queue_id is not None and await session.get(Queue, queue_id) is None:
                queue_id = None  # a queue since removed: the call is kept all the same
            interaction = Interaction(
                id=interaction_id, kind=InteractionKind.CALL, queue_id=queue_id,
                pbx_call_id=interaction_id, enqueued_at=offered_at,
            )  # fmt: skip
            session.add(interaction)
        await _get(session, Agent, agent_id, "agent")
        if interaction.offered_at is None:
            interaction.offered_at = offered_at
        offer = InteractionOffer(
            id=id, interaction_id=interaction_id, agent_id=agent_id, offered_at=offered_at
        )
        session.add(offer)
    return offer


async def finish_offer(
    session: AsyncSession, offer_id: str, result: OfferResult | str, ended_at: datetime
) -> InteractionOffer:
    """Record how an offer ended. ``answered`` also marks the interaction answered
    by the offer's agent at ``ended_at``."""
    async with writing(session):
        result = _member(OfferResult, result, "offer result")
        ended_at = _aware(ended_at, "ended_at")
        offer: InteractionOffer = await _get(session, InteractionOffer, offer_id, "offer")
        if offer.result is not None:
            raise Conflict(f"offer {offer_id!r} has already ended ({offer.result.value})")
        if result is OfferResult.ANSWERED:
            interaction = await _open_interaction(session, offer.interaction_id)
            if interaction.answered_at is not None:
                raise Conflict(
                    f"interaction {interaction.id!r} was already answered by "
                    f"{interaction.agent_id!r}"
                )
            interaction.answered_at = ended_at
            interaction.agent_id = offer.agent_id
        offer.result = result
        offer.ended_at = ended_at
    return offer


async def finish_interaction(
    session: AsyncSession,
    interaction_id: str,
    ended_at: datetime,
    outcome: InteractionOutcome | str,
    disposition: str | None = None,
) -> Interaction:
    """Record the end of an interaction. Offers still ringing end as cancelled (so a
    later ``finish_offer`` for one of them is a Conflict)."""
    async with writing(session):
        outcome = _member(InteractionOutcome, outcome, "outcome")
        ended_at = _aware(ended_at, "ended_at")
        if disposition is not None:
            validate.slug(disposition, what="disposition code")
        interaction = await _open_interaction(session, interaction_id)
        if outcome is InteractionOutcome.ANSWERED and interaction.answered_at is None:
            raise InvalidInput(
                f"interaction {interaction_id!r} was never answered",
                hint="record the answered offer first (finish_offer)",
            )
        ringing = await session.scalars(
            select(InteractionOffer).where(
                InteractionOffer.interaction_id == interaction_id,
                InteractionOffer.result.is_(None),
            )
        )
        for offer in ringing:
            offer.result = OfferResult.CANCELLED
            offer.ended_at = ended_at
        interaction.ended_at = ended_at
        interaction.outcome = outcome
        interaction.disposition = disposition
    return interaction


async def set_disposition(session: AsyncSession, interaction_id: str, code: str) -> Interaction:
    """The transaction code an agent gave an interaction (during or after it)."""
    async with writing(session):
        validate.slug(code, what="disposition code")
        interaction: Interaction = await _get(session, Interaction, interaction_id, "interaction")
        interaction.disposition = code
    return interaction


async def waiting_interactions(session: AsyncSession) -> Sequence[Interaction]:
    """Interactions still waiting in a queue (not answered, not ended), in the order
    they are to be served: higher priority first, then the longest waiting.

    Their offers are loaded too, so a restarted controller sees which agents were
    ringing. Used to resync after a controller restart.
    """
    query = (
        select(Interaction)
        .where(
            Interaction.queue_id.is_not(None),
            Interaction.answered_at.is_(None),
            Interaction.ended_at.is_(None),
        )
        .order_by(Interaction.priority.desc(), Interaction.enqueued_at, Interaction.id)
        .options(selectinload(Interaction.offers))
    )
    return (await session.scalars(query)).all()
