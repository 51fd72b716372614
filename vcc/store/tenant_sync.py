"""The admin's tenant file, written into the database, and what the PBX serves from it.

The admin edits one TOML file (``vcc.tenant``); ``vcc tenant apply`` makes the
database match it with :func:`apply_tenant`, and from then on the database is what
Asterisk serves (:func:`spec_from_db`): the agents' desk phones with the SIP
passwords generated for them here, and the queue numbers.

Applying is a sync, not an import: queues, agents, skills and status codes that
the file no longer has are removed, and applying the same file twice changes
nothing. Some things must outlive the file, though. Agents and queues with history
(status changes, interactions, offers) are never deleted: removing one is refused
with a Conflict that names them, and nothing is written. Status codes are
deactivated rather than deleted, so the status log keeps its meaning.

Every queue setting the database has a column for is stored, the exit key's
destination, ``default_handle_time`` and the status rules' ``max_missed_offers``
(one row of ``tenant_settings``) included; :func:`routing_from_db` reads back the
router's own two. Not stored (no table): a queue's dispositions, whether it requires
one and ``transfer_keeps_wait``, the IVR menus, the music on hold classes (the admin's
directories, which only the local PBX needs) and the non-agent phones. ``vcc serve``
still takes the router's settings from the file, all of them from one place.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vcc.core.agents import Status
from vcc.core.ivr import IvrMenu
from vcc.core.queues import OverflowToMessage, OverflowToQueue, OverflowToVoicemail, QueueConfig
from vcc.errors import Conflict, InvalidInput
from vcc.localpbx.spec import Endpoint, EndpointRole, MohClass, PbxSpec, QueueNumber
from vcc.store.models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Interaction,
    InteractionOffer,
    Queue,
    QueueMember,
    QueueSkill,
    Skill,
    StatusCode,
    StatusPolicy,
    TenantSettings,
)
from vcc.store.repository import writing
from vcc.tenant import Tenant


def new_sip_password() -> str:
    """A desk phone's SIP password: 24 hex digits (96 bits), fit for pjsip.conf."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class Changes:
    """What applying did to one kind of thing, by id."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        parts = [
            f"{len(ids)} {verb}" + (f" ({', '.join(ids)})" if ids else "")
            for verb, ids in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class ApplyReport:
    """What :func:`apply_tenant` changed. ``status_rules``: statuses whose "reason
    code required" setting changed, and ``max_missed_offers`` if it did."""

    queues: Changes = Changes()
    agents: Changes = Changes()
    skills: Changes = Changes()
    status_codes: Changes = Changes()
    status_rules: Changes = Changes()

    @property
    def changed(self) -> bool:
        return any(getattr(self, f.name).any for f in fields(self))

    def summary(self) -> str:
        if not self.changed:
            return "nothing changed: the database already matches the tenant file"
        return "\n".join(
            f"{f.name.replace('_', ' ') + ':':14}{getattr(self, f.name).describe()}"
            for f in fields(self)
        )


@dataclass(frozen=True)
class PbxProvisioning:
    """What the PBX serves, read from the database: the spec, and the SIP password of
    every agent's desk phone (extension → password)."""

    spec: PbxSpec
    sip_passwords: Mapping[str, str]


@dataclass(frozen=True)
class RoutingSettings:
    """The router's settings the database keeps beside the queues' columns: per queue
    id, the handle time (s) its wait estimates start from; the unanswered offers in a
    row before an automatic break (None: no tenant file applied yet)."""

    default_handle_times: Mapping[str, float]
    max_missed_offers: int | None


# -- the file, as rows ------------------------------------------------------------------
def _seconds(queue_id: str, name: str, value: float | None) -> int | None:
    if value is None:
        return None
    if value != int(value):
        raise InvalidInput(
            f"queue {queue_id}: {name} is {value:g} s, but the database keeps whole seconds",
            hint=f"give {name} in whole seconds",
        )
    return int(value)


