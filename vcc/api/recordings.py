"""Custom recordings ("Mijn opname") over HTTP: list, upload (multipart), record by
phone, play, rename, delete (vcc.prompts does the work)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import BodyPartReader, web

from vcc.api.app import acting_for, body, context, principal
from vcc.api.routes import Access, Route
from vcc.api.schema import Field
from vcc.core.access import Permission, allowed
from vcc.core.queues import OverflowToMessage, QueueConfig
from vcc.errors import AccessDenied, InvalidInput, NotFound
from vcc.prompts import MAX_UPLOAD, Prompt, UploadTooLarge

log = logging.getLogger(__name__)

RECORDINGS = Access(any=Permission.ANY_RECORDINGS, own=Permission.OWN_RECORDINGS)
_TASKS: set[asyncio.Task[None]] = set()


def view(prompt: Prompt) -> dict[str, Any]:
    return {"id": prompt.id, "title": prompt.title, "seconds": round(prompt.seconds, 2),
            "owner": prompt.owner, "source": prompt.source, "sound": prompt.sound}  # fmt: skip


def _sees_all(request: web.Request) -> bool:
    return allowed(principal(request).role, Permission.ANY_RECORDINGS)


async def _mine(request: web.Request) -> Prompt:
    """The recording in the path, if the caller may touch it."""
    prompt = await context(request).prompts.get(request.match_info["recording_id"])
    if not _sees_all(request) and prompt.owner != principal(request).agent_id:
        raise NotFound(f"no recording {prompt.id!r}")  # not even that it exists
    return prompt


async def list_recordings(request: web.Request) -> web.Response:
    owner = None if _sees_all(request) else principal(request).agent_id
    if owner is None and not _sees_all(request):
        raise AccessDenied("this user is no agent")
    found = await context(request).prompts.recordings(owner)
    return web.json_response([view(p) for p in found])


async def upload(request: web.Request) -> web.Response:
    """multipart/form-data: ``title`` and ``file`` (WAV, MP3 or OGG, ≤ 10 MB)."""
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):  # aiohttp's ways of saying "not multipart"
        raise InvalidInput("send multipart/form-data with 'title' and 'file'") from None
    title, filename, data = None, "", b""
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            raise InvalidInput("nested multipart is not accepted")
        if part.name == "title":
            title = (await part.read(decode=True))[:400].decode("utf-8", errors="replace")
        elif part.name == "file":
            filename = part.filename or ""
            chunks, size = [], 0
            while chunk := await part.read_chunk(64 * 1024):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise UploadTooLarge(f"a recording is at most {MAX_UPLOAD // 2**20} MB")
                chunks.append(chunk)
            data = b"".join(chunks)
        else:
            raise InvalidInput(f"unknown field {str(part.name)[:40]!r}", hint="title, file")
    if title is None or not filename:
        raise InvalidInput("send a 'title' and a 'file'")
    # An agent's own; a supervisor's without an agent belongs to the contact center.
    wanted = request.query.get("agent_id")
    owner = acting_for(request, wanted) if wanted or principal(request).agent_id else None
    prompt = await context(request).prompts.upload(owner, title, filename, data)
    return web.json_response(view(prompt), status=201)


async def record_by_phone(request: web.Request) -> web.Response:
    """Ring the agent's phone to record; the answer comes on the WebSocket."""
    data = body(request)
    agent_id = acting_for(request, data.get("agent_id"))
    ctx = context(request)
    prompts = ctx.prompts
    title = data["title"]

    async def record() -> None:
        try:
            prompt = await prompts.record_by_phone(agent_id, title)
        except Exception as exc:
            log.warning("recording by phone for %s failed: %s", agent_id, exc)
            prompt = None
        ctx.hub.publish({"type": "recording", "agents": [agent_id],
                         "recording": None if prompt is None else view(prompt)})  # fmt: skip

    task = asyncio.get_running_loop().create_task(record())
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return web.json_response({"calling": agent_id, "next": "answer your phone"}, status=202)


async def audio(request: web.Request) -> web.StreamResponse:
    prompt = await _mine(request)
    return web.FileResponse(
        context(request).prompts.audio(prompt.id), headers={"Content-Type": "audio/wav"}
    )


async def rename(request: web.Request) -> web.Response:
    prompt = await _mine(request)
    return web.json_response(
        view(await context(request).prompts.rename(prompt.id, body(request)["title"]))
    )


async def delete(request: web.Request) -> web.Response:
    prompt = await _mine(request)
    queues = context(request).engine.state.queues.values()

    def used_by(sound: str) -> list[str]:
        return sorted(q.id for q in queues if sound in _sounds(q))

    await context(request).prompts.delete(prompt.id, used_by)
    return web.json_response({"deleted": prompt.id})


def _sounds(queue: QueueConfig) -> set[str | None]:
    """The sounds a queue plays (its announcements and messages)."""
    return {
        queue.periodic_message,
        *(d.sound for d in (queue.overflow, queue.exit_to) if isinstance(d, OverflowToMessage)),
    }


RECORDING_ROUTES: list[Route] = [
    Route("GET", "/recordings", list_recordings, RECORDINGS,
          "Custom recordings (an agent's own; supervisors everyone's)", tag="recordings"),
    Route("POST", "/recordings", upload, RECORDINGS,
          "Upload a recording: multipart/form-data with 'title' and 'file' (WAV, MP3, OGG)",
          tag="recordings"),
    Route("POST", "/recordings/record-by-phone", record_by_phone, RECORDINGS,
          "Ring the agent's phone to record (the result comes on the WebSocket)",
          {"title": Field(str, max_length=80), "agent_id": Field(str, False, 32)},
          tag="recordings"),
    Route("GET", "/recordings/{recording_id}/audio", audio, RECORDINGS, "Play it (WAV)",
          tag="recordings"),
    Route("PATCH", "/recordings/{recording_id}", rename, RECORDINGS, "Rename it",
          {"title": Field(str, max_length=80)}, tag="recordings"),
    Route("DELETE", "/recordings/{recording_id}", delete, RECORDINGS,
          "Delete it (not while a queue plays it)", tag="recordings"),
]  # fmt: skip
