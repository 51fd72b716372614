""" "Mijn opname" on the real PBX: vcc rings the agent's phone, the agent records (the
phone's 1000 Hz tone), ends with '#', hears it back and keeps it with '1'; hanging up
instead keeps nothing; an uploaded recording is what a waiting caller hears as the
queue's periodic message."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import wave
from pathlib import Path
from typing import Any

from aiohttp import ClientWebSocketResponse, FormData, WSMsgType

from tests.harness.api import serving_api
from tests.harness.audio import dominant_frequency, heard_somewhere
from tests.harness.calls import agent
from tests.harness.pbx import QUEUE, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_acd import waiting_unoffered
from vcc.api.app import PREFIX
from vcc.core.agents import Status
from vcc.core.queues import QueueConfig

SPEAKS = 3.0  # seconds from answering to '#': a beep, then the agent speaks
LISTENS = 3.5  # the playback of what was said, and the beep before the choice


async def recording_event(ws: ClientWebSocketResponse) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            message = await ws.receive()
            assert message.type is WSMsgType.TEXT, message
            data: dict[str, Any] = json.loads(message.data)
            if data["type"] == "recording":
                return data


async def test_an_agent_records_by_phone_and_keeps_it(pbx: PbxHarness, tmp_path: Path) -> None:
    prompts = (pbx.asterisk.prompts_dir, pbx.asterisk.prompts_pbx_dir)
    async with (
        pbx.controller([agent("1001", QUEUE.queue, Status.WORKING_OFFLINE)]) as engine,
        serving_api(engine, tmp_path, None, prompts=prompts) as api,
    ):
        me = api.auth("anna")
        ws = await api.client.ws_connect(f"{PREFIX}/events", headers=me)
        response = await api.client.post(
            f"{PREFIX}/recordings/record-by-phone", json={"title": "Welkom"}, headers=me
        )
        assert response.status == 202, await response.text()
        phone = pbx.phones["1001"]
        await phone.wait_for("CALL_ESTABLISHED")
        for choice in ("2", "1"):  # not happy with the first take: again, then keep it
            await asyncio.sleep(SPEAKS)  # the agent speaks (the phone plays its tone)
            await phone.command("sndcode", "#")
            await asyncio.sleep(LISTENS)  # hears it back
            await phone.command("sndcode", choice)
        kept = (await recording_event(ws))["recording"]
        assert kept is not None
        assert (kept["title"], kept["owner"], kept["source"]) == ("Welkom", "1001", "phone")
        path = pbx.asterisk.prompts_dir / f"{kept['id']}.wav"
        with wave.open(str(path)) as audio:
            assert (audio.getframerate(), audio.getnchannels()) == (8000, 1)
        assert 1.0 < kept["seconds"] < SPEAKS
        assert abs(dominant_frequency(path, 0.2) - 1000.0) < 30  # the agent's voice
        listed = await (await api.client.get(f"{PREFIX}/recordings", headers=me)).json()
        assert [r["id"] for r in listed] == [kept["id"]]
        await phone.wait_for("CALL_CLOSED", timeout=10)

        # Hanging up before choosing keeps nothing, in the database or on disk.
        before = sorted(pbx.asterisk.prompts_dir.iterdir())
        await api.client.post(
            f"{PREFIX}/recordings/record-by-phone", json={"title": "Weg"}, headers=me
        )
        await phone.wait_for("CALL_ESTABLISHED", count=2)
        await asyncio.sleep(SPEAKS)
        await phone.hangup()
        assert (await recording_event(ws))["recording"] is None
        assert sorted(pbx.asterisk.prompts_dir.iterdir()) == before
        await ws.close()


async def test_an_uploaded_recording_is_a_queues_periodic_message(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    source = tmp_path / "message.mp3"
    await asyncio.to_thread(
        subprocess.run,
        ["sox", "-n", "-r", "44100", str(source), "synth", "2", "sine", "700"],
        check=True,
    )
    prompts = (pbx.asterisk.prompts_dir, pbx.asterisk.prompts_pbx_dir)
    onbreak = agent("1001", QUEUE.queue, Status.BREAK)
    async with (
        pbx.controller([onbreak]) as engine,
        serving_api(engine, tmp_path, None, prompts=prompts) as api,
    ):
        sent = FormData()
        sent.add_field("title", "Even geduld")
        sent.add_field("file", io.BytesIO(source.read_bytes()), filename="message.mp3")
        response = await api.client.post(f"{PREFIX}/recordings", data=sent, headers=api.auth("sup"))
        assert response.status == 201, await response.text()
        sound = (await response.json())["sound"]

    queues = [QueueConfig(QUEUE.queue, periodic_message=sound, periodic_message_every=5.0)]
    async with pbx.controller([onbreak], queues=queues) as engine:
        caller = pbx.phones["2001"]
        await caller.dial(QUEUE.extension)
        await waiting_unoffered(engine, 1)
        await eventually(
            lambda: engine.clock() - engine.state.waiting[0].enqueued_at > 9,
            timeout=15,
            what="the caller waited through a periodic message",
        )
        await caller.hangup()
        await caller.wait_for("CALL_CLOSED")
    assert heard_somewhere(caller.heard, 700.0)
