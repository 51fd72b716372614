"""WFM in the console (Chromium), nl and en: the agent's schedule and a change request,
a part-day time-off request approved by the supervisor in their page (the email copy
read from the SMTP server), and a shift swap offered by one agent and taken by another."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.harness.api import PASSWORD
from tests.harness.browser import console, log_in, screenshot
from tests.harness.until import eventually
from tests.wfm.conftest import Wfm
from tests.wfm.test_wfm_api import DAY, WORK_DAY

WORDS = {
    "nl": {"planning": "Planning", "time_off": "Verlof", "swaps": "Ruilen",
           "admin": "Planning beheren", "pending": "in behandeling", "approved": "goedgekeurd",
           "accept": "Planning ruilen", "published": "Gepubliceerd", "next": "Volgende week"},
    "en": {"planning": "Schedule", "time_off": "Time off", "swaps": "Swaps",
           "admin": "Manage schedules", "pending": "pending", "approved": "approved",
           "accept": "Swap schedules", "published": "Published", "next": "Next week"},
}  # fmt: skip


def url(wfm: Wfm) -> str:
    return str(wfm.api.client.make_url("/"))


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_the_agent_sees_the_schedule_and_asks_for_a_change(
    wfm: Wfm, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    await wfm.publish("1001", DAY, *WORK_DAY)
    async with console(browser, url(wfm), lang) as page:
        await log_in(page, "anna", PASSWORD)
        await page.get_by_role("button", name=words["planning"], exact=True).click()
        row = page.locator(f"#schedule-table tr[data-day='{DAY}']")
        await expect(row).to_contain_text("09:00–12:00 work")
        await expect(row).to_contain_text("Team meeting at 15:00")
        await expect(row.locator(".dot")).to_have_attribute("title", words["published"])
        await expect(page.locator("#wfm-unacknowledged")).to_have_text("1")
        await expect(page.locator("#my-adherence")).to_contain_text("2026-12-01")
        await page.locator("#change-code").select_option("training")
        await page.locator("#change-day").fill(DAY)
        await page.locator("#change-start").fill("14:00")
        await page.locator("#change-end").fill("15:00")
        await page.locator("#change-send").click()
        await expect(page.locator("#change-requests li[data-status=pending]")).to_contain_text(
            words["pending"]
        )
        await screenshot(page, lang, "wfm-planning")
    pending = await wfm.ok("GET", "/wfm/requests?status=pending", "sup")
    assert [(r["agent_id"], r["kind"], r["code"]) for r in pending] == [
        ("1001", "change", "training")
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_time_off_asked_in_the_console_and_approved_by_the_supervisor(
    wfm: Wfm, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    await wfm.publish("1001", DAY, *WORK_DAY)
    await wfm.ok("PUT", "/wfm/agents/1001/balances/vacation", "sup", {"earned_hours": 16})
    async with console(browser, url(wfm), lang) as agent:
        await log_in(agent, "anna", PASSWORD)
        await agent.get_by_role("button", name=words["time_off"], exact=True).click()
        await agent.locator("#time-off-kind").select_option("partial_day")
        await agent.locator("#time-off-code").select_option("vacation")
        await agent.locator("#off-day").fill(DAY)
        await agent.locator("#off-start").fill("13:00")
        await agent.locator("#off-end").fill("17:00")
        await agent.locator("#time-off-send").click()
        await agent.locator("#overview-month").fill("2026-12")
        row = agent.locator("#time-off-table tr[data-status=pending]")
        await expect(row).to_contain_text(words["pending"])
        await expect(agent.locator("#balance-table tr[data-code=vacation]")).to_contain_text("16")
        await screenshot(agent, lang, "wfm-time-off")

        async with console(browser, url(wfm), lang) as sup:
            await log_in(sup, "sup", PASSWORD)
            await sup.get_by_role("button", name=words["admin"]).click()
            item = sup.locator("#pending-requests li").filter(has_text="vacation")
            await expect(item).to_contain_text("1001")
            await screenshot(sup, lang, "wfm-manage")
            await item.get_by_role("button").first.click()  # approve
            await expect(sup.locator("#pending-requests li")).to_have_count(0)

        await agent.locator("#overview-status").select_option("approved")
        await expect(agent.locator("#time-off-table tr[data-status=approved]")).to_be_visible()
        await agent.get_by_role("button", name=words["time_off"], exact=True).click()
        await expect(agent.locator("#balance-table tr[data-code=vacation]")).to_contain_text(
            "12"
        )  # remaining after 4 planned hours
    mail = await eventually(
        lambda: [m for m in wfm.mailbox.to("anna@example.org") if "approved" in m["Subject"]],
        what="the decision emailed",
    )
    assert "vacation 2026-12-02" in mail[0]["Subject"]


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_a_shift_offered_by_one_agent_is_swapped_by_another(
    wfm: Wfm, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    await wfm.publish("1001", DAY, ("work", "09:00", "17:00"))
    await wfm.publish("1002", DAY, ("work", "13:00", "21:00"))
    async with console(browser, url(wfm), lang) as anna:
        await log_in(anna, "anna", PASSWORD)
        await anna.get_by_role("button", name=words["swaps"], exact=True).click()
        await anna.locator("#swap-day").fill(DAY)
        await anna.locator("#swap-expires").fill(f"{DAY}T08:00")
        await anna.locator("#swap-offer").click()
        await expect(anna.locator("#swap-list li[data-status=open]")).to_be_visible()
    async with console(browser, url(wfm), lang) as bob:
        await log_in(bob, "bob", PASSWORD)
        await bob.get_by_role("button", name=words["swaps"], exact=True).click()
        offer = bob.locator("#swap-list li[data-status=open]")
        await expect(offer).to_contain_text("1001")
        await screenshot(bob, lang, "wfm-swaps")
        await offer.get_by_role("button", name=words["accept"]).click()
        await expect(bob.locator("#swap-list li[data-status=accepted]")).to_be_visible()
        await bob.get_by_role("button", name=words["planning"], exact=True).click()
        await expect(bob.locator(f"#schedule-table tr[data-day='{DAY}']")).to_contain_text(
            "09:00–17:00 work"
        )
    mail = await eventually(
        lambda: [m for m in wfm.mailbox.to("anna@example.org") if "swapped" in m["Subject"]],
        what="the swap emailed to the offerer",
    )
    assert DAY in mail[0]["Subject"]