def _queue_columns(config: QueueConfig, extension: str) -> dict[str, Any]:
    """A queue's columns as the file has them (the ones the file has a say in)."""
    overflow, exit_to = config.overflow, config.exit_to
    return {
        "name": config.id,
        "extension": extension,
        "strategy": config.strategy,
        "ring_timeout_s": _seconds(config.id, "ring_timeout", config.ring_timeout),
        "wrap_up_s": _seconds(config.id, "wrap_up", config.wrap_up),
        "max_wait_s": _seconds(config.id, "max_wait", config.max_wait),
        "max_length": config.max_length,
        "overflow_queue_id": overflow.queue if isinstance(overflow, OverflowToQueue) else None,
        "overflow_message": overflow.sound if isinstance(overflow, OverflowToMessage) else None,
        "overflow_voicemail": isinstance(overflow, OverflowToVoicemail),
        "join_when_empty": config.join_when_empty,
        "leave_when_empty": config.leave_when_empty,
        "announce_position_every_s": _seconds(
            config.id, "announce_position_every", config.announce_position_every
        ),
        "announce_only_when_improved": config.announce_only_when_improved,
        "periodic_message": config.periodic_message,
        "periodic_message_every_s": _seconds(
            config.id, "periodic_message_every", config.periodic_message_every
        ),
        "moh_class": config.moh_class,
        "exit_key": config.exit_key,
        "exit_queue_id": exit_to.queue if isinstance(exit_to, OverflowToQueue) else None,
        "exit_message": exit_to.sound if isinstance(exit_to, OverflowToMessage) else None,
        "exit_voicemail": isinstance(exit_to, OverflowToVoicemail),
        "default_handle_time_s": _seconds(
            config.id, "default_handle_time", config.default_handle_time
        ),
        "recording": config.recording,
    }


# Columns that refer to another queue: set once every queue exists (apply's step 3).
_QUEUE_REFERENCES = ("overflow_queue_id", "exit_queue_id")


def _levels(levels: Mapping[str, int]) -> dict[str, int]:
    # Level 0 means "not needed" (queue) or "hasn't it" (agent) to the router, which
    # reads a missing skill as 0: no row, and the database only keeps 1 to 10.
    return {skill: level for skill, level in levels.items() if level > 0}


@dataclass(frozen=True)
class _Desired:
    queues: dict[str, dict[str, Any]]  # id → columns
    queue_skills: dict[str, dict[str, int]]  # queue → skill → minimum level
    agents: dict[str, str]  # id → name
    agent_skills: dict[str, dict[str, int]]  # agent → skill → level
    members: dict[str, dict[str, int]]  # agent → queue → priority
    skills: set[str]
    codes: set[tuple[Status, str]]
    reason_required: set[Status]
    max_missed_offers: int


def _desired(tenant: Tenant) -> _Desired:
    extensions = {number.queue: number.extension for number in tenant.spec.queues}
    queue_skills = {q.id: _levels(q.required_skills) for q in tenant.queues}
    agent_skills = {a.id: _levels(a.skills) for a in tenant.agents}
    return _Desired(
        queues={q.id: _queue_columns(q, extensions[q.id]) for q in tenant.queues},
        queue_skills=queue_skills,
        agents={a.id: tenant.names.get(a.id) or a.id for a in tenant.agents},
        agent_skills=agent_skills,
        members={a.id: dict(a.queues) for a in tenant.agents},
        skills={s for levels in (*queue_skills.values(), *agent_skills.values()) for s in levels},
        codes={(status, code) for status, codes in tenant.rules.codes.items() for code in codes},
        reason_required=set(tenant.rules.reason_required),
        max_missed_offers=tenant.rules.max_missed_offers,
    )


