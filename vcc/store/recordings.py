"""Call recordings on record: which file holds which interaction, whose leg it is,
and when it was paused. The files themselves are the PBX's (vcc.recording names them).

Same rules as vcc.store.repository: the caller's transaction, bad input rolled back
as a VccError, aware timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vcc.errors import Conflict, InvalidInput, NotFound
from vcc.recording import check_relative
from vcc.store.models import CallRecording, CallRecordingPause, Interaction
from vcc.store.repository import _aware, _get, writing


async def start_recording(
    session: AsyncSession, interaction_id: str, agent_id: str | None, path: str, at: datetime
) -> CallRecording:
    """The interaction is being recorded into ``path`` (relative to the recordings
    directory) on ``agent_id``'s leg, from ``at``."""
    async with writing(session):
        check_relative(PurePosixPath(path))
        await _get(session, Interaction, interaction_id, "interaction")
        recording = CallRecording(
            interaction_id=interaction_id,
            agent_id=agent_id or None,
            path=path,
            started_at=_aware(at, "started_at"),
        )
        session.add(recording)
    return recording


async def _by_path(session: AsyncSession, path: str) -> CallRecording:
    recording = await session.scalar(
        select(CallRecording)
        .where(CallRecording.path == path)
        .options(selectinload(CallRecording.pauses))
    )
    if recording is None:
        raise NotFound(f"no recording {path!r} is on record")
    return recording


def _open_pause(recording: CallRecording) -> CallRecordingPause | None:
    return next((p for p in recording.pauses if p.resumed_at is None), None)


async def pause_recording(session: AsyncSession, path: str, at: datetime) -> CallRecording:
    """From ``at`` the recording is silence."""
    async with writing(session):
        recording = await _by_path(session, path)
        if recording.stopped_at is not None:
            raise Conflict(f"recording {path!r} has stopped")
        if _open_pause(recording) is not None:
            raise Conflict(f"recording {path!r} is already paused")
        recording.pauses.append(CallRecordingPause(paused_at=_aware(at, "paused_at")))
    return recording


async def resume_recording(session: AsyncSession, path: str, at: datetime) -> CallRecording:
    """From ``at`` the recording holds the call again."""
    async with writing(session):
        recording = await _by_path(session, path)
        pause = _open_pause(recording)
        if pause is None:
            raise Conflict(f"recording {path!r} is not paused")
        pause.resumed_at = _aware(at, "resumed_at")
    return recording


async def stop_recording(session: AsyncSession, path: str, at: datetime) -> CallRecording:
    """The recording ended at ``at`` (a pause still open ends with it)."""
    async with writing(session):
        at = _aware(at, "stopped_at")
        recording = await _by_path(session, path)
        if recording.stopped_at is not None:
            raise Conflict(f"recording {path!r} has already stopped")
        if at < recording.started_at:
            raise InvalidInput(f"recording {path!r} cannot stop before it started")
        pause = _open_pause(recording)
        if pause is not None:
            pause.resumed_at = at
        recording.stopped_at = at
    return recording


async def recordings_of(session: AsyncSession, interaction_id: str) -> Sequence[CallRecording]:
    """An interaction's recordings, oldest first, with their pauses."""
    rows = await session.scalars(
        select(CallRecording)
        .where(CallRecording.interaction_id == interaction_id)
        .order_by(CallRecording.started_at, CallRecording.id)
        .options(selectinload(CallRecording.pauses))
    )
    return rows.all()
