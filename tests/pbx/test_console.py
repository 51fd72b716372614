"""The agent console in Chromium on the real PBX with SIP phones: an agent logs in,
goes Available, a caller dials the queue, the Phone tab flashes while the desk phone
rings, the call connects (checked by ear), the agent consults a colleague on line 2
and transfers the lines (or joins them into a conference), picks a disposition code
in wrap-up and goes back to Available; a supervisor's Status tab follows it all live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.harness.api import PASSWORD, serving_api
from tests.harness.audio import assert_heard_all, seconds_heard
from tests.harness.browser import console, log_in, screenshot, set_status
from tests.harness.calls import POLICY, agent, nothing_left
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, PbxHarness
from tests.harness.until import eventually
from vcc.core.agents import Status
from vcc.core.queues import QueueConfig
from vcc.engine import Engine

LINE_2_TALK = 1.5  # seconds the agents talk on line 2: part of the scenario
TALK = 1.0  # seconds two parties talk before the next step
QUEUES = [
    QueueConfig(QUEUE.queue, ring_timeout=15.0, wrap_up=60.0, dispositions=("sale", "no-sale"),
                disposition_required=True),
    QueueConfig(SALES.queue),
]  # fmt: skip


@asynccontextmanager
async def agent_console(
    pbx: PbxHarness, browser: Browser, tmp_path: Path, lang: str = "nl"
) -> AsyncIterator[tuple[Engine, Page, Page]]:
    """Anna (1001) logged in and Available in her console, Bob (1002) Working offline,
    a supervisor watching the Status tab; 1001's phone rings until answered by hand."""
    anna = agent("1001", QUEUE.queue, Status.LOGGED_OUT)
    bob = agent("1002", SALES.queue, Status.WORKING_OFFLINE)
    await pbx.phones["1001"].set_auto_answer(False)
    async with (
        pbx.controller([anna, bob], queues=QUEUES, fast_path=True) as engine,
        serving_api(engine, tmp_path, POLICY, queues=[QUEUE.queue, SALES.queue]) as api,
        console(browser, str(api.client.make_url("/")), lang) as page,
        console(browser, str(api.client.make_url("/")), lang) as watcher,
    ):
        await log_in(watcher, "sup", PASSWORD)
        await watcher.locator("#tab-status").click()
        await log_in(page, "anna", PASSWORD)
        await set_status(page, "available")
        await eventually(lambda: engine.state.agents["1001"].status is Status.AVAILABLE)
        await expect(agent_row(watcher, "1001")).to_contain_text(STATUS[lang]["available"])
        yield engine, page, watcher


STATUS = {
    "nl": {"available": "Beschikbaar", "busy": "Bezet", "wrap_up": "Naverwerking",
           "line2": "Lijn 2: verbonden", "code": "transactiecode"},
    "en": {"available": "Available", "busy": "Busy", "wrap_up": "Wrap-up",
           "line2": "Line 2: connected", "code": "disposition code"},
}  # fmt: skip


def agent_row(page: Page, agent_id: str) -> Locator:
    return page.locator(f"#agent-table tr[data-agent='{agent_id}'] td.agent-status")


async def queue_call_answered(pbx: PbxHarness, page: Page, watcher: Page, lang: str) -> None:
    """2001 calls support: the Phone tab flashes while 1001 rings, with the CRM's card
    of the caller (the screen-pop); 1001 answers."""
    created = await page.evaluate("""async () => (await fetch("/api/v1/customers", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({name: "Carla de Vries", phone: "2001", company: "Bakkerij"}),
      })).status""")  # fmt: skip
    assert created == 201
    await pbx.phones["2001"].dial(QUEUE.extension)
    await pbx.phones["1001"].wait_for("CALL_INCOMING")
    await expect(page.locator("#tab-phone")).to_have_attribute("data-ringing", "true")
    await expect(page.locator("#screen-pop")).to_contain_text("Carla de Vries")
    await page.locator("#screen-pop-close").click()
    call = page.locator("#call")
    await expect(call).to_have_attribute("data-state", "ringing")
    await expect(call).to_contain_text(QUEUE.queue)
    await expect(call).to_contain_text("2001")  # the caller's number
    await screenshot(page, lang, "phone-ringing")
    await pbx.phones["1001"].answer()
    await pbx.phones["2001"].wait_for("CALL_RTPESTAB")
    await expect(call).to_have_attribute("data-state", "connected")
    await expect(page.locator("#tab-phone")).to_have_attribute("data-ringing", "false")
    await expect(agent_row(watcher, "1001")).to_contain_text(STATUS[lang]["busy"])  # live
    await asyncio.sleep(TALK)  # caller and agent talk: the scenario


