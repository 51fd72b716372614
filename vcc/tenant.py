"""A contact center's configuration as the admin writes it: one TOML file.

Queues, agents (and their skills and queue priorities), IVR menus, status codes and
the phones of non-agents. Loading checks everything at once and says exactly where
a mistake is; a file with a mistake changes nothing. See ``vcc/tenants/demo.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from vcc import validate
from vcc.core.agents import Status, StatusRules
from vcc.core.channels import Channel
from vcc.core.ivr import HangUp, IvrAction, IvrMenu, OpenHours, PlayAndHangUp, ToMenu, ToQueue
from vcc.core.outbound import OutboundPolicy
from vcc.core.queues import (
    Overflow,
    OverflowToMessage,
    OverflowToQueue,
    OverflowToVoicemail,
    QueueConfig,
    RecordingPolicy,
    Strategy,
)
from vcc.core.routing import Agent
from vcc.errors import ConfigError, InvalidInput
from vcc.localpbx.spec import Endpoint, EndpointRole, MohClass, PbxSpec, QueueNumber

DEMO_TENANT = Path(__file__).resolve().parent / "tenants" / "demo.toml"
NAME_LENGTH = 100  # an agent's name, as the database keeps it

T = TypeVar("T")


@dataclass(frozen=True)
class Tenant:
    spec: PbxSpec  # what the PBX serves
    queues: tuple[QueueConfig, ...]
    agents: tuple[Agent, ...]
    rules: StatusRules
    names: Mapping[str, str] = field(default_factory=dict)  # agent id → name, if given
    outbound: OutboundPolicy | None = None  # None: agents cannot call out
    # Agents with their own chat/email/voicemail limits (the rest: vcc's settings).
    capacities: Mapping[str, Mapping[Channel, int]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"{len(self.queues)} queue(s): "
            + ", ".join(f"{q.extension} {q.queue}" for q in self.spec.queues),
            f"{len(self.agents)} agent(s): " + ", ".join(a.id for a in self.agents),
            f"{len(self.spec.menus)} IVR menu(s): "
            + ", ".join(
                f"{m.id}" + (f" ({m.extension})" if m.extension else "") for m in self.spec.menus
            ),
        ]
        if self.spec.moh_classes:
            lines.append(
                f"{len(self.spec.moh_classes)} music on hold class(es): "
                + ", ".join(f"{m.name} ({m.directory})" for m in self.spec.moh_classes)
            )
        return "\n".join(lines)

    def check_music(self) -> None:
        """Every music on hold class's directory is there and holds sound files to play
        (InvalidInput if not). Not part of loading: ``vcc serve`` and ``vcc pbx stop``
        need none of them; ``vcc tenant check`` and ``apply`` say so before the PBX
        would, when it starts and copies them in."""
        for moh in self.spec.moh_classes:
            moh.files()


class _Reader:
    """Reads one table of the file; every error names the place it comes from."""

    def __init__(self, where: str, table: Any) -> None:
        if not isinstance(table, dict):
            raise InvalidInput(f"{where} must be a table")
        self.where = where
        self.table: dict[str, Any] = table
        self.used: set[str] = set()

    def get(
        self, key: str, kind: type[T], default: T | None = None, *, required: bool = False
    ) -> T:
        self.used.add(key)
        if key not in self.table:
            if required:
                raise InvalidInput(f"{self.where}: '{key}' is missing")
            return default  # type: ignore[return-value]
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InvalidInput(f"{self.where}.{key}: expected {kind.__name__}, got {value!r}")
        return value

    def check(self, build: Callable[[], T]) -> T:
        try:
            return build()
        except InvalidInput as exc:
            if exc.message.startswith(self.where):
                raise
            raise InvalidInput(f"{self.where}: {exc.message}", hint=exc.hint) from None
        except ValueError as exc:
            raise InvalidInput(f"{self.where}: {exc}") from None

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise InvalidInput(
                f"{self.where}: unknown key(s) {', '.join(unknown)}",
                hint="check the spelling against vcc/tenants/demo.toml",
            )


def _levels(where: str, table: Any) -> dict[str, int]:
    if not isinstance(table, dict):
        raise InvalidInput(f"{where} must be a table of name = number")
    for name, level in table.items():
        validate.slug(name, what=f"{where} name")
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 10:
            raise InvalidInput(f"{where}.{name}: expected a number from 0 to 10, got {level!r}")
    return dict(table)


def _destination(r: _Reader, prefix: str) -> Overflow | None:
    """Where a caller goes (``<prefix>_queue``, ``<prefix>_message`` or
    ``<prefix>_voicemail = true``), if anywhere."""
    queue = r.get(f"{prefix}_queue", str)
    message = r.get(f"{prefix}_message", str)
    voicemail = r.get(f"{prefix}_voicemail", bool, False)
    if sum(x is not None and x is not False for x in (queue, message, voicemail)) > 1:
        raise InvalidInput(
            f"{r.where}: give one of {prefix}_queue, {prefix}_message, {prefix}_voicemail"
        )
    if voicemail:
        return OverflowToVoicemail()
    if queue is not None:
        return OverflowToQueue(queue)
    return None if message is None else r.check(lambda: OverflowToMessage(message))


def _queue(where: str, table: Any) -> tuple[QueueConfig, QueueNumber]:
    r = _Reader(where, table)
    queue_id = r.get("id", str, required=True)
    extension = r.get("extension", str, required=True)
    overflow = _destination(r, "overflow")
    exit_to = _destination(r, "exit")
    strategy_name = r.get("strategy", str, "longest_idle")
    try:
        strategy = Strategy(strategy_name)
    except ValueError:
        raise InvalidInput(
            f"{where}.strategy: unknown strategy {strategy_name!r}",
            hint="use one of " + ", ".join(s.value for s in Strategy),
        ) from None
    recording_name = r.get("recording", str, "never")
    try:
        recording = RecordingPolicy(recording_name)
    except ValueError:
        raise InvalidInput(
            f"{where}.recording: queue {queue_id!r} has unknown recording policy "
            f"{recording_name!r}",
            hint="use one of " + ", ".join(p.value for p in RecordingPolicy),
        ) from None
    skills = _levels(f"{where}.skills", r.get("skills", dict, {}))
    config = r.check(
        lambda: QueueConfig(
            queue_id,
            strategy=strategy,
            ring_timeout=r.get("ring_timeout", float, 15.0),
            wrap_up=r.get("wrap_up", float, 0.0),
            max_wait=r.get("max_wait", float),
            max_length=r.get("max_length", int),
            overflow=overflow,
            join_when_empty=r.get("join_when_empty", bool, True),
            leave_when_empty=r.get("leave_when_empty", bool, False),
            required_skills=skills,
            announce_position_every=r.get("announce_position_every", float),
            announce_only_when_improved=r.get("announce_only_when_improved", bool, False),
            periodic_message=r.get("periodic_message", str),
            periodic_message_every=r.get("periodic_message_every", float),
            default_handle_time=r.get("default_handle_time", float, 180.0),
            dispositions=tuple(_strings(f"{where}.dispositions", r.get("dispositions", list, []))),
            disposition_required=r.get("disposition_required", bool, False),
            transfer_keeps_wait=r.get("transfer_keeps_wait", bool, True),
            exit_key=r.get("exit_key", str),
            moh_class=r.get("moh_class", str, "default"),
            exit_to=exit_to,
            recording=recording,
            service_level_target=r.get("service_level_target", float, 20.0),
        )
    )
    number = r.check(lambda: QueueNumber(extension, queue_id, config.moh_class))
    r.done()
    return config, number


def _strings(where: str, values: list[Any]) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{where}: expected a list of strings")
    return values


def _outbound(table: Any) -> OutboundPolicy:
    r = _Reader("outbound", table)
    dial = r.get("dial", str, required=True)
    allowed = _strings("outbound.allowed", r.get("allowed", list, []))
    ring_timeout = r.get("ring_timeout", float, 45.0)
    wrap_up = r.get("wrap_up", float, 0.0)
    r.done()
    try:
        return OutboundPolicy.create(dial, allowed, ring_timeout=ring_timeout, wrap_up=wrap_up)
    except ConfigError as exc:
        raise InvalidInput(f"outbound: {exc.message}", hint=exc.hint) from None


def _capacity(where: str, table: Any) -> dict[Channel, int]:
    """An agent's own limits: ``capacity = { chat = 5, voicemail = 0 }``."""
    r = _Reader(where, table)
    limits = {c: r.get(c.value, int) for c in Channel}
    r.done()
    for channel, limit in limits.items():
        if limit is not None and not 0 <= limit <= 50:
            raise InvalidInput(f"{where}.{channel.value}: give 0 to 50")
    return {c: n for c, n in limits.items() if n is not None}


