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
# The admin's directory of them: an absolute path of plain names. vcc only copies from
# it, but a path with spaces, quotes, '..' or control characters is a mistake or worse.
_MOH_DIRECTORY = re.compile(r"(/[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,99}){1,16}")
# Section names of musiconhold.conf that are taken.
_RESERVED_MOH_CLASSES = {
    "default": "vcc's own class (what queues play unless they name another)",
    "general": "the section of musiconhold.conf's own settings",
}


@dataclass(frozen=True)
class MohClass:
    """A music-on-hold class: the admin's ``directory`` of sound files, which vcc copies
    into its Asterisk instance (an absolute path; files with plain names only)."""

    name: str
    directory: Path

    def __post_init__(self) -> None:
        validate.slug(self.name, what="music on hold class")
        if self.name in _RESERVED_MOH_CLASSES:
            raise InvalidInput(
                f"music on hold class '{self.name}' is {_RESERVED_MOH_CLASSES[self.name]}",
                hint="pick another name",
            )
        if not self.directory.is_absolute():
            raise InvalidInput(
                f"music on hold {self.name}: give {self.directory} as an absolute path"
            )
        if not _MOH_DIRECTORY.fullmatch(str(self.directory)):
            raise InvalidInput(
                f"music on hold {self.name}: {str(self.directory)!r} is not a plain path",
                hint="use folders named with letters, digits, '_', '-', '.', '@' and '+' "
                "(no spaces, quotes or '..')",
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
        declared = [m.name for m in self.moh_classes]
        for name in sorted({n for n in declared if declared.count(n) > 1}):
            raise InvalidInput(f"music on hold class {name!r} is declared twice")
        # The dialplan names a queue's variables (VCC_MOH_<queue>, VCC_NEXT_<queue>) with
        # '-' as '_': two queues whose names differ only there would share them.
        variables = [q.queue.replace("-", "_") for q in self.queues]
        for name in sorted({v for v in variables if variables.count(v) > 1}):
            clash = ", ".join(q.queue for q in self.queues if q.queue.replace("-", "_") == name)
            raise InvalidInput(
                f"queues {clash} differ only in '-' and '_'",
                hint="the PBX cannot tell them apart: rename one",
            )
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
