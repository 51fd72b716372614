"""Call recording: where the files go, what they are called, and what was recorded.

Asterisk's MixMonitor writes the files; vcc only names them. A recording's name is
built here from vcc's own ids (never from anything a caller sends):
``<yyyy>/<mm>/<dd>/<interaction id>-<n>.wav`` (UTC date) under
``<data dir>/recordings/<instance>/`` (a chrooted Asterisk sees that directory inside
its instance through a bind mount), checked again by the dialplan before it reaches
MixMonitor. The store links each file to its interaction (vcc.store.recordings).

MixMonitor records the agent's leg (what the agent says and hears), started by the
dialplan just before that leg bridges the caller, with option ``b`` (only while
bridged: a caller on hold, or what the agent says meanwhile, is not recorded). vcc's
AMI user may not start MixMonitor itself (the ``MixMonitor`` action needs the
``system`` class, which would also let it run shell commands), so vcc hands the leg
the file name in ``VCC_RECORD``: as an Originate variable when it rings the agent
(``vcc-connect`` starts it), or, for a call already connected (the fast path's
Dial, or an agent's request), by bridging the two again: the agent's leg through
``vcc-record``, the caller waiting a moment in ``vcc-rebridge`` (about 0.1 s of
silence for both). Pause and resume are ``MixMonitorMute`` (both directions): the
file keeps its timeline, with silence where it was paused. The recording stops with
the agent's leg: when the call ends, or the agent hands the caller on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from vcc.errors import Conflict, InvalidInput, PbxError
from vcc.pbx.driver import PbxDriver

if TYPE_CHECKING:
    from vcc.localpbx.instance import LocalAsterisk

RECORD_CONTEXT = "vcc-record"  # the agent's leg: MixMonitor, then bridge the caller again
REBRIDGE_CONTEXT = "vcc-rebridge"  # the caller's moment of silence meanwhile
RECORD_VARIABLE = "VCC_RECORD"  # the file vcc-connect gives MixMonitor
MAX_PATH = 255
REMEMBERED_CALLS = 10_000  # calls whose latest '-<n>' is kept (older ones: the disk says)
_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9_.-]+")
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def file_stem(call_id: str) -> str:
    """An interaction id as a file name: other characters become '_', and no leading
    dot (no hidden file, no '..'). vcc's ids are already plain; this is the guard."""
    stem = _UNSAFE_IN_ID.sub("_", call_id)[:64].lstrip(".")
    return stem or "call"


def relative_path(call_id: str, at: float, n: int) -> PurePosixPath:
    """``<yyyy>/<mm>/<dd>/<id>-<n>.wav``: the ``n``-th recording of the interaction,
    dated (UTC) ``at``; checked by :func:`check_relative`."""
    if n < 1:
        raise InvalidInput(f"recording number {n} must be 1 or more")
    day = datetime.fromtimestamp(at, UTC)
    path = PurePosixPath(f"{day:%Y}", f"{day:%m}", f"{day:%d}", f"{file_stem(call_id)}-{n}.wav")
    return check_relative(path)


def check_relative(path: PurePosixPath) -> PurePosixPath:
    """A recording's path below the recordings directory: relative, plain characters,
    no '.' or '..' part, a .wav file. InvalidInput otherwise."""
    text = str(path)
    if (
        path.is_absolute()
        or not _SAFE_PATH.fullmatch(text)
        or any(part in (".", "..") for part in path.parts)
        or ".." in text
        or path.suffix != ".wav"
        or len(text) > MAX_PATH
    ):
        raise InvalidInput(f"{text!r} is not a recording path vcc makes")
    return path


@dataclass(frozen=True)
class RecordingStore:
    """The recordings directory, as the PBX sees it (chrooted: its own root) and as
    this host sees it (None: the PBX runs elsewhere; vcc cannot look at the files)."""

    pbx_root: PurePosixPath
    host_root: Path | None = None

    def __post_init__(self) -> None:
        root = str(self.pbx_root)
        if (
            not self.pbx_root.is_absolute()
            or not _SAFE_PATH.fullmatch(root)
            or ".." in self.pbx_root.parts
        ):
            raise InvalidInput(f"recordings directory {root!r} is not a plain absolute path")

    @classmethod
    def for_instance(cls, instance: LocalAsterisk) -> RecordingStore:
        """The recordings directory of vcc's own Asterisk instance (in the data dir)."""
        return cls(instance.recordings_pbx_dir, instance.recordings_dir)

    def pbx_path(self, relative: str) -> str:
        return str(self.pbx_root / check_relative(PurePosixPath(relative)))

    def host_path(self, relative: str) -> Path | None:
        if self.host_root is None:
            return None
        return self.host_root / check_relative(PurePosixPath(relative))


# -- records: what was recorded, for the interaction's history ------------------------
@dataclass(frozen=True)
class RecordingStarted:
    """The interaction ``call_id`` is being recorded into ``path`` (relative to the
    recordings directory), on ``agent_id``'s leg."""

    call_id: str
    path: str
    at: float
    agent_id: str = ""


@dataclass(frozen=True)
class RecordingPaused:
    call_id: str
    path: str
    at: float


@dataclass(frozen=True)
class RecordingResumed:
    call_id: str
    path: str
    at: float


@dataclass(frozen=True)
class RecordingStopped:
    """The agent's leg left the call (it ended, or was handed on): the file is done."""

    call_id: str
    path: str
    at: float


RecordingRecord = RecordingStarted | RecordingPaused | RecordingResumed | RecordingStopped


@dataclass
class _Active:
    call_id: str
    path: str
    paused: bool = False


@dataclass
class _Wanted:
    """A fast-path call to record once both its legs are in the Dial's bridge."""

    call_id: str
    leg: str  # the agent's leg's unique id
    bridged: set[str] = field(default_factory=set)


