"""The real-PBX test harness: vcc's own Asterisk on test-only ports, baresip phones,
an AMI monitor that records every event, and controllers started per test."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TypeVar

from tests.harness.phones import Phone
from tests.harness.until import eventually
from vcc.config import PbxPorts, Settings, load_settings
from vcc.core.agents import Status, StatusRules
from vcc.core.ivr import IvrMenu, PlayAndHangUp, ToQueue
from vcc.core.queues import QueueConfig
from vcc.core.routing import Agent, RouterState
from vcc.engine import Engine, Journal
from vcc.localpbx import install as installer
from vcc.localpbx.audio import write_tone
from vcc.localpbx.instance import LocalAsterisk
from vcc.localpbx.spec import Endpoint, EndpointRole, MohClass, PbxSpec, QueueNumber
from vcc.pbx.asterisk import AsteriskDriver
from vcc.pbx.events import PbxEvent
from vcc.recording import RecordingStore

E = TypeVar("E", bound=PbxEvent)

TEST_PORTS = PbxPorts(sip=25060, ami=25038, rtp_start=26000, rtp_end=26499)
QUEUE = QueueNumber("7000", "support")
SALES = QueueNumber("7001", "sales", moh_class="sales-music")
MOH_HZ = 330.0  # vcc's default class (support)
SALES_MOH_HZ = 370.0  # sales' own class: the harness gives it a directory of its own

# Sounds the tests give the PBX: tones, so what a caller heard can be told apart.
TEST_SOUNDS = {
    "prompt": 700.0,  # the IVR menu's prompt
    "invalid": 850.0,  # "that key is not valid"
    "goodbye": 900.0,  # the IVR gives up
    "full": 1500.0,  # overflow message
    "periodic": 750.0,  # a queue's periodic message
}
MENU = IvrMenu(
    "main",
    "vcc-test/prompt",
    {"1": ToQueue(QUEUE.queue), "2": ToQueue(SALES.queue, priority=5)},
    extension="7100",
    timeout=3,
    attempts=2,
    invalid_sound="vcc-test/invalid",
    on_failure=PlayAndHangUp("vcc-test/goodbye"),
)


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
    PhonePlan("2003", EndpointRole.CALLER, 520.0),
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
        sales_music = settings.data_dir / f"{settings.instance}-moh" / "sales-music"
        write_tone(sales_music / "tone.wav", SALES_MOH_HZ, 10.0, amplitude=0.3)
        spec = PbxSpec(
            endpoints=tuple(Endpoint(p.extension, p.role) for p in PHONES),
            queues=(QUEUE, SALES),
            menus=(MENU,),
            moh_classes=(MohClass(SALES.moh_class, sales_music),),
        )
        self.settings = settings
        self.asterisk = LocalAsterisk(settings, runtime, spec)
        self.phones: dict[str, Phone] = {}
        self.monitor: Monitor
        self.phone_port_base = phone_port_base

    @classmethod
    def for_tests(cls) -> PbxHarness:
        """The tests' PBX. ``VCC_TEST_SLOT=1`` or ``2`` moves it to its own instance and
        ports (3,000 up per slot), so two test runs can share a machine."""
        slot = int(os.environ.get("VCC_TEST_SLOT", "0") or 0)
        if slot not in (0, 1, 2):
            raise ValueError("VCC_TEST_SLOT must be 0, 1 or 2")
        shift = 3000 * slot
        ports = PbxPorts(
            sip=TEST_PORTS.sip + shift,
            ami=TEST_PORTS.ami + shift,
            rtp_start=TEST_PORTS.rtp_start + shift,
            rtp_end=TEST_PORTS.rtp_end + shift,
        )
        instance = f"test{slot}" if slot else "test"
        settings = load_settings().with_changes(instance=instance, ports=ports)
        return cls(settings, phone_port_base=25100 + shift)

    @property
    def recordings(self) -> RecordingStore:
        """Where this PBX records calls (as a queue's policy says; most record none)."""
        return RecordingStore.for_instance(self.asterisk)

    @property
    def ports(self) -> PbxPorts:
        return self.settings.ports

    async def start(self) -> None:
        self.asterisk.stop()  # a run that was killed may have left one behind
        sounds = self.asterisk.runtime.host_path(PurePosixPath("/usr/share/asterisk/sounds"))
        for name, hz in TEST_SOUNDS.items():
            write_tone(sounds / "vcc-test" / f"{name}.wav", hz, 1.0)
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

    def prompt_as_wav(self, name: str) -> Path:
        """One of Asterisk's own prompts, decoded by Asterisk to a WAV the tests can read."""
        inner = self.asterisk.base / "reference" / f"{name.replace('/', '-')}.wav"
        target = self.asterisk.runtime.host_path(inner)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            source = f"/usr/share/asterisk/sounds/en_US_f_Allison/{name}.gsm"
            self.asterisk.cli(f"file convert {source} {inner}")
        assert target.exists(), f"Asterisk could not convert {name}"
        return target

    def driver(self, *, ami_port: int | None = None, **options: object) -> AsteriskDriver:
        """vcc's AMI driver for this PBX (through another port, e.g. a fault proxy)."""
        ami = self.asterisk.ami_settings()
        if ami_port is not None:
            ami = replace(ami, port=ami_port)
        return AsteriskDriver(ami, **options)  # type: ignore[arg-type]

    async def reset(self) -> None:
        """Between tests: no calls left, phones answering, nothing recorded."""
        for phone in self.phones.values():
            if not phone.alive:  # one crashed phone must not fail every later test
                print(f"[harness] phone {phone.extension} died; starting it again", file=sys.stderr)
                await phone.restart()
            with contextlib.suppress(AssertionError):
                await phone.command("hangupall", "all")
            await phone.set_auto_answer(True)

        async def no_channels() -> bool:
            return not (await self.monitor.driver.snapshot()).channels

        await eventually(no_channels, timeout=10, what="no channels left on the PBX")
        for queue in (QUEUE, SALES):  # no fast-path reservation outlives its test
            await self.monitor.driver.release(queue.queue, "")
        for phone in self.phones.values():
            phone.clear()
        self.monitor.events.clear()

    @contextlib.asynccontextmanager
    async def controller(
        self,
        agents: Iterable[str | Agent],
        *,
        queues: Iterable[QueueConfig] | None = None,
        ring_timeout: float = 10.0,
        rules: StatusRules | None = None,
        journal: Journal | None = None,
        fast_path: bool = False,
        ami_port: int | None = None,
        **driver_options: object,
    ) -> AsyncIterator[Engine]:
        """A vcc controller (driver + engine) for ``agents`` (ids, or agents in full).

        An id stands for an Available agent of the support queue. The agents are listed
        longest-idle first, so that is the order they are offered. ``fast_path``: the
        router reserves free agents and the PBX rings them itself (``vcc serve`` does);
        off, every agent is rung by the controller's Originate.
        """
        agent_list = [
            replace(
                a if isinstance(a, Agent) else Agent(a, f"PJSIP/{a}", {QUEUE.queue: 0}),
                idle_since=float(i),
                status=a.status if isinstance(a, Agent) else Status.AVAILABLE,
            )
            for i, a in enumerate(agents)
        ]
        if queues is None:
            queues = [
                QueueConfig(QUEUE.queue, ring_timeout=ring_timeout),
                QueueConfig(SALES.queue, ring_timeout=ring_timeout),
            ]
        driver = self.driver(ami_port=ami_port, **driver_options)
        engine = Engine(
            driver,
            RouterState.create(agent_list, queues, rules=rules, id_prefix=secrets.token_hex(3)),
            journal=journal,
            fast_path=fast_path,
            recordings=self.recordings,
        )
        async with engine.serving():
            yield engine
