"""Custom recordings over HTTP: upload (multipart), list, play, rename, delete; an
agent sees only their own; bad uploads are refused and leave nothing."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from aiohttp import FormData

from tests.api.conftest import Api
from vcc.api.app import PREFIX

URL = f"{PREFIX}/recordings"


def wav(tmp_path: Path) -> bytes:
    path = tmp_path / "tone.wav"
    subprocess.run(["sox", "-n", "-r", "16000", str(path), "synth", "1", "sine", "500"], check=True)
    return path.read_bytes()


def form(title: str, filename: str, data: bytes) -> FormData:
    sent = FormData()
    sent.add_field("title", title)
    sent.add_field(
        "file", io.BytesIO(data), filename=filename, content_type="application/octet-stream"
    )
    return sent


async def test_an_agent_uploads_plays_renames_and_deletes_their_recording(
    api: Api, tmp_path: Path
) -> None:
    anna, bob = api.auth("anna"), api.auth("bob")
    response = await api.client.post(URL, data=form("Welkom", "../../welkom.wav", wav(tmp_path)),
                                     headers=anna)  # fmt: skip
    assert response.status == 201, await response.text()
    made = await response.json()
    assert (made["owner"], made["title"], made["source"]) == ("1001", "Welkom", "upload")
    assert made["sound"].endswith("/" + made["id"])
    assert [r["id"] for r in await (await api.client.get(URL, headers=anna)).json()] == [made["id"]]
    assert await (await api.client.get(URL, headers=bob)).json() == []  # bob sees his own only
    everyone = await (await api.client.get(URL, headers=api.auth("sup"))).json()
    assert [r["id"] for r in everyone] == [made["id"]]

    played = await api.client.get(f"{URL}/{made['id']}/audio", headers=anna)
    assert played.status == 200
    assert played.headers["Content-Type"] == "audio/wav"
    assert (await played.read())[:4] == b"RIFF"
    assert (await api.client.get(f"{URL}/{made['id']}/audio", headers=bob)).status == 404

    renamed = await api.client.patch(f"{URL}/{made['id']}", json={"title": "Hallo"}, headers=anna)
    assert (await renamed.json())["title"] == "Hallo"
    assert (await api.client.delete(f"{URL}/{made['id']}", headers=bob)).status == 404
    assert (await api.client.delete(f"{URL}/{made['id']}", headers=anna)).status == 200
    assert await (await api.client.get(URL, headers=anna)).json() == []


async def test_bad_uploads_are_refused_with_a_clear_code(api: Api, tmp_path: Path) -> None:
    anna = api.auth("anna")
    good = wav(tmp_path)
    cases = [
        (form("x", "notes.txt", b"plain text"), 400, "upload-refused"),
        (form("x", "a.mp3", good), 400, "upload-refused"),
        (form("x", "big.wav", b"RIFF\0\0\0\0WAVE" + bytes(11 * 2**20)), 413, "upload-too-large"),
        (form("bell\x07", "a.wav", good), 400, "invalid-input"),
    ]
    for sent, status, code in cases:
        response = await api.client.post(URL, data=sent, headers=anna)
        assert response.status == status, await response.text()
        assert (await response.json())["error"]["code"] == code
    response = await api.client.post(URL, json={"title": "x"}, headers=anna)  # not multipart
    assert response.status == 400
    assert await (await api.client.get(URL, headers=api.auth("sup"))).json() == []