async def consult_bob(pbx: PbxHarness, page: Page, lang: str) -> None:
    await page.locator("#line2-kind").select_option("agent")
    await page.locator("#line2-target").fill("1002")
    await page.locator("#line2-consult").click()
    await pbx.phones["1002"].wait_for("CALL_RTPESTAB")
    await expect(page.locator("#line2-title")).to_contain_text(STATUS[lang]["line2"])
    await expect(page.locator("#transfer-lines")).to_be_enabled()
    await screenshot(page, lang, "phone-line2")


async def wrap_up_with_a_code_then_available(engine: Engine, page: Page, lang: str) -> None:
    await expect(page.locator("#current-status")).to_contain_text(STATUS[lang]["wrap_up"])
    await expect(page.locator("#wrap-up .timer")).to_be_visible()
    await screenshot(page, lang, "phone-wrap-up")
    await page.locator("button[data-status=available]").click()  # not yet: code required
    await expect(page.get_by_role("alert")).to_contain_text(STATUS[lang]["code"])
    assert engine.state.agents["1001"].status is Status.WRAP_UP
    await page.locator("#disposition").select_option("sale")
    await page.locator("#disposition-save").click()
    await eventually(lambda: not engine.state.agents["1001"].disposition_due, what="code given")
    await set_status(page, "available")
    await eventually(lambda: engine.state.agents["1001"].status is Status.AVAILABLE)
    await expect(page.locator("#no-call")).to_be_visible()


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_a_queue_call_consulted_and_transferred_from_the_console(
    pbx: PbxHarness, browser: Browser, tmp_path: Path, lang: str
) -> None:
    caller, first, second = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    async with agent_console(pbx, browser, tmp_path, lang) as (engine, page, watcher):
        await queue_call_answered(pbx, page, watcher, lang)
        await consult_bob(pbx, page, lang)
        await expect(agent_row(watcher, "1002")).to_contain_text(STATUS[lang]["busy"])
        await asyncio.sleep(LINE_2_TALK)  # the agents talk; the caller hears music

        await page.locator("#transfer-lines").click()
        await first.wait_for("CALL_CLOSED")
        await expect(agent_row(watcher, "1001")).to_contain_text(STATUS[lang]["wrap_up"])
        await screenshot(watcher, lang, "status-supervisor")
        await asyncio.sleep(TALK)  # the caller and Bob talk
        await wrap_up_with_a_code_then_available(engine, page, lang)
        await expect(agent_row(watcher, "1001")).to_contain_text(STATUS[lang]["available"])
        await caller.hangup()
        await second.wait_for("CALL_CLOSED")
        await nothing_left(pbx)

    # By ear: the call connected (caller ↔ Anna), line 2 (Anna ↔ Bob, the caller on
    # music), then the caller with Bob; each for most of its stretch.
    assert seconds_heard(caller.heard, 1000.0) >= TALK - 0.4  # Anna
    assert seconds_heard(first.heard, 440.0) >= TALK - 0.4  # the caller
    assert seconds_heard(first.heard, 1200.0) >= LINE_2_TALK - 0.5  # Bob on line 2
    assert seconds_heard(caller.heard, MOH_HZ) >= LINE_2_TALK - 0.5
    assert seconds_heard(caller.heard, 1200.0) >= TALK - 0.4  # Bob, after the transfer
    assert seconds_heard(second.heard, 440.0) >= TALK - 0.4  # the caller


