"""Chats and voicemail against the real PBX with SIP phones: an agent at full chat
capacity is not offered a call (the other agent is, and once the chat ends so is
she); a caller who overflows into voicemail leaves a message the agent plays back
(the caller's tone is in it) and calls back, her own phone first. Audio checked
on every leg said to connect."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.harness.api import PASSWORD, serving_api
from tests.harness.audio import assert_heard
from tests.harness.browser import console, log_in, screenshot, set_status
from tests.harness.calls import POLICY, agent
from tests.harness.pbx import QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import hear_each_other_for_a_second
from vcc.api.app import PREFIX
from vcc.core.agents import Status
from vcc.core.channels import Capacity, Channel
from vcc.core.queues import OverflowToVoicemail, QueueConfig
from vcc.core.routing import Tick

ONE_CHAT = Capacity({Channel.CHAT: 1, Channel.EMAIL: 1, Channel.VOICEMAIL: 1})
USERS = {"1001": "anna", "1002": "bob"}


async def test_an_agent_at_full_chat_capacity_is_not_offered_a_call(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    agents = [agent("1001", QUEUE.queue), agent("1002", QUEUE.queue)]
    async with (
        pbx.controller(agents) as engine,
        serving_api(engine, tmp_path, POLICY, queues=[QUEUE.queue, SALES.queue],
                    capacity=ONE_CHAT) as api,
    ):  # fmt: skip
        desk = api.digital.desk
        started = await api.client.post(f"{PREFIX}/public/chats", json={
            "queue": QUEUE.queue, "name": "Carla", "text": "Hallo?"})  # fmt: skip
        chat_id = (await started.json())["chat_id"]
        chatting = await eventually(lambda: desk.items[chat_id].agent_id, what="chat offered")
        other = "1002" if chatting == "1001" else "1001"
        response = await api.client.post(f"{PREFIX}/work/{chat_id}/accept",
                                         headers=api.auth(USERS[chatting]))  # fmt: skip
        assert response.status == 200, await response.text()
        await eventually(lambda: engine.state.agents[chatting].busy_elsewhere, what="told")

        # A caller now: the chatting agent (at capacity) is passed over for the other.
        first = pbx.phones["2001"]
        await first.dial(QUEUE.extension)
        await pbx.phones[other].wait_for("CALL_RTPESTAB")
        await first.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        assert pbx.phones[chatting].calls_in() == 0
        assert engine.state.agents[chatting].status is Status.AVAILABLE  # on the chat, still
        await first.hangup()
        await pbx.phones[other].wait_for("CALL_CLOSED")
        tones = {"1001": 1000.0, "1002": 1200.0}
        assert_heard(first.heard, tones[other], start=-0.8)  # a phone's file is whole at the end

        # The chat ends: capacity is free, the router hears, the next caller rings her.
        response = await api.client.post(f"{PREFIX}/work/{chat_id}/end",
                                         headers=api.auth(USERS[chatting]))  # fmt: skip
        assert response.status == 200, await response.text()
        assert desk.loads()[chatting]["chat"] == 0
        await eventually(lambda: not engine.state.agents[chatting].busy_elsewhere, what="freed")
        second = pbx.phones["2002"]
        await second.dial(QUEUE.extension)
        await pbx.phones[chatting].wait_for("CALL_RTPESTAB")
        await second.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await second.hangup()
        await pbx.phones[chatting].wait_for("CALL_CLOSED")
        assert_heard(second.heard, tones[chatting], start=-0.8)
        assert_heard(pbx.phones[chatting].heard, 600.0, start=-0.8)


async def test_on_the_fast_path_a_lone_agent_kept_for_callers_still_gets_a_chat(
    pbx: PbxHarness, tmp_path: Path
) -> None:
    """As ``vcc serve`` runs on Asterisk: the router keeps a free agent for the queue's
    next caller, and the PBX would ring her itself. A chat still reaches her, the
    reservation is let go, so a caller now waits instead of ringing her; once the
    chat ends, the caller rings her and they talk."""
    anna, caller = pbx.phones["1001"], pbx.phones["2001"]
    async with (
        pbx.controller([agent("1001", QUEUE.queue)], fast_path=True) as engine,
        serving_api(engine, tmp_path, POLICY, queues=[QUEUE.queue, SALES.queue],
                    capacity=ONE_CHAT) as api,
    ):  # fmt: skip
        await eventually(lambda: QUEUE.queue in engine.state.reservations,
                         what="anna kept for the queue's next caller")  # fmt: skip
        desk = api.digital.desk
        started = await api.client.post(f"{PREFIX}/public/chats", json={
            "queue": QUEUE.queue, "name": "Carla", "text": "Hallo?"})  # fmt: skip
        assert started.status == 201, await started.text()
        chat_id = (await started.json())["chat_id"]
        assert desk.items[chat_id].agent_id == "1001"
        response = await api.client.post(f"{PREFIX}/work/{chat_id}/accept",
                                         headers=api.auth("anna"))  # fmt: skip
        assert response.status == 200, await response.text()
        await engine.ask(Tick(engine.clock()))  # the release has gone to the PBX
        assert engine.state.reservations == {}
        assert engine.state.agents["1001"].busy_elsewhere

        await caller.dial(QUEUE.extension)
        await eventually(lambda: engine.state.waiting, what="the caller waiting")
        await engine.ask(Tick(engine.clock()))
        assert anna.calls_in() == 0
        assert not engine.state.offers

        response = await api.client.post(f"{PREFIX}/work/{chat_id}/end",
                                         headers=api.auth("anna"))  # fmt: skip
        assert response.status == 200, await response.text()
        await anna.wait_for("CALL_RTPESTAB")
        await caller.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await caller.hangup()
        await anna.wait_for("CALL_CLOSED")
        assert anna.calls_in() == 1
        assert_heard(caller.heard, 1000.0, start=-0.8)
        assert_heard(anna.heard, 440.0, start=-0.8)


async def test_a_voicemail_is_left_played_back_and_the_caller_called_back_agent_first(
    pbx: PbxHarness, tmp_path: Path, browser: Browser
) -> None:
    """Through the console in Chromium: the Voicemail tab flashes, Accepteren, the
    message plays in the page (and is the caller's tone), Terugbellen."""
    queues = [QueueConfig(QUEUE.queue, max_wait=2.0, overflow=OverflowToVoicemail()),
              QueueConfig(SALES.queue)]  # fmt: skip
    anna, caller = pbx.phones["1001"], pbx.phones["2001"]
    async with (
        pbx.controller([agent("1001", QUEUE.queue, Status.LOGGED_OUT)], queues=queues) as engine,
        serving_api(engine, tmp_path, POLICY, queues=[QUEUE.queue, SALES.queue]) as api,
        console(browser, str(api.client.make_url("/"))) as page,
    ):
        digital = api.digital
        assert digital.voicemail.folder is not None
        folder = digital.voicemail.folder
        # No agent is in: after 2 s the caller is asked for a message, and speaks.
        before = set(folder.glob("vm-*"))  # earlier tests' messages stay on disk
        await caller.dial(QUEUE.extension)
        two_seconds = 44 + 2 * 8000 * 2  # a WAV header and 2 s of 8 kHz 16-bit audio
        await eventually(
            lambda: any(p.stat().st_size > two_seconds for p in set(folder.glob("vm-*")) - before),
            timeout=30, what="two seconds of message recorded",
        )  # fmt: skip
        await caller.hangup()
        await caller.wait_for("CALL_CLOSED")
        waiting = await eventually(
            lambda: [i for i in digital.desk.items.values() if i.channel is Channel.VOICEMAIL],
            what="the voicemail on the desk",
        )
        work = waiting[0]
        assert (work.title, work.queue, work.agent_id) == ("2001", QUEUE.queue, None)

        # Anna logs in and goes Available: the Voicemail tab flashes with the offer.
        await log_in(page, "anna", PASSWORD)
        await set_status(page, "available")
        await page.locator("#tab-voicemail").click()
        await expect(page.locator("#tab-voicemail")).to_have_attribute("data-ringing", "true")
        await page.locator(f"#accept-{work.id}").click()
        audio = page.locator("#voicemail-audio")
        await expect(audio).to_be_visible()
        # It plays in the page: the browser decodes the whole message.
        seconds = await audio.evaluate(
            """a => new Promise((done, failed) => {
                 a.onerror = () => failed(new Error("the browser could not play it"));
                 if (a.readyState >= 1) done(a.duration);
                 else a.onloadedmetadata = () => done(a.duration);
               })"""
        )
        assert seconds >= 2.0
        # What it plays is the caller's tone (the same file, fetched as the page does).
        response = await api.client.get(f"{PREFIX}/voicemails/{work.id}/audio",
                                        headers=api.auth("anna"))  # fmt: skip
        played = tmp_path / "played.wav"
        played.write_bytes(await response.read())
        assert_heard(played, 440.0, start=0.5)
        await screenshot(page, "nl", "voicemail")

        # Terugbellen: her phone first, then the caller's, connected both ways.
        anna.clear()
        caller.clear()
        await page.locator("#voicemail-call-back").click()
        await caller.wait_for("CALL_ESTABLISHED")  # (auto-answered: no CALL_INCOMING)
        assert anna.count("CALL_ESTABLISHED") == 1  # her phone was answered before
        await caller.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await caller.hangup()
        await anna.wait_for("CALL_CLOSED")
        assert_heard(caller.heard, 1000.0, start=-0.8)
        assert_heard(anna.heard, 440.0, start=-0.8)
        await eventually(lambda: engine.state.agents["1001"].status is not Status.BUSY)
        await page.locator("#end-voicemail").click()
        await eventually(lambda: digital.desk.loads()["1001"]["voicemail"] == 0, what="done")