# -- applying -----------------------------------------------------------------------------
async def apply_tenant(session: AsyncSession, tenant: Tenant) -> ApplyReport:
    """Make the database match ``tenant``: its queues, agents, skills, queue
    memberships, status codes and status rules. Returns what changed.

    Works in the caller's transaction and flushes, like the repository functions;
    the caller commits. New agents get a generated SIP password; existing ones keep
    theirs. On any error (a Conflict for removed agents or queues with history, an
    InvalidInput for a duration in fractions of a second) the transaction is rolled
    back and nothing is written.
    """
    async with writing(session):
        want = _desired(tenant)
        queues = {
            q.id: q
            for q in await session.scalars(
                select(Queue).options(selectinload(Queue.skills), selectinload(Queue.members))
            )
        }
        agents = {
            a.id: a
            for a in await session.scalars(select(Agent).options(selectinload(Agent.skills)))
        }
        skills = {s.id: s for s in await session.scalars(select(Skill))}
        codes = {(c.status, c.code): c for c in await session.scalars(select(StatusCode))}
        policies = {p.status: p for p in await session.scalars(select(StatusPolicy))}
        settings = await session.get(TenantSettings, 1)
        # max_missed_offers is reported as one more status rule, by its name
        missed_added = ("max_missed_offers",) if settings is None else ()
        missed_changed = (
            ("max_missed_offers",)
            if settings is not None and settings.max_missed_offers != want.max_missed_offers
            else ()
        )
        have_members: dict[str, dict[str, int]] = {}
        for queue in queues.values():
            for member in queue.members:
                have_members.setdefault(member.agent_id, {})[queue.id] = member.priority

        gone_queues = sorted(queues.keys() - want.queues.keys())
        gone_agents = sorted(agents.keys() - want.agents.keys())
        await _refuse_removing_history(session, gone_agents, gone_queues)

        report = ApplyReport(
            queues=_compare(
                queues,
                want.queues,
                lambda i: (
                    _columns(queues[i], want.queues[i]) != want.queues[i]
                    or {s.skill_id: s.min_level for s in queues[i].skills} != want.queue_skills[i]
                ),
            ),
            agents=_compare(
                agents,
                want.agents,
                lambda i: (
                    (agents[i].name, agents[i].extension) != (want.agents[i], i)
                    or {s.skill_id: s.level for s in agents[i].skills} != want.agent_skills[i]
                    or have_members.get(i, {}) != want.members[i]
                ),
            ),
            skills=_compare(skills, want.skills, lambda _: False),
            status_codes=Changes(
                added=_ids(k for k in want.codes if k not in codes or not codes[k].active),
                removed=_ids(k for k, c in codes.items() if c.active and k not in want.codes),
            ),
            status_rules=Changes(
                added=tuple(
                    sorted(
                        _ids(s for s in want.reason_required if s not in policies) + missed_added
                    )
                ),
                changed=tuple(
                    sorted(
                        _ids(
                            s
                            for s in want.reason_required
                            if s in policies and not policies[s].reason_required
                        )
                        + missed_changed
                    )
                ),
                removed=_ids(
                    s
                    for s, p in policies.items()
                    if p.reason_required and s not in want.reason_required
                ),
            ),
        )
        if not report.changed:
            return report

        # In steps, flushing between them: the rows refer to each other, and a row
        # must be gone before another takes its extension, there before one refers
        # to it (the unit of work only orders rows by their relationships).
        # 1. Drop the rows that go, children first.
        for queue_id, queue in queues.items():
            queue.members = [
                m for m in queue.members if queue_id in want.members.get(m.agent_id, {})
            ]
            keep = want.queue_skills.get(queue_id, {})
            queue.skills = [s for s in queue.skills if s.skill_id in keep]
            # A reference that goes or changes is cleared first (step 3 sets the new
            # one): its queue may go, and a message may take its place, which the
            # one-way CHECKs refuse beside a queue.
            for reference in _QUEUE_REFERENCES:
                wanted = want.queues.get(queue_id, {}).get(reference)
                if getattr(queue, reference) not in (None, wanted):
                    setattr(queue, reference, None)
        for agent_id, agent in agents.items():
            keep = want.agent_skills.get(agent_id, {})
            agent.skills = [s for s in agent.skills if s.skill_id in keep]
        await session.flush()
        for gone in (*(queues.pop(i) for i in gone_queues), *(agents.pop(i) for i in gone_agents)):
            await session.delete(gone)
        await session.flush()
        for skill_id in sorted(skills.keys() - want.skills):
            await session.delete(skills.pop(skill_id))
        await session.flush()

        # 2. Add and update the rows others refer to: skills, queues, agents.
        for skill_id in sorted(want.skills - skills.keys()):
            skills[skill_id] = Skill(id=skill_id, name=skill_id)
            session.add(skills[skill_id])
        for queue_id, columns in want.queues.items():
            if queue_id not in queues:
                queues[queue_id] = Queue(id=queue_id, skills=[], members=[])
                session.add(queues[queue_id])
            for name, value in columns.items():
                if name not in _QUEUE_REFERENCES and getattr(queues[queue_id], name) != value:
                    setattr(queues[queue_id], name, value)
        for agent_id, name in want.agents.items():
            if agent_id not in agents:
                agents[agent_id] = Agent(
                    id=agent_id,
                    name=name,
                    extension=agent_id,
                    sip_password=new_sip_password(),
                    skills=[],
                )
                session.add(agents[agent_id])
            agent = agents[agent_id]
            if (agent.name, agent.extension) != (name, agent_id):
                agent.name, agent.extension = name, agent_id
        await session.flush()

        # 3. The rows that refer to them.
        for queue_id, queue in queues.items():
            for reference in _QUEUE_REFERENCES:
                if getattr(queue, reference) != want.queues[queue_id][reference]:
                    setattr(queue, reference, want.queues[queue_id][reference])
            _sync_rows(
                queue.skills,
                want.queue_skills[queue_id],
                QueueSkill,
                "min_level",
                queue_id=queue_id,
            )
            priorities = {
                agent_id: wanted[queue_id]
                for agent_id, wanted in want.members.items()
                if queue_id in wanted
            }
            _sync_rows(
                queue.members,
                priorities,
                QueueMember,
                "priority",
                key="agent_id",
                queue_id=queue_id,
            )
        for agent_id, agent in agents.items():
            _sync_rows(
                agent.skills, want.agent_skills[agent_id], AgentSkill, "level", agent_id=agent_id
            )
        for key, code in codes.items():
            if code.active != (key in want.codes):
                code.active = key in want.codes
        for status, code_name in sorted(want.codes - codes.keys(), key=_id):
            session.add(StatusCode(status=status, code=code_name, label=code_name, active=True))
        for status, policy in policies.items():
            if policy.reason_required and status not in want.reason_required:
                await session.delete(policy)
            elif status in want.reason_required and not policy.reason_required:
                policy.reason_required = True
        for status in sorted(want.reason_required - policies.keys(), key=_id):
            session.add(StatusPolicy(status=status, reason_required=True))
        if settings is None:
            session.add(TenantSettings(id=1, max_missed_offers=want.max_missed_offers))
        elif settings.max_missed_offers != want.max_missed_offers:
            settings.max_missed_offers = want.max_missed_offers
    return report