class Recorder:
    """The recordings of one controller, by offer (an agent's leg of a call)."""

    def __init__(
        self,
        store: RecordingStore,
        driver: PbxDriver,
        keep: Callable[[RecordingRecord], None] = lambda record: None,
    ) -> None:
        """``keep``: where the records go (the engine's journal: the interaction's
        history links its files)."""
        self.store = store
        self.driver = driver
        self.keep = keep
        self._planned: dict[str, tuple[str, str]] = {}  # offer → (call, path): leg ringing
        self._active: dict[str, _Active] = {}
        self._wanted: dict[str, _Wanted] = {}
        self._last: dict[str, int] = {}  # call → the '-<n>' of its latest recording

    def recording(self, offer_id: str) -> bool:
        return offer_id in self._active

    def paused(self, offer_id: str) -> bool:
        active = self._active.get(offer_id)
        return active is not None and active.paused

    def _next_path(self, call_id: str, at: float) -> str:
        """The interaction's next file name: never one in use or already on disk (a
        restarted controller counts from 1 again)."""
        taken = {p for _, p in self._planned.values()} | {a.path for a in self._active.values()}
        n = self._last.get(call_id, 0) + 1
        while True:
            path = str(relative_path(call_id, at, n))
            on_disk = self.store.host_path(path)
            if path not in taken and (on_disk is None or not on_disk.exists()):
                return path
            n += 1

    def plan(self, offer_id: str, call_id: str, at: float) -> str:
        """The file for an agent's leg about to ring: it records once answered. Returns
        the path as the PBX sees it (for ``VCC_RECORD``)."""
        path = self._next_path(call_id, at)
        self._planned[offer_id] = (call_id, path)
        return self.store.pbx_path(path)

    def answered(self, offer_id: str, agent_id: str, at: float) -> bool:
        """The offer's leg answered: True if it was given a file (now recording)."""
        planned = self._planned.pop(offer_id, None)
        if planned is None:
            return False
        self._started(offer_id, planned[0], planned[1], agent_id, at)
        return True

    def forget(self, offer_id: str) -> None:
        """The offer's leg never answered: its file was never made."""
        self._planned.pop(offer_id, None)
        self._wanted.pop(offer_id, None)

    def want(self, offer_id: str, call_id: str, leg_uniqueid: str) -> None:
        """Record this answered call once both legs are bridged (:meth:`bridged`)."""
        self._wanted[offer_id] = _Wanted(call_id, leg_uniqueid)

    def bridged(self, uniqueid: str) -> str | None:
        """A channel entered a bridge: the offer whose legs are now both bridged, if it
        is one to record (given once)."""
        for offer_id, wanted in self._wanted.items():
            if uniqueid in (wanted.call_id, wanted.leg):
                wanted.bridged.add(uniqueid)
                if len(wanted.bridged) == 2:
                    del self._wanted[offer_id]
                    return offer_id
                return None
        return None

    async def start(
        self,
        offer_id: str,
        call_id: str,
        agent_id: str,
        agent_channel: str,
        caller_channel: str,
        at: float,
    ) -> RecordingStarted:
        """Record a connected call from now on: its agent's leg goes to ``vcc-record``
        (MixMonitor, then Bridge the caller again), the caller waits a moment in
        ``vcc-rebridge`` (one Redirect: neither is hung up when the other leaves)."""
        if offer_id in self._active:
            raise Conflict("this call is already being recorded")
        path = self._next_path(call_id, at)
        self._active[offer_id] = _Active(call_id, path)  # before waiting: no second start
        try:
            await self.driver.set_variable(
                agent_channel, RECORD_VARIABLE, self.store.pbx_path(path)
            )
            await self.driver.set_variable(agent_channel, "VCC_CALLER", caller_channel)
            await self.driver.redirect(
                agent_channel, RECORD_CONTEXT, extra=(caller_channel, REBRIDGE_CONTEXT)
            )
        except PbxError:
            del self._active[offer_id]
            raise
        return self._started(offer_id, call_id, path, agent_id, at)

    def _started(
        self, offer_id: str, call_id: str, path: str, agent_id: str, at: float
    ) -> RecordingStarted:
        self._active[offer_id] = _Active(call_id, path)
        n = int(PurePosixPath(path).stem.rsplit("-", 1)[1])
        self._last[call_id] = max(self._last.pop(call_id, 0), n)  # now the newest entry
        if len(self._last) > REMEMBERED_CALLS:
            del self._last[next(iter(self._last))]
        record = RecordingStarted(call_id, path, at, agent_id)
        self.keep(record)
        return record

    async def pause(self, offer_id: str, agent_channel: str, paused: bool, at: float) -> None:
        """Silence the recording (``paused``) or record again; the same twice is no change."""
        active = self._active.get(offer_id)
        if active is None:
            raise Conflict("this call is not being recorded")
        if active.paused == paused:
            return
        await self.driver.mute_recording(agent_channel, paused)
        active.paused = paused
        kind = RecordingPaused if paused else RecordingResumed
        self.keep(kind(active.call_id, active.path, at))

    def ended(self, live_offers: Container[str], at: float) -> None:
        """Offers that are over: their legs' recordings stopped with them."""
        if not (self._active or self._planned or self._wanted):
            return
        for offer_id in [o for o in self._active if o not in live_offers]:
            active = self._active.pop(offer_id)
            self.keep(RecordingStopped(active.call_id, active.path, at))
        for offer_id in [o for o in self._planned if o not in live_offers]:
            del self._planned[offer_id]
        for offer_id in [o for o in self._wanted if o not in live_offers]:
            del self._wanted[offer_id]
