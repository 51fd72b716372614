"""The agent console in a real Chromium (Debian's, driven by Playwright): a page per
user, logged in through the console's own form; screenshots saved as artifacts."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = os.environ.get("VCC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("VCC_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
STATUS_NAMES = {  # the control panel's buttons, as the seed names them
    "nl": {"available": "Beschikbaar", "working_offline": "Offline werken", "break": "Pauze"},
    "en": {"available": "Available", "working_offline": "Working offline", "break": "Break"},
}


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def watched_page(
    browser: Browser, base_url: str, lang: str = "nl"
) -> AsyncIterator[tuple[Page, list[str]]]:
    """A fresh browser (own cookies) and a page in it, with the script errors and
    CSP violations it reports (for the caller to judge); closed on the way out."""
    context = await browser.new_context(
        base_url=base_url, locale="nl-NL" if lang == "nl" else "en-GB",
        viewport={"width": 1280, "height": 860},
    )  # fmt: skip
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield page, errors
    finally:
        await context.close()


@asynccontextmanager
async def console(browser: Browser, base_url: str, lang: str = "nl") -> AsyncIterator[Page]:
    """A fresh browser (own cookies) with the console open, in ``lang``."""
    async with watched_page(browser, base_url, lang) as (page, errors):
        await page.goto("/")
        try:
            # The console is up once it shows a form or its shell; if a script failed
            # to load, say so now rather than let a later locator time out.
            await page.wait_for_selector("#app form, #app header", timeout=10_000)
        except Exception:
            raise AssertionError(f"the console did not start: {errors}") from None
        yield page
    # A script error or a CSP violation in the console fails the test that caused it;
    # refused requests (4xx the test provoked) are the test's own business.
    real = [e for e in errors if "status of 4" not in e]
    assert not real, real


async def log_in(page: Page, username: str, password: str) -> None:
    await page.get_by_label(re.compile("Gebruikersnaam|Username")).fill(username)
    await page.get_by_label(re.compile("^(Wachtwoord|Password)$")).fill(password)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("#shell-top")).to_be_visible()


async def set_status(page: Page, status: str) -> None:
    await page.locator(f"button[data-status={status}]").click()
    await expect(page.locator(f"button[data-status={status}]")).to_have_attribute(
        "aria-pressed", "true"
    )


async def screenshot(page: Page, lang: str, screen: str) -> Path:
    path = ARTIFACTS / "screenshots" / lang / f"{screen}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path
