"""What the local PBX serves: endpoints (desk phones, caller phones) and queue numbers.

Today the demo and the test harness build a spec; the ACD work will build it from
the database. The spec is validated here, so everything rendered into Asterisk's
config has passed the strict patterns in :mod:`vcc.validate`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

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


# Sound files Asterisk plays as music on hold, named so they can go into its config dir.
_MOH_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.(wav|WAV|gsm|ulaw|alaw|sln|g722)")


@dataclass(frozen=True)
class MohClass:
    """A music-on-hold class: the admin's ``directory`` of sound files, which vcc copies
    into its Asterisk instance (an absolute path; files with plain names only)."""

    name: str
    directory: Path

    def __post_init__(self) -> None:
        validate.slug(self.name, what="music on hold class")
        if self.name == "default":
            raise InvalidInput("music on hold class 'default' is vcc's own: pick another name")
        if not self.directory.is_absolute():
            raise InvalidInput(
                f"music on hold {self.name}: give {self.directory} as an absolute path"
            )

    def files(self) -> list[Path]:
        """The class's sound files; InvalidInput if there are none to play."""
        if not self.directory.is_dir():
            raise InvalidInput(
                f"music on hold {self.name}: {self.directory} is not a directory",
                hint="create it and put .wav (8 kHz mono) or .gsm files in it",
            )
        found = sorted(
            p for p in self.directory.iterdir() if _MOH_FILE.fullmatch(p.name) and p.is_file()
        )
        if not found:
            raise InvalidInput(
                f"music on hold {self.name}: no sound files in {self.directory}",
                hint="put .wav (8 kHz mono), .gsm, .ulaw or .alaw files there, plain names",
            )
        return found


@dataclass(frozen=True)
class QueueNumber:
    extension: str
    queue: str
    moh_class: str = "default"  # what the queue's waiting callers hear

    def __post_init__(self) -> None:
        validate.extension(self.extension, what="queue extension")
        validate.slug(self.queue, what="queue name")
        validate.slug(self.moh_class, what="music on hold class")


@dataclass(frozen=True)
class PbxSpec:
    endpoints: tuple[Endpoint, ...] = ()
    queues: tuple[QueueNumber, ...] = ()
    menus: tuple[IvrMenu, ...] = ()
    moh_classes: tuple[MohClass, ...] = ()

    def __post_init__(self) -> None:
        check_menus(self.menus, [q.queue for q in self.queues])
        classes = {"default", *(m.name for m in self.moh_classes)}
        for queue in self.queues:
            if queue.moh_class not in classes:
                raise InvalidInput(
                    f"queue {queue.queue}: unknown music on hold class {queue.moh_class!r}",
                    hint="declare it under [moh] (name = directory), or use 'default'",
                )
        numbers = [e.extension for e in self.endpoints] + [q.extension for q in self.queues]
        numbers += [m.extension for m in self.menus if m.extension]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise InvalidInput(
                f"extension(s) {', '.join(duplicates)} are used twice",
                hint="give each phone and queue its own number",
            )