def _agent(where: str, table: Any) -> tuple[Agent, str | None, dict[Channel, int] | None]:
    r = _Reader(where, table)
    agent_id = r.get("id", str, required=True)
    r.check(lambda: validate.extension(agent_id, what="agent id (the desk phone's extension)"))
    name = r.get("name", str)  # for people: stored with the agent, shown by the console
    if name is not None and not 0 < len(name.strip()) <= NAME_LENGTH:
        raise InvalidInput(f"{where}.name: give 1 to {NAME_LENGTH} characters")
    queues = r.get("queues", dict, required=True)
    for queue_id, priority in queues.items():
        if not isinstance(priority, int) or isinstance(priority, bool) or priority < 0:
            raise InvalidInput(f"{where}.queues.{queue_id}: expected a priority ≥ 0")
    status_name = r.get("status", str, "logged_out")
    try:
        status = Status(status_name)
    except ValueError:
        raise InvalidInput(
            f"{where}.status: unknown status {status_name!r}",
            hint="use one of " + ", ".join(s.value for s in Status),
        ) from None
    skills = _levels(f"{where}.skills", r.get("skills", dict, {}))
    capacity = r.get("capacity", dict)
    limits = None if capacity is None else _capacity(f"{where}.capacity", capacity)
    r.done()
    agent = Agent(agent_id, f"PJSIP/{agent_id}", dict(queues), skills, status=status)
    return agent, name, limits