def _columns(queue: Queue, like: Mapping[str, Any]) -> dict[str, Any]:
    return {name: getattr(queue, name) for name in like}


def _compare(
    have: Collection[str], want: Collection[str], differs: Callable[[str], bool]
) -> Changes:
    return Changes(
        added=tuple(sorted(set(want) - set(have))),
        changed=tuple(sorted(i for i in set(want) & set(have) if differs(i))),
        removed=tuple(sorted(set(have) - set(want))),
    )


def _id(key: Status | tuple[Status, str]) -> str:
    if isinstance(key, Status):
        return key.value
    status, code = key
    return f"{status.value}/{code}"


def _ids(keys: Iterable[Status | tuple[Status, str]]) -> tuple[str, ...]:
    return tuple(sorted(_id(k) for k in keys))


def _sync_rows(
    rows: list[Any],
    want: Mapping[str, int],
    model: type[Any],
    column: str,
    *,
    key: str = "skill_id",
    **parent: str,
) -> None:
    """Make ``rows`` (a loaded collection of ``model``) hold a row per ``want`` item
    (``key`` → value in ``column``); the rows not wanted were dropped already."""
    have = {getattr(row, key): row for row in rows}
    for name, value in want.items():
        if name not in have:
            rows.append(model(**parent, **{key: name, column: value}))
        elif getattr(have[name], column) != value:
            setattr(have[name], column, value)


