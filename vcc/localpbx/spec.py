"""What the local PBX serves: endpoints (desk phones, caller phones) and queue numbers.

Today the demo and the test harness build a spec; the ACD work will build it from
the database. The spec is validated here, so everything rendered into Asterisk's
config has passed the strict patterns in :mod:`vcc.validate`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vcc import validate
from vcc.core.ivr import IvrMenu, check_menus
from vcc.errors import InvalidInput


class EndpointRole(enum.Enum):
    AGENT = "agent"
    CALLER = "caller"

    @property
    def context(self) -> str:
        return "vcc-agents" if self is EndpointRole.AGENT else "vcc-callers"


@dataclass(frozen=True)
class Endpoint:
    extension: str
    role: EndpointRole

    def __post_init__(self) -> None:
        validate.extension(self.extension, what="endpoint extension")


@dataclass(frozen=True)
class QueueNumber:
    extension: str
    queue: str

    def __post_init__(self) -> None:
        validate.extension(self.extension, what="queue extension")
        validate.slug(self.queue, what="queue name")


@dataclass(frozen=True)
class PbxSpec:
    endpoints: tuple[Endpoint, ...] = ()
    queues: tuple[QueueNumber, ...] = ()
    menus: tuple[IvrMenu, ...] = ()

    def __post_init__(self) -> None:
        check_menus(self.menus, [q.queue for q in self.queues])
        numbers = [e.extension for e in self.endpoints] + [q.extension for q in self.queues]
        numbers += [m.extension for m in self.menus if m.extension]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise InvalidInput(
                f"extension(s) {', '.join(duplicates)} are used twice",
                hint="give each phone and queue its own number",
            )