async def test_a_queue_call_held_then_joined_into_a_conference_from_the_console(
    pbx: PbxHarness, browser: Browser, tmp_path: Path
) -> None:
    caller, first, second = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    async with agent_console(pbx, browser, tmp_path) as (engine, page, watcher):
        await queue_call_answered(pbx, page, watcher, "nl")
        await page.locator("#call-hold").click()
        await expect(page.locator("#call")).to_have_attribute("data-state", "on_hold")
        await asyncio.sleep(TALK)  # the caller hears music
        await page.locator("#call-resume").click()
        await expect(page.locator("#call")).to_have_attribute("data-state", "connected")
        await asyncio.sleep(TALK)
        await consult_bob(pbx, page, "nl")
        await asyncio.sleep(TALK)

        await page.locator("#join-lines").click()
        await expect(page.locator("#call")).to_have_attribute("data-state", "conference")
        await screenshot(page, "nl", "phone-conference")
        await asyncio.sleep(LINE_2_TALK)  # all three talk

        await page.locator("#call-hangup").click()  # Anna leaves
        await first.wait_for("CALL_CLOSED")
        await asyncio.sleep(TALK)  # the caller and Bob stay connected
        await wrap_up_with_a_code_then_available(engine, page, "nl")
        await caller.hangup()
        await second.wait_for("CALL_CLOSED")  # alone in the room: hung up by vcc
        await nothing_left(pbx)

    assert_heard_all(first.heard, [440.0, 1200.0], start=-LINE_2_TALK + 0.4, end=-0.3)
    assert seconds_heard(caller.heard, 1000.0) >= 2 * TALK - 0.8  # Anna, around the hold
    assert seconds_heard(caller.heard, MOH_HZ) >= 2 * TALK - 0.8  # on hold, then line 2
    assert seconds_heard(caller.heard, 1200.0) >= TALK - 0.4  # Bob, at the end
    assert seconds_heard(second.heard, 440.0) >= TALK - 0.4  # the caller, at the end


async def test_click_to_dial_rings_the_agent_first_then_hang_up_from_the_console(
    pbx: PbxHarness, browser: Browser, tmp_path: Path
) -> None:
    customer, first = pbx.phones["2002"], pbx.phones["1001"]
    async with agent_console(pbx, browser, tmp_path, "en") as (engine, page, _):
        await page.locator("#dial-kind").select_option("number")
        await page.locator("#dial-target").fill("2002")
        await page.locator("#dial-dial").click()
        await first.wait_for("CALL_INCOMING")  # the agent's phone first
        assert customer.calls_in() == 0
        await expect(page.locator("#tab-phone")).to_have_attribute("data-ringing", "false")
        await first.answer()
        await customer.wait_for("CALL_RTPESTAB")  # then the customer's
        await expect(page.locator("#call")).to_have_attribute("data-state", "connected")
        await expect(page.locator("#call")).to_contain_text("Talking to2002")
        await asyncio.sleep(TALK)  # they talk

        # Hold is for queue calls (the customer of an agent-first call is the agent's
        # own Dial): not offered here.
        await expect(page.locator("#call-hold")).to_have_count(0)
        await page.locator("#call-hangup").click()
        await customer.wait_for("CALL_CLOSED")
        await first.wait_for("CALL_CLOSED")
        await nothing_left(pbx)
        # No wrap-up after outbound calls here: back to Available, in the console too.
        await expect(page.locator("#current-status")).to_contain_text("Available")
        assert engine.state.agents["1001"].status is Status.AVAILABLE
        await page.locator("#tab-status").click()
        await expect(page.locator("#recents")).to_contain_text("Number: 2002")

    assert seconds_heard(customer.heard, 1000.0) >= TALK - 0.4  # Anna
    assert seconds_heard(first.heard, 600.0) >= TALK - 0.4  # the customer