def _action(where: str, table: Any) -> IvrAction:
    r = _Reader(where, table)
    if r.get("hangup", bool, False):
        action: IvrAction = HangUp()
    elif r.get("queue", str) is not None:
        action = r.check(lambda: ToQueue(r.get("queue", str), r.get("priority", int, 0)))
    elif r.get("menu", str) is not None:
        action = r.check(lambda: ToMenu(r.get("menu", str)))
    elif r.get("message", str) is not None:
        action = r.check(lambda: PlayAndHangUp(r.get("message", str)))
    else:
        raise InvalidInput(
            f"{where}: say what the key does",
            hint='one of: queue = "id" (priority = n), menu = "id", message = "sound", '
            "hangup = true",
        )
    r.done()
    return action


def _menu(where: str, table: Any) -> IvrMenu:
    r = _Reader(where, table)
    options = r.get("options", dict, required=True)
    actions = {key: _action(f"{where}.options.{key}", value) for key, value in options.items()}
    hours = None
    if r.get("hours", dict) is not None:
        h = _Reader(f"{where}.hours", r.get("hours", dict))
        raw_ranges = h.get("ranges", list, required=True)
        if not all(isinstance(p, list) and len(p) == 2 for p in raw_ranges):
            raise InvalidInput(f'{where}.hours.ranges: each range is ["HH:MM-HH:MM", "days"]')
        ranges = tuple((str(p[0]), str(p[1])) for p in raw_ranges)
        hours = h.check(lambda: OpenHours(ranges, h.get("closed_sound", str, "ss-noservice")))
        h.done()
    failure = r.get("on_failure", dict)
    menu = r.check(
        lambda: IvrMenu(
            r.get("id", str, required=True),
            r.get("prompt", str, required=True),
            actions,
            extension=r.get("extension", str),
            timeout=r.get("timeout", int, 5),
            attempts=r.get("attempts", int, 3),
            invalid_sound=r.get("invalid_sound", str, "pbx-invalid"),
            on_failure=_action(f"{where}.on_failure", failure) if failure else HangUp(),
            hours=hours,
        )
    )
    r.done()
    return menu


