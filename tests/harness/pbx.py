"""The real-PBX test harness: vcc's own Asterisk on test-only ports, baresip phones,
an AMI monitor that records every event, and controllers started per test."""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from tests.harness.phones import Phone
from tests.harness.until import eventually
from vcc.config import PbxPorts, Settings, load_settings
from vcc.core.agents import Status
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine
from vcc.localpbx import install as installer
from vcc.localpbx.instance import LocalAsterisk
from vcc.localpbx.spec import Endpoint, EndpointRole, PbxSpec, QueueNumber
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.events import PbxEvent

E = TypeVar("E", bound=PbxEvent)

TEST_PORTS = PbxPorts(sip=25060, ami=25038, rtp_start=26000, rtp_end=26499)
QUEUE = QueueNumber("7000", "support")
MOH_HZ = 330.0


@dataclass(frozen=True)
class PhonePlan:
    extension: str
    role: EndpointRole
    tone_hz: float | None  # None: the endpoint exists but no phone ever registers


PHONES = (
    PhonePlan("1001", EndpointRole.AGENT, 1000.0),
    PhonePlan("1002", EndpointRole.AGENT, 1200.0),
    PhonePlan("1003", EndpointRole.AGENT, None),
    PhonePlan("2001", EndpointRole.CALLER, 440.0),
    PhonePlan("2002", EndpointRole.CALLER, 600.0),
)


class Monitor:
    """Every event Asterisk sends, in order, through vcc's own driver."""

    def __init__(self, driver: AsteriskDriver) -> None:
        self.driver = driver
        self.events: list[PbxEvent] = []
        driver.subscribe(self.events.append)

    def of(self, kind: type[E], **match: object) -> list[E]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())
        ]

    async def wait_for(self, kind: type[E], *, timeout: float = 10.0, **match: object) -> E:
        found: list[E] = await eventually(
            lambda: self.of(kind, **match),
            timeout=timeout,
            what=f"{kind.__name__} {match}",
        )
        return found[0]


class PbxHarness:
    """Asterisk + phones for one test session (or one benchmark run).

    ``phone_port_base`` spaces the phones' SIP, control and RTP ports so that two
    harnesses (tests and a benchmark) can run side by side on one machine.
    """

    def __init__(self, settings: Settings, *, phone_port_base: int = 25100) -> None:
        runtime = installer.install(settings, lambda m: print(f"[harness] {m}", file=sys.stderr))
        spec = PbxSpec(
            endpoints=tuple(Endpoint(p.extension, p.role) for p in PHONES), queues=(QUEUE,)
        )
        self.settings = settings
        self.asterisk = LocalAsterisk(settings, runtime, spec)
        self.phones: dict[str, Phone] = {}
        self.monitor: Monitor
        self.phone_port_base = phone_port_base

    @classmethod
    def for_tests(cls) -> PbxHarness:
        return cls(load_settings().with_changes(instance="test", ports=TEST_PORTS))

    @property
    def ports(self) -> PbxPorts:
        return self.settings.ports

    async def start(self) -> None:
        self.asterisk.stop()  # a run that was killed may have left one behind
        self.asterisk.start()
        for index, plan in enumerate(PHONES):
            if plan.tone_hz is None:
                continue
            phone = Phone(
                self.asterisk.runtime,
                self.asterisk.base,
                plan.extension,
                self.asterisk.sip_password(plan.extension),
                pbx_sip_port=self.ports.sip,
                # baresip also listens on TCP sip_port + 1: keep phones 10 apart
                sip_port=self.phone_port_base + 10 * index,
                ctrl_port=self.phone_port_base + 500 + index,
                rtp_ports=(
                    self.phone_port_base + 1900 + 100 * index,
                    self.phone_port_base + 1999 + 100 * index,
                ),
                tone_hz=plan.tone_hz,
            )
            await phone.start()
            self.phones[plan.extension] = phone
        self.monitor = Monitor(self.driver())
        await self.monitor.driver.start()

    async def stop(self) -> None:
        if hasattr(self, "monitor"):  # start() may have failed before the monitor was up
            await self.monitor.driver.close()
        for phone in self.phones.values():
            await phone.stop()
        self.asterisk.stop()

    def driver(self, *, ami_port: int | None = None, **options: object) -> AsteriskDriver:
        """vcc's AMI driver for this PBX (through another port, e.g. a fault proxy)."""
        ami = self.asterisk.ami_settings()
        if ami_port is not None:
            ami = replace(ami, port=ami_port)
        return AsteriskDriver(ami, **options)  # type: ignore[arg-type]

    async def reset(self) -> None:
        """Between tests: no calls left, phones answering, nothing recorded."""
        for phone in self.phones.values():
            with contextlib.suppress(AssertionError):
                await phone.command("hangupall", "all")
            await phone.set_auto_answer(True)

        async def no_channels() -> bool:
            return not (await self.monitor.driver.snapshot()).channels

        await eventually(no_channels, timeout=10, what="no channels left on the PBX")
        for phone in self.phones.values():
            phone.clear()
        self.monitor.events.clear()

    @contextlib.asynccontextmanager
    async def controller(
        self,
        agent_ids: Iterable[str],
        *,
        ring_timeout: float = 10.0,
        ami_port: int | None = None,
        **driver_options: object,
    ) -> AsyncIterator[Engine]:
        """A vcc controller (driver + engine) serving ``agent_ids`` for the test queue.

        The agents are listed longest-idle first, so that is the order they are offered.
        """
        agents = [
            Agent(a, f"PJSIP/{a}", {QUEUE.queue: 0}, status=Status.AVAILABLE, idle_since=float(i))
            for i, a in enumerate(agent_ids)
        ]
        queues = [QueueConfig(QUEUE.queue, ring_timeout=ring_timeout)]
        driver = self.driver(ami_port=ami_port, **driver_options)
        engine = Engine(driver, RouterState.create(agents, queues, id_prefix=secrets.token_hex(3)))
        async with engine.serving():
            yield engine