async def _refuse_removing_history(
    session: AsyncSession, agent_ids: Sequence[str], queue_ids: Sequence[str]
) -> None:
    """Agents and queues that reports refer to stay: refuse to remove them."""
    agents: set[str] = set()
    if agent_ids:
        for column in (
            AgentStatusChange.agent_id,
            Interaction.agent_id,
            InteractionOffer.agent_id,
        ):
            agents.update(
                str(a) for a in await session.scalars(select(column).where(column.in_(agent_ids)))
            )
    queues: set[str] = set()
    if queue_ids:
        queues.update(
            str(q)
            for q in await session.scalars(
                select(Interaction.queue_id).where(Interaction.queue_id.in_(queue_ids))
            )
        )
    if not agents and not queues:
        return
    what = []
    if agents:
        what.append(f"agent(s) {', '.join(sorted(agents))}")
    if queues:
        what.append(f"queue(s) {', '.join(sorted(queues))}")
    raise Conflict(
        f"the tenant file no longer has {' and '.join(what)}, which have history "
        "(status changes or interactions) that reports need; nothing was changed",
        hint="keep them in the file: an agent with queues = {} takes no calls, and a "
        "queue nobody dials is harmless",
    )


# -- what the PBX serves ------------------------------------------------------------------
async def spec_from_db(
    session: AsyncSession,
    *,
    phones: Sequence[Endpoint] = (),
    menus: Sequence[IvrMenu] = (),
    moh_classes: Sequence[MohClass] = (),
) -> PbxProvisioning:
    """What the PBX serves: every agent's desk phone with the database's SIP password,
    the queue numbers, and the ``phones`` and ``menus`` the database doesn't keep
    (from the tenant file). Raises InvalidInput if they don't fit together (a menu
    sends callers to a queue the database doesn't have, one number used twice)."""
    agents = (await session.scalars(select(Agent).order_by(Agent.extension))).all()
    queues = (await session.scalars(select(Queue).order_by(Queue.extension))).all()
    spec = PbxSpec(
        endpoints=(
            *(Endpoint(a.extension, EndpointRole.AGENT) for a in agents),
            *(p for p in phones if p.role is not EndpointRole.AGENT),
        ),
        queues=tuple(QueueNumber(q.extension, q.id, q.moh_class) for q in queues),
        menus=tuple(menus),
        moh_classes=tuple(moh_classes),
    )
    return PbxProvisioning(spec, {a.extension: a.sip_password for a in agents})


async def routing_from_db(session: AsyncSession) -> RoutingSettings:
    """The router's settings the tenant file wrote beside what the PBX serves (see
    :func:`spec_from_db`, whose spec has no place for them: the PBX never uses them)."""
    queues = await session.execute(select(Queue.id, Queue.default_handle_time_s))
    settings = await session.get(TenantSettings, 1)
    return RoutingSettings(
        default_handle_times={queue_id: float(seconds) for queue_id, seconds in queues},
        max_missed_offers=None if settings is None else settings.max_missed_offers,
    )
