"""IVR menus as the admin configures them: a prompt, DTMF options, timeouts, hours.

The PBX runs the menus (``vcc.localpbx.ivr`` renders them into dialplan), so a caller
choosing "1 for support" never waits on the controller. Everything is validated here:
nothing from this config reaches the dialplan unless it matched a strict pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vcc import validate
from vcc.errors import InvalidInput


@dataclass(frozen=True)
class ToQueue:
    queue: str
    priority: int = 0  # callers who chose this option are served before lower ones

    def __post_init__(self) -> None:
        validate.slug(self.queue, what="queue")
        if not 0 <= self.priority <= 9:
            raise InvalidInput(f"priority {self.priority} is out of range", hint="use 0 to 9")


@dataclass(frozen=True)
class ToMenu:
    menu: str

    def __post_init__(self) -> None:
        validate.slug(self.menu, what="menu")


@dataclass(frozen=True)
class PlayAndHangUp:
    sound: str

    def __post_init__(self) -> None:
        validate.sound(self.sound, what="message")


@dataclass(frozen=True)
class HangUp:
    pass


IvrAction = ToQueue | ToMenu | PlayAndHangUp | HangUp

_TIMES = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]-(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_DAYS = re.compile(rf"\*|{_DAY}(?:-{_DAY})?(?:&{_DAY}(?:-{_DAY})?)*")


@dataclass(frozen=True)
class OpenHours:
    """When a menu is open, as Asterisk's GotoIfTime ranges: ``("08:00-17:30", "mon-fri")``."""

    ranges: tuple[tuple[str, str], ...]
    closed_sound: str = "ss-noservice"

    def __post_init__(self) -> None:
        if not self.ranges:
            raise InvalidInput(
                "open hours need at least one range", hint='e.g. ("09:00-17:00", "mon-fri")'
            )
        for times, days in self.ranges:
            if not _TIMES.fullmatch(times):
                raise InvalidInput(f"hours {times!r} are not valid", hint="use HH:MM-HH:MM")
            if not _DAYS.fullmatch(days):
                raise InvalidInput(
                    f"days {days!r} are not valid", hint="use e.g. mon-fri, sat&sun or *"
                )
        validate.sound(self.closed_sound, what="closed message")


@dataclass(frozen=True)
class IvrMenu:
    id: str
    prompt: str
    options: Mapping[str, IvrAction]
    extension: str | None = None  # the number callers dial to reach it (top menus)
    timeout: int = 5  # seconds to wait for a key after the prompt
    attempts: int = 3  # prompts before giving up on a caller who presses nothing valid
    invalid_sound: str = "pbx-invalid"
    on_failure: IvrAction = field(default_factory=HangUp)
    hours: OpenHours | None = None

    def __post_init__(self) -> None:
        validate.slug(self.id, what="menu id")
        validate.sound(self.prompt, what="prompt")
        validate.sound(self.invalid_sound, what="invalid-key message")
        if self.extension is not None:
            validate.extension(self.extension, what="menu extension")
        if not self.options:
            raise InvalidInput(f"menu {self.id} has no options", hint="give it at least one key")
        for key in self.options:
            validate.dtmf(key, what=f"menu {self.id} key")
        if not 1 <= self.timeout <= 60:
            raise InvalidInput(f"menu {self.id}: timeout {self.timeout} s", hint="use 1 to 60 s")
        if not 1 <= self.attempts <= 9:
            raise InvalidInput(f"menu {self.id}: {self.attempts} attempts", hint="use 1 to 9")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


def check_menus(menus: Iterable[IvrMenu], queues: Iterable[str]) -> None:
    """Every option must lead somewhere that exists; menu ids are unique."""
    menu_list = list(menus)
    known_queues = set(queues)
    ids = [m.id for m in menu_list]
    for menu_id in {i for i in ids if ids.count(i) > 1}:
        raise InvalidInput(f"menu id {menu_id!r} is used twice", hint="give each menu its own id")
    for menu in menu_list:
        for key, action in (*menu.options.items(), ("on failure", menu.on_failure)):
            if isinstance(action, ToQueue) and action.queue not in known_queues:
                raise InvalidInput(
                    f"menu {menu.id}, {key}: unknown queue {action.queue!r}",
                    hint=f"known queues: {', '.join(sorted(known_queues)) or 'none'}",
                )
            if isinstance(action, ToMenu) and action.menu not in ids:
                raise InvalidInput(
                    f"menu {menu.id}, {key}: unknown menu {action.menu!r}",
                    hint=f"known menus: {', '.join(sorted(ids))}",
                )