def _rules(table: Mapping[str, Any]) -> StatusRules:
    codes: dict[Status, frozenset[str]] = {}
    for status_name, names in table.get("status_codes", {}).items():
        where = f"status_codes.{status_name}"
        try:
            status = Status(status_name)
        except ValueError:
            raise InvalidInput(f"{where}: unknown status {status_name!r}") from None
        if not isinstance(names, list):
            raise InvalidInput(f"{where}: expected a list of codes")
        codes[status] = frozenset(validate.slug(n, what=f"{where} code") for n in names)
    r = _Reader("status_rules", table.get("status_rules", {}))
    required = set()
    for status_name in r.get("reason_required", list, []):
        try:
            required.add(Status(status_name))
        except ValueError:
            raise InvalidInput(
                f"status_rules.reason_required: unknown status {status_name!r}"
            ) from None
    for status in required:
        if not codes.get(status):
            raise InvalidInput(
                f"status_rules.reason_required: {status.value} needs codes to choose from",
                hint=f'add [status_codes] {status.value} = ["..."]',
            )
    rules = r.check(
        lambda: StatusRules(
            codes=codes,
            reason_required=frozenset(required),
            max_missed_offers=r.get("max_missed_offers", int, 3),
        )
    )
    r.done()
    return rules


def parse_tenant(table: Mapping[str, Any]) -> Tenant:
    """Build and check a tenant from a parsed TOML document."""
    known = {
        "queues",
        "agents",
        "phones",
        "menus",
        "status_codes",
        "status_rules",
        "outbound",
        "moh",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise InvalidInput(
            f"unknown section(s) {', '.join(unknown)}", hint=f"known: {', '.join(sorted(known))}"
        )
    pairs = [_queue(f"queues[{i}]", q) for i, q in enumerate(table.get("queues", []))]
    queues = tuple(q for q, _ in pairs)
    ids = [q.id for q in queues]
    for queue_id in {i for i in ids if ids.count(i) > 1}:
        raise InvalidInput(f"queue id {queue_id!r} is used twice")
    for queue in queues:
        if isinstance(queue.overflow, OverflowToQueue) and queue.overflow.queue not in ids:
            raise InvalidInput(
                f"queue {queue.id}: overflow_queue {queue.overflow.queue!r} is unknown"
            )
        if isinstance(queue.exit_to, OverflowToQueue) and queue.exit_to.queue not in ids:
            raise InvalidInput(f"queue {queue.id}: exit_queue {queue.exit_to.queue!r} is unknown")
    named = [_agent(f"agents[{i}]", a) for i, a in enumerate(table.get("agents", []))]
    agents = tuple(a for a, _, _ in named)
    for agent in agents:
        for queue_id in agent.queues:
            if queue_id not in ids:
                raise InvalidInput(
                    f"agent {agent.id}: unknown queue {queue_id!r}",
                    hint=f"known queues: {', '.join(ids) or 'none'}",
                )
    phones: list[Endpoint] = []
    for i, phone in enumerate(table.get("phones", [])):
        r = _Reader(f"phones[{i}]", phone)
        extension: str = r.get("extension", str, required=True)
        phones.append(r.check(lambda: Endpoint(extension, EndpointRole.CALLER)))  # noqa: B023
        r.done()
    menus = tuple(_menu(f"menus[{i}]", m) for i, m in enumerate(table.get("menus", [])))
    moh = table.get("moh", {})
    if not isinstance(moh, dict) or not all(isinstance(d, str) for d in moh.values()):
        raise InvalidInput("[moh] must be a table of class name = directory")
    moh_classes: list[MohClass] = []
    for name, directory in moh.items():
        try:
            moh_classes.append(MohClass(name, Path(directory)))
        except InvalidInput as exc:
            raise InvalidInput(f"moh.{name}: {exc.message}", hint=exc.hint) from None
    spec = PbxSpec(
        endpoints=(*(Endpoint(a.id, EndpointRole.AGENT) for a in agents), *phones),
        queues=tuple(n for _, n in pairs),
        menus=menus,
        moh_classes=tuple(moh_classes),
    )
    names = {a.id: name.strip() for a, name, _ in named if name is not None}
    capacities = {a.id: limits for a, _, limits in named if limits}
    outbound = _outbound(table["outbound"]) if "outbound" in table else None
    return Tenant(spec, queues, agents, _rules(table), names, outbound, capacities)


def load_tenant(path: Path) -> Tenant:
    """Read and check a tenant file; any mistake is a ConfigError naming the file."""
    try:
        table = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"tenant file {path} does not exist", hint="see vcc/tenants/demo.toml"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        return parse_tenant(table)
    except InvalidInput as exc:
        raise ConfigError(f"{path}: {exc.message}", hint=exc.hint) from None
