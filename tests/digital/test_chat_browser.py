"""Web chat end to end in two real browsers: a customer on a website with vcc's
widget (one script tag) starts a chat; the agent's console flashes the Chat tab and
pops up the customer's card; the agent accepts, inserts an FAQ answer with Ctrl+/,
both see each other typing and writing, and the end frees the agent's capacity.
Script in a chat line is shown as text everywhere (a script error or a CSP
violation in either page fails the test)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from playwright.async_api import Browser, FrameLocator, Page, expect

from tests.digital.conftest import Desk, email_to_vcc, send_to_vcc
from tests.harness.api import PASSWORD, StandInPbx
from tests.harness.browser import console, log_in, screenshot, watched_page
from tests.harness.until import eventually

HOSTILE = "<img src=x onerror=\"document.title='owned'\"><script>alert(1)</script>"
ANSWER = "Wij leveren binnen 2 werkdagen."


@asynccontextmanager
async def website(browser: Browser, base_url: str) -> AsyncIterator[tuple[Page, FrameLocator]]:
    """A customer on a website with the widget, its chat window open."""
    async with watched_page(browser, base_url) as (page, errors):
        await page.goto("/widget/demo.html")
        await page.locator("#vcc-chat-button").click()
        yield page, page.frame_locator("#vcc-chat-frame")
    assert not errors, errors


async def anna_alone_with_the_faq(desk: Desk) -> None:
    """Only anna takes work (bob logs out); the FAQ has the delivery-time answer."""
    await desk.ok("PUT", "/agents/1002/status", "sup", {"status": "logged_out"})
    await desk.ok("POST", "/help", "root", {"kind": "faq", "title": "Levertijd", "body": ANSWER,
                                            "tags": "bezorging"})  # fmt: skip


async def test_a_customer_chats_from_the_widget_with_an_agent_in_the_console(
    desk: Desk, browser: Browser
) -> None:
    await anna_alone_with_the_faq(desk)
    await desk.ok("POST", "/customers", "anna", {"name": "Carla de Vries",
                                                 "email": "carla@example.org"})  # fmt: skip
    url = str(desk.api.client.make_url("/"))
    async with console(browser, url) as agent, website(browser, url) as (shop, chat):
        await log_in(agent, "anna", PASSWORD)
        await agent.locator("#tab-chat").click()
        annas_events = await desk.events("anna")

        await chat.locator("#name").fill("Carla")
        await chat.locator("#email").fill("carla@example.org")
        await chat.locator("#question").fill(HOSTILE)
        await chat.locator("#start").click()
        await expect(chat.locator("#lines")).to_contain_text("<img src=x")

        # The console: the tab flashes, the customer's card pops up, the offer waits.
        await expect(agent.locator("#tab-chat")).to_have_attribute("data-ringing", "true")
        await expect(agent.locator("#screen-pop")).to_contain_text("Carla de Vries")
        # Anna's page is reloaded while the offer waits, and Carla writes again: the
        # page saw only the new line pushed, yet shows the whole chat once accepted.
        await agent.reload()  # (still logged in)
        await agent.locator("#tab-chat").click()
        await expect(agent.locator("#chat-list button.primary")).to_be_visible()
        await chat.locator("#message").fill("Is er iemand?")
        await chat.locator("#message").press("Enter")
        await expect(chat.locator("#lines")).to_contain_text("Is er iemand?")
        await eventually(lambda: [m for m in annas_events.of("chat")
                                  if m["message"]["text"] == "Is er iemand?"],
                         what="the new line pushed to anna")  # fmt: skip
        await agent.locator("#chat-list button.primary").click()
        await expect(chat.locator("#status")).to_have_text("Een medewerker is er.")
        await expect(agent.locator("#chat-lines")).to_contain_text("<script>alert(1)</script>")
        await expect(agent.locator("#chat-lines")).to_contain_text("Is er iemand?")
        assert await agent.locator("#chat-lines img, #chat-lines script").count() == 0
        assert await chat.locator("#lines img, #lines script").count() == 0

        # Typing shows on both sides.
        await chat.locator("#message").press_sequentially("Hallo")
        await expect(agent.locator("#chat-typing")).to_contain_text("Carla")
        box = agent.locator("#chat-input")
        await box.press_sequentially("Goedemiddag! ")
        await expect(chat.locator("#status")).to_have_text("De medewerker typt…")

        # An FAQ answer, by keyboard: Ctrl+/, search, Enter; then Enter sends.
        await box.press("Control+/")
        await agent.locator("#faq-search").fill("levertijd")
        await expect(agent.locator("#faq-results li.picked")).to_contain_text("Levertijd")
        await agent.locator("#faq-search").press("Enter")
        await expect(box).to_have_value(f"Goedemiddag! {ANSWER}")
        await box.press("Enter")
        await expect(chat.locator("#lines")).to_contain_text(ANSWER)
        await chat.locator("#message").press("Enter")  # "Hallo", typed before
        await expect(agent.locator("#chat-lines")).to_contain_text("Hallo")
        await screenshot(agent, "nl", "chat")
        await screenshot(shop, "nl", "chat-widget")

        # The end: the customer is told, the agent's capacity is free again.
        await agent.locator("#end-chat").click()
        await expect(chat.locator("#status")).to_have_text("De chat is beëindigd. Bedankt!")
        await eventually(lambda: desk.load("1001") == 0, what="capacity freed")
        await expect(agent.locator("#tab-chat .badge")).to_have_count(0)
        await agent.locator("#tab-status").click()
        await expect(agent.locator("tr[data-agent='1001'] td.load-chat")).to_have_text("0/2")
        await expect(agent.locator("tr[data-agent='1002'] td.load-chat")).to_have_text("0/3")
        assert await shop.title() != "owned"
        assert re.search("owned", await agent.title()) is None
        await annas_events.close()


async def test_the_crm_tab_finds_a_customer_and_the_help_page_searches_the_faq(
    desk: Desk, browser: Browser
) -> None:
    customer = await desk.ok("POST", "/customers", "anna", {"name": "Dirk Jansen",
                                                            "phone": "0201234567"})  # fmt: skip
    await desk.ok("POST", "/cases", "anna", {"customer_id": customer["id"],
                                             "subject": "Factuur"})  # fmt: skip
    await desk.ok("POST", "/help", "root", {"kind": "article", "title": "Retouren",
                                            "body": "Zo stuurt u iets terug."})  # fmt: skip
    url = str(desk.api.client.make_url("/"))
    async with console(browser, url, "en") as page:
        await log_in(page, "anna", PASSWORD)
        await page.locator("#tab-crm").click()
        await page.locator("#crm-search").fill("jansen")
        await page.locator("#crm-find").click()
        await page.locator("#crm-found button").click()
        card = page.locator(f"#customer-{customer['id']}")
        await expect(card).to_contain_text("Factuur")
        await page.locator("#task-title").fill("Call back about the invoice")
        await page.locator("#task-add").click()
        await expect(page.locator("#crm-tasks")).to_contain_text("Call back about the invoice")
        await screenshot(page, "en", "crm")
        # Bellen from the record: agent first (the PBX is asked to ring anna's phone).
        pbx = cast(StandInPbx, desk.engine.driver)
        await page.locator("#crm-call").click()
        await eventually(lambda: ("originate", "PJSIP/1001", "vcc-outbound") in pbx.actions,
                         what="anna's phone rung first")  # fmt: skip
        await page.locator("#menu-help").click()
        await page.locator("#help-search").fill("retour")
        await expect(page.locator("#help-articles")).to_contain_text("Zo stuurt u iets terug.")
        assert await page.locator("#article-save").count() == 0  # agents read, admins write


async def test_an_email_is_accepted_answered_with_an_faq_and_ended_in_the_console(
    desk: Desk, browser: Browser
) -> None:
    await anna_alone_with_the_faq(desk)
    message = email_to_vcc("Waar is mijn pakket?", "Ik wacht al een week.")
    message.add_attachment(b"GIF89a", maintype="image", subtype="gif", filename="..\\bon.gif")
    await send_to_vcc(desk, message)
    url = str(desk.api.client.make_url("/"))
    async with console(browser, url) as page:
        await log_in(page, "anna", PASSWORD)
        await expect(page.locator("#tab-email")).to_have_attribute("data-ringing", "true")
        await page.locator("#tab-email").click()
        await page.locator("#email-list button.primary").click()  # Accepteren
        await expect(page.locator("#email-thread")).to_contain_text("Ik wacht al een week.")
        await expect(page.locator("#email-case")).to_contain_text("Case #")
        await expect(page.locator("#email-thread .attachments a")).to_have_text("bon.gif")
        reply = page.locator("#email-reply")
        await reply.fill("Beste Dirk, ")
        await reply.press("End")
        await page.locator("#faq-insert").click()
        await page.locator("#faq-search").fill("bezorging")
        await page.locator("#faq-search").press("Enter")
        await expect(reply).to_have_value(f"Beste Dirk, {ANSWER}")
        await page.locator("#email-send").click()  # Beantwoorden
        answers = await eventually(lambda: desk.mailbox.to("dirk@example.org"), what="reply")
        assert ANSWER in answers[0].get_payload()
        await expect(page.locator("#email-thread article.mail-out")).to_contain_text(ANSWER)
        await screenshot(page, "nl", "email")
        await page.locator("#end-email").click()  # Beëindigen
        await eventually(lambda: desk.load("1001", "email") == 0, what="email capacity freed")

        # Agent to agent: from the Status tab's row of a colleague.
        await page.locator("#tab-status").click()
        await page.locator("#chat-with-1002").click()
        await expect(page.locator("#agent-chat-peer")).to_have_value("1002")
        await page.locator("#agent-chat-input").fill("Pakket van Dirk is onderweg")
        await page.locator("#agent-chat-send").click()
        await expect(page.locator("#agent-chat-lines")).to_contain_text("Pakket van Dirk")
        talk = await desk.ok("GET", "/agent-chat?with=1001", "bob")
        assert [m["text"] for m in talk] == ["Pakket van Dirk is onderweg"]
